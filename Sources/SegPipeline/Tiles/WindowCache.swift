import SegImage
import Foundation

/// The image and label files a run's windows are being read from, opened once and shared by the
/// worker threads (windows of one image are consecutive samples). Keeps the most recently used
/// few files open; an evicted file stays alive while a reader still holds it.
public final class WindowCache: @unchecked Sendable {
    /// An open file and, for palette PNGs that libvips expands to RGB, the map back to indices.
    final class Entry: @unchecked Sendable {
        /// The file's header (and its random-access reader for TIFF).
        let image: Vips.WindowedImage
        /// A GeoTIFF's georeferencing, nil for other files.
        let geo: GeoReference?
        /// The top-to-bottom reader of JPEG, PNG and other formats that decode as a stream.
        let band: BandReader?
        /// RGB (packed as r<<16|g<<8|b) → palette index, for palette PNGs; nil otherwise.
        let palette: ColourLookup?
        /// The palette repeats a colour, so its expansion cannot be mapped back.
        let ambiguousPalette: Bool
        init(image: Vips.WindowedImage, band: BandReader?, palette: ColourLookup?, ambiguous: Bool, geo: GeoReference? = nil) {
            self.image = image; self.band = band; self.palette = palette; ambiguousPalette = ambiguous; self.geo = geo
        }

        /// The window at (x, y), inside the image, all bands interleaved.
        func read(x: Int, y: Int, width w: Int, height h: Int) throws -> [UInt8] {
            try band?.read(x: x, y: y, width: w, height: h) ?? image.read(x: x, y: y, width: w, height: h)
        }
    }

    private let lock = NSLock()
    private var entries: [(path: String, entry: Entry)] = []
    let capacity: Int
    /// The windows' size and stride, for how many rows a band reader keeps.
    let window: (height: Int, width: Int), stride: (y: Int, x: Int)

    /// Windows come in any order (`random_crop` on huge sources): every file is opened for random
    /// access (JPEG and PNG then decode once per opening, to a temporary file when large).
    let randomOrder: Bool

    public init(capacity: Int = 4, window: (height: Int, width: Int), stride: (y: Int, x: Int), randomOrder: Bool = false) {
        self.capacity = capacity; self.window = window; self.stride = stride; self.randomOrder = randomOrder
    }

    /// Rows a band reader keeps behind the newest window top for an image `width` wide: the band
    /// rows of the 16 windows before it (workers take windows in order, so one still working lags
    /// by fewer than the thread count), capped at 64 MB.
    func keepBehind(width: Int, bands: Int) -> Int {
        let perRow = TileWindow.starts(length: width, size: window.width, stride: stride.x, border: .pad).count
        let bandRows = (16 + perRow - 1) / perRow
        let cap = max(stride.y, (64 << 20) / max(1, width * bands))
        return min(bandRows * stride.y, cap)
    }

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
        var palette: ColourLookup? = nil, ambiguous = false
        let head = FileHandle(forReadingAtPath: path).flatMap({ h in defer { try? h.close() }; return try? h.read(upToCount: 1 << 20) }) ?? Data()
        // TIFF (classic or BigTIFF, either byte order) reads its tiles or strips in any order; the
        // rest streams top to bottom.
        let tiff = [Data([0x49, 0x49, 0x2A, 0]), Data([0x4D, 0x4D, 0, 0x2A]), Data([0x49, 0x49, 0x2B, 0]), Data([0x4D, 0x4D, 0, 0x2B])]
            .contains(head.prefix(4))
        let band = tiff || randomOrder ? nil : try BandReader(path: path, keepBehind: keepBehind(width: image.width, bands: image.bands),
                                                 windowHeight: window.height, stride: stride.y)
        if let info = ImageCodec.pngPalette(head), info.colourType == 3 {
            var map: [UInt32: UInt8] = [:]
            for (i, c) in info.palette.enumerated() {
                let key = UInt32(c[0]) << 16 | UInt32(c[1]) << 8 | UInt32(c[2])
                if map[key] != nil { ambiguous = true } else { map[key] = UInt8(i) }
            }
            palette = ColourLookup(map.map { (key: $0.key, value: UInt16($0.value)) })
        }
        let entry = Entry(image: image, band: band, palette: palette, ambiguous: ambiguous, geo: tiff ? GeoReference.read(path) : nil)
        lock.lock(); defer { lock.unlock() }
        entries.append((path, entry))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        return entry
    }
}
