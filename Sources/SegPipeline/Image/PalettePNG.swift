import Foundation
import SegFormat
import VipsShim

/// Writes 8-bit indexed (palette) PNGs of class maps, so label viewers show colours while the
/// pixel values stay class indices (as VOC's `SegmentationClass` files). Encoded by libpng.
public enum PalettePNG {
    /// Encodes `label` (1 channel of indices) with `palette` colours (up to 256 entries used).
    ///
    /// - Precondition: `label.channels == 1`.
    public static func encode(_ label: Raster, palette: Palette) throws -> Data {
        precondition(label.channels == 1, "a palette PNG holds one channel of indices")
        let used = Int(label.pixels.max() ?? 0) + 1
        let rgb = (0..<used).flatMap { palette.colours[$0] }
        var out: UnsafeMutablePointer<UInt8>?
        var count = 0
        var err = [CChar](repeating: 0, count: 256)
        let rc = label.pixels.withUnsafeBufferPointer { p in
            err.withUnsafeMutableBufferPointer { e in
                sp_png_encode_palette(p.baseAddress, Int32(label.width), Int32(label.height), rgb, Int32(used),
                                      &out, &count, e.baseAddress, e.count)
            }
        }
        guard rc == 0, let out else {
            throw VipsError(operation: "png encode", message: err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        defer { sp_free(out) }
        return Data(bytes: out, count: count)
    }

    /// Encodes and writes `label` to `path` atomically.
    ///
    /// - Throws: file-system errors naming the path.
    public static func write(_ label: Raster, palette: Palette, to path: String) throws {
        try AtomicFile.write(try encode(label, palette: palette), to: path)
    }
}
