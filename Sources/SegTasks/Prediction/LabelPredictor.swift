import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTrain

/// A trained checkpoint that predicts a label map at an image's own size: letterboxed to the
/// training size (as the val pipelines do: Pillow-exact bicubic, grey 128), or with `tile`, window
/// by window at full resolution (mmsegmentation's slide inference, read through libvips).
public struct LabelPredictor {
    public private(set) var model: SegmentationModel
    /// Network input size of the letterbox path.
    public let height: Int, width: Int
    /// Window inference, when tiled.
    public let slide: SlideInference?

    /// The largest input side (training size, --size) accepted.
    public static let maxSide = 8192

    /// Loads `checkpoint`; `size` replaces the training size it records; `tile` (and `stride`,
    /// default half the tile) predicts window by window.
    ///
    /// Throws checkpoint errors, or `PredictionError` for sizes the model cannot take.
    public init(checkpoint: String, size: (height: Int, width: Int)? = nil, tile: Int? = nil, stride: Int? = nil) throws {
        let file = try SafeTensorsFile(path: checkpoint)
        model = try SegmentationModel(checkpoint: checkpoint)
        let multiple = model.sizeMultiple
        if let tile {
            guard tile % multiple == 0 else { throw PredictionError.tileDoesNotSuit(tile: tile, multiple: multiple) }
            (height, width) = (tile, tile)
            slide = SlideInference(tile: tile, stride: stride ?? max(1, tile / 2), classes: model.classes)
            return
        }
        slide = nil
        let h: Int, w: Int
        if let size {
            (h, w) = size
        } else if let mh = file.metadata["height"].flatMap(Int.init), let mw = file.metadata["width"].flatMap(Int.init) {
            guard (1...Self.maxSide).contains(mh), (1...Self.maxSide).contains(mw) else {
                throw PredictionError.trainingSizeOutOfRange(checkpoint: checkpoint, width: mw, height: mh)
            }
            (h, w) = (mh, mw)
        } else {
            throw PredictionError.noTrainingSize(checkpoint: checkpoint)
        }
        guard h % multiple == 0, w % multiple == 0 else { throw PredictionError.sizeDoesNotSuit(height: h, width: w, multiple: multiple) }
        (height, width) = (h, w)
    }

    /// Number of classes the model predicts.
    public var classes: Int { model.classes }

    /// The label map of a decoded image: letterboxed, predicted, cropped and resized back (nearest).
    public mutating func labelMap(_ image: Raster) -> Raster {
        let box = Letterbox(source: (image.width, image.height), width: width, height: height)
        let canvas = box.image(image, fill: [128, 128, 128])
        let predicted = model.predict(Tensor<Float>(rgb: canvas.pixels, height: height, width: width))
        return Resample.nearest(box.window(predicted), width: image.width, height: image.height)
    }

    /// The label map of the image file at `path` and, unless tiled, the decoded image (for overlays).
    /// Tiled predictors read the file window by window; others decode it through the image gate.
    ///
    /// Throws `SampleError` for an unreadable image.
    public mutating func labelMap(file path: String) throws -> (label: Raster, image: Raster?) {
        guard let slide else {
            let image = try ImageFile.read(path)
            return (labelMap(image), image)
        }
        var model = self.model
        defer { self.model = model }
        let label = try slide.labelMap(path: path) { window in
            model.forward(Tensor<Float>(rgb: window.pixels, height: window.height, width: window.width), training: false).scalars
        }
        return (label, nil)
    }
}
