import ArgumentParser
import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTrain

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Class pixel histogram, suggested class weights and channel mean/std of a shard folder.",
        discussion: """
        Instant: `run` counts as it goes and keeps the counts in index.json. Weights: `weight_inverse` = 1 / (classes * fraction), `weight_median` = median fraction / fraction (absent classes get 0); pass them to `seg-prep train --class-weights inverse|median`. The channel mean and std, for normalising inputs, are over labelled pixels: padding and other ignored pixels are left out (--all-pixels counts them; folders written before labelled sums were kept give all pixels). Label survival, when the folder has it: per class the source samples holding it (after remap_labels, before geometry), the augmented samples made from them, those keeping at least one pixel (`survived`) and at least half the source fraction (`survived_half`), and the mean ratio of output to source fraction. --json prints {classes: [{index, name, pixels, fraction, weight_inverse, weight_median}], ignore_pixels, total_pixels, samples, mean, std, pixels, survival: [{class, source_samples, samples, survived, survived_half, pixel_ratio}], sampling: {method, temperature, min_pixels, crop_retries, class_probability, before, after}}. Rare-class sampling, when the pipeline used it: per class the probability of drawing it and its share of the labelled source pixels with every source once (before) and as the run drew the sources (after).
        """)

    @Argument(help: "Shard folder (holding index.json).")
    var dir: String

    @OptionGroup var output: JSONOutput

    @Option(help: "Write a bar chart of class fractions as PNG.")
    var plot: String?

    @Flag(help: "Mean and std over every pixel, ignored ones (padding) included, instead of labelled pixels only.")
    var allPixels = false

    func run() throws {
        BLASKernels.releaseIdleThreads()
        let m = try Manifest.load(from: dir)
        let stats = ClassStats(m, over: allPixels ? .all : .labelled)
        if output.json {
            print(String(decoding: try stats.json(), as: UTF8.self))
        } else {
            print("\(stats.samples) samples, \(stats.totalPixels) pixels, \(stats.ignorePixels) ignored (index \(m.ignoreIndex))")
            print("index  name                 pixels      fraction  w_inverse  w_median")
            for c in stats.classes {
                let name = c.name.count < 18 ? c.name + String(repeating: " ", count: 18 - c.name.count) : c.name
                print(String(format: "%5d  ", c.index) + name + String(format: " %10d  %8.4f  %9.3f  %8.3f", c.pixels, c.fraction, c.weightInverse, c.weightMedian))
            }
            print(String(format: "mean (RGB, 0..1): %.4f %.4f %.4f   std: %.4f %.4f %.4f   (%@ pixels)",
                         stats.mean[0], stats.mean[1], stats.mean[2], stats.std[0], stats.std[1], stats.std[2], stats.pixels))
            if let survival = stats.survival {
                print("label survival (source: labels after remap_labels, before geometry; half: at least half the source fraction):")
                print("index  name                 sources   samples  survived      half  pixel_ratio")
                for (i, e) in survival.enumerated() {
                    let name = e.class.count < 18 ? e.class + String(repeating: " ", count: 18 - e.class.count) : e.class
                    let rate = e.survivalRate.map { String(format: "%5.1f%%", 100 * $0) } ?? "    —"
                    print(String(format: "%5d  ", i) + name + String(format: " %9d %9d %9d %9d  %11.3f  ", e.sourceSamples, e.samples, e.survived, e.survivedHalf, e.pixelRatio) + rate)
                }
            }
            if let sampling = stats.sampling {
                print(String(format: "rare-class sampling (temperature %g, min_pixels %d, crop_retries %d): class share of labelled source pixels, every source once (before) and as drawn (after):",
                             sampling.temperature, sampling.minPixels, sampling.cropRetries))
                print("index  name                 p(draw)    before     after")
                for (i, c) in m.classes.enumerated() {
                    let name = c.count < 18 ? c + String(repeating: " ", count: 18 - c.count) : c
                    print(String(format: "%5d  ", i) + name + String(format: " %8.4f  %8.4f  %8.4f", sampling.classProbability[i], sampling.before[i], sampling.after[i]))
                }
            }
        }
        if let plot {
            try Vips.start()
            let palette = Palette.voc(ignoreIndex: m.ignoreIndex)
            let chart = BarChart(title: "class pixel fraction — \(stats.samples) samples",
                                 labels: stats.classes.map { "\($0.index) \($0.name)" }, values: stats.classes.map(\.fraction),
                                 colours: stats.classes.map { palette.colour($0.index) })
            try chart.writePNG(to: try OwnedOutputFile.claim(plot, command: "stats", inputs: [(dir as NSString).appendingPathComponent(Manifest.fileName)] + m.shards.map { (dir as NSString).appendingPathComponent($0.file) }))
            FileHandle.standardError.write(Data("wrote \(plot)\n".utf8))
        }
    }
}
