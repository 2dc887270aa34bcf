import SegImage
import Foundation
import SegFormat
import SegPipeline

/// One self-contained HTML page about a shard folder or a pipeline's input: summary, pixels and
/// images per class, label survival, leakage findings, skipped samples, a contact sheet with its
/// colour legend, and the pipeline text. Charts are inline SVG (`BarChart`), the contact sheet an
/// inline PNG; nothing is fetched and no script runs. Every id, class name and path is escaped.
///
/// What cannot be read (a damaged shard, a file of the input) is named in the page, and the rest
/// is still shown.
public struct DatasetReport: Sendable {
    /// Samples drawn on the contact sheet.
    public static let sheetSamples = 6

    /// Pairs of the leakage section shown with their thumbnails (the rest are listed).
    public static let thumbnailPairs = 24

    public private(set) var html = ""
    /// What the report read (files and folders): the page may not replace one or lie inside one.
    public private(set) var inputs: [String] = []

    /// The report of the shard folder `dir`.
    ///
    /// Throws `ManifestError` when its `index.json` cannot be read (nothing to report on).
    public init(folder dir: String) throws {
        let m = try Manifest.load(from: dir)
        inputs = [dir]
        let stats = ClassStats(m)
        var body = Self.section("Dataset", Self.table(["key", "value"], [
            ["folder", dir], ["samples", "\(m.sampleCount)"], ["shards", "\(m.shards.count)"],
            ["bytes", "\(m.shards.reduce(0) { $0 + $1.bytes })"], ["size (H x W)", "\(m.image.shape[0]) x \(m.image.shape[1])"],
            ["classes", "\(m.classes.count) (ignore index \(m.ignoreIndex))"], ["seed", "\(m.seed)"],
            ["mean (RGB, 0..1)", stats.mean.map { String(format: "%.4f", $0) }.joined(separator: " ")],
            ["std (RGB, 0..1)", stats.std.map { String(format: "%.4f", $0) }.joined(separator: " ")],
            ["statistics over", "\(stats.pixels) pixels"],
        ]))
        body += Self.classesSection(names: m.classes, pixels: stats.classes.map(\.pixels), images: m.survival?.map(\.survived), ignore: m.ignoreIndex)
        body += Self.survivalSection(m.survival, predicted: false)
        body += Self.samplingSection(m.sampling, names: m.classes)
        body += Self.section("Leakage", "<p>A shard folder holds one split; run <code>seg-prep check train.yaml --against val.yaml</code>, or make the report of a pipeline, to look for near-duplicates.</p>")
        body += Self.skippedSection(m.skipped)
        var sheet = ""
        do {
            let samples = try ShardSamples(dir: dir)
            var entries: [ContactSheet.Entry] = []
            for k in 0..<min(Self.sheetSamples, samples.count) {
                let (s, params) = try samples.sample(k * max(1, samples.count / Self.sheetSamples))
                entries.append(.init(image: s.image, label: s.label, caption: ContactSheet.caption(id: s.id, repeatIndex: s.repeatIndex, params: params)))
            }
            sheet = try Self.sheet(entries, classes: m.classes, ignore: m.ignoreIndex)
        } catch {
            sheet = "<p class=\"error\">The samples could not be read: \(Self.escape("\(error)"))</p>"
        }
        body += Self.section("Samples", sheet)
        body += Self.section("Pipeline", "<pre>\(Self.escape(m.pipeline))</pre>")
        html = Self.page(title: "seg-prep report — \(dir)", body: body)
    }

    /// The report of `spec`'s input before a run: class pixels of the source labels, predicted
    /// survival, near-duplicates within the input (or, with `against`, between it and that
    /// pipeline's input, e.g. the validation split) shown with thumbnails, and a contact sheet of
    /// processed samples.
    public init(pipeline spec: PipelineSpec, root: String? = nil, against: PipelineSpec? = nil, againstRoot: String? = nil) throws {
        let input = try DatasetInput(spec, root: root)
        inputs = [spec.file, input.root] + (against.map { [$0.file] } ?? []) + (againstRoot.map { [$0] } ?? [])
        let check = InputCheck(spec: spec, input: input)
        var body = Self.section("Dataset", Self.table(["key", "value"], [
            ["pipeline", spec.file], ["source samples", "\(input.records.count)"], ["repeats", "\(spec.repeats)"],
            ["size (H x W)", "\(spec.height) x \(spec.width)"], ["classes", "\(spec.classes.count) (ignore index \(spec.ignoreIndex))"],
            ["seed", "\(spec.seed)"],
        ]) + Self.list("Problems", check.problems + check.warnings))
        let pixels = (0..<spec.classes.count).map { $0 < check.valuePixels.count ? check.valuePixels[$0] : 0 }
        let prediction = SurvivalPrediction(spec: spec, input: input)
        body += Self.classesSection(names: spec.classes, pixels: pixels, images: nil, ignore: spec.ignoreIndex)
        body += Self.survivalSection(prediction.survival, predicted: true)
        if case .rareClass = spec.sampling {
            do {
                body += Self.samplingSection(try spec.rareClassPlan(input: input, threads: 1, onError: .skip)?.manifestEntry, names: spec.classes)
            } catch {
                body += Self.section("Effective class frequencies", "<p class=\"error\">\(Self.escape("\(error)"))</p>")
            }
        }
        do {
            let leaks = try LeakageCheck(first: spec, firstRoot: root, second: against, secondRoot: againstRoot, thumbnailSide: 112)
            body += Self.leakageSection(leaks, first: spec.file, second: against?.file)
        } catch {
            body += Self.section("Leakage", "<p class=\"error\">\(Self.escape("\(error)"))</p>")
        }
        body += Self.skippedSection(input.records.compactMap { r in r.problem.map { Manifest.SkippedSample(id: r.id, reason: $0.description) } })
        var entries: [ContactSheet.Entry] = [], failures: [String] = []
        let donors = try spec.donors(for: input.records)
        for record in input.records.prefix(Self.sheetSamples) {
            var s = Sample(record: record, repeatIndex: 0)
            do {
                try spec.process(&s, donors: donors)
                entries.append(.init(image: s.image, label: s.label, caption: ContactSheet.caption(id: s.id, repeatIndex: 0, params: s.params)))
            } catch {
                failures.append("\(error)")
            }
        }
        var sheet = Self.list("Not processed", failures)
        do { sheet += try Self.sheet(entries, classes: spec.classes, ignore: spec.ignoreIndex) } catch {
            sheet += "<p class=\"error\">\(Self.escape("\(error)"))</p>"
        }
        body += Self.section("Samples", sheet)
        body += Self.section("Pipeline", "<pre>\(Self.escape(spec.text))</pre>")
        html = Self.page(title: "seg-prep report — \(spec.file)", body: body)
    }

    /// Writes the page to `path` atomically, after claiming it (`OwnedOutputFile`): never over a
    /// file seg-prep did not write, never over what the report read or inside an input folder.
    /// Throws `OwnershipError` or the write's error.
    public func write(to path: String) throws {
        try AtomicFile.write(Data(html.utf8), to: try OwnedOutputFile.claim(path, command: "report", inputs: inputs))
    }

    // MARK: sections

    static func classesSection(names: [String], pixels: [Int], images: [Int]?, ignore: Int) -> String {
        let total = max(1, pixels.reduce(0, +))
        let palette = Palette.voc(ignoreIndex: ignore)
        let chart = BarChart(title: "pixels per class (fraction of labelled pixels)", labels: names.enumerated().map { "\($0.offset) \($0.element)" },
                             values: pixels.map { Double($0) / Double(total) }, colours: names.indices.map { palette.colour($0) })
        let rows = names.indices.map { i in
            ["\(i)", names[i], "\(pixels[i])", String(format: "%.4f", Double(pixels[i]) / Double(total))] + (images.map { ["\($0[i])"] } ?? [])
        }
        let log = pixels.map { $0 > 0 ? log10(Double($0)) : 0 }
        let logChart = BarChart(title: "pixels per class, log10", labels: names.enumerated().map { "\($0.offset) \($0.element)" },
                                values: log, colours: names.indices.map { palette.colour($0) })
        return section("Classes", "<div class=\"chart\">\(chart.svg())</div><div class=\"chart\">\(logChart.svg())</div>"
                       + table(["index", "class", "pixels", "fraction"] + (images == nil ? [] : ["images holding it"]), rows))
    }

    static func survivalSection(_ survival: [Manifest.ClassSurvival]?, predicted: Bool) -> String {
        guard let survival else { return section("Label survival", "<p>This folder was written before label survival was counted.</p>") }
        let rows = survival.enumerated().map { i, e in
            ["\(i)", e.class, "\(e.sourceSamples)", "\(e.samples)", "\(e.survived)", "\(e.survivedHalf)", String(format: "%.3f", e.pixelRatio),
             e.survivalRate.map { String(format: "%.1f%%", 100 * $0) } ?? "—"]
        }
        let chart = BarChart(title: predicted ? "predicted survival (fraction of drawn samples keeping the class)" : "survival (fraction of samples keeping the class)",
                             labels: survival.enumerated().map { "\($0.offset) \($0.element.class)" }, values: survival.map { $0.survivalRate ?? 0 },
                             colours: [[90, 140, 200]])
        let note = predicted ? "<p>Predicted on \(SurvivalPrediction.defaultDraws) drawn samples before a run.</p>"
            : "<p>Sources counted after <code>remap_labels</code>, before geometry; half: at least half the source fraction.</p>"
        return section("Label survival", note + "<div class=\"chart\">\(chart.svg())</div>"
                       + table(["index", "class", "source samples", "samples", "survived", "survived half", "pixel ratio", "rate"], rows))
    }

    /// Rare-class sampling: per class the draw probability and the share of labelled source pixels
    /// before (every source once) and after (the sources as drawn).
    static func samplingSection(_ sampling: Manifest.ClassSampling?, names: [String]) -> String {
        guard let sampling else {
            return section("Effective class frequencies", "<p>Uniform sampling: every source sample <code>repeats</code> times.</p>")
        }
        let labels = names.enumerated().map { "\($0.offset) \($0.element)" }
        let before = BarChart(title: "share of labelled source pixels, every source once", labels: labels, values: sampling.before, colours: [[150, 150, 150]])
        let after = BarChart(title: "share of labelled source pixels, sources as drawn", labels: labels, values: sampling.after, colours: [[90, 140, 200]])
        let rows = names.indices.map { i in
            ["\(i)", names[i], String(format: "%.4f", sampling.classProbability[i]), String(format: "%.4f", sampling.before[i]), String(format: "%.4f", sampling.after[i])]
        }
        let note = String(format: "<p>Rare-class sampling: temperature %g, min_pixels %d, crop_retries %d.</p>", sampling.temperature, sampling.minPixels, sampling.cropRetries)
        return section("Effective class frequencies", note + "<div class=\"chart\">\(before.svg())</div><div class=\"chart\">\(after.svg())</div>"
                       + table(["index", "class", "p(draw)", "before", "after"], rows))
    }

    /// The pairs found, each with the two images side by side (the first `thumbnailPairs`).
    static func leakageSection(_ leaks: LeakageCheck, first: String, second: String?) -> String {
        let scope = second.map { "between \(escape(first)) and \(escape($0))" } ?? "within the input"
        var out = "<p>\(leaks.hashed) images hashed; \(leaks.findings.count) pair(s) \(scope).</p>"
        if !leaks.findings.isEmpty {
            out += "<table><tr><th>kind</th><th>a</th><th>b</th><th>distance</th><th>images (a | b)</th></tr>"
            for (k, f) in leaks.findings.enumerated() {
                var picture = ""
                if k < thumbnailPairs, let a = leaks.thumbnails[.first]?[f.a], let b = leaks.thumbnails[second == nil ? .first : .second]?[f.b],
                   let png = try? Vips.encode(pair(a, b), suffix: ".png") {
                    picture = "<img alt=\"\(escape(f.a)) | \(escape(f.b))\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
                }
                out += "<tr><td>\(escape(f.kind.rawValue))</td><td>\(escape(f.a))</td><td>\(escape(f.b))</td><td>\(f.distance)</td><td>\(picture)</td></tr>"
            }
            out += "</table>"
        }
        return section("Leakage", out + list("Not read", leaks.problems))
    }

    /// Two thumbnails side by side on the sheet background, top-aligned.
    static func pair(_ a: Raster, _ b: Raster) -> Raster {
        let gap = 6
        var r = Raster(width: a.width + gap + b.width, height: max(a.height, b.height), fill: ContactSheet.background)
        r.paste(rgb(a), dx: 0, dy: 0)
        r.paste(rgb(b), dx: a.width + gap, dy: 0)
        return r
    }

    /// `r` as three channels: grey repeated, extra channels (alpha) dropped.
    static func rgb(_ r: Raster) -> Raster {
        guard r.channels != 3, r.channels > 0 else { return r }
        var out = [UInt8](repeating: 0, count: r.width * r.height * 3)
        for i in 0..<(r.width * r.height) {
            for k in 0..<3 { out[3 * i + k] = r.pixels[i * r.channels + (r.channels >= 3 ? k : 0)] }
        }
        return Raster(width: r.width, height: r.height, channels: 3, pixels: out)
    }

    static func skippedSection(_ skipped: [Manifest.SkippedSample]) -> String {
        section("Skipped samples", skipped.isEmpty ? "<p>None.</p>" : table(["id", "reason"], skipped.map { [$0.id, $0.reason] }))
    }

    /// The contact sheet as an inline PNG, with a legend naming each class's colour.
    static func sheet(_ entries: [ContactSheet.Entry], classes: [String], ignore: Int) throws -> String {
        let palette = Palette.voc(ignoreIndex: ignore)
        var out = ""
        if !entries.isEmpty {
            let png = try Vips.encode(try ContactSheet(palette: palette, panel: 160, columns: 2).render(entries), suffix: ".png")
            out += "<img class=\"sheet\" alt=\"contact sheet: image, label, overlay\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
        }
        let items = (classes.indices.map { ($0, classes[$0]) } + [(ignore, "ignore")]).map { i, name in
            let c = palette.colour(i)
            return "<li><span class=\"swatch\" style=\"background: rgb(\(c[0]), \(c[1]), \(c[2]))\"></span>\(i) \(escape(name))</li>"
        }
        return out + "<ul class=\"legend\">\(items.joined())</ul>"
    }

    // MARK: HTML

    /// `s` with the five characters HTML gives meaning escaped.
    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func section(_ title: String, _ content: String) -> String {
        "<section><h2>\(escape(title))</h2>\(content)</section>\n"
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
            + rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined() + "</table>"
    }

    static func list(_ title: String, _ items: [String]) -> String {
        items.isEmpty ? "" : "<h3>\(escape(title))</h3><ul>" + items.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
        <style>
        body { font-family: sans-serif; margin: 2em; color: #222; }
        table { border-collapse: collapse; margin: 0.5em 0; }
        th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
        td:nth-child(2), th:nth-child(2) { text-align: left; }
        .chart { display: inline-block; vertical-align: top; margin-right: 1em; }
        .legend { list-style: none; padding: 0; columns: 3; }
        .swatch { display: inline-block; width: 1em; height: 1em; margin-right: 0.4em; border: 1px solid #555; vertical-align: middle; }
        .error { color: #a00; }
        pre { background: #f4f4f4; padding: 1em; overflow-x: auto; }
        </style></head>
        <body><h1>\(escape(title))</h1>
        \(body)</body></html>

        """
    }
}
