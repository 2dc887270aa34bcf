import CSimdDispatch
import Foundation

/// The SIMD path the C kernels run (`CPixelKernels`, `CLoaderKernels`, `CConvKernels`): the best this
/// CPU runs, or the one `SEGPREP_SIMD` forces. Every path gives the same shard bytes; `seg-prep run`
/// records the path in `index.json` (`simd`).
///
/// The environment is read once per process (`selected`); a value that is not a path name, or that
/// names a path above what the CPU runs, is a `SIMDError` (forcing a path the CPU lacks never falls
/// back quietly, so a recorded path is always the one that ran). Commands call `active()` before
/// any work; kernels read `current`.
public enum SIMDPath: String, CaseIterable, Comparable, Sendable, Codable {
    case portable
    case avx2
    case avx512

    /// The name of the environment variable that forces a path.
    public static let environmentVariable = "SEGPREP_SIMD"

    /// The level the C kernels take (`SP_SIMD_PORTABLE`, `SP_SIMD_AVX2`, `SP_SIMD_AVX512`).
    public var level: Int32 {
        switch self {
        case .portable: Int32(truncatingIfNeeded: SP_SIMD_PORTABLE)
        case .avx2: Int32(truncatingIfNeeded: SP_SIMD_AVX2)
        case .avx512: Int32(truncatingIfNeeded: SP_SIMD_AVX512)
        }
    }

    /// What the path needs of the CPU, for messages and benchmark notes.
    public var requirement: String {
        switch self {
        case .portable: "plain C, any CPU"
        case .avx2: "x86-64 with AVX2, FMA and POPCNT"
        case .avx512: "x86-64 with AVX-512 F, BW and VBMI"
        }
    }

    public static func < (a: SIMDPath, b: SIMDPath) -> Bool { a.level < b.level }

    /// The highest path this CPU runs.
    public static let cpuBest: SIMDPath = {
        let level = sp_simd_cpu_path()
        return allCases.last { $0.level <= level } ?? .portable
    }()

    /// Every path this CPU runs, lowest first (what the tests compare).
    public static var available: [SIMDPath] { allCases.filter { $0 <= cpuBest } }

    /// The path `environment` selects: `SEGPREP_SIMD` when set and not empty, else `cpuBest`.
    public static func resolve(environment: [String: String], cpu: SIMDPath = cpuBest) throws(SIMDError) -> SIMDPath {
        guard let value = environment[environmentVariable], !value.isEmpty else { return cpu }
        guard let path = SIMDPath(rawValue: value.lowercased()) else { throw .invalidValue(value) }
        guard path <= cpu else { throw .unsupported(path, cpu: cpu) }
        return path
    }

    /// This process's selection, read from its environment once.
    public static let selected: Result<SIMDPath, SIMDError> = Result { () throws(SIMDError) in
        try resolve(environment: ProcessInfo.processInfo.environment)
    }

    /// The path this process runs; throws when `SEGPREP_SIMD` is invalid or above the CPU.
    public static func active() throws(SIMDError) -> SIMDPath { try selected.get() }

    /// The path the kernels take: `active()`, or `cpuBest` when the environment is invalid (commands
    /// and `PipelineRunner` have refused to start by then).
    public static var current: SIMDPath { (try? selected.get()) ?? cpuBest }
}

/// Why `SEGPREP_SIMD` cannot be honoured.
public enum SIMDError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidValue(String)
    case unsupported(SIMDPath, cpu: SIMDPath)

    public var description: String {
        let names = SIMDPath.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .invalidValue(let value):
            return "\(SIMDPath.environmentVariable)=\(value) is not a SIMD path; set it to one of \(names), or unset it to use the best this CPU runs."
        case .unsupported(let path, let cpu):
            return "\(SIMDPath.environmentVariable)=\(path.rawValue) needs \(path.requirement), which this CPU lacks (it runs up to \(cpu.rawValue)); set it to \(SIMDPath.allCases.filter { $0 <= cpu }.map(\.rawValue).joined(separator: " or ")) or unset it."
        }
    }
}
