/// Every stage the pipeline language knows, in documentation order. Add new stages here.
public enum StageRegistry {
    public static let all: [any Stage.Type] = [
        DecodeStage.self,
        TileStage.self,
        RemapLabelsStage.self,
        LetterboxStage.self,
        RandomResizeStage.self,
        FlipStage.self,
        PlaceStage.self,
        HSVStage.self,
        ResizeStage.self,
        RandomCropStage.self,
        PhotometricStage.self,
        Rot90Stage.self,
        TransposeStage.self,
        RotateStage.self,
        AffineStage.self,
        ElasticStage.self,
        GammaStage.self,
        GrayscaleStage.self,
        BrightnessContrastStage.self,
        CLAHEStage.self,
        BlurStage.self,
        NoiseStage.self,
        CutoutStage.self,
        MosaicStage.self,
        ClassMixStage.self,
        PadStage.self,
        OneHotStage.self,
    ]

    /// The stage type named `name`, if any.
    public static func named(_ name: String) -> (any Stage.Type)? {
        all.first { $0.declaration.name == name }
    }

    public static var names: [String] { all.map { $0.declaration.name } }
}
