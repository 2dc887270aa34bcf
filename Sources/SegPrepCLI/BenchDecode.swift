import ArgumentParser
import SegImage
import Foundation
import SegPipeline
import SegTrain

/// `seg-prep bench decode`: the decode-only floor of a pipeline's input files.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Time decoding only (image and label, as the decode stage reads them) of a pipeline's files, on one thread.",
        discussion: "The floor `run` is compared against: no resizing, augmentation or writing. JPEGs decode with libjpeg (at 1/--shrink size), other images with libvips; labels with libdeflate or libpng, mapped to classes as the decode stage does (label_colors, the source's value map). Reports ms_per_sample.")

    @Argument(help: "Pipeline file (its input section names the files).")
    var pipeline: String

    @OptionGroup var dataset: InputRootOption

    @Option(help: "Decode each file this many times (1 to 10000).")
    var repeats = 3

    @Option(help: "JPEG shrink-on-load factor (1, 2, 4 or 8).")
    var shrink = 1

    func validate() throws {
        guard (1...10_000).contains(repeats) else { throw ValidationError("--repeats must be 1 to 10000") }
        guard [1, 2, 4, 8].contains(shrink) else { throw ValidationError("--shrink must be 1, 2, 4 or 8") }
    }

    @OptionGroup var output: JSONOutput

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        let spec = try PipelineSpec.load(path: pipeline)
        let input = try DatasetInput(spec.input, root: dataset.inputRoot)
        // Read as a run reads them, so a file whose header claims more than the pixel limit is
        // refused before anything that large is allocated.
        let files = try input.records.map { record in
            if let p = record.problem { throw p }
            let (image, label, _) = try DecodeStage.readFiles(record, spec: spec, input: input)
            return (image, label, record)
        }
        let start = Date()
        var pixels = 0
        for _ in 0..<repeats {
            for (image, label, record) in files {
                let size = try ImageCodec.imageSize(image, id: record.id, path: record.image)
                let (rgb, _) = try ImageCodec.decodeRGB(image, shrink: shrink, id: record.id, path: record.image)
                let l = try DecodeStage.label(label, record: record, spec: spec, imageSize: (size.width, size.height))
                pixels += rgb.pixels.count + l.pixels.count
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let n = files.count * repeats
        let ms = seconds / Double(n) * 1000
        if output.json {
            print("{\"samples\": \(n), \"seconds\": \(seconds), \"ms_per_sample\": \(ms), \"shrink\": \(shrink)}")
        } else {
            print(String(format: "%d samples decoded in %.3f s: %.3f ms per sample (image + label)", n, seconds, ms))
        }
    }
}
