import SegImage
import Foundation

/// Reads one window of a tiled sample (the part inside the image) through libvips region reads:
/// the image as 8-bit RGB, the label as class indices (grey values, colours through
/// `label_colors`, or palette colours mapped back to their indices).
public enum WindowReader {
    /// Sets `sample.image` and `sample.label` to the part of `window` inside the image.
    ///
    /// Throws `SampleError` naming the file: unreadable, 16-bit, 4-band TIFF, label of another size,
    /// RGB labels without `label_colors`.
    static func read(_ sample: inout Sample, window: TileWindow, cache: WindowCache, context: StageContext) throws {
        let inside = window.inside
        let image = try open(cache, sample.imagePath, id: sample.id, what: "image")
        let label = try open(cache, sample.labelPath, id: sample.id, what: "label")
        try FileGate.checkSameSize((label.image.width, label.image.height), (image.image.width, image.image.height),
                                      id: sample.id, path: sample.labelPath)
        guard image.image.width == window.imageWidth, image.image.height == window.imageHeight else {
            throw SampleError(id: sample.id, file: sample.imagePath, problem: "changed size since the windows were listed",
                              fix: "rerun the pipeline")
        }
        sample.image = try rgb(image.image, inside, id: sample.id) { try image.read(x: inside.x, y: inside.y, width: inside.width, height: inside.height) }
        sample.label = try indices(label, inside, id: sample.id, context: context)
        sample.params["source_width"] = Double(window.imageWidth)
        sample.params["source_height"] = Double(window.imageHeight)
    }

    static func open(_ cache: WindowCache, _ path: String, id: String, what: String) throws -> WindowCache.Entry {
        do { return try cache.entry(path) } catch {
            let missing = !FileManager.default.fileExists(atPath: path)
            throw SampleError(id: id, file: path, problem: missing ? "\(what) file is missing" : "\(what) file cannot be read (\(error))",
                              fix: "check the file, or run with --on-error skip")
        }
    }

    static func region(_ f: Vips.WindowedImage, _ r: (y: Int, x: Int, height: Int, width: Int), id: String,
                       read: () throws -> [UInt8]) throws -> [UInt8] {
        do { return try read() } catch {
            throw SampleError(id: id, file: f.path, problem: "cannot be read at \(r.width)x\(r.height)+\(r.x)+\(r.y): \(error) (truncated or damaged)",
                              fix: "re-export the file, or run with --on-error skip")
        }
    }

    /// The window as 8-bit RGB: grey replicated, alpha dropped; 16-bit images and TIFFs of 4 or
    /// more bands (multispectral) are refused.
    public static func rgb(_ f: Vips.WindowedImage, _ r: (y: Int, x: Int, height: Int, width: Int), id: String) throws -> Raster {
        try rgb(f, r, id: id) { try f.read(x: r.x, y: r.y, width: r.width, height: r.height) }
    }

    /// `rgb` with the window's samples from `read` (a band reader, or `f` itself).
    static func rgb(_ f: Vips.WindowedImage, _ r: (y: Int, x: Int, height: Int, width: Int), id: String,
                    read: () throws -> [UInt8]) throws -> Raster {
        guard f.bits == 8 else {
            throw SampleError(id: id, file: f.path, problem: "has \(abs(f.bits))-bit samples; tiles are cut from 8-bit images",
                              fix: "convert it to 8-bit RGB (e.g. `vips cast`/`gdal_translate -ot Byte -scale`), or run with --on-error skip")
        }
        let tiff = ["tif", "tiff"].contains((f.path as NSString).pathExtension.lowercased())
        if f.bands == 4, let h = FileHandle(forReadingAtPath: f.path), (try? h.read(upToCount: 2)) == Data([0xFF, 0xD8]) {
            try? h.close()
            // JPEG has no alpha: four bands are CMYK, which only `decode`'s whole-image path converts.
            throw SampleError(id: id, file: f.path, problem: "is a CMYK JPEG; tiles are cut from grey or RGB images",
                              fix: "convert it to RGB first (e.g. `vips icc_transform` or `convert -colorspace sRGB`), or run with --on-error skip")
        }
        guard f.bands <= 4, !(tiff && f.bands >= 4) else {
            throw SampleError(id: id, file: f.path, problem: "has \(f.bands) bands; tiles are cut from grey or RGB images",
                              fix: "write the RGB bands to their own TIFF (e.g. `vips extract_band IN OUT 0 --n 3`), or run with --on-error skip")
        }
        let px = try region(f, r, id: id, read: read), n = r.width * r.height
        if f.bands == 3 { return Raster(width: r.width, height: r.height, channels: 3, pixels: px) }
        var out = [UInt8](repeating: 0, count: n * 3)
        for i in 0..<n {
            switch f.bands {
            case 1, 2: let v = px[i * f.bands]; out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v
            default: for c in 0..<3 { out[3 * i + c] = px[4 * i + c] }
            }
        }
        return Raster(width: r.width, height: r.height, channels: 3, pixels: out)
    }

    /// The window of a label file as class indices, through the source's value map and
    /// reduce-zero-label like `decode`.
    static func indices(_ e: WindowCache.Entry, _ r: (y: Int, x: Int, height: Int, width: Int), id: String,
                        context: StageContext) throws -> Raster {
        let f = e.image
        let read = { try e.read(x: r.x, y: r.y, width: r.width, height: r.height) }
        guard f.bits == 8 || (f.bits == 16 && f.bands == 1 && context.labelColours == nil) else {
            throw SampleError(id: id, file: f.path, problem: "is a \(abs(f.bits))-bit label with \(f.bands) band(s); tiled labels are 8-bit, or 16-bit greyscale class values",
                              fix: "write 8-bit or 16-bit greyscale labels, or run with --on-error skip")
        }
        var label: Raster
        if let colours = context.labelColours {
            guard f.bands >= 3 else {
                throw SampleError(id: id, file: f.path, problem: "has \(f.bands) band(s) but `label_colors` expects RGB colour-coded labels",
                                  fix: "remove `label_colors`, or export RGB labels")
            }
            let rgb = try Self.rgb(f, r, id: id, read: read)
            label = try colours.indices(of: rgb, ignore: context.ignoreIndex, id: id, path: f.path)
        } else if f.bands == 1 {
            label = Raster(width: r.width, height: r.height, channels: f.sampleBytes, pixels: try region(f, r, id: id, read: read))
        } else if let palette = e.palette, !e.ambiguousPalette, f.bands <= 4 {
            // libvips expands palette PNGs to RGB(A); their colours map back to the indices.
            let px = try region(f, r, id: id, read: read), n = r.width * r.height
            var out = [UInt8](repeating: 0, count: n)
            for i in 0..<n {
                let key = UInt32(px[f.bands * i]) << 16 | UInt32(px[f.bands * i + 1]) << 8 | UInt32(px[f.bands * i + 2])
                out[i] = UInt8(truncatingIfNeeded: palette.find(key) ?? 0)
            }
            label = Raster(width: r.width, height: r.height, channels: 1, pixels: out)
        } else if e.palette != nil {
            throw SampleError(id: id, file: f.path, problem: "is a palette PNG whose palette repeats a colour, so its indices cannot be read from window reads",
                              fix: "save the labels as greyscale PNGs of class indices, or run with --on-error skip")
        } else {
            throw SampleError(id: id, file: f.path, problem: "is a colour image (\(f.bands) bands) of label colours",
                              fix: "add `label_colors:` to `input` (a list of {color, class} or a preset: camvid, cityscapes, isprs)")
        }
        context.classIndices(&label)
        return label
    }
}
