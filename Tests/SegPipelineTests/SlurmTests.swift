import Foundation
import Testing

/// The Slurm job array of docs/scale-out.md runs on a real one-node Slurm cluster: `scripts/slurm-test`
/// installs slurm-wlm and munge if missing, starts the daemons in a private temporary folder, submits
/// the documented blocks with the built binary, compares the merged output with a single-machine
/// run and stops the daemons again. It needs root and apt, so it runs only when
/// SEGPREP_SLURM_TEST=1 (`.ci/run` sets it).
@Suite struct SlurmTests {
    static let requested = ProcessInfo.processInfo.environment["SEGPREP_SLURM_TEST"] == "1"

    @Test(.enabled(if: requested, "set SEGPREP_SLURM_TEST=1 to run scripts/slurm-test (root, apt, a local one-node Slurm cluster)"))
    func theDocumentedJobArrayRunsOnSlurm() throws {
        let (status, out) = try runProcess(packageRoot.appendingPathComponent("scripts/slurm-test"), [segPrepBinary.path], in: packageRoot)
        #expect(status == 0, "\(out)")
        let last = out.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("slurm-test: OK ("), "\(out)")
    }
}
