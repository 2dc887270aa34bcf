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

    /// The label holds the output's label values: no geometry is pending and the label was read
    /// (the image may still be encoded).
    public var labelIsRendered: Bool {
        guard geometry.isIdentity else { return false }
        if case .windows = source { return false }
        return true
    }

    /// The source is left in its files (`random_crop` reads only its windows).
    public var windowedSource: Bool {
        if case .windows = source { return true }
        return false
    }

    /// Decodes a deferred image; with a `target` size JPEGs decode shrunk (never below the target).
    ///
    /// Throws `SampleError` when the file cannot be decoded.
    public mutating func decodeImage(forTarget target: (width: Int, height: Int)? = nil) throws {
        guard case .encoded = source else { return }
        image = try decodeImagePart(forTarget: target) { _, _ in nil }.raster
    }

    /// Decodes a deferred image as `decodeImage(forTarget:)` does, but only the box `box(width,
    /// height)` gives for the (shrunk) size, where the decoder can (JPEGs that end with their
    /// end-of-image marker). `image` is left to the caller, which renders from the part.
    ///
    /// Throws `SampleError` when the file cannot be decoded.
    mutating func decodeImagePart(forTarget target: (width: Int, height: Int)?,
                                  box: (_ width: Int, _ height: Int) -> Resample.Window?) throws -> ImagePart {
        guard case .encoded(let e) = source else { return ImagePart(whole: image) }
        let s = e.shrinkOnLoad ? e.shrink(forTarget: target) : 1
        let (part, _) = try ImageCodec.decodeRGB(e.data, shrink: s, id: id, path: imagePath, box: box)
        // Windows were planned on the header's size: a file that decodes to another is refused.
        guard s > 1 || (part.width == e.width && part.height == e.height) else {
            throw SampleError(id: id, file: imagePath,
                              problem: "decodes to \(part.width)x\(part.height) but its header says \(e.width)x\(e.height)",
                              fix: "re-export this image, or run with --on-error skip")
        }
        source = .pixels
        if s > 1 { params["shrink_on_load"] = Double(s) }
        return part
    }
}
