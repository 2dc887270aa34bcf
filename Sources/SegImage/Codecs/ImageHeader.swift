import CImageCodecs

/// An image file's size read from its header with libjpeg, libpng or libtiff, never libvips: a
/// process that only listed sizes (a tile pipeline's windows, opened in a parent process) can still
/// fork workers, where libvips started before the fork cannot run.
public enum ImageHeader {
    /// A header that cannot be read; `reason` is the library's message.
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The width and height in the header of the JPEG, PNG or TIFF file at `path` (a TIFF's first
    /// page, the one libvips reads); nil for a file of another format.
    ///
    /// Throws `Failure` when the file cannot be opened or its header cannot be read.
    public static func size(path: String) throws -> (width: Int, height: Int)? {
        var w: Int32 = 0, h: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = message.withUnsafeMutableBufferPointer { sp_image_header(path, &w, &h, $0.baseAddress, $0.count) }
        switch rc {
        case 0: return (Int(w), Int(h))
        case 1: return nil
        default:
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(path: path, reason: reason.isEmpty ? "unreadable header" : reason)
        }
    }
}
