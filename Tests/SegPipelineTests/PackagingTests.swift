import Foundation
import SegFormat
import Testing

/// The Python package, the CLI and the container image stay consistent with the project's files.
@Suite struct PackagingTests {
    func text(_ path: String) throws -> String {
        try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func versionsAgree() throws {
        #expect(try text("python/pyproject.toml").contains("version = \"\(SegPrepVersion.string)\""))
        #expect(try text("python/segprep/__init__.py").contains("__version__ = \"\(SegPrepVersion.string)\""))
        let (status, out) = try segPrep(["--version"])
        #expect(status == 0 && out.trimmingCharacters(in: .whitespacesAndNewlines) == SegPrepVersion.string)
    }

    /// The Dockerfile parses as a multi-stage build ending in seg-prep, and installs only the
    /// packages of `scripts/apt-packages.txt` (so the image needs nothing the project does not name).
    @Test func dockerfileUsesOnlyTheProjectsPackages() throws {
        let known = Set(try text("scripts/apt-packages.txt").split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
        // Instructions: continuation lines joined, comments dropped.
        let joined = try text("Dockerfile").replacingOccurrences(of: "\\\n", with: " ")
        let lines = joined.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let keywords: Set<String> = ["FROM", "RUN", "COPY", "WORKDIR", "ENTRYPOINT", "ENV", "ARG", "CMD", "LABEL"]
        for line in lines { #expect(keywords.contains(String(line.prefix { $0 != " " })), "not an instruction: \(line)") }
        #expect(lines.filter { $0.hasPrefix("FROM") }.count >= 2)
        #expect(lines.last == #"ENTRYPOINT ["seg-prep"]"#)
        // Both stages install the list in scripts/apt-packages.txt (the runtime stage less pkg-config), nothing else.
        let installs = lines.filter { $0.contains("apt-get install") }
        #expect(installs.count == 2)
        for line in installs {
            #expect(line.contains("/tmp/apt-packages.txt |"), "\(line)")
            let tail = line.components(separatedBy: "apt-get install")[1].components(separatedBy: "&&")[0]
            #expect(tail.split(separator: " ").allSatisfy { $0.hasPrefix("-") }, "packages named outside the list: \(tail)")
        }
        #expect(known.contains("libvips-dev"))
    }
}
