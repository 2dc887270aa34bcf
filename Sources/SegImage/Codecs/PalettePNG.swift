import Foundation
import SegFormat

/// Writes 8-bit indexed (palette) PNGs of class maps, so label viewers show colours while the
/// pixel values stay class indices (as VOC's `SegmentationClass` files); 16-bit maps, which no
/// palette holds, as 16-bit greyscale PNGs of the same values. Encoded by libpng.
public enum PalettePNG {
    /// Encodes `label` (class indices) with `palette` colours (up to 256 entries used), or a
    /// 16-bit map as a 16-bit greyscale PNG.
    public static func encode(_ label: Raster, palette: Palette) throws -> Data {
        if label.channels == 2 { return try ImageCodec.encodeGrey16PNG(label.pixels, width: label.width, height: label.height) }
        let used = Int(label.pixels.max() ?? 0) + 1
        return try ImageCodec.encodePalettePNG(label.pixels, width: label.width, height: label.height,
                                               colours: (0..<used).flatMap { palette.colour($0) })
    }

    /// Encodes `label` as a greyscale PNG of its values (8-bit, or 16-bit for a two-byte map), which
    /// every PNG decoder reads back as the class indices: the label format of exports, which other
    /// tools decode (a palette PNG becomes colours in decoders that convert to RGB or L).
    public static func encodeValues(_ label: Raster) throws -> Data {
        try ImageCodec.encodeGreyPNG(label.pixels, width: label.width, height: label.height, bytes: label.channels == 2 ? 2 : 1)
    }

    /// Encodes and writes `label` to `path` atomically.
    ///
    /// - Throws: file-system errors naming the path.
    public static func write(_ label: Raster, palette: Palette, to path: String) throws {
        try AtomicFile.write(try encode(label, palette: palette), to: path)
    }
}
