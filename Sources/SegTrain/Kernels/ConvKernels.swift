import CConvKernels
import SegFormat

/// Every call into the direct 3x3 convolution kernels (`Sources/CConvKernels`), with Swift integer
/// arguments. Shapes and layouts are documented in `CConvKernels.h`; callers guarantee buffer sizes.
enum ConvKernels {
    /// The instruction set the convolution kernels take by default: the process's SIMD path
    /// (`SIMDPath.current`) as 0 portable C, 1 AVX2+FMA, 2 AVX-512.
    static var currentInstructionSet: Int { Int(SIMDPath.current.level) }

    /// Floats of padded input rows the 3x3 kernels need for `rows` output rows.
    static func conv3x3ScratchCount(inChannels: Int, rows: Int, width: Int, padding: Int) -> Int {
        Int(sp_conv3x3_scratch_floats(Int32(inChannels), Int32(rows), Int32(width), Int32(padding)))
    }

    /// `[Cout, Cin, 3, 3]` weights repacked for `conv3x3Forward`.
    static func conv3x3Pack(_ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int) -> [Float] {
        let count = Int(sp_conv3x3_packed_floats(Int32(outChannels), Int32(inChannels)))
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            sp_conv3x3_pack(weight, Int32(outChannels), Int32(inChannels), buffer.baseAddress)
            initialized = count
        }
    }

    /// Output rows `rows` of one image (see `sp_conv3x3_forward_rows`).
    static func conv3x3Forward(
        _ x: UnsafePointer<Float>, inChannels: Int, height: Int, width: Int, padding: Int,
        packed: UnsafePointer<Float>, outChannels: Int, bias: UnsafePointer<Float>?,
        out: UnsafeMutablePointer<Float>, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, instructionSet: Int
    ) {
        sp_conv3x3_forward_rows(x, Int32(inChannels), Int32(height), Int32(width), Int32(padding), packed,
                                Int32(outChannels), bias, out, Int32(rows.lowerBound), Int32(rows.upperBound),
                                scratch, Int32(instructionSet))
    }

    /// Adds one image's weight gradient over output rows `rows` (see `sp_conv3x3_weight_grad_rows`).
    static func conv3x3WeightGradient(
        _ x: UnsafePointer<Float>, inChannels: Int, height: Int, width: Int, padding: Int,
        gradOutput: UnsafePointer<Float>, outChannels: Int, into weightGrad: UnsafeMutablePointer<Float>,
        rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, instructionSet: Int
    ) {
        sp_conv3x3_weight_grad_rows(x, Int32(inChannels), Int32(height), Int32(width), Int32(padding), gradOutput,
                                    Int32(outChannels), weightGrad, Int32(rows.lowerBound), Int32(rows.upperBound),
                                    scratch, Int32(instructionSet))
    }
}
