import Foundation

/// An image file read but not yet decoded, so decoding can shrink a large JPEG in the DCT when the
/// first geometric stage knows how small the result will be (`decode: {shrink_on_load: true}`).
public struct EncodedImage: Sendable {
    public var data: Data
    public var width: Int
    public var height: Int
    public var jpeg: Bool

    /// The largest JPEG shrink (1, 2, 4 or 8) that keeps the decoded image at least `target` in both sides.
    public func shrink(forTarget target: (width: Int, height: Int)?) -> Int {
        guard jpeg, let target else { return 1 }
        var s = 1
        while s < 8 && width / (s * 2) >= target.width && height / (s * 2) >= target.height { s *= 2 }
        return s
    }
}

extension Sample {
    /// Source image size (known from the header before decoding).
    public var sourceSize: (width: Int, height: Int) {
        if let e = encoded { return (e.width, e.height) }
        return (image.width, image.height)
    }

    /// Decodes a deferred image; with a `target` size JPEGs decode shrunk (never below the target).
    ///
    /// Throws `SampleError` when the file cannot be decoded.
    public mutating func decodeImage(forTarget target: (width: Int, height: Int)? = nil) throws {
        guard let e = encoded else { return }
        let s = e.shrink(forTarget: target)
        let (decoded, _) = try ImageCodec.decodeRGB(e.data, shrink: s, id: id, path: imagePath)
        image = decoded
        encoded = nil
        if s > 1 { params["shrink_on_load"] = Double(s) }
    }
}
