import Foundation
import VipsShim

/// Every call into libvips, with C failures turned into thrown Swift errors.
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

    /// Whether libvips was started by a process this one was forked from: its worker threads do
    /// not exist here, and an operation would wait for them for ever.
    public static var startedBeforeFork: Bool { sp_vips_forked() != 0 }

    /// Releases libvips' per-thread state; call once as a worker thread ends.
    public static func threadShutdown() { sp_vips_thread_shutdown() }

    /// Decodes any format libvips reads (the path for non-JPEG files, and the JPEG decoder's oracle).
    package static func decodeWithVips(_ data: Data, shrink: Int, id: String, path: String) throws -> (Raster, Int) {
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

    /// Width, height and JPEG-ness of an encoded image, from the header libvips reads.
    ///
    /// Throws `SampleError` naming `path` when the header cannot be read.
    package static func imageSize(_ data: Data, id: String, path: String) throws -> (width: Int, height: Int, jpeg: Bool) {
        var w: Int32 = 0, h: Int32 = 0, jpeg: Int32 = 0
        let rc = data.withUnsafeBytes { raw in sp_image_size(raw.baseAddress, raw.count, &w, &h, &jpeg) }
        guard rc == 0 else {
            let msg = takeError().split(separator: "\n").first.map(String.init) ?? "unknown error"
            throw SampleError(id: id, file: path, problem: "cannot be decoded as an image (\(msg))",
                              fix: "re-export or remove this image, or run with --on-error skip")
        }
        return (Int(w), Int(h), jpeg != 0)
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

    /// An image file opened lazily for window reads (libvips random access): nothing is decoded
    /// until a window is read; reads from several threads share it.
    public final class WindowedImage: @unchecked Sendable {
        private let handle: UnsafeMutableRawPointer
        public let path: String
        public let width: Int, height: Int, bands: Int
        /// Bits per sample: 8 or 16 (negative for float or other formats).
        public let bits: Int
        /// Bytes per sample in window reads: 1, or 2 for 16-bit images (little-endian).
        public var sampleBytes: Int { bits == 16 ? 2 : 1 }

        /// Opens `path`'s header, for windows in any order or (`sequential`) top to bottom only.
        /// Throws `VipsError` when libvips cannot read it.
        public init(path: String, sequential: Bool = false) throws {
            var h: UnsafeMutableRawPointer?
            var w: Int32 = 0, ht: Int32 = 0, b: Int32 = 0, bits: Int32 = 0
            let rc = sequential ? sp_window_open_sequential(path, &h, &w, &ht, &b, &bits) : sp_window_open(path, &h, &w, &ht, &b, &bits)
            guard rc == 0, let h else {
                throw VipsError(operation: "open \(path)", message: Vips.takeError())
            }
            handle = h
            self.path = path
            width = Int(w); height = Int(ht); bands = Int(b); self.bits = Int(bits)
        }

        /// The samples of every band of the window at (x, y), `w`x`h` pixels, inside the image
        /// (`sampleBytes` bytes each).
        public func read(x: Int, y: Int, width w: Int, height h: Int) throws -> [UInt8] {
            var failed = false
            let out = [UInt8](unsafeUninitializedCapacity: w * h * bands * sampleBytes) { p, n in
                failed = sp_window_read(handle, Int32(x), Int32(y), Int32(w), Int32(h), p.baseAddress, p.count) != 0
                n = failed ? 0 : p.count
            }
            if failed { throw VipsError(operation: "read \(w)x\(h) at (\(x), \(y)) of \(path)", message: Vips.takeError()) }
            return out
        }

        /// Reads full-width rows `rows` into `into` (row-major, `width * bands * sampleBytes` bytes a row).
        public func readRows(_ rows: Range<Int>, into: UnsafeMutableRawBufferPointer) throws {
            guard !rows.isEmpty else { return }
            let rc = sp_window_read(handle, 0, Int32(rows.lowerBound), Int32(width), Int32(rows.count),
                                    into.baseAddress!.assumingMemoryBound(to: UInt8.self), into.count)
            if rc != 0 { throw VipsError(operation: "read rows \(rows.lowerBound)..<\(rows.upperBound) of \(path)", message: Vips.takeError()) }
        }

        deinit { sp_window_close(handle) }
    }

    /// Encodes a 1-, 3- or 4-channel raster in the format of `suffix` (`.png`, `.jpg[Q=95]`).
    ///
    /// Throws `VipsError` when libvips cannot encode it.
    public static func encode(_ r: Raster, suffix: String) throws -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var count = 0
        let rc = r.pixels.withUnsafeBufferPointer { p in
            sp_encode(p.baseAddress, Int32(r.width), Int32(r.height), Int32(r.channels), suffix, &out, &count)
        }
        guard rc == 0, let out else { throw VipsError(operation: "save \(suffix)", message: takeError()) }
        defer { sp_free(out) }
        return Data(bytes: out, count: count)
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
    fileprivate static func takeError() -> String {
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

