import Foundation

/// A grid of samples — image, colourised label and overlay side by side, captioned — as one RGB raster.
public struct ContactSheet {
    /// One sample to draw.
    public struct Entry: Sendable {
        public var image: Raster
        public var label: Raster
        public var caption: String
        public init(image: Raster, label: Raster, caption: String) {
            self.image = image; self.label = label; self.caption = caption
        }
    }

    public var palette: Palette
    /// Longest side of each panel in pixels (larger samples are shrunk, labels with nearest neighbour).
    public var panel = 192
    /// Samples per row of the sheet.
    public var columns = 2
    package let gap = 6, captionHeight = 34
    package static let background: [UInt8] = [32, 32, 32]

    public init(palette: Palette, panel: Int = 192, columns: Int = 2) {
        self.palette = palette; self.panel = panel; self.columns = max(1, columns)
    }

    /// Draws `entries`; throws `VipsError` if a caption cannot be rendered.
    public func render(_ entries: [Entry]) throws -> Raster {
        guard let first = entries.first else { return Raster(width: 1, height: 1, fill: Self.background) }
        let scale = min(1.0, Double(panel) / Double(max(first.image.width, first.image.height)))
        let pw = max(1, Int(Double(first.image.width) * scale)), ph = max(1, Int(Double(first.image.height) * scale))
        let tileW = 3 * pw + 2 * gap, tileH = ph + captionHeight
        let cols = min(columns, entries.count), rows = (entries.count + cols - 1) / cols
        var sheet = Raster(width: cols * tileW + (cols + 1) * gap * 2, height: rows * tileH + (rows + 1) * gap, fill: Self.background)
        for (i, e) in entries.enumerated() {
            let x0 = gap * 2 + (i % cols) * (tileW + gap * 2), y0 = gap + (i / cols) * (tileH + gap)
            let image = Resample.bicubic(e.image, width: pw, height: ph)
            let label = Resample.nearest(e.label, width: pw, height: ph)
            sheet.paste(image, dx: x0, dy: y0)
            sheet.paste(palette.colourise(label), dx: x0 + pw + gap, dy: y0)
            sheet.paste(palette.overlay(image, label), dx: x0 + 2 * (pw + gap), dy: y0)
            let text = try Vips.renderText(escape(e.caption), width: tileW, dpi: 72)
            sheet.paste(Self.whiteText(text, height: captionHeight - 4), dx: x0, dy: y0 + ph + 3)
        }
        return sheet
    }

    /// A grey text mask as white-on-background RGB, clipped to `height` rows.
    package static func whiteText(_ mask: Raster, height: Int) -> Raster {
        let h = min(mask.height, height)
        var out = Raster(width: mask.width, height: h, fill: background)
        for i in 0..<(mask.width * h) {
            let a = Int(mask.pixels[i])
            for k in 0..<3 { out.pixels[3 * i + k] = UInt8((Int(background[k]) * (255 - a) + 255 * a) / 255) }
        }
        return out
    }

    package func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Draws of the augmentation stages, shown only when they changed the sample (the value they
    /// record when they do nothing).
    package static let augmentations: KeyValuePairs<String, Double> = [
        "rot90_k": 0, "transpose": 0, "gamma": 1, "grayscale": 0, "brightness_contrast_b": 0, "brightness_contrast_c": 0, "clahe": 0,
        "blur_sigma": 0, "noise_std": 0, "cutout_holes": 0, "mosaic": 0, "class_mix_donor": -1, "class_mix_classes": 0,
        "rotate_angle": 0, "affine_rotate": 0, "affine_scale_x": 1,
        "affine_scale_y": 1, "affine_translate_x": 0, "affine_translate_y": 0, "affine_shear_x": 0, "affine_shear_y": 0,
        "elastic_max_dx": 0, "elastic_max_dy": 0,
    ]

    /// Draws recorded even when their stage did nothing, shown only when the flag beside them is 1.
    package static let gates = ["rotate_angle": "rotate_applied"]

    /// A recorded value as a caption shows it: whole numbers without decimals, others to two
    /// places, and any value (a damaged manifest's 1e300, infinity, NaN) without a conversion that
    /// could fail.
    package static func shownValue(_ v: Double) -> String {
        if let i = Int(exactly: v) { return "\(i)" }
        return abs(v) < 1e15 ? String(format: "%.2f", v) : String(format: "%g", v)
    }

    /// A caption: the id, repeat and the drawn parameters, rounded.
    public static func caption(id: String, repeatIndex: Int, params: [String: Double]) -> String {
        let order = ["scale", "aspect", "flip", "vflip", "dx", "dy", "hue", "sat", "val"]
        var shown = order.compactMap { k -> String? in
            guard let v = params[k] else { return nil }
            return "\(k) \(shownValue(v))"
        }
        for (k, identity) in augmentations {
            guard let v = params[k], v != identity else { continue }
            if let gate = gates[k], params[gate] != 1 { continue }
            shown.append("\(k) \(shownValue(v))")
        }
        return "\(id) #\(repeatIndex)\n" + shown.joined(separator: "  ")
    }
}
