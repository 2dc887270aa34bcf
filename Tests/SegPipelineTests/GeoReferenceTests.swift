import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// GeoTIFF georeferencing (Pillow-written tags, `fixtures/potsdam-geo`) carried into each window's
/// parameters in the manifest.
@Suite struct GeoReferenceTests {
    static let root = fixtures.appendingPathComponent("potsdam-geo")

    /// What the fixture's script wrote, from its geo.json.
    static func written() throws -> [String: [String: [Double]]] {
        try JSONDecoder().decode([String: [String: [Double]]].self, from: Data(contentsOf: root.appendingPathComponent("geo.json")))
    }

    @Test func windowsRecordWhereTheyLie() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let text = TileTests.pipeline(root: Self.root.path, suffix: ".tif", tile: "{size: [128, 160], stride: [96, 120]}")
        _ = try s.run(text)
        let m = try Manifest.load(from: s.out.path)
        let params = Dictionary(uniqueKeysWithValues: zip(m.shards.flatMap(\.ids), m.shards.flatMap(\.params)))
        let geo = try Self.written()
        let north = geo["north"]!, t = geo["rotated"]!["transformation"]!, point = geo["point"]!
        var checked = 0
        for (id, p) in params {
            let x = p["tile_x"]!, y = p["tile_y"]!
            let (ex, ey, ew, eh): (Double, Double, Double, Double)
            if id.hasPrefix("north@") || id.hasPrefix("point@") {
                // Tiepoint at raster (0, 0); raster y grows down, northing up. PixelIsPoint: the
                // tiepoint is the pixel's centre, its corner half a pixel up and left (as GDAL).
                let g = id.hasPrefix("north@") ? north : point, half = g["pixel_is_point"] == nil ? 0.0 : 0.5
                (ex, ey) = (g["origin"]![0] + (x - half) * g["pixel_scale"]![0], g["origin"]![1] - (y - half) * g["pixel_scale"]![1])
                (ew, eh) = (g["pixel_scale"]![0], -g["pixel_scale"]![1])
                #expect(p["geo_row_rotation"] == nil)
            } else {
                (ex, ey) = (t[0] * x + t[1] * y + t[3], t[4] * x + t[5] * y + t[7])
                (ew, eh) = (t[0], t[5])
                #expect(abs(p["geo_row_rotation"]! - t[1]) < 1e-12 && abs(p["geo_column_rotation"]! - t[4]) < 1e-12)
            }
            #expect(abs(p["geo_x"]! - ex) < 1e-6 && abs(p["geo_y"]! - ey) < 1e-6, "\(id)")
            #expect(p["geo_pixel_width"] == ew && p["geo_pixel_height"] == eh)
            checked += 1
        }
        // 384x256 at size 128x160, stride 96x120: 3 rows of 3 windows per image; 160x128: one.
        #expect(checked == 19 && params.keys.contains("point@0_0"))
    }

    @Test func plainFilesRecordNoGeoreferencing() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        _ = try s.run(TileTests.pipeline(root: TileTests.potsdam.path))
        let params = try Manifest.load(from: s.out.path).shards.flatMap(\.params)
        #expect(!params.isEmpty && params.allSatisfy { $0["geo_x"] == nil })
        #expect(GeoReference.read(TileTests.potsdam.appendingPathComponent("images/area1.jpg").path) == nil)
        #expect(GeoReference.read("/nonexistent.tif") == nil)
        // A pixel scale stored as FLOAT (GeoTIFF says DOUBLE) is not read as doubles.
        #expect(GeoReference.read(GeoReferenceTests.root.appendingPathComponent("other/float.tif").path) == nil)
    }
}
