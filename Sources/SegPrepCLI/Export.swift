import ArgumentParser
import SegImage
import Foundation
import SegTasks
import SegPipeline
import SegTrain

/// Formats `seg-prep export` writes.
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    case webdataset
}

extension WebDatasetExporter.ImageFormat: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a shard folder in another dataset format (WebDataset tar shards).",
        discussion: """
        --format webdataset writes one OUTPUT/shard-NNNNN.tar per safetensors shard. Each sample is <key>.png (or .jpg) with the image, <key>.seg.png with the label, and <key>.json with its source id, repeat, drawn parameters and shard; keys are the sample's position, 8 digits. OUTPUT/webdataset.json lists the tars with the classes and the ignore value. Every shard's checksum is checked first; merged folders are read through their parts. Tars of an earlier export in OUTPUT that this one does not rewrite are removed, so the folder always holds one dataset.

        Labels are greyscale PNGs whose grey values are the class indices (8-bit; 16-bit for U16 labels), ignored pixels holding the ignore value, so every decoder that keeps grey values reads classes: webdataset's .decode("l8") or .decode("pill") (or "pil", which repeats the index in three channels) followed by numpy.asarray, Pillow's Image.open, Hugging Face datasets' webdataset loader. A float decoder ("l", "torchl") scales the index to 0..1, so do not use one for labels.

        Read it with the webdataset package, Ray Data's read_webdataset, DALI's webdataset reader or Hugging Face datasets, e.g.:
          seg-prep export out/camvid-train --format webdataset --output out/camvid-wds
          python -c "import webdataset as wds, numpy as np; s = next(iter(wds.WebDataset('out/camvid-wds/shard-00000.tar').decode('l8'))); print(np.unique(s['seg.png']))"
        """)

    @Argument(help: "Shard folder (holding index.json), as written by `run` or `merge`.")
    var dir: String

    @Option(help: "Format to write: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ExportFormat

    @Option(help: "New or empty folder for the tars (a folder holding only an earlier export's files is rewritten).")
    var output: String

    @Option(help: "Image encoding in the tars: png (lossless, the shard's bytes) or jpg.")
    var image: WebDatasetExporter.ImageFormat = .png

    @Option(help: "JPEG quality for --image jpg (1-100).")
    var quality = 95

    @OptionGroup var threads: WorkerThreads

    @OptionGroup var printing: JSONOutput

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1 to 100") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        var exporter = WebDatasetExporter(source: dir, output: output)
        exporter.image = image
        exporter.quality = quality
        exporter.threads = threads.count
        let bar = ProgressLine(label: "export", unit: "tars")
        let start = Date()
        let summary = try exporter.run { done, total in
            bar.update(done: done, total: total, seconds: Date().timeIntervalSince(start))
        }
        bar.finish()
        if printing.json {
            let obj: [String: Any] = ["output": output, "format": format.rawValue, "samples": summary.samples, "bytes": summary.bytes,
                                      "tars": summary.tars.map { ["file": $0.file, "samples": $0.samples] }]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            print("exported \(summary.samples) samples to \(summary.tars.count) WebDataset tars (\(summary.bytes) bytes) in \(output)")
        }
    }
}
