import Foundation
import Testing

/// The C kernels built for aarch64 and run under qemu-user (`scripts/arm64-kernel-test`): their
/// checks against plain references pass there, and every byte-exact kernel gives the bytes it gives
/// on each x86-64 SIMD path of this machine.
@Suite struct Arm64KernelTests {
    static let toolsPresent = ["/usr/bin/qemu-aarch64", "/usr/aarch64-linux-gnu/include/stdio.h"]
        .allSatisfy { FileManager.default.fileExists(atPath: $0) }

    @Test(.enabled(if: toolsPresent, "qemu-aarch64 or the aarch64 C library is missing: install scripts/apt-packages-test.txt (scripts/test does)"))
    func kernelsOnAarch64GiveTheX86Bytes() throws {
        let (status, out) = try runToCompletion(packageRoot.appendingPathComponent("scripts/arm64-kernel-test"))
        #expect(status == 0, "\(out)")
        #expect(out.contains("aarch64 (qemu):") && out.contains("every check passed"), "\(out)")
        #expect(out.contains("x86-64 portable: same bytes as aarch64 portable"), "\(out)")
    }
}
