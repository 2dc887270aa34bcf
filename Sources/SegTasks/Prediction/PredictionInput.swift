import Foundation
import SegImage
import SegPipeline

/// One image to predict: its output name, the file it is read from, and how it is read (whole, or
/// window by window when the predictor tiles).
public struct PredictionInput {
    /// The output's name (without extension): the file's stem, or the pipeline source's id.
    public var name: String
    /// The image file, for messages and for keeping outputs out of input folders.
    public var source: String
    let reader: (inout LabelPredictor) throws -> (label: Raster, image: Raster?)

    /// The predicted label map, and the image when it was read whole (for overlays).
    public func predict(with predictor: inout LabelPredictor) throws -> (label: Raster, image: Raster?) {
        try reader(&predictor)
    }

    /// Image file extensions a folder given to `predict` is searched for.
    public static let extensions: Set<String> = ["jpg", "jpeg", "png", "tif", "tiff", "webp", "bmp"]

    /// The images of a pipeline's input (its source's records, named by their ids), and the input
    /// root they are read from. `tiled`: read window by window (images embedded in annotations refused).
    public static func pipeline(_ path: String, inputRoot: String?, tiled: Bool) throws -> (inputs: [PredictionInput], root: String) {
        let spec = try PipelineSpec.load(path: path)
        let input = try DatasetInput(spec, root: inputRoot)
        let inputs = input.records.map { record in
            PredictionInput(name: record.id, source: record.image) { predictor in
                if tiled {
                    guard record.image != record.label else { throw PredictionError.embeddedImageWithTile(id: record.id) }
                    return try predictor.labelMap(file: record.image)
                }
                let image = try ImageFile.decode(try input.source.imageData(record, maxPixels: FileGate.defaultMaxPixels),
                                                 id: record.id, path: record.image)
                return (predictor.labelMap(image), image)
            }
        }
        return (inputs, input.root)
    }

    /// The image file `path`, or the images (by `extensions`) of the folder `path`, sorted by name.
    public static func files(_ path: String) throws -> [PredictionInput] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw PredictionError.noInput(path: path) }
        let paths: [String]
        if isDir.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            guard !names.isEmpty else { throw PredictionError.noImages(folder: path, extensions: extensions.sorted()) }
            paths = names.map { (path as NSString).appendingPathComponent($0) }
        } else {
            paths = [path]
        }
        return paths.map { file in
            PredictionInput(name: ((file as NSString).lastPathComponent as NSString).deletingPathExtension, source: file) {
                try $0.labelMap(file: file)
            }
        }
    }
}
