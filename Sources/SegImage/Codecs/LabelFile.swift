import Foundation

/// Label PNG files read outside a run (`eval`'s ground truth and predictions): the same gate as the
/// decode stage — the file refused unread when larger than any image within the pixel limit, its
/// header checked against the limit before decoding — then read as class indices.
public enum LabelFile {
    /// The label at `path` as class indices (1 byte a value, or 2 for 16-bit files).
    ///
    /// Throws `SampleError` naming the file (missing, too large, damaged, a colour image).
    public static func read(_ path: String, maxPixels: Int = FileGate.defaultMaxPixels) throws -> Raster {
        let id = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let data = try FileGate.read(path, id: id, what: "label", maxPixels: maxPixels)
        if let size = ImageCodec.pngSize(data) {
            try FileGate.check(size.width, size.height, limit: maxPixels, id: id, path: path)
        }
        return try ImageCodec.readLabel(data, id: id, path: path)
    }

    /// `label` as one byte a value: 16-bit values above 254 become 255, which no scored class of at
    /// most 255 classes uses (so they stay ignored in the ground truth and invalid in predictions).
    public static func narrowed(_ label: Raster) -> [UInt8] {
        guard label.channels == 2 else { return label.pixels }
        return (0..<(label.width * label.height)).map { i in
            let v = Int(label.pixels[2 * i]) | Int(label.pixels[2 * i + 1]) << 8
            return UInt8(clamping: v)
        }
    }
}
