import Foundation

/// Checks a shard folder against its manifest: presence, sizes, checksums, safetensors structure,
/// tensor names, shapes and dtypes, and the label range.
public enum ShardVerifier {
    /// One damaged shard (or the manifest itself when `file` is `index.json`), and why.
    public struct Damage: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var problem: String
        public var description: String { "\(file): \(problem)" }
    }

    /// Verifies `dir`; returns one entry per damaged shard (empty when intact).
    ///
    /// Throws `ManifestError` when the manifest is missing or unreadable.
    public static func verify(_ dir: String) throws -> [Damage] {
        let m = try Manifest.load(from: dir)
        var out: [Damage] = []
        for s in m.shards {
            let path: String
            do { path = try m.path(of: s, in: dir) } catch {
                out.append(Damage(file: (dir as NSString).appendingPathComponent(s.file), problem: "\(error)"))
                continue
            }
            if let problem = check(s, path: path, manifest: m) {
                out.append(Damage(file: path, problem: problem))
            }
        }
        return out
    }

    static func check(_ s: Manifest.Shard, path: String, manifest m: Manifest) -> String? {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else {
            return "missing; rerun `seg-prep run` with the same pipeline to regenerate it"
        }
        let size = (attrs[.size] as? Int) ?? -1
        if size != s.bytes { return "is \(size) bytes, the manifest says \(s.bytes); the file is truncated or replaced — rerun `seg-prep run` to regenerate it" }
        guard let digest = try? s.checksum.digest(file: path) else { return "cannot be read" }
        if digest != s.digest { return "\(s.checksum.title) differs from the manifest; the file is damaged — delete it and rerun `seg-prep run` to regenerate it" }
        let f: SafeTensorsFile
        do { f = try SafeTensorsFile(path: path) } catch let e as SafeTensorsError { return e.reason } catch { return "\(error)" }
        guard let image = try? f.info("image"), let label = try? f.info("label") else {
            return "lacks the tensors 'image' and 'label' (has: \(f.names.joined(separator: ", ")))"
        }
        if image.dtype != m.image.dtype || image.shape != [s.samples] + m.image.shape {
            return "tensor 'image' is \(image.dtype.rawValue) \(image.shape), expected \(m.image.dtype.rawValue) \([s.samples] + m.image.shape)"
        }
        if label.dtype != m.label.dtype || label.shape != [s.samples] + m.label.shape {
            return "tensor 'label' is \(label.dtype.rawValue) \(label.shape), expected \(m.label.dtype.rawValue) \([s.samples] + m.label.shape)"
        }
        if s.ids.count != s.samples || s.repeats.count != s.samples {
            return "the manifest lists \(s.ids.count) ids for \(s.samples) samples"
        }
        let classes = m.classes.count, ignore = m.ignoreIndex
        let stray = (try? f.withBytes(label) { raw -> Int? in
            if label.dtype == .u16 {
                for i in stride(from: 0, to: raw.count - 1, by: 2) {
                    let v = Int(raw[i]) | Int(raw[i + 1]) << 8
                    if v >= classes && v != ignore { return v }
                }
                return nil
            }
            var seen = [Bool](repeating: false, count: 256)
            for v in raw { seen[Int(v)] = true }
            return (classes..<256).first { seen[$0] && $0 != ignore }
        }) ?? nil
        if let v = stray {
            return "holds label value \(v), neither one of the \(classes) classes nor the ignore value \(ignore)"
        }
        return nil
    }
}
