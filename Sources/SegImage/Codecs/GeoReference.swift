import CImageCodecs

/// A GeoTIFF's affine georeferencing (read with libtiff), as GDAL's geotransform: raster point
/// (x, y) — pixel corners, x right, y down — lies at model coordinates
/// `(originX + x·pixelWidth + y·rowRotation, originY + x·columnRotation + y·pixelHeight)`.
public struct GeoReference: Sendable, Equatable {
    public var originX: Double, originY: Double
    /// Model units per pixel along a row and down a column (negative for north-up images).
    public var pixelWidth: Double, pixelHeight: Double
    /// Shear terms, 0 for images aligned with the model axes.
    public var rowRotation = 0.0, columnRotation = 0.0

    /// The georeferencing of the TIFF at `path`: its ModelTransformationTag, or its
    /// ModelTiepointTag with ModelPixelScaleTag; nil for a plain TIFF or another format. For a
    /// PixelIsPoint raster (GTRasterTypeGeoKey 2) the model point is a pixel's centre, so the
    /// origin moves half a pixel up and left, as GDAL does.
    public static func read(_ path: String) -> GeoReference? {
        var scale = [Double](repeating: 0, count: 3), tie = [Double](repeating: 0, count: 6), m = [Double](repeating: 0, count: 16)
        var point: Int32 = 0
        let found = sp_geotiff_read(path, &scale, &tie, &m, &point)
        guard found > 0 else { return nil }
        var g: GeoReference
        if found & 4 != 0 {
            g = GeoReference(originX: m[3], originY: m[7], pixelWidth: m[0], pixelHeight: m[5], rowRotation: m[1], columnRotation: m[4])
        } else {
            guard found & 3 == 3 else { return nil }
            // The tiepoint pins raster (I, J) to model (X, Y); raster y grows down, model y up.
            g = GeoReference(originX: tie[3] - tie[0] * scale[0], originY: tie[4] + tie[1] * scale[1],
                             pixelWidth: scale[0], pixelHeight: -scale[1])
        }
        if point != 0 {
            g.originX -= 0.5 * (g.pixelWidth + g.rowRotation)
            g.originY -= 0.5 * (g.columnRotation + g.pixelHeight)
        }
        return g
    }

    /// Model coordinates of raster point (`x`, `y`).
    public func model(x: Int, y: Int) -> (x: Double, y: Double) {
        (originX + Double(x) * pixelWidth + Double(y) * rowRotation, originY + Double(x) * columnRotation + Double(y) * pixelHeight)
    }

    /// The parameters a window at (`x`, `y`) records: its top-left corner in model coordinates and
    /// the pixel size (with the shear terms when the image is rotated).
    public func params(x: Int, y: Int) -> [String: Double] {
        let o = model(x: x, y: y)
        var p = ["geo_x": o.x, "geo_y": o.y, "geo_pixel_width": pixelWidth, "geo_pixel_height": pixelHeight]
        if rowRotation != 0 || columnRotation != 0 {
            p["geo_row_rotation"] = rowRotation
            p["geo_column_rotation"] = columnRotation
        }
        return p
    }
}
