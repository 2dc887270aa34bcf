import SegImage
import Foundation
import Yams

/// Colour-coded label images: each RGB colour stands for a class (`input.label_colors`), written as
/// a list of `{color: [r, g, b], class: name | index | ignore}` or as a named palette.
public struct LabelColours: Sendable, Equatable {
    /// Packed `r << 16 | g << 8 | b` → class value.
    public let table: [UInt32: LabelValue]

    /// The palettes shipped by name: colour and class name, in the dataset's class order.
    public static let presets: [String: [(name: String, rgb: [UInt8])]] = [
        // CamVid's 32 classes (label_colors.txt of the Cambridge-driving Labeled Video Database).
        "camvid": [("Animal", [64, 128, 64]), ("Archway", [192, 0, 128]), ("Bicyclist", [0, 128, 192]),
                   ("Bridge", [0, 128, 64]), ("Building", [128, 0, 0]), ("Car", [64, 0, 128]),
                   ("CartLuggagePram", [64, 0, 192]), ("Child", [192, 128, 64]), ("Column_Pole", [192, 192, 128]),
                   ("Fence", [64, 64, 128]), ("LaneMkgsDriv", [128, 0, 192]), ("LaneMkgsNonDriv", [192, 0, 64]),
                   ("Misc_Text", [128, 128, 64]), ("MotorcycleScooter", [192, 0, 192]), ("OtherMoving", [128, 64, 64]),
                   ("ParkingBlock", [64, 192, 128]), ("Pedestrian", [64, 64, 0]), ("Road", [128, 64, 128]),
                   ("RoadShoulder", [128, 128, 192]), ("Sidewalk", [0, 0, 192]), ("SignSymbol", [192, 128, 128]),
                   ("Sky", [128, 128, 128]), ("SUVPickupTruck", [64, 128, 192]), ("TrafficCone", [0, 0, 64]),
                   ("TrafficLight", [0, 64, 64]), ("Train", [192, 64, 128]), ("Tree", [128, 128, 0]),
                   ("Truck_Bus", [192, 128, 192]), ("Tunnel", [64, 0, 64]), ("VegetationMisc", [192, 192, 0]),
                   ("Void", [0, 0, 0]), ("Wall", [64, 192, 0])],
        // Cityscapes' 19 training classes (the `color` of each trainId in cityscapesScripts' labels.py).
        "cityscapes": [("road", [128, 64, 128]), ("sidewalk", [244, 35, 232]), ("building", [70, 70, 70]),
                       ("wall", [102, 102, 156]), ("fence", [190, 153, 153]), ("pole", [153, 153, 153]),
                       ("traffic light", [250, 170, 30]), ("traffic sign", [220, 220, 0]), ("vegetation", [107, 142, 35]),
                       ("terrain", [152, 251, 152]), ("sky", [70, 130, 180]), ("person", [220, 20, 60]),
                       ("rider", [255, 0, 0]), ("car", [0, 0, 142]), ("truck", [0, 0, 70]), ("bus", [0, 60, 100]),
                       ("train", [0, 80, 100]), ("motorcycle", [0, 0, 230]), ("bicycle", [119, 11, 32])],
        // ISPRS Potsdam and Vaihingen (2D semantic labeling contest).
        "isprs": [("impervious_surfaces", [255, 255, 255]), ("building", [0, 0, 255]), ("low_vegetation", [0, 255, 255]),
                  ("tree", [0, 255, 0]), ("car", [255, 255, 0]), ("clutter", [255, 0, 0])],
        // PASCAL VOC's 21 classes in VOC's bit-interleaved colour map (`Palette.voc`), and its
        // object-boundary colour (224, 224, 192) as Void (ignored unless `classes` names it): the
        // RGB renderings of VOC-layout masks.
        "voc": zip(["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
                    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"],
                   0...).map { ($0, Palette.vocColour($1, ignore: -1)) } + [("Void", [224, 224, 192])],
    ]

    /// Reads `input.label_colors` against the pipeline's `classes` (names, case-insensitive).
    ///
    /// Throws `PipelineError` at the entry at fault.
    static func parse(_ located: ParameterValues.Located, classes: [String], file: String) throws -> LabelColours {
        func fail(_ n: Node?, _ message: String, _ fix: String) -> PipelineError {
            PipelineError(file: file, line: n?.mark?.line ?? located.line, column: n?.mark?.column ?? located.column,
                          message: message, fix: fix)
        }
        func resolve(_ name: String, at n: Node?) throws -> LabelValue {
            if name == "ignore" { return .ignore }
            if let i = Int(name) {
                guard (0..<classes.count).contains(i) else { throw fail(n, "'input.label_colors' names class \(i), outside 0..\(classes.count - 1)", "use an index of `classes`, a class name or `ignore`") }
                return .value(UInt16(i))
            }
            guard let i = classes.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
                throw fail(n, "'input.label_colors' names class '\(name)', which is not in `classes`", Suggest.hint(name, in: classes + ["ignore"]))
            }
            return .value(UInt16(i))
        }
        var table: [UInt32: LabelValue] = [:]
        if let name = located.node.scalar?.string {
            guard let preset = presets[name] else {
                throw fail(located.node, "'input.label_colors' is '\(name)', not a known palette", Suggest.hint(name, in: presets.keys.sorted()))
            }
            for entry in preset {
                let value: LabelValue = entry.name == "Void" && !classes.contains(where: { $0.lowercased() == "void" }) ? .ignore : try resolve(entry.name, at: located.node)
                table[pack(entry.rgb)] = value
            }
            return LabelColours(table: table)
        }
        guard let list = located.node.sequence, !list.isEmpty else {
            throw fail(located.node, "'input.label_colors' must be a palette name or a list of {color: [r, g, b], class: …}", "write e.g. `label_colors: camvid` or `label_colors: [{color: [128, 64, 128], class: road}]`")
        }
        for item in list {
            guard let m = item.mapping, let c = m["color"]?.sequence, c.count == 3,
                  let rgb = Optional(c.compactMap { $0.int }), rgb.count == 3, rgb.allSatisfy({ (0...255).contains($0) }),
                  let cls = m["class"], let clsText = cls.string else {
                throw fail(item, "each 'input.label_colors' entry must be {color: [r, g, b], class: name | index | ignore}", "write e.g. `{color: [128, 64, 128], class: road}`")
            }
            let key = pack(rgb.map { UInt8($0) })
            if table[key] != nil { throw fail(item, "'input.label_colors' lists the colour \(rgb) twice", "give each colour one class") }
            table[key] = try resolve(clsText, at: cls)
        }
        return LabelColours(table: table)
    }

    static func pack(_ rgb: [UInt8]) -> UInt32 { UInt32(rgb[0]) << 16 | UInt32(rgb[1]) << 8 | UInt32(rgb[2]) }

    /// The class map of an RGB label image (16-bit when a class or `ignore` is above 255).
    ///
    /// Throws `SampleError` naming `path`, the first unlisted colour and where it is.
    func indices(of rgb: Raster, ignore: Int, id: String, path: String) throws -> Raster {
        let resolved = table.map { (key: $0.key, value: UInt16($0.value.resolve(ignore: ignore))) }
        switch ColourLookup(resolved).map(rgb, bytes: resolved.contains { $0.value > 255 } ? 2 : 1) {
        case .success(let label): return label
        case .failure(let unlisted):
            let i = unlisted.index
            let key = UInt32(rgb.pixels[3 * i]) << 16 | UInt32(rgb.pixels[3 * i + 1]) << 8 | UInt32(rgb.pixels[3 * i + 2])
            throw SampleError(id: id, file: path,
                              problem: "has the colour [\(key >> 16), \((key >> 8) & 255), \(key & 255)] at x=\(i % rgb.width), y=\(i / rgb.width), which `input.label_colors` does not list",
                              fix: "add it to `label_colors` (as a class or `ignore`), or run with --on-error skip")
        }
    }
}
