import SegFormat
import Foundation
import Yams

/// A parsed and planned pipeline file: every check has passed before any pixel is read.
public struct PipelineSpec: Sendable {
    /// Where the file was read from, and its exact text (recorded in the manifest).
    public var file: String
    public var text: String
    /// Label value of ignored pixels: `classes.count` unless the file sets `ignore_index`.
    public var ignoreIndex: Int
    /// Bytes per label value in the shards: 1 (U8), or 2 (U16) when a class index or the ignore
    /// value is above 255.
    public var labelBytes: Int { Self.labelBytes(classes: classes.count, ignore: ignoreIndex) }

    static func labelBytes(classes: Int, ignore: Int) -> Int { max(classes - 1, ignore) > 255 ? 2 : 1 }

    /// The shards' label tensor type.
    public var labelType: DType { labelBytes == 2 ? .u16 : .u8 }
    /// Where the samples come from.
    public var input: any InputSource
    /// Class names (generated as `class0`… when the file gives a count).
    public var classes: [String]
    public var seed: UInt64
    public var repeats: Int
    public var stages: [any Stage]
    public var stageNames: [String]
    public var outputDir: String
    public var samplesPerShard: Int
    /// Output size (height, width) fixed by the stages.
    public var height: Int
    public var width: Int
    /// `one_hot` declared.
    public var oneHot: Bool
    public var onError: OnError
    /// The checksum of each shard in `index.json`.
    public var checksum: ChecksumAlgorithm = .xxh3
    /// How the `repeats` budget is spread over the sources (`input.sampling`).
    public var sampling: Sampling = .uniform
    /// Floors on label survival (`output.min_survival`), checked by `seg-prep check`.
    public var minSurvival: [SurvivalFloor] = []
    /// Whether label values go through mmsegmentation's reduce-zero-label (`input.reduce_zero_label`).
    public var reduceZeroLabel = false
    /// The colours of colour-coded label images (`input.label_colors`), or nil for class indices.
    public var labelColours: LabelColours? = nil
    /// The `tile` stage cutting each image into windows, if any, and the files its windows are read
    /// from (shared by every sample of a run).
    public var tiling: TileStage? { stages.lazy.compactMap { $0 as? TileStage }.first }
    public var windows: WindowCache? = nil
    /// Replaces `decode`'s `max_pixels` when set (the `--max-pixels` option).
    public var maxPixels: Int? = nil

    /// What to do with a sample whose input is bad.
    public enum OnError: String, Sendable, CaseIterable { case fail, skip }

    /// Reads, parses and plans the pipeline at `path`.
    ///
    /// Throws `PipelineError` (with `file:line:column` and a fix) for any problem in the file.
    public static func load(path: String) throws -> PipelineSpec {
        // What is at the path, before reading it: a folder or a device is named as such (/dev/zero
        // would never end), and no pipeline is megabytes long. A pipe (`<(sed … p.yaml)`) is read.
        let limit = 16 << 20
        var pipe = false
        guard !path.isEmpty else {
            throw PipelineError(file: "(empty path)", line: 0, column: 0, message: "no pipeline file was named", fix: "give the path of a YAML pipeline file")
        }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if let attributes = try? FileManager.default.attributesOfItem(atPath: resolved), let type = attributes[.type] as? FileAttributeType {
            if type == .typeDirectory {
                throw PipelineError(file: path, line: 0, column: 0, message: "is a folder, not a pipeline file",
                                    fix: "give the YAML file itself (pipelines ship in the `pipelines/` folder)")
            }
            if type == .typeCharacterSpecial || type == .typeBlockSpecial || type == .typeSocket {
                throw PipelineError(file: path, line: 0, column: 0, message: "is a device or socket, not a pipeline file",
                                    fix: "give a YAML pipeline file")
            }
            if let size = attributes[.size] as? NSNumber, size.intValue > limit {
                throw PipelineError(file: path, line: 0, column: 0, message: "is \(size.intValue) bytes, more than any pipeline file",
                                    fix: "give a YAML pipeline file (a few kilobytes)")
            }
            pipe = type != .typeRegular   // (Foundation names a FIFO typeUnknown)
        }
        let read = pipe ? FileHandle(forReadingAtPath: path).flatMap { h in defer { try? h.close() }; return try? h.read(upToCount: limit + 1) ?? Data() }
                        : FileManager.default.contents(atPath: path)
        guard let data = read else {
            throw PipelineError(file: path, line: 0, column: 0, message: "pipeline file not found",
                                fix: "check the path (pipelines ship in the `pipelines/` folder)")
        }
        if data.count > limit {
            throw PipelineError(file: path, line: 0, column: 0, message: "holds more than \(limit) bytes, more than any pipeline file",
                                fix: "give a YAML pipeline file (a few kilobytes)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError(file: path, line: 0, column: 0, message: "pipeline file is not UTF-8 text", fix: "save it as UTF-8 YAML")
        }
        return try parse(text, file: path)
    }

    /// Parses and plans pipeline `text`; relative paths resolve against `file`'s folder.
    public static func parse(_ text: String, file: String) throws -> PipelineSpec {
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                throw PipelineError(file: file, line: 0, column: 0, message: "pipeline file is empty", fix: "start from one of the files in `pipelines/`")
            }
            node = n
        } catch let e as YamlError {
            throw yamlError(e, file: file)
        }
        guard node.mapping != nil else {
            throw PipelineError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0,
                                message: "the top level must be a mapping of keys (version, input, classes, stages, output…)",
                                fix: "start from one of the files in `pipelines/`")
        }
        func error(_ n: Node, _ message: String, fix: String) -> PipelineError {
            PipelineError(file: file, line: n.mark?.line ?? 0, column: n.mark?.column ?? 0, message: message, fix: fix)
        }
        func section(_ located: ParameterValues.Located, _ name: String, _ keys: [Parameter]) throws -> ParameterValues {
            try ParameterValues(keys, scope: .section(name), node: located.node, file: file,
                                line: located.node.mark?.line ?? located.line, column: located.node.mark?.column ?? located.column)
        }
        let top = try ParameterValues(PipelineKeys.Top.all, scope: .section("the pipeline"), node: node, file: file,
                                      line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()

        typealias O = PipelineKeys.Output
        typealias T = PipelineKeys.Top
        let classesNode = top[T.classes].node
        var classes: [String]
        if let seq = classesNode.sequence {
            classes = []
            var firstIndex: [String: Int] = [:]
            for c in seq {
                guard let s = c.string, !s.isEmpty else { throw error(c, "class names must be strings", fix: "write `classes: [background, person, …]`") }
                // Names are looked up (class_mix's classes, min_survival, reports): each must name one class.
                if let first = firstIndex[s] {
                    throw error(c, "class '\(s)' is listed twice in 'classes' (indices \(first) and \(classes.count))",
                                fix: "give each class its own name")
                }
                firstIndex[s] = classes.count
                classes.append(s)
            }
        } else if let n = classesNode.int {
            // Checked before the names are made: a count of 10^8 would allocate gigabytes first.
            guard (1...65_535).contains(n) else {
                throw error(classesNode, "'classes' is \(n); between 1 and 65535 classes are supported (the ignore class takes the next index)", fix: "give 1 to 65535 classes")
            }
            classes = (0..<n).map { "class\($0)" }
        } else {
            throw error(classesNode, "'classes' must be a count or a list of names", fix: "write `classes: 21` or `classes: [background, …]`")
        }
        guard (1...65_535).contains(classes.count) else {
            throw error(classesNode, "'classes' is \(classes.count); between 1 and 65535 classes are supported (the ignore class takes the next index)", fix: "give 1 to 65535 classes")
        }
        let ignoreIndex = top[T.ignoreIndex] ?? classes.count
        guard ignoreIndex >= classes.count else {
            throw top.error(T.ignoreIndex, "'ignore_index' is \(ignoreIndex), which is a class index (\(classes.count) classes: 0..\(classes.count - 1))",
                            fix: "use \(classes.count) (the default) or more, e.g. `ignore_index: 255` as mmsegmentation")
        }
        let (inputSpec, labelColours, reduceZeroLabel, sampling) = try source(top[T.input], classes: classes, file: file, base: base)

        let seed = top[T.seed]
        let repeats = top[T.repeats]
        let onError = top[T.onError]

        let output = try section(top[T.output], "output", O.all)
        let dir = output[O.dir]
        let perShard = output[O.samplesPerShard]
        let checksum = output[O.checksum]
        let floors = try output[O.minSurvival].map { try survivalFloors($0, classes: classes, file: file) } ?? []

        let stagesNode = top[T.stages].node
        guard let seq = stagesNode.sequence, !seq.isEmpty else {
            throw error(stagesNode, "'stages' must be a non-empty list", fix: "list stages such as `- decode: {}` and `- letterbox: {size: [512, 512]}`")
        }
        guard ignoreIndex <= 65_535 else {
            throw top.error(T.ignoreIndex, "'ignore_index' is \(ignoreIndex), above 65535, the largest 16-bit label value",
                            fix: "use a value from \(classes.count) to 65535")
        }
        var state = PlanState(classes: classes.count)
        state.classNames = classes
        state.labelMax = Self.labelBytes(classes: classes.count, ignore: ignoreIndex) == 1 ? 255 : 65_535
        var stages: [any Stage] = []
        var names: [String] = []
        var sourcesPerSample = 1   // samples made for one output by the multi-image stages so far
        for item in seq {
            let (name, nameNode, params): (String, Node, Node?)
            if let m = item.mapping, m.count == 1, let (k, v) = m.first, let s = k.string {
                (name, nameNode, params) = (s, k, v)
            } else if let s = item.string {
                (name, nameNode, params) = (s, item, nil)
            } else {
                throw error(item, "each stage must be `- name: {parameters}`", fix: "write e.g. `- flip: {p: 0.5}`")
            }
            guard let type = StageRegistry.named(name) else {
                throw error(nameNode, "unknown stage '\(name)'", fix: Suggest.hint(name, in: StageRegistry.names))
            }
            if state.oneHot {
                throw error(nameNode, "'\(name)' comes after 'one_hot'", fix: "make `- one_hot: {}` the last stage")
            }
            let args = try StageArgs(type.declaration, node: params, file: file,
                                     line: nameNode.mark?.line ?? 0, column: nameNode.mark?.column ?? 0)
            let stage = try type.init(args)
            state.current = args
            try stage.plan(&state)
            if let mix = type as? any MultiImageStage.Type {
                sourcesPerSample *= 1 + mix.donorsPerSample
                guard sourcesPerSample <= multiImageSourceLimit else {
                    let others = names.filter { StageRegistry.named($0) is any MultiImageStage.Type }
                    throw args.error(nil, "'\(name)' after \(others.map { "'\($0)'" }.joined(separator: ", ")) would make each output sample from \(sourcesPerSample) source samples (each multi-image stage also runs the ones before it on its donors); at most \(multiImageSourceLimit) are allowed",
                                     fix: "keep fewer multi-image stages, e.g. one `mosaic` and one `class_mix`")
                }
            }
            state.planned += 1
            stages.append(stage)
            names.append(name)
        }
        guard let size = state.size else {
            throw error(stagesNode, "no stage fixes the output size, so samples cannot be stacked into shards",
                          fix: "add `- letterbox: {size: [H, W]}` or `- random_resize: {size: [H, W]}` followed by `- place: {}`")
        }
        if state.awaitingPlacement {
            throw error(stagesNode, "'random_resize' is not followed by 'place', so samples keep their random sizes",
                          fix: "add `- place: {}` after random_resize (and after flip, if any)")
        }
        var spec = PipelineSpec(
            file: file, text: text, ignoreIndex: ignoreIndex, input: inputSpec, classes: classes, seed: UInt64(seed), repeats: repeats,
            stages: stages, stageNames: names,
            outputDir: resolve(dir, against: base),
            samplesPerShard: perShard, height: size.height, width: size.width, oneHot: state.oneHot, onError: onError)
        spec.labelColours = labelColours
        spec.reduceZeroLabel = reduceZeroLabel
        spec.sampling = sampling
        spec.checksum = checksum
        spec.minSurvival = floors
        if stages.count > 1, let crop = stages[1] as? RandomCropStage {
            spec.windows = WindowCache(window: (crop.height, crop.width), stride: (crop.height, crop.width), randomOrder: true)
        }
        if state.tiled {
            if (stages.first as? DecodeStage)?.shrinkOnLoad == true {
                throw error(stagesNode, "'decode: {shrink_on_load: true}' cannot be combined with 'tile', which reads windows at full resolution",
                            fix: "remove shrink_on_load")
            }
            if let t = spec.tiling { spec.windows = WindowCache(window: (t.height, t.width), stride: (t.strideY, t.strideX)) }
        }
        return spec
    }

    /// The input source `located` (the `input:` mapping) names with `format`, built from its keys.
    static func source(_ located: ParameterValues.Located, classes: [String], file: String,
                       base: URL) throws -> (any InputSource, LabelColours?, reduceZeroLabel: Bool, sampling: Sampling) {
        let node = located.node
        let formatNode = node.mapping?.first { $0.key.string == PipelineKeys.Input.format.name }?.value
        let format = formatNode?.string ?? "voc"
        guard let type = SourceRegistry.named(format) else {
            let at = formatNode ?? node
            throw PipelineError(file: file, line: at.mark?.line ?? 0, column: at.mark?.column ?? 0,
                                message: "'input.format' is '\(format)'; \(Suggest.hint(format, in: SourceRegistry.names))",
                                fix: "use \(ParameterValues.article(PipelineKeys.Input.format.info.kind.summary))\(PipelineKeys.Input.format.info.kind.summary) — \(PipelineKeys.Input.format.info.doc)")
        }
        let keys = try ParameterValues(PipelineKeys.Input.common + type.declaration.keys, scope: .section("input"), node: node,
                                       file: file, line: node.mark?.line ?? located.line, column: node.mark?.column ?? located.column)
        let colours = try keys[PipelineKeys.Input.labelColors].map { try LabelColours.parse($0, classes: classes, file: file) }
        let sampling = try Sampling.parse(keys[PipelineKeys.Input.sampling], file: file)
        return (try type.init(keys, base: base, classes: classes), colours, keys[PipelineKeys.Input.reduceZeroLabel], sampling)
    }

    /// `output.min_survival`: class names mapped to fractions in [0, 1].
    ///
    /// Throws `PipelineError` at the key naming an unknown class or the value out of range.
    static func survivalFloors(_ located: ParameterValues.Located, classes: [String], file: String) throws -> [SurvivalFloor] {
        let node = located.node
        func error(_ n: Node, _ message: String, fix: String) -> PipelineError {
            PipelineError(file: file, line: n.mark?.line ?? located.line, column: n.mark?.column ?? located.column, message: message, fix: fix)
        }
        guard let m = node.mapping else {
            throw error(node, "'output.min_survival' must be a mapping of class names to fractions",
                        fix: "write e.g. `min_survival: {\(classes.last ?? "class"): 0.5}`")
        }
        var out: [SurvivalFloor] = []
        for (k, v) in m {
            let name = k.string ?? "?"
            guard let index = classes.firstIndex(of: name) else {
                throw error(k, "'output.min_survival' names '\(name)', which is not a class", fix: Suggest.hint(name, in: classes))
            }
            guard let f = v.float, f.isFinite, (0...1).contains(f) else {
                throw error(v, "'output.min_survival' gives class '\(name)' the floor '\(v.string ?? "?")', not a fraction in [0, 1]",
                            fix: "write the fraction of samples that should keep the class, e.g. 0.5")
            }
            out.append(SurvivalFloor(classIndex: index, fraction: f))
        }
        return out
    }

    /// An absolute path for `path` (absolute, `~/…`, or relative to `base`).
    static func resolve(_ path: String, against base: URL) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        return base.appendingPathComponent(expanded).standardizedFileURL.path
    }

    static func yamlError(_ e: YamlError, file: String) -> PipelineError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return PipelineError(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(problem)",
                                 fix: "fix the indentation or quoting at that position")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Located where Yams points: the first occurrence of the (alphabetically first) key given
            // twice; its own message quotes the whole file.
            let shown = duplicates.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            return PipelineError(file: file, line: context.mark.line, column: context.mark.column,
                                 message: "\(duplicates.count == 1 ? "key" : "keys") \(shown)\(duplicates.count > 5 ? ", …" : "") given twice in one mapping",
                                 fix: "keep one value for each key")
        case .reader(let problem, let offset, _, _):
            return PipelineError(file: file, line: 0, column: 0, message: "cannot be read as YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")",
                                 fix: "save the file as UTF-8 text")
        default:
            return PipelineError(file: file, line: 0, column: 0, message: "YAML error: \(e)", fix: "check that the file is valid YAML")
        }
    }
}
