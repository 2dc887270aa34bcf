import SegImage
import Foundation

/// The ground truth of a pipeline's input at each image's own size: every label read as the
/// pipeline reads it (the source's value map, colour-coded labels, reduce-zero-label) and passed
/// through its value stages (`remap_labels`), with ignored pixels at the pipeline's `ignore_index`.
/// Geometric and photometric stages are not applied. `eval --pipeline` scores predictions against it.
public struct GroundTruth: Sendable {
    public let spec: PipelineSpec
    public let input: DatasetInput
    /// Pixel limit of the pipeline's decode stage (or `max_pixels` given to the run).
    let maxPixels: Int

    /// The records of `spec`'s input (`root` replacing `input.root`).
    ///
    /// Throws `InputError` for a source that cannot be listed.
    public init(spec: PipelineSpec, root: String? = nil) throws {
        self.spec = spec
        input = try DatasetInput(spec, root: root)
        maxPixels = DecodeStage(labelOnlyFor: spec).maxPixels
    }

    /// The ground truth of records already listed (`input`).
    public init(spec: PipelineSpec, input: DatasetInput) {
        self.spec = spec
        self.input = input
        maxPixels = DecodeStage(labelOnlyFor: spec).maxPixels
    }

    /// The class indices of `record`'s label (1 byte a value, 2 for U16 pipelines).
    ///
    /// Throws `SampleError` naming the file (missing, too large, not the image's size, …).
    public func label(_ record: SampleRecord) throws -> Raster {
        let imageData = try input.source.imageData(record, maxPixels: maxPixels)
        let size = try ImageCodec.imageSize(imageData, id: record.id, path: record.image)
        try FileGate.check(size.width, size.height, limit: maxPixels, id: record.id, path: record.image)
        let labelData = try FileGate.read(record.label, id: record.id, what: "label", maxPixels: maxPixels)
        var label = try DecodeStage.label(labelData, record: record, spec: spec, imageSize: (size.width, size.height))
        for stage in spec.stages.compactMap({ $0 as? RemapLabelsStage }) {
            label.mapLabels(stage.table(ignoreIndex: spec.ignoreIndex, wide: label.channels == 2))
        }
        return label
    }
}
