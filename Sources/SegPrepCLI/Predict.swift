import ArgumentParser
import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTasks
import SegTrain

/// `seg-prep predict`: label maps for images from a trained checkpoint.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict label maps for images with a trained checkpoint, as palette PNGs at each image's size.",
        discussion: """
        Each image is letterboxed as the val pipelines do (Pillow-exact bicubic, grey 128 padding) to the checkpoint's training size (or --size), run through the model in evaluation mode, and the class map is cropped to the letterboxed region and resized back (nearest) to the image's own size. Output: <out>/<image name>.png, an 8-bit palette PNG whose pixel values are class indices (VOC colours), ready for `seg-prep eval`.

        With --tile SIZE (and --stride S, default SIZE/2) images are predicted window by window at full resolution instead, as mmsegmentation's slide inference: SIZExSIZE windows at stride S, the last of each row and column shifted back inside the image, windows past a small image padded with grey 128; the logits of overlapping windows are averaged before the argmax. Images are read window by window through libvips, so huge images (remote sensing, pathology) work; --label-format tiff writes the class map as a single-band TIFF instead of a PNG.

        With --pipeline val.yaml the images come from the pipeline's input source and outputs are named <id>.png with its ids (folders for ids with slashes), so `seg-prep eval --pipeline val.yaml --pred DIR` scores them against the ground truth as the pipeline reads it. --overlay DIR writes each image beside its prediction blended over it.

        Example:
          seg-prep predict --checkpoint runs/em/best.safetensors --input fixtures/em-membrane/JPEGImages --out out/pred
          seg-prep predict --checkpoint runs/em/best.safetensors --pipeline pipelines/em-membrane-val.yaml --out out/pred --overlay out/overlays
          seg-prep predict --checkpoint runs/potsdam/best.safetensors --input scene.tif --out out/pred --tile 512 --stride 256
        """)

    @Option(help: "Checkpoint written by `seg-prep train` (best.safetensors or last.safetensors).")
    var checkpoint: String

    @Option(help: "An image file or a folder of images (\(PredictionInput.extensions.sorted().joined(separator: ", "))); outputs are named after the files.")
    var input: String?

    @Option(help: "A pipeline file whose input source gives the images (its stages are not applied); outputs are <id>.png with the source's ids, which `seg-prep eval --pipeline` reads.")
    var pipeline: String?

    @OptionGroup var dataset: InputRootOption

    @Option(help: "Output folder for the label maps (not an input folder; files seg-prep did not write there are never replaced).")
    var out: String

    @Option(help: "Also write each image beside its prediction blended over it, as <name>.jpg in this folder.")
    var overlay: String?

    @Option(parsing: .upToNextOption, help: "Network input height and width (default: the training size stored in the checkpoint).")
    var size: [Int] = []

    @Option(help: "Predict in SIZExSIZE windows at full resolution (sliding-window inference) instead of letterboxing.")
    var tile: Int?

    @Option(help: "Step between windows with --tile (default: half the tile).")
    var stride: Int?

    @Option(help: "Label map file format: png (palette PNG) or tiff (single-band, deflate).")
    var labelFormat: PredictionWriter.Format = .png

    @OptionGroup var threads: ComputeThreadsOption

    func validate() throws {
        guard (input == nil) != (pipeline == nil) else {
            throw ValidationError("give the images with --input (a file or folder) or --pipeline (a pipeline file's input), one of them.")
        }
        if dataset.inputRoot != nil && pipeline == nil { throw ValidationError("--input-root replaces a pipeline's input.root; use it with --pipeline.") }
        guard size.isEmpty || (size.count == 2 && size.allSatisfy { (1...LabelPredictor.maxSide).contains($0) }) else {
            throw ValidationError("--size takes a height and width of 1 to \(LabelPredictor.maxSide) pixels, e.g. --size 256 256.")
        }
        // A window's logits are classes x tile x tile floats: 4096 keeps them within a few GB.
        if let tile, !(1...4096).contains(tile) { throw ValidationError("--tile is \(tile); give 1 to 4096, e.g. --tile 512.") }
        if let stride {
            guard let tile else { throw ValidationError("--stride needs --tile.") }
            guard (1...tile).contains(stride) else { throw ValidationError("--stride must be 1 to the tile size, e.g. --stride \(tile / 2).") }
        }
        if tile != nil && !size.isEmpty { throw ValidationError("--size letterboxes to a fixed size; with --tile the windows set the size, so give one of them.") }
        if tile != nil && overlay != nil { throw ValidationError(PredictionError.overlayWithTile.description) }
    }

    func run() throws {
        threads.apply()
        var predictor = try LabelPredictor(checkpoint: checkpoint, size: size.count == 2 ? (size[0], size[1]) : nil, tile: tile, stride: stride)
        try Vips.start()
        let (items, inputs) = try pipeline.map { try PredictionInput.pipeline($0, inputRoot: dataset.inputRoot, tiled: tile != nil) }
            .map { ($0.inputs, [$0.root]) } ?? (PredictionInput.files(input ?? ""), [input ?? ""])
        // Never into the images' folder or over files seg-prep did not write (ground truth, say).
        var writer = try PredictionWriter(out: out, overlay: overlay, inputs: inputs + [checkpoint], format: labelFormat, classes: predictor.classes)
        for item in items { try writer.reserve(item.name, for: item.source) }
        let progress = ProgressLine(label: "predict")
        let clock = ContinuousClock(), start = clock.now
        for (k, item) in items.enumerated() {
            let (label, image) = try item.predict(with: &predictor)
            try writer.write(label, name: item.name, image: image)
            progress.update(done: k + 1, total: items.count, seconds: (clock.now - start).seconds)
        }
        progress.finish()
        print("wrote \(items.count) label map(s) to \(out)")
    }
}

extension PredictionWriter.Format: ExpressibleByArgument {}
