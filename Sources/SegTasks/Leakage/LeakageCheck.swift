import SegImage
import Foundation
import SegFormat
import SegPipeline

/// Near-duplicates and leakage between two splits (or within one): images whose perceptual hashes
/// are close (exact copies, re-encoded, resized, cropped), tiles of one source image in both splits
/// (from ids and image paths), and identical label maps.
///
/// Each image is decoded once (JPEGs shrunk in the decoder to at least `hashSide` a side) and
/// hashed; pairs are compared by their 64-bit hashes (a few popcounts each), and only the pairs
/// within `threshold` get the finer check, a correlation of their grey thumbnails.
public struct LeakageCheck: Sendable {
    /// One pair found.
    public struct Finding: Codable, Sendable, Equatable {
        /// Ids as the sources give them: `a` from the first pipeline, `b` from the other (or the
        /// same, within one split).
        public var a: String
        public var b: String
        /// `near_duplicate`: bits that differ between the hashes (0...64, see `threshold`);
        /// `same_source` and `same_label`: 0.
        public var distance: Int
        public var kind: Kind
    }

    public enum Kind: String, Codable, Sendable {
        /// The images look alike (hash distance within the threshold and thumbnails correlated).
        case nearDuplicate = "near_duplicate"
        /// Tiles or samples of one source image (same id before `@`, or the same image file).
        case sameSource = "same_source"
        /// The label maps are identical (labels holding a single value are not compared).
        case sameLabel = "same_label"
    }

    /// Why a check cannot run.
    public enum Failure: Error, CustomStringConvertible, Sendable, Equatable {
        case differentClasses(first: String, firstClasses: [String], second: String, secondClasses: [String])

        public var description: String {
            switch self {
            case .differentClasses(let f, let fc, let s, let sc):
                return "\(f) has classes [\(fc.joined(separator: ", "))] but \(s) has [\(sc.joined(separator: ", "))]; compare pipelines over the same classes (the splits of one dataset)."
            }
        }
    }

    /// Bits (of 64) two hashes may differ by and still be candidates. 10 finds re-encoded copies
    /// and copies resized to half (0-4 bits) and crops keeping 90% of width and height (against the
    /// windows hashed for them, 0-6), with room for heavier edits; frames of one street a second
    /// apart can be as close as 4 bits, which the finer check (`minSimilarity`) tells apart. A
    /// larger threshold finds heavier edits at the cost of more finer checks.
    public static let defaultThreshold = 10
    /// The finer check: candidates whose edges, at the best-matching crop, correlate below this
    /// are dropped (copies correlate above 0.8, distinct frames of one street below 0.3).
    public static let minSimilarity: Float = 0.6
    /// JPEGs are decoded shrunk to at least this many pixels a side.
    public static let hashSide = 128

    public var findings: [Finding] = []
    /// Images hashed, and samples that could not be read (one line each, naming the file).
    public var hashed = 0
    public var problems: [String] = []
    /// Small copies of the images (longest side `thumbnailSide`), by split and id, when asked for:
    /// what a report shows beside each pair. Every id of an image (its tiles) maps to it.
    public private(set) var thumbnails: [Split: [String: Raster]] = [:]

    /// Which input an id comes from.
    public enum Split: Sendable, Hashable { case first, second }

    /// One image of a split: its ids (several for tiles) and what was computed from it.
    struct Item {
        var ids: [String]
        var image: String
        var hash: PerceptualHash?
        var label: String?
    }

    /// Checks `first` against `second` (nil: `first` within itself).
    ///
    /// Throws `Failure.differentClasses` when the two pipelines do not share their classes.
    public init(first: PipelineSpec, firstRoot: String? = nil, second: PipelineSpec? = nil, secondRoot: String? = nil,
                threshold: Int = LeakageCheck.defaultThreshold, thumbnailSide: Int? = nil) throws {
        if let second, second.classes != first.classes {
            throw Failure.differentClasses(first: first.file, firstClasses: first.classes, second: second.file, secondClasses: second.classes)
        }
        let a = try items(first, root: firstRoot, split: .first, thumbnailSide: thumbnailSide)
        let b = try second.map { try items($0, root: secondRoot, split: .second, thumbnailSide: thumbnailSide) }
        // Same source: base ids or image files shared by the two splits.
        if let b {
            var byBase: [String: String] = [:], byImage: [String: String] = [:]
            for item in a {
                byImage[RealPath.resolve(item.image)] = byImage[RealPath.resolve(item.image)] ?? item.ids[0]
                for id in item.ids { byBase[Self.baseId(id)] = byBase[Self.baseId(id)] ?? id }
            }
            for item in b {
                if let other = byImage[RealPath.resolve(item.image)] {
                    findings.append(Finding(a: other, b: item.ids[0], distance: 0, kind: .sameSource))
                    continue
                }
                if let id = item.ids.first(where: { byBase[Self.baseId($0)] != nil }), let other = byBase[Self.baseId(id)] {
                    findings.append(Finding(a: other, b: id, distance: 0, kind: .sameSource))
                }
            }
        }
        let sameSource = Set(findings.map { "\($0.a)\u{0}\($0.b)" })
        func compare(_ x: Item, _ y: Item) {
            // One source in both: already reported, its pixels and labels are the same.
            guard !sameSource.contains("\(x.ids[0])\u{0}\(y.ids[0])") else { return }
            if let hx = x.hash, let hy = y.hash {
                let d = hx.distance(to: hy)
                if d <= threshold && hx.similarity(to: hy) >= Self.minSimilarity {
                    findings.append(Finding(a: x.ids[0], b: y.ids[0], distance: d, kind: .nearDuplicate))
                }
            }
            if let lx = x.label, lx == y.label {
                findings.append(Finding(a: x.ids[0], b: y.ids[0], distance: 0, kind: .sameLabel))
            }
        }
        if let b {
            for x in a { for y in b { compare(x, y) } }
        } else {
            for i in a.indices { for j in (i + 1)..<a.count { compare(a[i], a[j]) } }
        }
    }

    /// `id` without a tile suffix `@<y>_<x>`.
    static func baseId(_ id: String) -> String {
        guard let at = id.lastIndex(of: "@") else { return id }
        let tail = id[id.index(after: at)...]
        let parts = tail.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return id }
        return String(id[..<at])
    }

    /// What one image gives: its hash, its label's digest and thumbnail, or why it could not be read.
    struct Hashed: Sendable {
        var hash: PerceptualHash?
        var label: String?
        var thumbnail: Raster?
        var problem: String?
    }

    /// The distinct images of `spec`'s input, hashed (on every core, in input order), with their
    /// labels' digests.
    mutating func items(_ spec: PipelineSpec, root: String?, split: Split, thumbnailSide: Int?) throws -> [Item] {
        let truth = try GroundTruth(spec: spec, root: root)
        let records = truth.input.records
        var items: [Item] = []
        var first: [Int] = []
        var position: [String: Int] = [:]
        for (n, record) in records.enumerated() {
            if let p = record.problem { problems.append(p.description); continue }
            if let k = position[record.image] { items[k].ids.append(record.id); continue }
            position[record.image] = items.count
            items.append(Item(ids: [record.id], image: record.image))
            first.append(n)
        }
        let starts = first
        let hashed = LockedResults<Hashed>.map(starts.count, threads: ProcessInfo.processInfo.activeProcessorCount) { k in
            Self.hash(records[starts[k]], truth: truth, thumbnailSide: thumbnailSide)
        }
        for k in items.indices {
            let h = hashed[k]
            if let p = h.problem { problems.append(p) }
            if h.hash != nil { self.hashed += 1 }
            items[k].hash = h.hash
            items[k].label = h.label
            if let t = h.thumbnail { for id in items[k].ids { thumbnails[split, default: [:]][id] = t } }
        }
        return items
    }

    /// Decodes and hashes one image (JPEGs shrunk in the decoder), and digests its label.
    static func hash(_ record: SampleRecord, truth: GroundTruth, thumbnailSide: Int?) -> Hashed {
        var out = Hashed()
        do {
            let data = try truth.input.source.imageData(record, maxPixels: FileGate.defaultMaxPixels)
            let image = try ImageFile.decode(data, id: record.id, path: record.image, atLeast: hashSide)
            out.hash = PerceptualHash(image)
            if let side = thumbnailSide, side > 0, image.width > 0, image.height > 0 {
                let scale = min(1, Double(side) / Double(max(image.width, image.height)))
                out.thumbnail = Resample.bicubic(image, width: max(1, Int(Double(image.width) * scale)),
                                                 height: max(1, Int(Double(image.height) * scale)))
            }
            if record.window == nil {
                let label = try truth.label(record)
                // More than one byte value (a scan, not a set of every pixel).
                let firstByte = label.pixels.first
                if label.pixels.contains(where: { $0 != firstByte }) || label.channels == 2 {
                    out.label = "\(label.width)x\(label.height)x\(label.channels):" + Checksum.sha256(Data(label.pixels))
                }
            }
        } catch let e as SampleError {
            out.problem = e.description
        } catch {
            out.problem = "\(record.image): \(error)"
        }
        return out
    }
}
