import ArgumentParser
import Foundation
import SegFormat
import SegPipeline
import SegTrain

/// `seg-prep predict`: label maps for images from a trained checkpoint.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict label maps for images with a trained checkpoint, as palette PNGs at each image's size.",
        discussion: """
        Each image is letterboxed as the val pipelines do (Pillow-exact bicubic, grey 128 padding) to the checkpoint's training size (or --size), run through the model in evaluation mode, and the class map is cropped to the letterboxed region and resized back (nearest) to the image's own size. Output: <out>/<image name>.png, an 8-bit palette PNG whose pixel values are class indices (VOC colours), ready for `seg-prep eval`.

        With --tile SIZE (and --stride S, default SIZE/2) images are predicted window by window at full resolution instead, as mmsegmentation's slide inference: SIZExSIZE windows at stride S, the last of each row and column shifted back inside the image, windows past a small image padded with grey 128; the logits of overlapping windows are averaged before the argmax. Images are read window by window through libvips, so huge images (remote sensing, pathology) work; --label-format tiff writes the class map as a single-band TIFF instead of a PNG.

        Example:
          seg-prep predict --checkpoint runs/em/best.safetensors --input fixtures/em-membrane/JPEGImages --out out/pred
          seg-prep predict --checkpoint runs/potsdam/best.safetensors --input scene.tif --out out/pred --tile 512 --stride 256
        """)

    @Option(help: "Checkpoint written by `seg-prep train` (best.safetensors or last.safetensors).")
    var checkpoint: String

    @Option(help: "An image file or a folder of images (jpg, jpeg, png, tif, tiff, webp, bmp).")
    var input: String

    @Option(help: "Output folder for the label PNGs.")
    var out: String

    @Option(parsing: .upToNextOption, help: "Network input height and width (default: the training size stored in the checkpoint).")
    var size: [Int] = []

    @Option(help: "Predict in SIZExSIZE windows at full resolution (sliding-window inference) instead of letterboxing.")
    var tile: Int?

    @Option(help: "Step between windows with --tile (default: half the tile).")
    var stride: Int?

    @Option(help: "Label map file format: png (palette PNG) or tiff (single-band, deflate).")
    var labelFormat: LabelFormat = .png

    enum LabelFormat: String, CaseIterable, ExpressibleByArgument { case png, tiff }

    @OptionGroup var threads: ComputeThreadsOption

    static let extensions: Set<String> = ["jpg", "jpeg", "png", "tif", "tiff", "webp", "bmp"]

    func validate() throws {
        guard size.isEmpty || (size.count == 2 && size.allSatisfy { $0 > 0 }) else {
            throw ValidationError("--size takes two positive numbers, height and width, e.g. --size 256 256.")
        }
        // A window's logits are classes x tile x tile floats: 4096 keeps them within a few GB.
        if let tile, !(1...4096).contains(tile) { throw ValidationError("--tile is \(tile); give 1 to 4096, e.g. --tile 512.") }
        if let stride {
            guard let tile else { throw ValidationError("--stride needs --tile.") }
            guard (1...tile).contains(stride) else { throw ValidationError("--stride must be 1 to the tile size, e.g. --stride \(tile / 2).") }
        }
        if size.count == 2, !size.allSatisfy({ (1...8192).contains($0) }) {
            throw ValidationError("--size takes a height and width of 1 to 8192 pixels, e.g. --size 256 256.")
        }
        if tile != nil && !size.isEmpty { throw ValidationError("--size letterboxes to a fixed size; with --tile the windows set the size, so give one of them.") }
    }

    func run() throws {
        threads.apply()
        let file = try SafeTensorsFile(path: checkpoint)
        var model = try SegmentationModel(checkpoint: checkpoint)
        let (h, w) = try tile.map { t -> (Int, Int) in
            guard t % model.sizeMultiple == 0 else {
                throw ValidationError("--tile \(t) does not suit this model; use a multiple of \(model.sizeMultiple), e.g. 512.")
            }
            return (t, t)
        } ?? inputSize(file.metadata, multiple: model.sizeMultiple)
        let slide = tile.map { SlideInference(tile: $0, stride: stride ?? max(1, $0 / 2), classes: model.classes) }
        let images = try imagePaths()
        // Never into the images' folder or over files seg-prep did not write (ground truth, say).
        var folder = try OwnedOutputFolder(out, command: "predict", inputs: [input, checkpoint])
        var seen: [String: String] = [:]
        for path in images {
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            if let other = seen.updateValue(path, forKey: name) {
                throw ValidationError("\(other) and \(path) would both be written as \(name).\(labelFormat == .png ? "png" : "tif"); predict them into separate folders.")
            }
        }
        try Vips.start()
        let palette = Palette.voc(ignoreIndex: model.classes)
        let progress = ProgressLine(label: "predict")
        let clock = ContinuousClock(), start = clock.now
        for (k, path) in images.enumerated() {
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let label: Raster
            if let slide {
                label = try slide.labelMap(path: path) { window in
                    model.forward(Tensor<Float>(rgb: window.pixels, height: window.height, width: window.width), training: false).scalars
                }
            } else {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ValidationError("cannot read \(path); check that the file exists and is readable.")
                }
                let (image, _) = try ImageCodec.decodeRGB(data, id: name, path: path)
                label = Predict.labelMap(image, model: &model, height: h, width: w)
            }
            let target = try folder.claim(name + (labelFormat == .png ? ".png" : ".tif"))
            if labelFormat == .png {
                try PalettePNG.write(label, palette: palette, to: target)
            } else {
                try AtomicFile.write(try Vips.encode(label, suffix: ".tif[compression=deflate]"), to: target)
            }
            progress.update(done: k + 1, total: images.count, seconds: (clock.now - start).seconds)
        }
        progress.finish()
        print("wrote \(images.count) label map(s) to \(out)")
    }

    /// Letterboxes `image` to `height`x`width`, predicts, and maps the classes back to the image's size.
    static func labelMap(_ image: Raster, model: inout SegmentationModel, height: Int, width: Int) -> Raster {
        let box = Letterbox(source: (image.width, image.height), width: width, height: height)
        let canvas = box.image(image, fill: [128, 128, 128])
        let classes = model.predict(Tensor<Float>(rgb: canvas.pixels, height: height, width: width))
        return Resample.nearest(box.window(classes), width: image.width, height: image.height)
    }

    /// The network input size: --size, else the checkpoint's training size.
    func inputSize(_ metadata: [String: String], multiple: Int) throws -> (Int, Int) {
        let h: Int, w: Int
        if size.count == 2 {
            (h, w) = (size[0], size[1])
        } else if let mh = metadata["height"].flatMap(Int.init), let mw = metadata["width"].flatMap(Int.init) {
            guard (1...8192).contains(mh), (1...8192).contains(mw) else {
                throw ValidationError("\(checkpoint) records a training size of \(mw)x\(mh), not 1 to 8192 pixels a side; pass --size H W (the size of the training shards).")
            }
            (h, w) = (mh, mw)
        } else {
            throw ValidationError("\(checkpoint) does not record its training size; pass --size H W (the size of the training shards).")
        }
        guard h % multiple == 0, w % multiple == 0 else {
            throw ValidationError("--size \(h) \(w) does not suit this model; use multiples of \(multiple), e.g. 256 256.")
        }
        return (h, w)
    }

    /// The image files named by --input.
    func imagePaths() throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
            throw ValidationError("--input \(input) does not exist; give an image file or a folder of images.")
        }
        guard isDir.boolValue else { return [input] }
        let names = try FileManager.default.contentsOfDirectory(atPath: input)
            .filter { Predict.extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        guard !names.isEmpty else {
            throw ValidationError("--input \(input) holds no images (\(Predict.extensions.sorted().joined(separator: ", "))); point it at the images.")
        }
        return names.map { (input as NSString).appendingPathComponent($0) }
    }
}
