import Foundation

/// A single file a command writes (a chart, a contact sheet, training curves), owned as
/// `OwnedOutputFolder` owns loose files: claimed in its folder's ledger (`.seg-prep-owned`) before
/// it is written, so it never replaces a file seg-prep did not write — a manifest, a shard, an
/// image, someone's figure — and never is one of the command's inputs or lies in an input folder.
public enum OwnedOutputFile {
    /// The path to write `path` to, after claiming it for `command`.
    ///
    /// `inputs` are what the command reads: files the output may not be, folders it may not lie in
    /// (the next read would take it for an input). Throws `OwnershipError`.
    public static func claim(_ path: String, command: String, inputs: [String]) throws -> String {
        let name = (path as NSString).lastPathComponent
        guard !path.isEmpty, !path.hasSuffix("/"), name != ".", name != ".." else { throw OwnershipError.notAFile(path: path) }
        let folder = (path as NSString).deletingLastPathComponent
        let real = RealPath.resolve(folder.isEmpty ? "." : folder)
        let target = (real as NSString).appendingPathComponent(name)
        for input in inputs {
            let source = RealPath.resolve(input)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir) else { continue }
            if isDir.boolValue, RealPath.isSameOrInside(target, source) {
                throw OwnershipError.overlapsInput(command: command, dir: path, input: input)
            }
            if !isDir.boolValue, RealPath.resolve(path) == source || target == source {
                throw OwnershipError.isInput(command: command, path: path)
            }
        }
        var owner = try OwnedOutputFolder(real: real, shown: folder.isEmpty ? "." : folder, command: command)
        return try owner.claim(name)
    }
}
