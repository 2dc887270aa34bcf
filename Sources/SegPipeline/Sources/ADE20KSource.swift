import Foundation

/// `format: ade20k`: the ADE20K scene-parsing layout, with reduce-zero-label.
public struct ADE20KSource: InputSource {
    public static let declaration = SourceDeclaration(
        name: "ade20k",
        summary: "ADE20K: `images/<split>/*.jpg` with `annotations/<split>/*.png`, reduce-zero-label.",
        details: "Label value 0 (\"other\") becomes the ignore class and every value v the class v − 1, as mmsegmentation's `reduce_zero_label` does (255 stays ignored); ADE20K has 150 classes (`classes: 150`).",
        keys: [Keys.root.info, Keys.split.info])

    enum Keys {
        static let root = Param<String>.text("root", "dataset folder holding images/ and annotations/")
        static let split = Param<String>.text("split", default: "training", "training or validation")
    }

    public let root: String
    let split: String

    public init(_ keys: ParameterValues, base: URL, classes: [String]) throws {
        root = PipelineSpec.resolve(keys[Keys.root], against: base)
        split = keys[Keys.split]
    }

    public func records(root: String) throws -> [SampleRecord] {
        try FoldersSource(root: root, layout: .init(images: "images/\(split)", labels: "annotations/\(split)",
                                                    imageSuffix: ".jpg", labelSuffix: ".png")).records(root: root)
    }

    public func labelTable(ignore: Int) -> [UInt16]? { Self.reduceZeroLabel(ignore: ignore) }

    /// mmsegmentation's `reduce_zero_label`: 0 and 255 become the ignore class, every other v is
    /// v − 1. On 16-bit labels (`wide`), 255 is a value like the others: only 0 is ignored.
    public static func reduceZeroLabel(ignore: Int, wide: Bool = false) -> [UInt16] {
        let ignored = UInt16(ignore)
        return (0..<(wide ? 65_536 : 256)).map { (v: Int) -> UInt16 in v == 0 || (v == 255 && !wide) ? ignored : UInt16(v - 1) }
    }
}
