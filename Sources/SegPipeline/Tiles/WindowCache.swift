import Foundation

/// The image and label files a run's windows are being read from, opened once and shared by the
/// worker threads (windows of one image are consecutive samples). Keeps the most recently used
/// few files open; an evicted file stays alive while a reader still holds it.
public final class WindowCache: @unchecked Sendable {
    /// An open file and, for palette PNGs that libvips expands to RGB, the map back to indices.
    final class Entry: @unchecked Sendable {
        let image: Vips.WindowedImage
        /// RGB (packed as r<<16|g<<8|b) → palette index, for palette PNGs; nil otherwise.
        let palette: [UInt32: UInt8]?
        /// The palette repeats a colour, so its expansion cannot be mapped back.
        let ambiguousPalette: Bool
        init(image: Vips.WindowedImage, palette: [UInt32: UInt8]?, ambiguous: Bool) {
            self.image = image; self.palette = palette; ambiguousPalette = ambiguous
        }
    }

    private let lock = NSLock()
    private var entries: [(path: String, entry: Entry)] = []
    let capacity: Int

    public init(capacity: Int = 4) { self.capacity = capacity }

    /// The open file at `path` (opened now if needed). Throws `VipsError` when libvips cannot open it.
    func entry(_ path: String) throws -> Entry {
        lock.lock()
        if let i = entries.firstIndex(where: { $0.path == path }) {
            let e = entries.remove(at: i)
            entries.append(e)
            lock.unlock()
            return e.entry
        }
        lock.unlock()
        // Opened outside the lock (a header read); a race opens a file twice, harmlessly.
        let image = try Vips.WindowedImage(path: path)
        var palette: [UInt32: UInt8]? = nil, ambiguous = false
        if let head = FileHandle(forReadingAtPath: path).flatMap({ h in defer { try? h.close() }; return try? h.read(upToCount: 1 << 20) }),
           let info = ImageCodec.pngPalette(head), info.colourType == 3 {
            var map: [UInt32: UInt8] = [:]
            for (i, c) in info.palette.enumerated() {
                let key = UInt32(c[0]) << 16 | UInt32(c[1]) << 8 | UInt32(c[2])
                if map[key] != nil { ambiguous = true } else { map[key] = UInt8(i) }
            }
            palette = map
        }
        let entry = Entry(image: image, palette: palette, ambiguous: ambiguous)
        lock.lock(); defer { lock.unlock() }
        entries.append((path, entry))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        return entry
    }
}
