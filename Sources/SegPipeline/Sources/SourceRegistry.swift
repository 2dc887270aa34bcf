/// Every input source the pipeline language knows, in documentation order. Add new sources here.
public enum SourceRegistry {
    public static let all: [any InputSource.Type] = [
        VOCSource.self,
        FoldersSource.self,
        CityscapesSource.self,
        ADE20KSource.self,
        LabelmeSource.self,
    ]

    /// The source type whose `format` is `name`, if any.
    public static func named(_ name: String) -> (any InputSource.Type)? {
        all.first { $0.declaration.name == name }
    }

    public static var names: [String] { all.map { $0.declaration.name } }
}
