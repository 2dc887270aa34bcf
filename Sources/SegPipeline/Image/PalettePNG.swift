import Foundation
import SegFormat

/// Writes 8-bit indexed (palette) PNGs of class maps, so label viewers show colours while the
/// pixel values stay class indices (as VOC's `SegmentationClass` files). Encoded by libpng.
public enum PalettePNG {
    /// Encodes `label` (1 channel of indices) with `palette` colours (up to 256 entries used).
    ///
    /// - Precondition: `label.channels == 1`.
    public static func encode(_ label: Raster, palette: Palette) throws -> Data {
        precondition(label.channels == 1, "a palette PNG holds one channel of indices")
        let used = Int(label.pixels.max() ?? 0) + 1
        return try ImageCodec.encodePalettePNG(label.pixels, width: label.width, height: label.height,
                                               colours: (0..<used).flatMap { palette.colours[$0] })
    }

    /// Encodes and writes `label` to `path` atomically.
    ///
    /// - Throws: file-system errors naming the path.
    public static func write(_ label: Raster, palette: Palette, to path: String) throws {
        try AtomicFile.write(try encode(label, palette: palette), to: path)
    }
}
