/// `one_hot`: declares one-hot targets with an ignore channel, built by the loader, never stored.
public struct OneHotStage: Stage {
    public static let declaration = StageDeclaration(
        name: "one_hot",
        summary: "Declare one-hot targets [H, W, classes+1] for the loader.",
        details: "Nothing is stored (it would cost (classes+1)*4 bytes a pixel): the manifest records the request and loaders build Float32 one-hot with channel `classes` marking ignored pixels, the reference's `seg_labels`. Must be the last stage.",
        label: "Unchanged in the shards; expanded by the loader.",
        random: false,
        parameters: [])

    public init(_ args: StageArgs) throws {}

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        state.oneHot = true
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {}
}
