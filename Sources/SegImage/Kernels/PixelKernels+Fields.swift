import CPixelKernels
import Foundation
import SegFormat

/// The random fields of `noise` and `elastic`: the keyed normal generator, the fused noise, and the
/// displacement fields' blur, upsampling and maps.
extension PixelKernels {
    /// `count` floats filled by `fill(pointer, count)` (zeros if the buffer has no address).
    fileprivate static func floats(_ count: Int, _ fill: (UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: max(count, 0)) { d, n in
            n = max(count, 0)
            guard let p = d.baseAddress else { return }
            p.initialize(repeating: 0, count: n)
            fill(p, n)
        }
    }

    /// Standard normals of the keyed counter-based generator (CPixelKernels' Normals.h): element j
    /// is normal number `first + j` of `key`, the same on every path and machine.
    package static func normals(count: Int, first: UInt64 = 0, key: UInt64, path: SIMDPath = .current) -> [Float] {
        floats(count) { p, n in sp_normals_f32(p, n, first, key, path.level) }
    }

    /// Uniform values in [-1, 1) of the same generator: element j is uniform number `first + j` of `key`.
    package static func uniforms(count: Int, first: UInt64 = 0, key: UInt64, path: SIMDPath = .current) -> [Float] {
        floats(count) { p, n in sp_uniforms_f32(p, n, first, key, path.level) }
    }

    /// The generator's Box–Muller step on given hash words (the cosine and the sine halves).
    package static func boxMuller(_ h1: [UInt32], _ h2: [UInt32], path: SIMDPath = .current) -> (cos: [Float], sin: [Float]) {
        let n = min(h1.count, h2.count)
        var cosines = [Float](repeating: 0, count: n), sines = cosines
        h1.withUnsafeBufferPointer { a in
            h2.withUnsafeBufferPointer { b in
                cosines.withUnsafeMutableBufferPointer { c in
                    sines.withUnsafeMutableBufferPointer { s in
                        guard let ap = a.baseAddress, let bp = b.baseAddress, let cp = c.baseAddress, let sp = s.baseAddress else { return }
                        sp_box_muller_f32(ap, bp, n, cp, sp, path.level)
                    }
                }
            }
        }
        return (cosines, sines)
    }

    /// albumentations' GaussNoise in place, drawn from `key` (`sp_gauss_noise_u8`): element i (byte,
    /// or pixel when not `perChannel`) adds trunc(float32(fma(sigma, z, mean)) · 255) of normal i, clipped.
    package static func gaussNoise(_ image: inout Raster, mean: Float, sigma: Float, perChannel: Bool, key: UInt64, path: SIMDPath = .current) {
        let pixels = image.width * image.height, channels = image.channels
        guard pixels > 0, channels > 0, image.pixels.count == pixels * channels else { return }
        image.pixels.withUnsafeMutableBufferPointer { px in
            guard let p = px.baseAddress else { return }
            sp_gauss_noise_u8(p, pixels, Int32(truncatingIfNeeded: channels), perChannel ? 1 : 0, mean, sigma, key, path.level)
        }
    }

    /// `field[offset ..< offset + width · height]` blurred by the taps `kernel` (odd count),
    /// replicated borders, times `scale`.
    package static func gaussBlur(_ field: [Float], offset: Int = 0, width: Int, height: Int, kernel: [Float], scale: Float = 1,
                                  path: SIMDPath = .current) -> [Float] {
        var out = [Float](repeating: 0, count: max(width * height, 0))
        field.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                guard offset >= 0, s.count - offset >= d.count, let sp = s.baseAddress, let dp = d.baseAddress else { return }
                gaussBlur(sp + offset, into: dp, width: width, height: height, kernel: kernel, scale: scale, path: path)
            }
        }
        return out
    }

    /// Blurs `field[from ..< from + width · height]` into `field[to ..< to + width · height]`
    /// (ranges that do not overlap; nothing happens otherwise), as `gaussBlur(_:offset:…)`.
    package static func gaussBlur(_ field: inout [Float], from: Int, to: Int, width: Int, height: Int, kernel: [Float], scale: Float = 1,
                                  path: SIMDPath = .current) {
        let n = width * height
        guard n > 0, from >= 0, to >= 0, abs(from - to) >= n, field.count - max(from, to) >= n else { return }
        field.withUnsafeMutableBufferPointer { f in
            guard let p = f.baseAddress else { return }
            gaussBlur(p + from, into: p + to, width: width, height: height, kernel: kernel, scale: scale, path: path)
        }
    }

    fileprivate static func gaussBlur(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, width: Int, height: Int, kernel: [Float],
                                  scale: Float, path: SIMDPath) {
        guard width > 0, height > 0, kernel.count % 2 == 1 else { return }
        let w = Int32(truncatingIfNeeded: width), h = Int32(truncatingIfNeeded: height), r = Int32(truncatingIfNeeded: kernel.count / 2)
        var scratch = [Float](repeating: 0, count: sp_gauss_blur_scratch(w, h, r, path.level))   // a few KiB on the AVX2 path
        kernel.withUnsafeBufferPointer { k in
            scratch.withUnsafeMutableBufferPointer { t in
                guard let kp = k.baseAddress, let tp = t.baseAddress else { return }
                sp_gauss_blur_f32(src, dst, w, h, kp, r, scale, tp, path.level)
            }
        }
    }

    /// The largest magnitude of the (finite) values.
    package static func maxAbs(_ values: [Float], path: SIMDPath = .current) -> Float {
        values.withUnsafeBufferPointer { v in v.baseAddress.map { sp_max_abs_f32($0, v.count, path.level) } ?? 0 }
    }

    /// Every value divided by `divisor`.
    package static func divide(_ values: inout [Float], by divisor: Float, path: SIMDPath = .current) {
        values.withUnsafeMutableBufferPointer { v in
            guard let p = v.baseAddress else { return }
            sp_divide_f32(p, v.count, divisor, path.level)
        }
    }

    /// A coarse `width` x `height` field (grid points every `step` pixels) interpolated bilinearly to
    /// `toWidth` x `toHeight` (zeros when the grid does not cover it).
    package static func upsample(_ coarse: [Float], width cw: Int, height ch: Int, step: Int, toWidth w: Int, toHeight h: Int,
                                 path: SIMDPath = .current) -> [Float] {
        guard w > 0, h > 0, step > 0, coarse.count == cw * ch, (w - 1) / step + 1 < cw, (h - 1) / step + 1 < ch else {
            return [Float](repeating: 0, count: max(w, 0) * max(h, 0))
        }
        var scratch = [Float](repeating: 0, count: 2 * w)
        return floats(w * h) { d, _ in
            coarse.withUnsafeBufferPointer { c in
                scratch.withUnsafeMutableBufferPointer { t in
                    guard let cp = c.baseAddress, let tp = t.baseAddress else { return }
                    sp_upsample_f32(cp, Int32(truncatingIfNeeded: cw), Int32(truncatingIfNeeded: ch), Int32(truncatingIfNeeded: step), d,
                                    Int32(truncatingIfNeeded: w), Int32(truncatingIfNeeded: h), tp, path.level)
                }
            }
        }
    }

    /// The displacement fields `dx`, `dy` (`width` x `height` each) turned into the remap maps in
    /// place: float32(double(x) + dx), float32(double(y) + dy).
    package static func elasticMaps(_ dx: inout [Float], _ dy: inout [Float], width: Int, height: Int, path: SIMDPath = .current) {
        let n = width * height
        guard n > 0, dx.count == n, dy.count == n else { return }
        dx.withUnsafeMutableBufferPointer { x in
            dy.withUnsafeMutableBufferPointer { y in
                guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
                sp_elastic_maps(xp, yp, Int32(truncatingIfNeeded: width), Int32(truncatingIfNeeded: height), path.level)
            }
        }
    }
}
