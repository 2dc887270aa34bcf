import SegFormat

/// Model state as a safetensors file with PyTorch `state_dict` names.
///
/// Parameters and running statistics are F32 tensors; `num_batches_tracked` is an I64 0-d tensor,
/// so `model.load_state_dict(safetensors.torch.load_file(path), strict=True)` accepts it.
public enum Checkpoint {
    /// Errors while loading a checkpoint.
    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case missing(String)
        case shape(name: String, expected: [Int], found: [Int])

        public var description: String {
            switch self {
            case .missing(let name):
                return "checkpoint has no tensor '\(name)'; was it saved from the same model and class count?"
            case let .shape(name, expected, found):
                return "checkpoint tensor '\(name)' has shape \(found) but the model needs \(expected)"
            }
        }
    }

    /// All state entries of `model` in `state_dict` order.
    public static func stateDict<L: Layer>(_ model: inout L) -> [(name: String, value: StateValue<L.Scalar>)] {
        var entries: [(name: String, value: StateValue<L.Scalar>)] = []
        model.visitState(prefix: "") { name, value in entries.append((name, value)) }
        return entries
    }

    /// Writes the state of `model` (plus `extra` named tensors, e.g. optimiser state) to `path`.
    ///
    /// - Throws: file-system errors from the writer.
    public static func save<L: Layer>(
        _ model: inout L, extra: [(name: String, tensor: Tensor<Float>)] = [],
        to path: String, metadata: [String: String] = [:]
    ) throws where L.Scalar == Float {
        var writer = SafeTensorsWriter()
        for (name, value) in stateDict(&model) {
            switch value {
            case .tensor(let t): writer.add(name, shape: t.shape, floats: t.scalars)
            case .int64(let v): writer.add(name, shape: [], int64s: [v])
            }
        }
        for (name, t) in extra { writer.add(name, shape: t.shape, floats: t.scalars) }
        try writer.write(to: path, metadata: metadata)
    }

    /// Replaces the state of `model` with the tensors in `path` (strict: every entry must exist).
    ///
    /// - Throws: `LoadError` for missing or mis-shaped entries; reader errors for bad files.
    public static func load<L: Layer>(into model: inout L, from path: String) throws where L.Scalar == Float {
        let file = try SafeTensorsFile(path: path)
        var failure: Error?
        model.visitState(prefix: "") { name, value in
            guard failure == nil else { return }
            do {
                let info = try file.info(name)
                switch value {
                case .tensor(let t):
                    guard info.shape == t.shape else {
                        throw LoadError.shape(name: name, expected: t.shape, found: info.shape)
                    }
                    value = .tensor(Tensor(shape: t.shape, scalars: try file.floats(name)))
                case .int64:
                    value = .int64(try file.int64s(name).first ?? 0)
                }
            } catch let error as LoadError {
                failure = error
            } catch {
                failure = file.names.contains(name) ? error : LoadError.missing(name)
            }
        }
        if let failure { throw failure }
    }
}
