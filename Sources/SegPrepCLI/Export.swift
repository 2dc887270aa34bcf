import ArgumentParser
import Foundation
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
        --format webdataset writes one OUTPUT/shard-NNNNN.tar per safetensors shard. Each sample is
        <key>.png (or .jpg) with the image, <key>.seg.png with the label as a palette PNG whose pixel
        values are the class indices (ignored pixels keep the ignore value; 16-bit greyscale for U16
        labels), and <key>.json with its
        source id, repeat, drawn parameters and shard; keys are the sample's position, 8 digits.
        OUTPUT/webdataset.json lists the tars with the classes and the ignore value. Every shard's
        checksum is checked first; merged folders are read through their parts.

        Read it with the webdataset package, Ray Data's read_webdataset, DALI's webdataset reader or
        Hugging Face datasets, e.g.:
          seg-prep export out/camvid-train --format webdataset --output out/camvid-wds
          python -c "import webdataset as wds; print(next(iter(wds.WebDataset('out/camvid-wds/shard-00000.tar'))).keys())"
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

    @Option(help: "Tars written at once (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1 to 100") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        var exporter = WebDatasetExporter(source: dir, output: output)
        exporter.image = image
        exporter.quality = quality
        exporter.threads = threads
        let summary = try exporter.run { done, total in
            FileHandle.standardError.write(Data("\rexport: \(done)/\(total) tars".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        if json {
            let obj: [String: Any] = ["output": output, "format": format.rawValue, "samples": summary.samples, "bytes": summary.bytes,
                                      "tars": summary.tars.map { ["file": $0.file, "samples": $0.samples] }]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            print("exported \(summary.samples) samples to \(summary.tars.count) WebDataset tars (\(summary.bytes) bytes) in \(output)")
        }
    }
}
