import SegImage
/// How a sample's source image is held before its geometry is rendered.
public enum SourceAccess: Sendable, Equatable {
    /// Decoded: `Sample.image` and `Sample.label` hold the source pixels.
    case pixels
    /// Read but not decoded, so decoding can shrink a large JPEG in the DCT to what the resize
    /// needs (`decode: {shrink_on_load: true}`); `Sample.label` holds the source label.
    case encoded(EncodedImage)
    /// Left in its (large) files: rendering reads only the output window of image and label
    /// (libvips region reads; `decode`'s `crop_reads_above`).
    case windows(width: Int, height: Int)
}

extension Sample {
    /// Source image size (known from the header before decoding).
    public var sourceSize: (width: Int, height: Int) {
        switch source {
        case .pixels: return (image.width, image.height)
        case .encoded(let e): return (e.width, e.height)
        case .windows(let w, let h): return (w, h)
        }
    }

    /// The size the sample will have once its geometry is rendered.
    public var outputSize: (width: Int, height: Int) { geometry.outputSize(source: sourceSize) }

    /// The source is left in its files (`random_crop` reads only its windows).
    public var windowedSource: Bool {
        if case .windows = source { return true }
        return false
    }

    /// Decodes a deferred image; with a `target` size JPEGs decode shrunk (never below the target).
    ///
    /// Throws `SampleError` when the file cannot be decoded.
    public mutating func decodeImage(forTarget target: (width: Int, height: Int)? = nil) throws {
        guard case .encoded(let e) = source else { return }
        let s = e.shrink(forTarget: target)
        let (decoded, _) = try ImageCodec.decodeRGB(e.data, shrink: s, id: id, path: imagePath)
        // Windows were planned on the header's size: a file that decodes to another is refused.
        guard s > 1 || (decoded.width == e.width && decoded.height == e.height) else {
            throw SampleError(id: id, file: imagePath,
                              problem: "decodes to \(decoded.width)x\(decoded.height) but its header says \(e.width)x\(e.height)",
                              fix: "re-export this image, or run with --on-error skip")
        }
        image = decoded
        source = .pixels
        if s > 1 { params["shrink_on_load"] = Double(s) }
    }
}
