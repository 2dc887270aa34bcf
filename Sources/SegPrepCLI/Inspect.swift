import ArgumentParser
import Foundation
import SegFormat
import SegPipeline
import SegTrain

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render augmented samples as a contact sheet: image, coloured label and overlay, with the drawn parameters.",
        discussion: """
        TARGET is a pipeline file (samples are augmented now, nothing is written but the sheet) or a finished shard folder (samples are read from the shards). Labels use the PASCAL VOC colours; ignored pixels are white. --json prints each sample's id, repeat and drawn parameters.

        Examples:
          seg-prep inspect pipelines/camvid-train.yaml --count 8 --out sheet.png
          seg-prep inspect pipelines/camvid-train.yaml --seed 3 --json
          seg-prep inspect out/camvid-train --index 40 --count 4 --out shards.png
        """)

    @Argument(help: "Pipeline file or shard folder.")
    var target: String

    @OptionGroup var dataset: InputRootOption

    @Option(help: "Number of samples to show.")
    var count = 8

    @Option(help: "First sample (shard folders: over all shards; pipelines: over ids x repeats).")
    var index = 0

    @Option(help: "Seed replacing the pipeline's seed (pipelines only).")
    var seed: UInt64?

    @Option(help: "Where to write the contact sheet PNG.")
    var out: String?

    @Option(help: "Longest side of each panel in pixels.")
    var panel = 192

    @Option(help: "Samples per row.")
    var columns = 2

    @Option(help: "What to do with a bad sample (pipelines only): fail (default) or skip (report it on stderr and show the next one).")
    var onError: PipelineSpec.OnError?

    @Option(help: "Refuse images and labels whose header claims more pixels than this (replaces decode's max_pixels).")
    var maxPixels: Int?

    @OptionGroup var output: JSONOutput

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard index >= 0 else { throw ValidationError("--index must be 0 or more") }
        if let maxPixels, maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1") }
        if out == nil && !output.json { throw ValidationError("give --out sheet.png to draw a contact sheet, or --json to print parameters") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        var isDir: ObjCBool = false
        let fromShards = FileManager.default.fileExists(atPath: target, isDirectory: &isDir) && isDir.boolValue
        var entries: [(Sample, [String: Double])] = []
        let ignore: Int
        if fromShards {
            let shards = try ShardSamples(dir: target)
            ignore = shards.manifest.ignoreIndex
            guard index < shards.count else {
                throw ValidationError("--index \(index) is past the end: \(target) holds \(shards.count) samples (0..\(shards.count - 1))")
            }
            for i in index..<(index + min(count, shards.count - index)) { entries.append(try shards.sample(i)) }
        } else {
            var spec = try PipelineSpec.load(path: target)
            if let seed { spec.seed = seed }
            if let maxPixels { spec.maxPixels = maxPixels }
            let input = try DatasetInput(spec, root: dataset.inputRoot)
            // The stored ignore value, as the shards hold it, so both sheets paint ignored pixels alike.
            ignore = spec.ignoreIndex
            let skip = (onError ?? spec.onError) == .skip
            var item = index
            let n = input.records.count
            let (total, overflow) = n.multipliedReportingOverflow(by: spec.repeats)
            guard overflow || index < total else {
                throw ValidationError("--index \(index) is past the end: the pipeline makes \(total) samples (\(n) ids x \(spec.repeats) repeats)")
            }
            // Multi-image stages draw donors from the whole input, as a run does.
            let donors = spec.multiImageStage == nil ? nil : Donors(records: input.records, spec: spec)
            while entries.count < count && item < total {
                let r = input.records[item % n]
                var s = Sample(record: r, repeatIndex: item / n)
                item += 1
                do {
                    try spec.process(&s, donors: donors)
                } catch let e as SampleError where skip {
                    FileHandle.standardError.write(Data("skipped \(e.id): \(e)\n".utf8))
                    continue
                }
                entries.append((s, s.params))
            }
        }
        if output.json {
            let list = entries.map { ["id": $0.0.id, "repeat": $0.0.repeatIndex, "params": $0.1] as [String: Any] }
            print(String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        }
        if let out {
            let sheet = ContactSheet(palette: .voc(ignoreIndex: ignore), panel: panel, columns: columns)
            let raster = try sheet.render(entries.map {
                .init(image: $0.0.image, label: $0.0.label,
                      caption: ContactSheet.caption(id: $0.0.id, repeatIndex: $0.0.repeatIndex, params: $0.1))
            })
            try Vips.savePNG(raster, to: out)
            FileHandle.standardError.write(Data("wrote \(out) (\(entries.count) samples, \(raster.width)x\(raster.height))\n".utf8))
        }
    }
}
