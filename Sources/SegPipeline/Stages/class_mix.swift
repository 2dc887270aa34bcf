import SegImage
import Yams

/// `class_mix`: paste the pixels of some classes of another sample (ClassMix, copy-paste).
public struct ClassMixStage: MultiImageStage {
    public static let declaration = StageDeclaration(
        name: "class_mix",
        summary: "Paste the pixels of some classes of another sample of the input onto this one, image and label alike (ClassMix, or copy-paste of named classes).",
        details: "With probability `p`, draws a donor uniformly from the input's other samples, takes what the stages before class_mix make of it in the same repeat (its own draws), and copies every pixel whose donor label is a pasted class — image and label — onto the sample. Pasted classes: by default ClassMix's, a random half (rounded up) of the classes present in the donor (the ignore class never), chosen by a shuffle; with `classes: [...]` (class names or indices) the named classes, those absent from the donor paste nothing. Donor and sample must have the same size there, so class_mix comes after a stage that fixes the output size (letterbox, random_resize + place, pad, tile: after tile the donors are windows of the input's images, and a window its `min_labelled` leaves out pastes nothing). Refused (by every command that makes samples) when the input lists fewer than two usable samples. Multi-image stages may follow one another as long as one output sample is made from at most 16 source samples: each multiplies the count by 1 + its donors (mosaic 4, class_mix 2), since the donors go through the multi-image stages before it too. Records `class_mix` (1 or 0), `class_mix_donor` (the donor's index in the input's listing order), `class_mix_classes` (how many classes were pasted) and `class_mix_class_<k>` = 1 for each pasted class k.",
        label: "Pixels of the pasted classes take the donor's label; every other pixel keeps its own.",
        random: true,
        parameters: [Keys.classes.info, Keys.p.info])

    enum Keys {
        static let classes = Param<ParameterValues.Located?>.optionalNode("classes", .list, "class names or indices to paste (copy-paste); without it, a random half of the donor's classes (ClassMix)")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of pasting")
    }

    /// A class as written in `classes`.
    enum Named: Sendable, Equatable {
        case index(Int)
        case name(String)
    }

    let named: [Named]?
    let p: Double
    public let location: StageArgs
    public static let donorsPerSample = 1

    public init(_ args: StageArgs) throws {
        p = args[Keys.p]
        location = args
        guard let list = args[Keys.classes] else { named = nil; return }
        guard let seq = list.node.sequence, !seq.isEmpty else {
            throw args.error(Keys.classes, "'class_mix.classes' must be a non-empty list of class names or indices", fix: "write e.g. `classes: [person, car]` or `classes: [15, 7]`")
        }
        named = try seq.map { n in
            guard let s = n.scalar?.string, !s.isEmpty else {
                throw args.error(Keys.classes, "'class_mix.classes' holds something that is not a class name or index", fix: "write e.g. `classes: [person, car]` or `classes: [15, 7]`")
            }
            if n.scalar?.style == .plain, let i = Int(s) { return .index(i) }
            return .name(s)
        }
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        guard state.size != nil, !state.awaitingPlacement else {
            throw state.fail("'class_mix' pastes pixels of another sample at the same place, so the size must be fixed before it",
                             fix: "put class_mix after a stage that fixes the output size (letterbox, random_resize + place, pad, tile)")
        }
        guard let named else { return }
        let names = state.classNames.isEmpty ? (0..<state.classes).map { "class\($0)" } : state.classNames
        var seen = Set<Int>()
        for n in named {
            switch n {
            case .index(let i) where !(0..<state.classes).contains(i):
                throw state.fail("'class_mix.classes' has \(i), which is not a class index (\(state.classes) classes: 0..\(state.classes - 1))",
                                 fix: "name classes by index 0..\(state.classes - 1) or by name", parameter: "classes")
            case .name(let s) where !names.contains(s):
                throw state.fail("'class_mix.classes' names '\(s)', which is not a class of this pipeline",
                                 fix: Suggest.hint(s, in: names), parameter: "classes")
            default: break
            }
            // The same class twice (by name or index) is a slip in the list, named as such.
            let index: Int? = switch n {
            case .index(let i): i
            case .name(let s): names.firstIndex(of: s)
            }
            if let index, !seen.insert(index).inserted {
                throw state.fail("'class_mix.classes' names class \(index) ('\(names.indices.contains(index) ? names[index] : "class\(index)")') twice",
                                 fix: "name each class once", parameter: "classes")
            }
        }
    }

    /// The indices of the named classes (nil for ClassMix).
    func indices(names: [String]) -> Set<Int>? {
        guard let named else { return nil }
        var out = Set<Int>()
        for n in named {
            switch n {
            case .index(let i): out.insert(i)
            case .name(let s):
                if let i = names.firstIndex(of: s) { out.insert(i) } else if s.hasPrefix("class"), let i = Int(s.dropFirst(5)) { out.insert(i) }
            }
        }
        return out
    }

    /// The classes present in `label` (below `classes`; the ignore value never).
    public static func present(_ label: Raster, classes: Int, ignore: Int) -> [Int] {
        let counts = label.labelHistogram
        return (0..<min(classes, counts.count)).filter { counts[$0] > 0 && $0 != ignore }
    }

    /// ClassMix's choice: a random half (rounded up) of `present`, by a Fisher-Yates shuffle.
    public static func half(of present: [Int], random: inout SeededRandom) -> [Int] {
        var order = present
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        }
        return Array(order.prefix((order.count + 1) / 2)).sorted()
    }

    /// Copies onto `image` and `label` every pixel whose `donorLabel` value is in `classes`, image and
    /// label alike (labels widened to the wider of the two). Sizes must agree (else nothing changes).
    public static func paste(image: inout Raster, label: inout Raster, donorImage: Raster, donorLabel: Raster, classes: Set<Int>) {
        guard !classes.isEmpty, image.width == donorImage.width, image.height == donorImage.height,
              label.width == image.width, label.height == image.height,
              donorLabel.width == image.width, donorLabel.height == image.height, image.channels == donorImage.channels else { return }
        let bytes = max(label.channels, donorLabel.channels)
        guard let own = label.label(bytes: bytes), let theirs = donorLabel.label(bytes: bytes) else { return }
        label = own
        var take = [Bool](repeating: false, count: bytes == 1 ? 256 : 65_536)
        for c in classes where take.indices.contains(c) { take[c] = true }
        let n = image.width * image.height, c = image.channels
        image.pixels.withUnsafeMutableBufferPointer { dst in
            label.pixels.withUnsafeMutableBufferPointer { lbl in
                donorImage.pixels.withUnsafeBufferPointer { src in
                    theirs.pixels.withUnsafeBufferPointer { dl in
                        for i in 0..<n {
                            let v = bytes == 1 ? Int(dl[i]) : Int(dl[2 * i]) | Int(dl[2 * i + 1]) << 8
                            guard take[v] else { continue }
                            for k in 0..<c { dst[i * c + k] = src[i * c + k] }
                            for k in 0..<bytes { lbl[i * bytes + k] = dl[i * bytes + k] }
                        }
                    }
                }
            }
        }
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        guard random.unit() < p else {
            sample.params["class_mix"] = 0
            return
        }
        guard let donors = context.donors else {
            throw SampleError(id: sample.id, file: sample.imagePath, problem: "reached 'class_mix' without the other samples of the input",
                              fix: "mix samples with `seg-prep run`, which gives the stage the whole input")
        }
        let k = donors.draw(&random, excluding: sample.id)
        sample.params["class_mix"] = 1
        sample.params["class_mix_donor"] = Double(k)
        guard let donor = try donors.sample(k, for: sample, before: context.stageIndex, what: "class_mix") else {
            // A window tile's min_labelled leaves out pastes nothing.
            sample.params["class_mix_classes"] = 0
            return
        }
        guard donor.image.width == sample.image.width, donor.image.height == sample.image.height else {
            throw SampleError(id: sample.id, file: donor.imagePath,
                              problem: "is \(donor.image.width)x\(donor.image.height) at 'class_mix', not \(sample.image.width)x\(sample.image.height) as the sample it is pasted onto",
                              fix: "fix the size before class_mix (letterbox, random_resize + place, pad)")
        }
        let present = Self.present(donor.label, classes: context.classes, ignore: context.ignoreIndex)
        let chosen: [Int]
        if let wanted = indices(names: context.classNames) {
            chosen = present.filter { wanted.contains($0) }
        } else {
            chosen = Self.half(of: present, random: &random)
        }
        Self.paste(image: &sample.image, label: &sample.label, donorImage: donor.image, donorLabel: donor.label, classes: Set(chosen))
        sample.params["class_mix_classes"] = Double(chosen.count)
        for c in chosen { sample.params["class_mix_class_\(c)"] = 1 }
    }
}
