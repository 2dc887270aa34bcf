import Foundation
import Testing

/// The Debian package list is said once (`scripts/apt-packages.txt`); the README names the same
/// packages, and the installer and the Dockerfile read the file.
@Suite struct PackageListTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func text(_ path: String) throws -> String { try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8) }

    @Test func oneListEverywhere() throws {
        let list = try text("scripts/apt-packages.txt").split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(list.contains("libvips-dev") && list.contains("pkg-config"))
        let readme = try text("README.md")
        let line = try #require(readme.split(separator: "\n").first { $0.contains("scripts/apt-packages.txt") && $0.contains("libvips-dev") })
        let named = line.split(separator: "`").map(String.init).first { $0.hasPrefix("libvips-dev") } ?? ""
        #expect(named.split(separator: " ").map(String.init) == list, "README names \(named)")
        #expect(try text("scripts/install-deps").contains("apt-packages.txt"))
        let docker = try text("Dockerfile")
        #expect(docker.components(separatedBy: "apt-packages.txt | ").count == 3, "both Dockerfile stages install from the list")
        #expect(!docker.contains("libvips-dev"), "the Dockerfile lists packages of its own")
    }

    /// The packages only the tests need: the README names the list's packages, `scripts/test`
    /// installs it, and the image does not.
    @Test func testOnlyPackages() throws {
        let list = try text("scripts/apt-packages-test.txt").split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(list.contains("qemu-user"))
        let readme = try text("README.md")
        let line = try #require(readme.split(separator: "\n").first { $0.contains("scripts/apt-packages-test.txt") && $0.contains("qemu-user") })
        let named = line.split(separator: "`").map(String.init).first { $0.hasPrefix("qemu-user") } ?? ""
        #expect(named.split(separator: " ").map(String.init) == list, "README names \(named)")
        #expect(try text("scripts/test").contains("install-deps scripts/apt-packages-test.txt"))
        #expect(!(try text("Dockerfile")).contains("apt-packages-test"))
    }
}
