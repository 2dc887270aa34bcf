import CImageCodecs
import Foundation

/// Every call into the image codecs used directly — libjpeg (in the calling thread), libpng and
/// libdeflate — with C failures turned into thrown Swift errors. Other formats go to `Vips`.
public enum ImageCodec {
    /// Decodes an image file's bytes to packed RGB.
    ///
    /// - Parameters:
    ///   - shrink: 1 for a full decode; 2, 4 or 8 to let JPEG decode at reduced size.
    /// - Returns: the RGB raster and the band count of the source (1 = grey, 3 = RGB, …).
    /// - Throws: `SampleError` naming `path` when the file is unreadable, truncated or not an image.
    public static func decodeRGB(_ data: Data, shrink: Int = 1, id: String, path: String) throws -> (Raster, Int) {
        if isJPEG(data), let decoded = try decodeJPEG(data, shrink: shrink, id: id, path: path) { return decoded }
        return try Vips.decodeWithVips(data, shrink: shrink, id: id, path: path)
    }

    /// True when `path` is named like a JPEG file (`.jpg`, `.jpeg`, any case).
    package static func isJPEGName(_ path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        return ext == "jpg" || ext == "jpeg"
    }

    /// True when `data` starts with the JPEG start-of-image marker.
    package static func isJPEG(_ data: Data) -> Bool {
        data.count > 2 && data[data.startIndex] == 0xFF && data[data.startIndex + 1] == 0xD8
    }

    /// Decodes a JPEG with libjpeg on the calling thread, straight into the raster's storage.
    ///
    /// - Returns: nil when the layout needs vips. CMYK and YCCK files decode as Pillow's
    ///   `convert("RGB")` does (inverted CMYK, then multiplied by K).
    /// - Throws: `SampleError` naming `path` when the file is unreadable or truncated.
    package static func decodeJPEG(_ data: Data, shrink: Int, id: String, path: String) throws -> (Raster, Int)? {
        try decodeJPEG(data, shrink: shrink, id: id, path: path, box: { _, _ in nil }).map { ($0.part.raster, $0.bands) }
    }

    /// Decodes only the box `box(width, height)` of an image of that (shrunk) size, or all of it when
    /// `box` gives nil or the image is not a JPEG libjpeg reads here. The part's pixels equal the same
    /// box of a whole decode; a file that may be truncated is decoded whole, so it is refused alike.
    ///
    /// Throws `SampleError` naming `path` when the file is unreadable or truncated.
    package static func decodeRGB(_ data: Data, shrink: Int, id: String, path: String,
                                  box: (_ width: Int, _ height: Int) -> Resample.Window?) throws -> (ImagePart, Int) {
        if isJPEG(data), let decoded = try decodeJPEG(data, shrink: shrink, id: id, path: path, box: box) {
            return (decoded.part, decoded.bands)
        }
        let (raster, bands) = try Vips.decodeWithVips(data, shrink: shrink, id: id, path: path)
        return (ImagePart(whole: raster), bands)
    }

    /// `decodeRGB(_:shrink:id:path:box:)` for JPEGs libjpeg reads here (nil otherwise), saying
    /// whether libjpeg decoded the whole image (a box that is all of it, or a file that could be
    /// refused past the box) or left rows or columns out.
    package static func decodeJPEG(_ data: Data, shrink: Int, id: String, path: String,
                                   box: (_ width: Int, _ height: Int) -> Resample.Window?) throws -> (part: ImagePart, bands: Int, wholeRead: Bool)? {
        var w: Int32 = 0, h: Int32 = 0, bands: Int32 = 0, status: Int32 = 0, whole: Int32 = 1
        var err = [CChar](repeating: 0, count: 256)
        return try data.withUnsafeBytes { raw -> (part: ImagePart, bands: Int, wholeRead: Bool)? in
            let decoder = err.withUnsafeMutableBufferPointer { e in
                sp_jpeg_open(raw.baseAddress, raw.count, Int32(clamping: shrink), &w, &h, &bands, &status, e.baseAddress, e.count)
            }
            defer { sp_jpeg_close(decoder) }
            if status == 1 { return nil }
            let width = Int(w), height = Int(h)
            // The box, clipped to the image; a box that is the whole image, empty, or past 32 bits is a whole decode.
            var part = Resample.Window(x0: 0, y0: 0, x1: width, y1: height)
            if decoder != nil, let b = box(width, height) {
                let c = Resample.Window(x0: max(0, b.x0), y0: max(0, b.y0), x1: min(width, b.x1), y1: min(height, b.y1))
                if c.x0 < c.x1 && c.y0 < c.y1 { part = c }
            }
            let count = part.width * part.height * 3
            var rc: Int32 = -1
            let pixels: [UInt8]
            if let decoder, let x0 = Int32(exactly: part.x0), let y0 = Int32(exactly: part.y0),
               let pw = Int32(exactly: part.width), let ph = Int32(exactly: part.height) {
                // The slack past the box lets libjpeg write each row in place (no copy per row).
                pixels = [UInt8](unsafeUninitializedCapacity: count + Int(SP_JPEG_REGION_SLACK)) { buffer, initialized in
                    rc = err.withUnsafeMutableBufferPointer { e in
                        sp_jpeg_read_rgb_region(decoder, raw.baseAddress, raw.count, buffer.baseAddress, buffer.count, x0, y0, pw, ph,
                                                1, &whole, e.baseAddress, e.count)
                    }
                    if rc != 0 { buffer.initialize(repeating: 0) }
                    initialized = count
                }
            } else {
                pixels = []
            }
            guard rc == 0 else {
                let msg = err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw SampleError(id: id, file: path, problem: "cannot be decoded as an image (\(msg.isEmpty ? "unknown error" : msg))",
                                  fix: "re-export or remove this image, or run with --on-error skip")
            }
            let raster = Raster(width: part.width, height: part.height, channels: 3, pixels: pixels)
            return (ImagePart(raster: raster, x: part.x0, y: part.y0, width: width, height: height), Int(bands), whole != 0)
        }
    }

    /// Width, height and JPEG-ness of an encoded image, from its header only (libjpeg for JPEGs,
    /// libvips for other formats).
    ///
    /// Throws `SampleError` naming `path` when the header cannot be read.
    public static func imageSize(_ data: Data, id: String, path: String) throws -> (width: Int, height: Int, jpeg: Bool) {
        if isJPEG(data) {
            var w: Int32 = 0, h: Int32 = 0, bands: Int32 = 0, status: Int32 = 0
            let decoder = data.withUnsafeBytes { raw in
                sp_jpeg_open(raw.baseAddress, raw.count, 1, &w, &h, &bands, &status, nil, 0)
            }
            sp_jpeg_close(decoder)
            if status == 0 { return (Int(w), Int(h), true) }
        }
        return try Vips.imageSize(data, id: id, path: path)
    }

    /// Reads a palette or greyscale PNG label keeping its indices: one byte per value, or two
    /// (little-endian) for 16-bit greyscale PNGs.
    ///
    /// Non-interlaced 8-bit files go through a libdeflate fast path (`fastPath`; libpng, its
    /// oracle, reads everything else). Throws `SampleError` for colour PNGs, truncated, damaged or
    /// non-PNG files.
    public static func readLabel(_ data: Data, id: String, path: String, fastPath: Bool = true) throws -> Raster {
        var w: Int32 = 0, h: Int32 = 0, ctype: Int32 = -1, bytes: Int32 = 1
        var err = [CChar](repeating: 0, count: 512)
        // Straight into the raster's storage: the capacity the header asks for (0 for a header the
        // reader refuses, which it then words), the values in its first w * h * bytes.
        var rc: Int32 = -1
        let pixels = data.withUnsafeBytes { raw -> [UInt8] in
            let capacity = sp_png_label_capacity(raw.baseAddress, raw.count)
            return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                rc = err.withUnsafeMutableBufferPointer { e in
                    sp_read_png_label_into(raw.baseAddress, raw.count, buffer.baseAddress, buffer.count, &w, &h, &ctype, &bytes,
                                           e.baseAddress, e.count, fastPath ? 1 : 0)
                }
                let n = Int(w) * Int(h) * Int(bytes)
                initialized = rc == 0 && n <= capacity ? n : 0
            }
        }
        guard rc == 0, pixels.count == Int(w) * Int(h) * Int(bytes) else {
            let msg = err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let colour = ctype == 2 || ctype == 6
            if ctype == 4 {
                throw SampleError(id: id, file: path, problem: "is a greyscale PNG with an alpha channel; class indices are expected",
                                  fix: "save it as a greyscale or palette PNG without alpha (one value per class)")
            }
            throw SampleError(
                id: id, file: path,
                problem: colour ? "is a colour-coded RGB label; class indices are expected" : "cannot be read as a label PNG (\(msg))",
                fix: colour ? "convert it to a palette or greyscale PNG of class indices (one value per class), or add `label_colors` to `input` (a palette such as `camvid`, or {color, class} entries)"
                            : "re-export the label as an 8-bit palette or greyscale PNG, or run with --on-error skip")
        }
        return Raster(width: Int(w), height: Int(h), channels: Int(bytes), pixels: pixels)
    }

    /// Width and height a PNG file declares in its IHDR chunk, or nil when `data` does not start
    /// like a PNG (the label reader then says why).
    package static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count >= 24, data.prefix(8).elementsEqual(signature),
              data.dropFirst(12).prefix(4).elementsEqual(Array("IHDR".utf8)) else { return nil }
        func be32(_ at: Int) -> Int {
            data.dropFirst(at).prefix(4).reduce(0) { $0 << 8 | Int($1) }
        }
        return (be32(16), be32(20))
    }

    /// Encodes `indices` (`width * height`, one byte each) as an 8-bit palette PNG with the first
    /// `colours.count / 3` RGB entries of `colours` (libpng).
    ///
    /// Throws `VipsError` when libpng fails.
    package static func encodePalettePNG(_ indices: [UInt8], width: Int, height: Int, colours: [UInt8]) throws -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var count = 0
        var err = [CChar](repeating: 0, count: 256)
        let rc = indices.withUnsafeBufferPointer { p in
            err.withUnsafeMutableBufferPointer { e in
                sp_png_encode_palette(p.baseAddress, Int32(width), Int32(height), colours, Int32(colours.count / 3),
                                      &out, &count, e.baseAddress, e.count)
            }
        }
        guard rc == 0, let out else {
            throw VipsError(operation: "png encode", message: err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        defer { sp_codec_free(out) }
        return Data(bytes: out, count: count)
    }

    /// Encodes a 16-bit label map (two little-endian bytes per value) as a 16-bit greyscale PNG.
    package static func encodeGrey16PNG(_ values: [UInt8], width: Int, height: Int) throws -> Data {
        try encodeGreyPNG(values, width: width, height: height, bytes: 2)
    }

    /// Encodes `values` (`bytes` = 1: one byte each; 2: two little-endian bytes each) as an 8- or
    /// 16-bit greyscale PNG whose sample values are the values themselves.
    package static func encodeGreyPNG(_ values: [UInt8], width: Int, height: Int, bytes: Int) throws -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var count = 0
        var err = [CChar](repeating: 0, count: 256)
        guard let w = Int32(exactly: width), let h = Int32(exactly: height), values.count == width * height * bytes else {
            throw VipsError(operation: "png encode", message: "a \(width)x\(height) map of \(values.count) bytes cannot be a PNG")
        }
        let rc = values.withUnsafeBufferPointer { p in
            err.withUnsafeMutableBufferPointer { e in
                bytes == 2 ? sp_png_encode_grey16(p.baseAddress, w, h, &out, &count, e.baseAddress, e.count)
                    : sp_png_encode_grey8(p.baseAddress, w, h, &out, &count, e.baseAddress, e.count)
            }
        }
        guard rc == 0, let out else {
            throw VipsError(operation: "png encode", message: err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        defer { sp_codec_free(out) }
        return Data(bytes: out, count: count)
    }

    /// A PNG's colour type, bit depth and palette (RGB triples), from the header chunks in `head`
    /// (the file's first bytes); nil when `head` is not a PNG or ends before its image data.
    package static func pngPalette(_ head: Data) -> (colourType: Int, bitDepth: Int, palette: [[UInt8]])? {
        var ctype: Int32 = 0, depth: Int32 = 0, count: Int32 = 0
        var rgb = [UInt8](repeating: 0, count: 768)
        var err = [CChar](repeating: 0, count: 256)
        let rc = head.withUnsafeBytes { raw in
            sp_png_palette(raw.baseAddress, raw.count, &ctype, &depth, &rgb, &count, &err, err.count)
        }
        guard rc == 0 else { return nil }
        return (Int(ctype), Int(depth), (0..<Int(count)).map { Array(rgb[(3 * $0)..<(3 * $0 + 3)]) })
    }
}
