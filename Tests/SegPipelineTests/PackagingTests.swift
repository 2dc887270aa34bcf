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

    /// The Dockerfile parses as a multi-stage build ending in seg-prep, and installs only packages
    /// `scripts/install-deps` installs (so the image needs nothing the project does not name).
    @Test func dockerfileUsesOnlyTheProjectsPackages() throws {
        let deps = try text("scripts/install-deps")
        let list = try #require(deps.range(of: #"pkgs=\(([^)]*)\)"#, options: .regularExpression))
        let known = Set(deps[list].dropFirst(6).dropLast().split(separator: " ").map(String.init))
        // Instructions: continuation lines joined, comments dropped.
        let joined = try text("Dockerfile").replacingOccurrences(of: "\\\n", with: " ")
        let lines = joined.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let keywords: Set<String> = ["FROM", "RUN", "COPY", "WORKDIR", "ENTRYPOINT", "ENV", "ARG", "CMD", "LABEL"]
        for line in lines { #expect(keywords.contains(String(line.prefix { $0 != " " })), "not an instruction: \(line)") }
        #expect(lines.filter { $0.hasPrefix("FROM") }.count >= 2)
        #expect(lines.last == #"ENTRYPOINT ["seg-prep"]"#)
        var installed: [String] = []
        for line in lines where line.contains("apt-get install") {
            let tail = line.components(separatedBy: "apt-get install")[1].components(separatedBy: "&&")[0]
            installed += tail.split(separator: " ").map(String.init).filter { !$0.hasPrefix("-") }
        }
        #expect(!installed.isEmpty)
        #expect(Set(installed).isSubset(of: known), "not in scripts/install-deps: \(Set(installed).subtracting(known).sorted())")
    }
}
