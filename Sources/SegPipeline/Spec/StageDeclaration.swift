/// What a stage is, for the parser, the planner and the docs.
public struct StageDeclaration: Sendable {
    /// The YAML name (`flip`, `random_resize`, …).
    public var name: String
    /// One-line summary, then a longer description.
    public var summary: String
    public var details: String
    /// What the stage does to the label map.
    public var label: String
    public var parameters: [Parameter]
    /// Whether the stage draws random numbers (its draws are recorded per sample).
    public var random: Bool

    public init(name: String, summary: String, details: String, label: String, random: Bool, parameters: [Parameter]) {
        self.name = name; self.summary = summary; self.details = details; self.label = label
        self.random = random; self.parameters = parameters
    }
}
