import SegImage
import Foundation

/// Windows of a JPEG or PNG read top to bottom, as libvips streams them: the file is decoded once,
/// row by row, into a buffer of a fixed number of rows that holds the current band of windows and
/// `keepBehind` rows above it (for threads still on the band before). A window above the kept rows
/// (a thread far behind) is read from a random-access opening of the file instead, which gives
/// the same pixels.
final class BandReader: @unchecked Sendable {
    let image: Vips.WindowedImage
    let path: String
    /// Rows kept behind the newest window top.
    let keepBehind: Int
    private let lock = NSLock()
    /// Rows [top, bottom) of the image, from the buffer's start; `capacityRows` fit.
    private let buffer: UnsafeMutableRawBufferPointer
    private let capacityRows: Int
    private var top = 0, bottom = 0
    private var random: Vips.WindowedImage?
    private let rowBytes: Int

    /// A reader keeping `keepBehind` rows behind windows of up to `windowHeight` rows at row
    /// stride `stride`.
    init(path: String, keepBehind: Int, windowHeight: Int, stride: Int) throws {
        self.path = path
        image = try Vips.WindowedImage(path: path, sequential: true)
        self.keepBehind = keepBehind
        rowBytes = image.width * image.bands * image.sampleBytes
        capacityRows = min(image.height, keepBehind + windowHeight + stride)
        buffer = .allocate(byteCount: max(1, capacityRows * rowBytes), alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// The window at (x, y), `w`x`h` pixels inside the image, all bands interleaved.
    func read(x: Int, y: Int, width w: Int, height h: Int) throws -> [UInt8] {
        lock.lock()
        if y < top || y + h - max(top, y - keepBehind) > capacityRows {
            lock.unlock()
            return try fallback().read(x: x, y: y, width: w, height: h)
        }
        defer { lock.unlock() }
        if y + h > bottom { try advance(to: y + h, keepFrom: y - keepBehind) }
        let bands = image.bands * image.sampleBytes, rb = rowBytes   // bytes per pixel
        return [UInt8](unsafeUninitializedCapacity: w * h * bands) { out, n in
            let dst = UnsafeMutableRawBufferPointer(out)
            for i in 0..<h {
                let from = (y + i - top) * rb + x * bands
                dst.baseAddress!.advanced(by: i * w * bands).copyMemory(from: buffer.baseAddress! + from, byteCount: w * bands)
            }
            n = w * h * bands
        }
    }

    /// Reads rows up to `end`; rows above `keepFrom` may be let go to make room.
    private func advance(to end: Int, keepFrom: Int) throws {
        if end - top > capacityRows {
            // Move the rows still wanted to the buffer's start.
            let newTop = max(top, min(keepFrom, bottom))
            let keep = (bottom - newTop) * rowBytes
            if keep > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + (newTop - top) * rowBytes, byteCount: keep) }
            top = newTop
            if bottom < top { bottom = top }
        }
        // In strips of 64 rows, so libvips' own region buffer stays small.
        var start = max(bottom, top)
        while start < end {
            let stop = min(end, start + 64)
            try image.readRows(start..<stop, into: UnsafeMutableRawBufferPointer(
                rebasing: buffer[((start - top) * rowBytes)..<((stop - top) * rowBytes)]))
            start = stop
            bottom = stop
        }
    }

    private func fallback() throws -> Vips.WindowedImage {
        lock.lock(); defer { lock.unlock() }
        if let random { return random }
        let r = try Vips.WindowedImage(path: path)
        random = r
        return r
    }
}
