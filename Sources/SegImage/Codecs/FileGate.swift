import Foundation

/// The gate every image and label file passes before it is decoded, in a run and outside one: the
/// file refused unread when larger than any image within the pixel limit could be, its header's
/// size checked against the limit (and the label's against its image) before any pixel is decoded.
///
/// Every failure is a `SampleError` naming the file, what is wrong and what to do.
public enum FileGate {
    /// Pillow's `MAX_IMAGE_PIXELS` doubled: the size at which Pillow refuses an image as a bomb.
    public static let defaultMaxPixels = 2 * 89_478_485

    /// The most bytes an image or label file within `maxPixels` may have: 8 bytes a pixel (16-bit
    /// RGBA, uncompressed) and 16 MiB of metadata.
    public static func fileLimit(maxPixels: Int) -> Int {
        let (bytes, overflow) = maxPixels.multipliedReportingOverflow(by: 8)
        return overflow ? Int.max : bytes.addingReportingOverflow(16 << 20).overflow ? Int.max : bytes + (16 << 20)
    }

    /// The bytes of the `what` file ("image", "label") of sample `id` at `path`, refused unread when
    /// larger than `fileLimit(maxPixels:)`.
    public static func read(_ path: String, id: String, what: String, maxPixels: Int = defaultMaxPixels) throws -> Data {
        switch SourceFile.read(path, limit: fileLimit(maxPixels: maxPixels)) {
        case .success(let data): return data
        case .failure(.missing):
            throw SampleError(id: id, file: path, problem: "\(what) file is missing",
                              fix: "add it, remove '\(id)' from the split file, or run with --on-error skip")
        case .failure(let problem):
            throw SampleError(id: id, file: path, problem: "\(what) file \(problem)",
                              fix: "\(problem.fix), remove '\(id)' from the split file, or run with --on-error skip")
        }
    }

    /// Throws `SampleError` when a header claims more than `limit` pixels, or a side longer than
    /// the kernels' 32-bit sizes hold (no real image has one; libvips stops at 10 million).
    public static func check(_ width: Int, _ height: Int, limit: Int, id: String, path: String) throws {
        if width > Int(Int32.max) || height > Int(Int32.max) {
            throw SampleError(id: id, file: path,
                              problem: "claims \(width)x\(height) pixels in its header, a side longer than \(Int32.max) pixels (a damaged file), so it was not decoded",
                              fix: "re-export the image, or run with --on-error skip")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard overflow || pixels > limit else { return }
        throw SampleError(id: id, file: path,
                          problem: "claims \(width)x\(height) pixels in its header, above the limit of \(limit) (a damaged file or a decompression bomb), so it was not decoded",
                          fix: "raise `max_pixels` of decode (or pass --max-pixels) if the image is genuine, or run with --on-error skip")
    }

    /// Throws `SampleError` naming the label when its size is not its image's.
    public static func checkSameSize(_ label: (Int, Int), _ image: (Int, Int), id: String, path: String) throws {
        guard label != image else { return }
        throw SampleError(id: id, file: path,
                          problem: "is \(label.0)x\(label.1) but its image is \(image.0)x\(image.1)",
                          fix: "export the label at the image's size, or run with --on-error skip")
    }
}
