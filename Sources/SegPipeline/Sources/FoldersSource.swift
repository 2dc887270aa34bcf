import SegImage
import Foundation
import SegFormat

/// `format: folders`: an image folder and a label folder paired by file stem (the common layout
/// of converted public datasets, as mmsegmentation's `BaseSegDataset` reads them).
public struct FoldersSource: InputSource {
    public static let declaration = SourceDeclaration(
        name: "folders",
        summary: "Images and labels in two folders, paired by stem.",
        details: "Both folders are searched recursively and sorted by relative path; a file's stem (its path relative to the folder, minus the suffix) is its sample id. An image without a label, or a label without an image, is a bad sample named in the run's errors (left out with `--on-error skip`). With `split`, only the stems it lists are taken, in its order.",
        keys: [Keys.root.info, Keys.images.info, Keys.labels.info, Keys.imageSuffix.info, Keys.labelSuffix.info, Keys.split.info])

    enum Keys {
        static let root = Param<String>.text("root", "dataset folder (relative to the pipeline file, or absolute)")
        static let images = Param<String>.text("images", default: "images", "image folder inside root")
        static let labels = Param<String>.text("labels", default: "labels", "label folder inside root")
        static let imageSuffix = Param<String>.text("image_suffix", default: ".jpg", "what image file names end with (the stem is the rest)")
        static let labelSuffix = Param<String>.text("label_suffix", default: ".png", "what label file names end with")
        static let split = Param<String?>.optionalText("split", "file of stems to take, one per line, relative to root (default: every pair found)")
    }

    public let root: String
    public let layout: Layout

    /// Where images and labels are and how their names end.
    public struct Layout: Sendable {
        public var images: String, labels: String
        public var imageSuffix: String, labelSuffix: String
        public var split: String?
    }

    public init(_ keys: ParameterValues, base: URL, classes: [String]) throws {
        self.init(root: PipelineSpec.resolve(keys[Keys.root], against: base),
                  layout: Layout(images: keys[Keys.images], labels: keys[Keys.labels], imageSuffix: keys[Keys.imageSuffix],
                                 labelSuffix: keys[Keys.labelSuffix], split: keys[Keys.split]))
    }

    public init(root: String, layout: Layout) {
        self.root = root
        self.layout = layout
    }

    public func records(root: String) throws -> [SampleRecord] {
        let imageFolder = "\(root)/\(layout.images)", labelFolder = "\(root)/\(layout.labels)"
        for (folder, key) in [(imageFolder, "images"), (labelFolder, "labels")] {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
                throw InputError.folderMissing(key: key, folder: folder)
            }
        }
        let images = try Self.files(in: imageFolder, suffix: layout.imageSuffix)
        let labels = try Self.files(in: labelFolder, suffix: layout.labelSuffix)
        let stems: [String]
        if let split = layout.split {
            stems = try SplitFile.read("\(root)/\(split)").map(\.id)
        } else {
            stems = Set(images.keys).union(labels.keys).sorted()
        }
        guard !stems.isEmpty else {
            throw InputError.nothingFound(imageSuffix: layout.imageSuffix, labelSuffix: layout.labelSuffix, imageFolder: imageFolder, labelFolder: labelFolder)
        }
        if !images.isEmpty || !labels.isEmpty, !stems.contains(where: { images[$0] != nil && labels[$0] != nil }) {
            throw InputError.noPairs(images: images.count, imageSuffix: layout.imageSuffix, imageFolder: imageFolder, labels: labels.count,
                                     labelSuffix: layout.labelSuffix, labelFolder: labelFolder,
                                     hint: Self.pairingHint(images: images, labels: labels, imageFolder: imageFolder, labelFolder: labelFolder))
        }
        let realRoot = RealPath.resolve(root)
        return try stems.map { stem in
            let image = images[stem] ?? "\(imageFolder)/\(stem)\(layout.imageSuffix)"
            let label = labels[stem] ?? "\(labelFolder)/\(stem)\(layout.labelSuffix)"
            for path in [image, label] {
                guard let real = realpath(path, nil) else { continue }
                defer { free(real) }
                let resolved = String(cString: real)
                if !RealPath.isSameOrInside(resolved, realRoot) {
                    throw InputError.fileOutsideDataset(path: path, resolved: resolved, root: realRoot)
                }
            }
            var problem: SampleError?
            if images[stem] == nil && labels[stem] == nil {
                problem = SampleError(id: stem, file: image, problem: "is listed in the split file but neither it nor \(label) exists",
                                      fix: "add the files or remove '\(stem)' from the split file")
            } else if images[stem] == nil {
                problem = SampleError(id: stem, file: label, problem: "has no image (\(image) is missing)",
                                      fix: "add the image, remove the label, or run with --on-error skip")
            } else if labels[stem] == nil {
                problem = SampleError(id: stem, file: image, problem: "has no label (\(label) is missing)",
                                      fix: "add the label, remove the image, or run with --on-error skip")
            }
            return SampleRecord(id: stem, image: image, label: label, problem: problem)
        }
    }

    /// What the other folder holds when not one image has its label (the suffix its files have
    /// after an image's stem), so a wrong suffix is one line naming the right one.
    static func pairingHint(images: [String: String], labels: [String: String], imageFolder: String, labelFolder: String) -> InputError.PairingHint {
        // The most common ending of the label folder's files after an image's stem, or the reverse.
        func suffixes(in folder: String, after stems: Set<String>) -> [(String, Int)] {
            var counts: [String: Int] = [:]
            guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
            var seen = 0
            while let rel = walker.nextObject() as? String, seen < 100_000 {
                seen += 1
                var cut = rel.endIndex
                while cut > rel.startIndex {
                    cut = rel.index(before: cut)
                    if stems.contains(String(rel[..<cut])) { counts[String(rel[cut...]), default: 0] += 1; break }
                }
            }
            return counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        }
        if !images.isEmpty, let (suffix, n) = suffixes(in: labelFolder, after: Set(images.keys)).first { return .labelSuffix(suffix, count: n) }
        if !labels.isEmpty, let (suffix, n) = suffixes(in: imageFolder, after: Set(labels.keys)).first { return .imageSuffix(suffix, count: n) }
        return .none
    }

    /// Files under `folder` (recursively, not following links to folders) whose names end with
    /// `suffix`, by stem (relative path without the suffix).
    static func files(in folder: String, suffix: String) throws -> [String: String] {
        var out: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return out }
        while let rel = walker.nextObject() as? String {
            guard rel.hasSuffix(suffix), rel.count > suffix.count else { continue }
            let path = "\(folder)/\(rel)"
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            out[String(rel.dropLast(suffix.count))] = path
        }
        return out
    }
}
