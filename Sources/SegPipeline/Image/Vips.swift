import Foundation
import VipsShim

/// Every call into libvips, libjpeg, libpng and libdeflate, with C failures turned into thrown Swift errors.
public enum Vips {
    /// Prepares the process for decoding (heap settings, once per process); libvips itself starts
    /// on first use, since loading its modules takes ~40 ms that runs over JPEGs never need.
    ///
    /// Throws `VipsError` when `vips: true` asks to start libvips now and it cannot (e.g. missing
    /// modules).
    public static func start(vips: Bool = false) throws {
        _ = sp_runtime_init()
        if vips, sp_vips_start() != 0 { throw VipsError(operation: "vips_init", message: takeError()) }
    }

    /// Releases libvips' per-thread state; call once as a worker thread ends.
    public static func threadShutdown() { sp_vips_thread_shutdown() }

    /// Decodes an image file's bytes to packed RGB.
    ///
    /// - Parameters:
    ///   - shrink: 1 for a full decode; 2, 4 or 8 to let JPEG decode at reduced size.
    /// - Returns: the RGB raster and the band count of the source (1 = grey, 3 = RGB, …).
    /// - Throws: `SampleError` naming `path` when the file is unreadable, truncated or not an image.
    public static func decodeRGB(_ data: Data, shrink: Int = 1, id: String, path: String) throws -> (Raster, Int) {
        if isJPEG(data), let decoded = try decodeJPEG(data, shrink: shrink, id: id, path: path) { return decoded }
        return try decodeWithVips(data, shrink: shrink, id: id, path: path)
    }

    /// Decodes any format libvips reads (the path for non-JPEG files, and the JPEG decoder's oracle).
    static func decodeWithVips(_ data: Data, shrink: Int, id: String, path: String) throws -> (Raster, Int) {
        var w: Int32 = 0, h: Int32 = 0, bands: Int32 = 0
        var out: UnsafeMutablePointer<UInt8>?
        let rc = data.withUnsafeBytes { raw in
            sp_decode_rgb(raw.baseAddress, raw.count, Int32(shrink), 1, &w, &h, &bands, &out)
        }
        guard rc == 0, let out else {
            let msg = takeError().split(separator: "\n").first.map(String.init) ?? "unknown error"
            throw SampleError(id: id, file: path, problem: "cannot be decoded as an image (\(msg))",
                              fix: "re-export or remove this image, or run with --on-error skip")
        }
        defer { sp_free(out) }
        let n = Int(w) * Int(h) * 3
        return (Raster(width: Int(w), height: Int(h), channels: 3, pixels: Array(UnsafeBufferPointer(start: out, count: n))), Int(bands))
    }

    /// True when `path` is named like a JPEG file (`.jpg`, `.jpeg`, any case).
    static func isJPEGName(_ path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        return ext == "jpg" || ext == "jpeg"
    }

    /// True when `data` starts with the JPEG start-of-image marker.
    static func isJPEG(_ data: Data) -> Bool {
        data.count > 2 && data[data.startIndex] == 0xFF && data[data.startIndex + 1] == 0xD8
    }

    /// Decodes a JPEG with libjpeg on the calling thread, straight into the raster's storage.
    ///
    /// - Returns: nil when the layout needs vips. CMYK and YCCK files decode as Pillow's
    ///   `convert("RGB")` does (inverted CMYK, then multiplied by K).
    /// - Throws: `SampleError` naming `path` when the file is unreadable or truncated.
    static func decodeJPEG(_ data: Data, shrink: Int, id: String, path: String) throws -> (Raster, Int)? {
        var w: Int32 = 0, h: Int32 = 0, bands: Int32 = 0, status: Int32 = 0
        var err = [CChar](repeating: 0, count: 256)
        return try data.withUnsafeBytes { raw -> (Raster, Int)? in
            let decoder = err.withUnsafeMutableBufferPointer { e in
                sp_jpeg_open(raw.baseAddress, raw.count, Int32(shrink), &w, &h, &bands, &status, e.baseAddress, e.count)
            }
            defer { sp_jpeg_close(decoder) }
            if status == 1 { return nil }
            let count = Int(w) * Int(h) * 3
            var rc: Int32 = -1
            let pixels: [UInt8]
            if let decoder {
                pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                    rc = err.withUnsafeMutableBufferPointer { e in
                        sp_jpeg_read_rgb(decoder, buffer.baseAddress, 1, e.baseAddress, e.count)
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
            return (Raster(width: Int(w), height: Int(h), channels: 3, pixels: pixels), Int(bands))
        }
    }

    /// Width, height and JPEG-ness of an encoded image, from its header only.
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
        var w: Int32 = 0, h: Int32 = 0, jpeg: Int32 = 0
        let rc = data.withUnsafeBytes { raw in sp_image_size(raw.baseAddress, raw.count, &w, &h, &jpeg) }
        guard rc == 0 else {
            let msg = takeError().split(separator: "\n").first.map(String.init) ?? "unknown error"
            throw SampleError(id: id, file: path, problem: "cannot be decoded as an image (\(msg))",
                              fix: "re-export or remove this image, or run with --on-error skip")
        }
        return (Int(w), Int(h), jpeg != 0)
    }

    /// Reads a palette or greyscale PNG label keeping its indices (1 channel).
    ///
    /// Non-interlaced 8-bit files go through a libdeflate fast path (`fastPath`; libpng, its
    /// oracle, reads everything else). Throws `SampleError` for colour PNGs, 16-bit PNGs, truncated,
    /// damaged or non-PNG files.
    public static func readLabel(_ data: Data, id: String, path: String, fastPath: Bool = true) throws -> Raster {
        var w: Int32 = 0, h: Int32 = 0, ctype: Int32 = 0
        var out: UnsafeMutablePointer<UInt8>?
        var err = [CChar](repeating: 0, count: 512)
        let rc = data.withUnsafeBytes { raw in
            err.withUnsafeMutableBufferPointer { e in
                sp_read_png_label(raw.baseAddress, raw.count, &w, &h, &ctype, &out, e.baseAddress, e.count, fastPath ? 1 : 0)
            }
        }
        guard rc == 0, let out else {
            let msg = err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let colour = ctype == 2 || ctype == 6
            if ctype == 4 {
                throw SampleError(id: id, file: path, problem: "is a greyscale PNG with an alpha channel; class indices are expected",
                                  fix: "save it as a greyscale or palette PNG without alpha (one value per class)")
            }
            throw SampleError(
                id: id, file: path,
                problem: colour ? "is a colour-coded RGB label; class indices are expected" : "cannot be read as a label PNG (\(msg))",
                fix: colour ? "convert it to a palette or greyscale PNG of class indices (one value per class)"
                            : "re-export the label as an 8-bit palette or greyscale PNG, or run with --on-error skip")
        }
        defer { sp_free(out) }
        let n = Int(w) * Int(h)
        return Raster(width: Int(w), height: Int(h), channels: 1, pixels: Array(UnsafeBufferPointer(start: out, count: n)))
    }

    /// Width and height a PNG file declares in its IHDR chunk, or nil when `data` does not start
    /// like a PNG (the label reader then says why).
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count >= 24, data.prefix(8).elementsEqual(signature),
              data.dropFirst(12).prefix(4).elementsEqual(Array("IHDR".utf8)) else { return nil }
        func be32(_ at: Int) -> Int {
            data.dropFirst(at).prefix(4).reduce(0) { $0 << 8 | Int($1) }
        }
        return (be32(16), be32(20))
    }

    /// Writes a 1-, 3- or 4-channel raster as a PNG file.
    ///
    /// Throws `VipsError` when the file cannot be written.
    public static func savePNG(_ r: Raster, to path: String) throws {
        let rc = r.pixels.withUnsafeBufferPointer { p in
            sp_save_png(p.baseAddress, Int32(r.width), Int32(r.height), Int32(r.channels), path)
        }
        if rc != 0 { throw VipsError(operation: "pngsave \(path)", message: takeError()) }
    }

    /// Renders a caption (Pango markup) as a grey mask at most `width` pixels wide.
    public static func renderText(_ text: String, width: Int, dpi: Int = 72) throws -> Raster {
        var w: Int32 = 0, h: Int32 = 0
        var out: UnsafeMutablePointer<UInt8>?
        let rc = sp_render_text(text, Int32(width), Int32(dpi), &w, &h, &out)
        guard rc == 0, let out else { throw VipsError(operation: "text", message: takeError()) }
        defer { sp_free(out) }
        return Raster(width: Int(w), height: Int(h), channels: 1, pixels: Array(UnsafeBufferPointer(start: out, count: Int(w) * Int(h))))
    }

    /// Rasterises an SVG document to RGBA.
    public static func renderSVG(_ svg: String) throws -> Raster {
        var w: Int32 = 0, h: Int32 = 0
        var out: UnsafeMutablePointer<UInt8>?
        let bytes = Array(svg.utf8)
        let rc = bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in sp_render_svg(c.baseAddress, c.count, &w, &h, &out) }
        }
        guard rc == 0, let out else { throw VipsError(operation: "svgload", message: takeError()) }
        defer { sp_free(out) }
        return Raster(width: Int(w), height: Int(h), channels: 4, pixels: Array(UnsafeBufferPointer(start: out, count: Int(w) * Int(h) * 4)))
    }

    /// Copies and clears libvips' (thread-shared) error buffer.
    private static func takeError() -> String {
        guard let p = sp_vips_error() else { return "unknown libvips error" }
        defer { sp_free(p) }
        let s = String(cString: p).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? "unknown libvips error" : s
    }
}

/// A libvips operation that failed, with vips' own message.
public struct VipsError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var message: String
    public var description: String { "libvips \(operation) failed: \(message)" }
}

/// Pixel kernels written in C (in the shim target), for loops Swift does not compile as tightly.
enum Kernels {
    /// Asks the OS to back the 2 MiB-aligned part of `buffer` with huge pages (before its first
    /// write, so its pages are born huge: one fault per 2 MiB instead of per 4 KiB). Advice only.
    static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let start = UInt(bitPattern: buffer.baseAddress)
        let huge: UInt = 2 << 20
        let first = (start + huge - 1) & ~(huge - 1)
        let end = (start + UInt(buffer.count)) & ~(huge - 1)
        if end > first {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: first), Int(end - first), MADV_HUGEPAGE)
        }
        #endif
    }

    /// Pillow's horizontal fixed-point pass over 3-channel rows for output columns `first ..< first + width`.
    static func resampleHorizontal3(_ src: Raster, rows: Range<Int>, into out: UnsafeMutablePointer<UInt8>, width: Int,
                                    first: Int, coefficients co: Resample.Coefficients, isa: Int = 2) {
        src.pixels.withUnsafeBufferPointer { s in
            co.bounds.withUnsafeBufferPointer { b in
                co.weights.withUnsafeBufferPointer { w in
                    sp_resample_horizontal3_isa(s.baseAddress! + rows.lowerBound * src.width * 3, Int32(src.width),
                                                Int32(rows.count), out, Int32(width), Int32(first), b.baseAddress,
                                                w.baseAddress, Int32(co.taps), Int32(isa))
                }
            }
        }
    }

    /// Label value histogram (256 entries) and per-channel sums and sums of squares of a sample.
    static func sampleStats(image: Raster, label: Raster) -> (counts: [Int], sums: [Int], squares: [Int]) {
        var counts = [Int64](repeating: 0, count: 256), sums = [Int64](repeating: 0, count: 3), squares = sums
        image.pixels.withUnsafeBufferPointer { i in
            label.pixels.withUnsafeBufferPointer { l in
                counts.withUnsafeMutableBufferPointer { c in
                    sums.withUnsafeMutableBufferPointer { s in
                        squares.withUnsafeMutableBufferPointer { q in
                            sp_sample_stats(i.baseAddress, l.baseAddress, l.count, c.baseAddress, s.baseAddress, q.baseAddress)
                        }
                    }
                }
            }
        }
        return (counts.map { Int($0) }, sums.map { Int($0) }, squares.map { Int($0) })
    }

    /// Pillow's vertical fixed-point pass (see `Resample`), AVX2 where the CPU has it.
    static func resampleVertical(_ src: Raster, into out: UnsafeMutablePointer<UInt8>, rows: Int, bounds: [Int32],
                                 weights: [Int32], taps: Int) {
        src.pixels.withUnsafeBufferPointer { s in
            bounds.withUnsafeBufferPointer { b in
                weights.withUnsafeBufferPointer { w in
                    sp_resample_vertical(s.baseAddress, Int32(src.width * src.channels), out, Int32(rows),
                                         b.baseAddress, w.baseAddress, Int32(taps))
                }
            }
        }
    }

    /// Maps every byte of `pixels` through `table` (256 entries) in place.
    ///
    /// `isa` caps the instruction set (0 portable C, 1 AVX-512; tests run each).
    static func lookUp(_ pixels: inout [UInt8], table: [UInt8], isa: Int = 1) {
        precondition(table.count == 256)
        table.withUnsafeBufferPointer { t in
            pixels.withUnsafeMutableBufferPointer { sp_lut8_isa($0.baseAddress, $0.count, t.baseAddress, Int32(isa)) }
        }
    }

    /// OpenCV-exact HSV LUT jitter of an RGB raster in place.
    ///
    /// `isa` caps the instruction set (0 portable C, 1 AVX2, 2 AVX-512; tests run each).
    static func hsvJitter(_ image: inout Raster, luts: [[UInt8]], isa: Int = 2) {
        let w = Int32(image.width), h = Int32(image.height)
        luts[0].withUnsafeBufferPointer { lh in
            luts[1].withUnsafeBufferPointer { ls in
                luts[2].withUnsafeBufferPointer { lv in
                    image.pixels.withUnsafeMutableBufferPointer { p in
                        sp_hsv_jitter_isa(p.baseAddress, w, h, lh.baseAddress, ls.baseAddress, lv.baseAddress, Int32(isa))
                    }
                }
            }
        }
    }
}
