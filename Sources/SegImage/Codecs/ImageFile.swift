import Foundation

/// Image files read outside a run (`predict`): the decode stage's gate — the file refused unread when
/// larger than any image within the pixel limit, its header checked against the limit before
/// decoding — then decoded to 8-bit RGB as a run decodes it.
public enum ImageFile {
    /// The image at `path` as RGB.
    ///
    /// Throws `SampleError` naming the file.
    public static func read(_ path: String, maxPixels: Int = FileGate.defaultMaxPixels) throws -> Raster {
        let id = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try decode(try FileGate.read(path, id: id, what: "image", maxPixels: maxPixels), id: id, path: path, maxPixels: maxPixels)
    }

    /// An image file's bytes `data` as RGB, its header checked against `maxPixels` first.
    ///
    /// Throws `SampleError` naming `path`.
    public static func decode(_ data: Data, id: String, path: String, maxPixels: Int = FileGate.defaultMaxPixels) throws -> Raster {
        let size = try ImageCodec.imageSize(data, id: id, path: path)
        try FileGate.check(size.width, size.height, limit: maxPixels, id: id, path: path)
        return try ImageCodec.decodeRGB(data, id: id, path: path).0
    }

    /// The same, with a JPEG decoded shrunk by a power of two (at most 8) while both sides stay at
    /// least `side` pixels: for uses that need a small image only.
    public static func decode(_ data: Data, id: String, path: String, maxPixels: Int = FileGate.defaultMaxPixels, atLeast side: Int) throws -> Raster {
        let size = try ImageCodec.imageSize(data, id: id, path: path)
        try FileGate.check(size.width, size.height, limit: maxPixels, id: id, path: path)
        var shrink = 1
        while size.jpeg && shrink < 8 && min(size.width, size.height) / (shrink * 2) >= side { shrink *= 2 }
        return try ImageCodec.decodeRGB(data, shrink: shrink, id: id, path: path).0
    }
}
