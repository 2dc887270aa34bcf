import CPixelKernels
import Foundation
import SegFormat

/// The resampling kernels of `rotate`, `affine` and `elastic`: cv2.warpAffine (pip OpenCV's IPP
/// path) and cv2.remap on 8-bit rasters, bit for bit.
extension PixelKernels {
    /// cv2.warpAffine's inverse of a forward 2x3 matrix (6 doubles), in double.
    package static func invertAffine(_ m: [Double]) -> [Double] {
        var inv = [Double](repeating: 0, count: 6)
        m.withUnsafeBufferPointer { mp in
            inv.withUnsafeMutableBufferPointer { ip in
                guard let a = mp.baseAddress, let b = ip.baseAddress, mp.count == 6 else { return }
                sp_invert_affine(a, b)
            }
        }
        return inv
    }

    /// The pixels of `r` warped onto `width` x `height` by the inverse matrix (pip OpenCV's warpAffine
    /// model: bilinear as IPP rounds, or nearest), `border` (one byte per channel) outside.
    package static func warpAffine(_ r: Raster, inverse: [Double], width: Int, height: Int, nearest: Bool, border: [UInt8], path: SIMDPath = .current) -> [UInt8] {
        let c = r.channels, count = width * height * c
        return [UInt8](unsafeUninitializedCapacity: count) { d, n in
            n = 0
            r.pixels.withUnsafeBufferPointer { s in
                inverse.withUnsafeBufferPointer { inv in
                    border.withUnsafeBufferPointer { b in
                        guard let sp = s.baseAddress ?? UnsafePointer(bitPattern: 1), let dp = d.baseAddress,
                              let ip = inv.baseAddress, let bp = b.baseAddress, inv.count == 6, b.count == c else { return }
                        sp_warp_affine_u8(sp, Int32(truncatingIfNeeded: r.width), Int32(truncatingIfNeeded: r.height), Int32(truncatingIfNeeded: c),
                                              dp, Int32(truncatingIfNeeded: width), Int32(truncatingIfNeeded: height), ip, nearest ? 1 : 0, bp,
                                              path.level)
                        n = count
                    }
                }
            }
            if n != count { d.initialize(repeating: 0); n = count }
        }
    }

    /// `warpAffine` of `image` (bilinear, `border`) and of `label` (nearest, `labelBorder`), both
    /// the same size, in one pass that computes each pixel's source coordinates once: the same
    /// bytes as two `warpAffine` calls.
    package static func warpAffinePair(image: Raster, label: Raster, inverse: [Double], width: Int, height: Int, border: [UInt8],
                                       labelBorder: [UInt8], path: SIMDPath = .current) -> (image: [UInt8], label: [UInt8]) {
        let c = image.channels, lc = label.channels, count = width * height * c, labelCount = width * height * lc
        var labelPixels: [UInt8] = []
        let imagePixels = [UInt8](unsafeUninitializedCapacity: count) { d, n in
            labelPixels = [UInt8](unsafeUninitializedCapacity: labelCount) { ld, ln in
                n = 0
                ln = 0
                image.pixels.withUnsafeBufferPointer { s in
                    label.pixels.withUnsafeBufferPointer { ls in
                        inverse.withUnsafeBufferPointer { inv in
                            border.withUnsafeBufferPointer { b in
                                labelBorder.withUnsafeBufferPointer { lb in
                                    guard let sp = s.baseAddress, let lsp = ls.baseAddress, let dp = d.baseAddress, let ldp = ld.baseAddress,
                                          let ip = inv.baseAddress, let bp = b.baseAddress, let lbp = lb.baseAddress, inv.count == 6,
                                          b.count == c, lb.count == lc, label.width == image.width, label.height == image.height else { return }
                                    sp_warp_affine_pair_u8(sp, lsp, Int32(truncatingIfNeeded: image.width), Int32(truncatingIfNeeded: image.height),
                                                           Int32(truncatingIfNeeded: c), Int32(truncatingIfNeeded: lc), dp, ldp,
                                                           Int32(truncatingIfNeeded: width), Int32(truncatingIfNeeded: height), ip, bp, lbp, path.level)
                                    n = count
                                    ln = labelCount
                                }
                            }
                        }
                    }
                }
                if ln != labelCount { ld.initialize(repeating: 0); ln = labelCount }
            }
            if n != count { d.initialize(repeating: 0); n = count }
        }
        return (imagePixels, labelPixels)
    }

    /// The pixels of `r` resampled at (`mapX`, `mapY`) (cv2.remap: bilinear or nearest; border
    /// constant with `border`, or BORDER_REFLECT_101).
    package static func remap(_ r: Raster, mapX: [Float], mapY: [Float], nearest: Bool, reflect: Bool, border: [UInt8], path: SIMDPath = .current) -> [UInt8] {
        let c = r.channels, count = r.width * r.height * c
        return [UInt8](unsafeUninitializedCapacity: count) { d, n in
            n = 0
            r.pixels.withUnsafeBufferPointer { s in
                mapX.withUnsafeBufferPointer { mx in
                    mapY.withUnsafeBufferPointer { my in
                        border.withUnsafeBufferPointer { b in
                            guard let sp = s.baseAddress, let dp = d.baseAddress, let xp = mx.baseAddress, let yp = my.baseAddress,
                                  let bp = b.baseAddress, mx.count == r.width * r.height, my.count == mx.count, b.count == c else { return }
                            let w = Int32(truncatingIfNeeded: r.width), h = Int32(truncatingIfNeeded: r.height)
                            sp_remap_u8(sp, w, h, Int32(truncatingIfNeeded: c), dp, w, h, xp, yp, nearest ? 1 : 0, reflect ? 1 : 0, bp,
                                        path.level)
                            n = count
                        }
                    }
                }
            }
            if n != count { d.initialize(repeating: 0); n = count }
        }
    }
}
