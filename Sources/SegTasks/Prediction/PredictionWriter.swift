import SegImage
import Foundation
import SegFormat
import SegPipeline

/// Writes predicted label maps (and optional overlays) through owned output folders: never into the
/// folders predictions are made from, never over a file seg-prep did not write.
public struct PredictionWriter {
    /// The file format of label maps.
    public enum Format: String, Sendable, CaseIterable {
        /// 8-bit palette PNG (VOC colours; values are class indices).
        case png
        /// Single-band TIFF, deflate-compressed.
        case tiff

        public var fileExtension: String { self == .png ? "png" : "tif" }
    }

    var labels: OwnedOutputFolder
    var overlays: OwnedOutputFolder?
    let format: Format
    let palette: Palette
    /// Output names so far, with the input each came from.
    var names: [String: String] = [:]

    /// Opens `out` (and `overlay`) for a prediction over `inputs` (the folders and files read).
    ///
    /// Throws `OwnershipError` when an output overlaps an input or cannot be created.
    public init(out: String, overlay: String?, inputs: [String], format: Format, classes: Int) throws {
        labels = try OwnedOutputFolder(out, command: "predict", inputs: inputs)
        overlays = try overlay.map { try OwnedOutputFolder($0, command: "predict", inputs: inputs + [out]) }
        self.format = format
        palette = Palette.voc(ignoreIndex: classes)
    }

    /// Reserves `name` for `source`; throws `PredictionError.sameOutputName` when another input
    /// already took it (`a.jpg` and `a.png` both give `a.png`).
    public mutating func reserve(_ name: String, for source: String) throws {
        if let other = names.updateValue(source, forKey: name), other != source {
            throw PredictionError.sameOutputName(first: other, second: source, name: "\(name).\(format.fileExtension)")
        }
    }

    /// Writes `label` as `<name>.png|tif` and, with overlays on, `image` beside its coloured
    /// prediction as `<name>.jpg` in the overlay folder.
    public mutating func write(_ label: Raster, name: String, image: Raster?) throws {
        let target = try labels.claim("\(name).\(format.fileExtension)")
        if format == .png {
            try PalettePNG.write(label, palette: palette, to: target)
        } else {
            try AtomicFile.write(try Vips.encode(label, suffix: ".tif[compression=deflate]"), to: target)
        }
        if var folder = overlays, let image {
            let path = try folder.claim("\(name).jpg")
            overlays = folder
            try AtomicFile.write(try Vips.encode(Self.sideBySide(image, label, palette: palette), suffix: ".jpg[Q=90]"), to: path)
        }
    }

    /// `image` on the left; on the right the image blended half and half with the prediction's colours.
    static func sideBySide(_ image: Raster, _ label: Raster, palette: Palette) -> Raster {
        let (w, h) = (image.width, image.height)
        var out = [UInt8](repeating: 0, count: 2 * w * h * 3)
        // The colours of the 256 label values once, not an array per pixel.
        let colours = (0..<256).flatMap { palette.colour($0) }
        for y in 0..<h {
            for x in 0..<w {
                let src = (y * w + x) * 3, left = (y * 2 * w + x) * 3, right = left + w * 3
                let colour = Int(label.pixels[y * w + x]) * 3
                for c in 0..<3 {
                    out[left + c] = image.pixels[src + c]
                    out[right + c] = UInt8(truncatingIfNeeded: (Int(image.pixels[src + c]) + Int(colours[colour + c]) + 1) / 2)
                }
            }
        }
        return Raster(width: 2 * w, height: h, channels: 3, pixels: out)
    }
}
