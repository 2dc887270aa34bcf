import Foundation
import SegTrain

/// Restarts the process with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to its generic kernels.
///
/// OpenBLAS chooses its kernels once, as it loads; on CPUs it does not recognise it picks the SSE3
/// `Prescott` kernels, several times slower for training. When the user has not set
/// `OPENBLAS_CORETYPE`, the commands that multiply matrices (train, predict, bench train-step) re-exec
/// themselves with the best family the CPU supports (`SkylakeX` with AVX-512, `Haswell` with AVX2).
enum BLASCoreSelection {
    static let commands: Set<String> = ["train", "predict", "train-step"]

    static func restartIfNeeded(arguments: [String]) {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              arguments.dropFirst().contains(where: { commands.contains($0) }),
              BLASKernels.isGenericFallback,
              let flags = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
                  .split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let words = Set(flags.split(separator: " ").map(String.init))
        let core: String
        if words.contains("avx512f") && words.contains("avx512bw") { core = "SkylakeX" }
        else if words.contains("avx2") && words.contains("fma") { core = "Haswell" }
        else { return }
        FileHandle.standardError.write(Data("note: OpenBLAS chose its generic \(BLASKernels.coreName) kernels on this CPU; restarting with OPENBLAS_CORETYPE=\(core) (set OPENBLAS_CORETYPE yourself to choose)\n".utf8))
        setenv("OPENBLAS_CORETYPE", core, 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
    }
}
