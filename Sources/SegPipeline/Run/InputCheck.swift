import SegImage
import Foundation

/// The checks `seg-prep check` runs over a pipeline's whole input before any shard is written:
/// headers and labels only (images are not decoded). Each finding is one line naming the fix.
public struct InputCheck: Sendable {
    /// Pixels per label value after the source's decoding and the pipeline's `remap_labels`
    /// stages, over every readable sample (256 entries, more when 16-bit labels hold larger values).
    public var valuePixels = [Int](repeating: 0, count: 256)
    /// One line per problem, naming the file (or the dataset) and the fix.
    public var problems: [String] = []
    /// Notes that do not stop a run (EXIF orientation).
    public var warnings: [String] = []
    public var samples = 0

    /// Images decoded whole (not only their headers read).
    public var decoded = 0

    /// Images decoded whole when the caller does not ask for all: spread evenly over the input, so a
    /// damaged encoder or a truncated copy shows up without decoding the whole dataset.
    public static let defaultDecodes = 16

    /// Runs the checks of `spec` over `input`, decoding `decode` images whole (nil: every image).
    public init(spec: PipelineSpec, input: DatasetInput, decode decodeCount: Int? = InputCheck.defaultDecodes) {
        let ctx = spec.context, classes = ctx.classes
        let remapStages = spec.stages.compactMap { $0 as? RemapLabelsStage }
        let narrowTables = remapStages.map { $0.table(ignoreIndex: ctx.ignoreIndex) }
        var wideTables: [[UInt16]]?
        var rawValues = Set<Int>()
        let n = input.records.count
        let every = decodeCount.map { $0 <= 0 ? n + 1 : max(1, n / $0) } ?? 1
        for (k, record) in input.records.enumerated() {
            if let p = record.problem { problems.append(p.description); continue }
            do {
                // The image as a run reads it: through the source (labelme may embed it as imageData).
                let (imageData, labelData, size) = try DecodeStage.readFiles(record, spec: spec, input: input)
                if size.jpeg, let o = Self.exifOrientation(imageData), o != 1 {
                    warnings.append("\(record.image): EXIF orientation \(o) would rotate or mirror the image in viewers that apply it; seg-prep (like the reference) ignores EXIF, so check that the label matches the stored pixels")
                }
                let decode = DecodeStage(labelOnlyFor: spec)
                if k % every == 0 {
                    // A truncated or damaged file has a good header; only decoding finds it.
                    _ = try ImageCodec.decodeRGB(imageData, id: record.id, path: record.image)
                    decoded += 1
                }
                var sample = Sample(record: record, repeatIndex: 0)
                try decode.readLabel(labelData, into: &sample, context: ctx, imageSize: (size.width, size.height))
                var counts = sample.label.labelHistogram
                for v in counts.indices where counts[v] > 0 { rawValues.insert(v) }
                // Through the remap stages, on the histogram (16-bit tables for 16-bit maps).
                let wide = sample.label.channels == 2
                if wide && wideTables == nil { wideTables = remapStages.map { $0.table(ignoreIndex: ctx.ignoreIndex, wide: true) } }
                for table in wide ? wideTables! : narrowTables {
                    var mapped = [Int](repeating: 0, count: max(256, Int(table.max() ?? 0) + 1, counts.count))
                    for v in counts.indices where counts[v] > 0 { mapped[v < table.count ? Int(table[v]) : v] += counts[v] }
                    counts = mapped
                }
                if counts.count > valuePixels.count { valuePixels += [Int](repeating: 0, count: counts.count - valuePixels.count) }
                for v in counts.indices { valuePixels[v] += counts[v] }
                samples += 1
            } catch let e as SampleError {
                problems.append(e.description)
            } catch {
                problems.append("\(record.label): \(error)")
            }
        }
        let beyond = (classes..<max(classes, valuePixels.count)).filter { $0 != ctx.ignoreIndex && valuePixels[$0] > 0 }
        if !beyond.isEmpty {
            let list = beyond.prefix(8).map { "\($0) (\(valuePixels[$0]) pixels)" }.joined(separator: ", ")
            if classes == 2 && rawValues.isSubset(of: [0, 255]) && remapStages.isEmpty {
                problems.append("the labels are 0/255 masks but `classes` is 2 (values 0..1, ignore = 2); add `- remap_labels: {threshold: 127}` after decode")
            } else if beyond.contains(where: { $0 > 255 }) && spec.labelBytes == 1 {
                problems.append("16-bit labels hold values beyond the \(classes) classes (0..\(classes - 1), ignore = \(ctx.ignoreIndex)): \(list); map them to classes with `- remap_labels: {map: {…}}` after decode, or give more `classes`")
            } else {
                problems.append("labels hold values beyond the \(classes) classes (0..\(classes - 1), ignore = \(ctx.ignoreIndex)): \(list); add `- remap_labels: {above: \(classes - 1), to: ignore}` after decode, or fix `classes`")
            }
        }
    }

    /// The EXIF orientation (1...8) of a JPEG, from its APP1 segment, or nil.
    static func exifOrientation(_ data: Data) -> Int? {
        let b = [UInt8](data.prefix(65_536))
        var i = 2
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1], length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            if marker == 0xDA { return nil }
            if marker == 0xE1, i + 10 < b.count, Array(b[(i + 4)..<(i + 10)]) == Array("Exif\0\0".utf8) {
                let t = i + 10
                guard t + 8 <= b.count else { return nil }
                let little = b[t] == 0x49
                func u16(_ p: Int) -> Int { p + 1 < b.count ? (little ? Int(b[p]) | Int(b[p + 1]) << 8 : Int(b[p]) << 8 | Int(b[p + 1])) : 0 }
                func u32(_ p: Int) -> Int { u16(little ? p : p + 2) | u16(little ? p + 2 : p) << 16 }
                let ifd = t + u32(t + 4)
                let n = u16(ifd)
                for k in 0..<min(n, 256) {
                    let e = ifd + 2 + 12 * k
                    guard e + 10 <= b.count else { return nil }
                    if u16(e) == 0x0112 { return u16(e + 8) }
                }
                return nil
            }
            i += 2 + length
        }
        return nil
    }
}
