/// OpenCV 4.6's 8-bit RGB↔HSV conversions and the reference's LUT colour jitter, reproduced exactly.
///
/// Hue is 0..179 (two degrees a step), saturation and value 0..255. RGB→HSV is integer arithmetic;
/// HSV→RGB is float32 with fused multiply-adds and truncation in blocks of 32 pixels per row, the
/// last `width % 32` pixels of a row rounding instead (OpenCV's scalar tail).
public enum OpenCVHSV {
    package static let sdiv: [Int32] = (0..<256).map { $0 == 0 ? 0 : Int32((255.0 * 4096.0 / Double($0)).rounded()) }
    package static let hdiv: [Int32] = (0..<256).map { $0 == 0 ? 0 : Int32((180.0 * 4096.0 / (6.0 * Double($0))).rounded()) }

    /// The three lookup tables for gains `r` = (hue, sat, val), as the reference builds them.
    ///
    /// hue: `(x * r0) mod 180`, sat and val: `clip(x * r, 0, 255)`, truncated to uint8.
    public static func luts(_ r: (Double, Double, Double)) -> [[UInt8]] {
        var hue = [UInt8](repeating: 0, count: 256), sat = hue, val = hue
        for i in 0..<256 {
            let x = Double(i)
            let h = (x * r.0).truncatingRemainder(dividingBy: 180)
            hue[i] = UInt8(truncatingIfNeeded: Int(h < 0 ? h + 180 : h))
            sat[i] = UInt8(Int(min(max(x * r.1, 0), 255)))
            val[i] = UInt8(Int(min(max(x * r.2, 0), 255)))
        }
        return [hue, sat, val]
    }

    /// RGB → HSV of one pixel (OpenCV `COLOR_RGB2HSV`, 8-bit).
    @inline(__always) package static func toHSV(_ r: Int32, _ g: Int32, _ b: Int32) -> (UInt8, UInt8, UInt8) {
        let v = max(max(r, g), b)
        let diff = v - min(min(r, g), b)
        let s = (diff * sdiv[Int(v)] + 2048) >> 12
        let vr: Int32 = v == r ? -1 : 0
        let vg: Int32 = v == g ? -1 : 0
        var h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff))))
        h = (h * hdiv[Int(diff)] + 2048) >> 12
        if h < 0 { h += 180 }
        return (UInt8(truncatingIfNeeded: h), UInt8(truncatingIfNeeded: s), UInt8(truncatingIfNeeded: v))
    }

    /// HSV → RGB of one pixel (OpenCV `COLOR_HSV2RGB`, 8-bit); `round` selects the scalar-tail rounding.
    @inline(__always) package static func toRGB(_ H: UInt8, _ S: UInt8, _ V: UInt8, round: Bool) -> (UInt8, UInt8, UInt8) {
        let s = Float(S) * (1 / Float(255))
        let v = Float(V) * (1 / Float(255))
        let hh = Float(H) * (Float(6) / Float(180))
        let sector = Int(hh)
        let f = hh - Float(sector)
        let t1 = v * (1 - s)
        let tA = v * Float(1).addingProduct(-s, f)          // fma(-s, f, 1)
        let tB = v * Float(1).addingProduct(-s, 1 - f)      // fma(-s, 1-f, 1)
        var r: Float, g: Float, b: Float
        switch sector {
        case 0: (r, g, b) = (v, tB, t1)
        case 1: (r, g, b) = (tA, v, t1)
        case 2: (r, g, b) = (t1, v, tB)
        case 3: (r, g, b) = (t1, tA, v)
        case 4: (r, g, b) = (tB, t1, v)
        case 5: (r, g, b) = (v, t1, tA)
        default: (r, g, b) = (v, tB, t1)
        }
        return (quantise(r * 255, round), quantise(g * 255, round), quantise(b * 255, round))
    }

    @inline(__always) package static func quantise(_ x: Float, _ round: Bool) -> UInt8 {
        if round {
            let y = x.rounded(.toNearestOrEven)
            return y <= 0 ? 0 : (y >= 255 ? 255 : UInt8(y))
        }
        return x <= 0 ? 0 : (x >= 255 ? 255 : UInt8(Int32(x)))
    }

    /// Applies the reference's HSV jitter to an RGB raster in place: RGB→HSV, LUTs, HSV→RGB.
    ///
    /// Runs the C kernel (hardware fused multiply-add where the CPU has it); `jitterNaive` is its oracle.
    public static func jitter(_ image: inout Raster, luts: [[UInt8]]) {
        precondition(image.channels == 3 && luts.count == 3)
        PixelKernels.hsvJitter(&image, luts: luts)
    }

    /// The reference implementation of `jitter`, pixel by pixel through `toHSV` and `toRGB` (test oracle).
    public static func jitterNaive(_ image: inout Raster, luts: [[UInt8]]) {
        let w = image.width
        let tail = w - w % 32
        for i in 0..<(image.width * image.height) {
            let (hh, ss, vv) = toHSV(Int32(image.pixels[3 * i]), Int32(image.pixels[3 * i + 1]), Int32(image.pixels[3 * i + 2]))
            let (r, g, b) = toRGB(luts[0][Int(hh)], luts[1][Int(ss)], luts[2][Int(vv)], round: i % w >= tail)
            image.pixels[3 * i] = r; image.pixels[3 * i + 1] = g; image.pixels[3 * i + 2] = b
        }
    }

    /// RGB → HSV of a whole raster (H 0..179), for tests and inspection.
    public static func rgbToHSV(_ image: Raster) -> Raster {
        var out = image
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            let (h, s, v) = toHSV(Int32(image.pixels[i]), Int32(image.pixels[i + 1]), Int32(image.pixels[i + 2]))
            out.pixels[i] = h; out.pixels[i + 1] = s; out.pixels[i + 2] = v
        }
        return out
    }
}
