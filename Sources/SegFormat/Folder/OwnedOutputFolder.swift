import Foundation

/// A folder a command writes loose files into (`predict`'s label maps), owned through a ledger: the
/// folder's `.seg-prep-owned` lists every name a seg-prep command wrote there, and a name may be
/// (re)written only when nothing is there yet or the ledger lists it. So a command never replaces a
/// file it did not write — an input image, a ground-truth label, another program's output — and
/// never writes into the folders it reads from.
///
/// Names are claimed (appended to the ledger, synchronously) before their file is written, so an
/// interrupted run leaves no file the next run would refuse.
public struct OwnedOutputFolder: Sendable {
    /// The folder's real path (links resolved once, when it was opened).
    public let path: String
    /// The command that writes here (for messages).
    public let command: String
    private var owned: Set<String>

    /// The ledger's file name inside the folder.
    public static let ledgerName = ".seg-prep-owned"

    /// Opens (creating it when missing) `dir` for `command`'s outputs.
    ///
    /// Throws `OwnershipError` when `dir` is, lies inside, or holds one of the folders in `inputs`
    /// (what the command reads), is the root or home folder, or cannot be created.
    public init(_ dir: String, command: String, inputs: [String]) throws {
        if let why = RealPath.unsafeOutput(dir) { throw OwnershipError.unsafe(dir: dir, why: why) }
        let real = RealPath.resolve(dir)
        // An input folder may neither hold the outputs nor lie inside them (the next read would
        // take outputs for inputs); a single input file is protected by `claim` like any other file.
        for input in inputs {
            let source = RealPath.resolve(input)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir), isDir.boolValue else { continue }
            if RealPath.isSameOrInside(real, source) || RealPath.isSameOrInside(source, real) {
                throw OwnershipError.overlapsInput(command: command, dir: dir, input: input)
            }
        }
        try self.init(real: real, shown: dir, command: command)
    }

    /// Opens the folder at real path `real` (`shown` in messages), creating it when missing, and
    /// reads its ledger; no check on where it is (`OwnedOutputFile` checks for single files).
    init(real: String, shown dir: String, command: String) throws {
        self.command = command
        do { try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true) } catch {
            throw OwnershipError.cannotCreate(dir: dir, reason: (error as NSError).localizedDescription)
        }
        path = real
        let ledger = (real as NSString).appendingPathComponent(Self.ledgerName)
        let text = (try? String(contentsOfFile: ledger, encoding: .utf8)) ?? ""
        owned = Set(text.split(separator: "\n").map(String.init))
    }

    /// Whether `name` was written here by a seg-prep command.
    public func owns(_ name: String) -> Bool { owned.contains(name) }

    /// The path to write `name` to, after recording it in the ledger. `name` may name subfolders
    /// (`a/b.png`, as ids of recursive sources do); they are created as real folders inside this one.
    ///
    /// Throws `OwnershipError` when `name` is not a relative path of plain names, a subfolder on the
    /// way is a link or a file, or something seg-prep did not write is already there.
    public mutating func claim(_ name: String) throws -> String {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty, name != Self.ledgerName, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
              !name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw OwnershipError.badName(name: name)
        }
        let target = (path as NSString).appendingPathComponent(name)
        if owned.contains(name) { return target }
        var st = stat()
        var folder = path
        for part in parts.dropLast() {
            folder = (folder as NSString).appendingPathComponent(String(part))
            if lstat(folder, &st) == 0 {
                guard (st.st_mode & S_IFMT) == S_IFDIR else { throw OwnershipError.foreign(command: command, path: folder) }
            } else if mkdir(folder, 0o777) != 0 && errno != EEXIST {
                throw OwnershipError.cannotCreate(dir: folder, reason: SystemErrno.message)
            }
        }
        if lstat(target, &st) == 0 { throw OwnershipError.foreign(command: command, path: target) }
        let ledger = (path as NSString).appendingPathComponent(Self.ledgerName)
        guard let handle = FileHandle(forWritingAtPath: ledger) ?? {
            FileManager.default.createFile(atPath: ledger, contents: nil) ? FileHandle(forWritingAtPath: ledger) : nil
        }() else { throw OwnershipError.cannotCreate(dir: path, reason: "its ledger \(ledger) cannot be written") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((name + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw OwnershipError.cannotCreate(dir: path, reason: "its ledger \(ledger) cannot be written (\((error as NSError).localizedDescription))")
        }
        owned.insert(name)
        return target
    }
}

/// Why a command may not write where it was asked to.
public enum OwnershipError: Error, CustomStringConvertible, Sendable, Equatable {
    case unsafe(dir: String, why: String)
    case overlapsInput(command: String, dir: String, input: String)
    case foreign(command: String, path: String)
    case badName(name: String)
    case cannotCreate(dir: String, reason: String)
    case notAFile(path: String)
    case isInput(command: String, path: String)

    public var description: String {
        switch self {
        case .unsafe(let dir, let why):
            return "\(dir) \(why); give an output folder of its own"
        case .overlapsInput(let command, let dir, let input):
            return "\(dir) is or overlaps \(input), which \(command) reads; give the outputs a folder of their own, outside the inputs"
        case .foreign(let command, let path):
            return "\(path) exists and was not written by seg-prep, so \(command) will not replace it; write to a new path, or remove it yourself if it may go"
        case .badName(let name):
            return "'\(name.prefix(80))' is not a relative path of plain names to write; rename the input so its name holds no '..', empty parts or control characters"
        case .isInput(let command, let path):
            return "\(path) is one of the files \(command) reads, so it will not be written over; write the output to a new path"
        case .notAFile(let path):
            return "'\(path)' names a folder, not a file; give a file path such as out/chart.png"
        case .cannotCreate(let dir, let reason):
            return "cannot write into \(dir): \(reason); check the path and its permissions"
        }
    }
}
