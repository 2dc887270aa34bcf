import Foundation

/// Real paths (symbolic links and `..` resolved) for comparing folders, also for paths that do not
/// exist yet: the longest existing prefix is resolved and the rest appended.
public enum RealPath {
    /// The real path of `path` (relative paths are taken from the current directory).
    public static func resolve(_ path: String) -> String {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var rest: [String] = []
        while true {
            if let real = realpath(url.path, nil) {
                defer { free(real) }
                var out = String(cString: real)
                for c in rest.reversed() { out = (out as NSString).appendingPathComponent(c) }
                return out
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return path }
            rest.append(url.lastPathComponent)
            url = parent
        }
    }

    /// True when real path `inner` is `outer` or lies inside it.
    public static func isSameOrInside(_ inner: String, _ outer: String) -> Bool {
        inner == outer || inner.hasPrefix(outer.hasSuffix("/") ? outer : outer + "/")
    }

    /// Why `dir` must not be an output folder (the root, the home directory), or nil.
    public static func unsafeOutput(_ dir: String) -> String? {
        let real = resolve(dir)
        if real == "/" { return "is the file system root" }
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty, resolve(home) == real {
            return "is your home directory"
        }
        return nil
    }
}
