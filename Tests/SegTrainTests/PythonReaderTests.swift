import Foundation
import Testing

/// Runs the Python reader's tests (python/tests) when python3 with numpy, safetensors and pytest is
/// installed: against the installed package with `SEGPREP_PYTHON` (a venv's python with
/// `pip install ./python`, as scripts/test makes), else against the source folder.
@Suite struct PythonReaderTests {
    static let installed = ProcessInfo.processInfo.environment["SEGPREP_PYTHON"]
    static let python = installed ?? "python3"

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let pythonReady: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", "import numpy, safetensors, pytest"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: pythonReady, "python3 with numpy, safetensors and pytest is not installed"))
    func pythonReaderTestsPass() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [Self.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "python/tests"]
        p.currentDirectoryURL = PythonReaderTests.packageRoot
        var env = ProcessInfo.processInfo.environment
        if Self.installed != nil { env["SEGPREP_TEST_INSTALLED"] = "1" }
        // The CLI built beside this test binary, for the tests that make real shards and exports.
        let cli = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("seg-prep")
        if env["SEGPREP_BIN"] == nil, FileManager.default.isExecutableFile(atPath: cli.path) { env["SEGPREP_BIN"] = cli.path }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "python/tests failed:\n\(text)")
    }
}
