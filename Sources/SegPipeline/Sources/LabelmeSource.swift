import SegImage
import Foundation
import SegFormat

/// `format: labelme`: a folder of labelme JSON files, rasterised exactly as labelme's
/// `shapes_to_label` does (`LabelmeRaster`).
public struct LabelmeSource: InputSource {
    public static let declaration = SourceDeclaration(
        name: "labelme",
        summary: "A folder of labelme JSON files (polygons, rectangles, circles, lines, points), each naming its image.",
        details: "The JSON files are found recursively; the sample id is the file's path relative to the folder without `.json`. Each names its image by `imagePath` (relative to the JSON file, inside the dataset) or embeds it as `imageData`. Shapes are drawn in file order, later over earlier, onto class 0, with Pillow's ImageDraw rules (what labelme's `labelme2voc.py` writes): polygons filled, rectangles, circles, points (radius 5) and lines and line strips 10 pixels wide (line strips without the rounded joints of labelme 6+). A shape's label is a name from `classes` (`__ignore__` means the ignore class); any other name is a bad sample naming the file and the shape.",
        keys: [Keys.root.info, Keys.split.info])

    enum Keys {
        static let root = Param<String>.text("root", "folder of labelme JSON files (relative to the pipeline file, or absolute)")
        static let split = Param<String?>.optionalText("split", "file of ids to take, one per line, relative to root (default: every JSON file)")
    }

    public let root: String
    let split: String?
    let classes: [String]

    public init(_ keys: ParameterValues, base: URL, classes: [String]) throws {
        root = PipelineSpec.resolve(keys[Keys.root], against: base)
        split = keys[Keys.split]
        self.classes = classes
    }

    /// The parts of a labelme file seg-prep reads.
    struct Document: Decodable {
        struct Shape: Decodable {
            var label: String
            var points: [[Double]]
            var shape_type: String?
        }
        var shapes: [Shape]
        var imagePath: String?
        var imageData: String?
        var imageHeight: Int
        var imageWidth: Int
    }

    public func records(root: String) throws -> [SampleRecord] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw InputError.rootMissing(root: root)
        }
        let files = try FoldersSource.files(in: root, suffix: ".json")
        let ids = try split.map { try SplitFile.read("\(root)/\($0)").map(\.id) } ?? files.keys.sorted()
        guard !ids.isEmpty else { throw InputError.noLabelmeFiles(root: root) }
        let realRoot = RealPath.resolve(root)
        return ids.map { id in
            let json = files[id] ?? "\(root)/\(id).json"
            var record = SampleRecord(id: id, image: json, label: json)
            guard files[id] != nil else {
                record.problem = SampleError(id: id, file: json, problem: "is listed in the split file but does not exist", fix: "add it or remove '\(id)' from the split file")
                return record
            }
            do {
                let doc = try Self.document(json, id: id)
                if let path = doc.imagePath, !path.isEmpty, (doc.imageData ?? "").isEmpty {
                    let image = ((json as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
                    let resolved = RealPath.resolve(image)
                    guard RealPath.isSameOrInside(resolved, realRoot) else {
                        throw SampleError(id: id, file: json, problem: "names the image \(path), which resolves to \(resolved) outside the dataset folder \(realRoot)",
                                          fix: "keep images inside the dataset, or embed the image as imageData")
                    }
                    record.image = image
                }
            } catch let e as SampleError {
                record.problem = e
            } catch {
                record.problem = SampleError(id: id, file: json, problem: "cannot be read (\(error))", fix: "check the file")
            }
            return record
        }
    }

    static func document(_ path: String, id: String) throws -> Document {
        let data = try FileGate.read(path, id: id, what: "labelme")
        return try document(data, path: path, id: id)
    }

    static func document(_ data: Data, path: String, id: String) throws -> Document {
        do { return try JSONDecoder().decode(Document.self, from: data) } catch {
            throw SampleError(id: id, file: path, problem: "is not a labelme file (\(Manifest.describe(error)))",
                              fix: "save it with labelme, or run with --on-error skip")
        }
    }

    public func imageData(_ record: SampleRecord, maxPixels: Int) throws -> Data {
        guard record.image == record.label else { return try FileGate.read(record.image, id: record.id, what: "image", maxPixels: maxPixels) }
        let doc = try Self.document(record.label, id: record.id)
        guard let b64 = doc.imageData, let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
            throw SampleError(id: record.id, file: record.label, problem: "has neither an imagePath nor readable imageData",
                              fix: "save the image with the annotation in labelme")
        }
        return data
    }

    public func readLabel(_ data: Data, record: SampleRecord) throws -> Raster {
        let doc = try Self.document(data, path: record.label, id: record.id)
        guard doc.imageWidth > 0, doc.imageHeight > 0, doc.imageWidth.multipliedReportingOverflow(by: doc.imageHeight).partialValue <= 1 << 30 else {
            throw SampleError(id: record.id, file: record.label, problem: "gives the image size \(doc.imageWidth)x\(doc.imageHeight)",
                              fix: "fix imageWidth and imageHeight, or run with --on-error skip")
        }
        // Class indices, with `__ignore__` as the largest value of the map's width (the table
        // below makes it the ignore class).
        let wide = classes.count > 255
        var values = [UInt16](repeating: 0, count: doc.imageWidth * doc.imageHeight)
        for (k, s) in doc.shapes.enumerated() {
            let ink: UInt16
            if s.label == "__ignore__" {
                ink = wide ? 65_535 : 255
            } else if let i = classes.firstIndex(of: s.label) {
                ink = UInt16(i)
            } else {
                throw SampleError(id: record.id, file: record.label,
                                  problem: "shape \(k) has the label '\(s.label)', which is not in `classes`",
                                  fix: "add it to `classes`, rename the shape, or run with --on-error skip")
            }
            let p = s.points.filter { $0.count >= 2 }.map { ($0[0], $0[1]) }
            let type = s.shape_type ?? "polygon"
            // Far beyond any image (and beyond what Pillow's int arithmetic handles): a damaged file.
            let bound = Double(1 << 20)
            var reach = p.map { max(abs($0.0), abs($0.1)) }.max() ?? 0
            if type == "circle", p.count == 2 { reach += ((p[0].0 - p[1].0) * (p[0].0 - p[1].0) + (p[0].1 - p[1].1) * (p[0].1 - p[1].1)).squareRoot() }
            guard reach.isFinite, reach <= bound else {
                throw SampleError(id: record.id, file: record.label,
                                  problem: "shape \(k) has a coordinate beyond ±\(Int(bound)) pixels (or not a number)",
                                  fix: "fix or remove the shape, or run with --on-error skip")
            }
            let shape: LabelmeRaster.Shape
            switch (type, p.count) {
            case ("polygon", 3...), ("oriented_rectangle", 4): shape = .polygon(p)
            case ("rectangle", 2): shape = .rectangle(p[0], p[1])
            case ("circle", 2): shape = .circle(center: p[0], rim: p[1])
            case ("line", 2), ("linestrip", 1...): shape = .line(p)
            case ("point", 1): shape = .point(p[0])
            default:
                throw SampleError(id: record.id, file: record.label,
                                  problem: "shape \(k) is a '\(type)' with \(p.count) point(s), which labelme does not draw",
                                  fix: "fix or remove the shape, or run with --on-error skip")
            }
            // labelme draws each shape as a mask, then sets the mask's pixels to the class.
            var mask = LabelmeRaster(width: doc.imageWidth, height: doc.imageHeight)
            mask.draw(shape, ink: 1)
            for i in 0..<mask.pixels.count where mask.pixels[i] != 0 { values[i] = ink }
        }
        return Raster(width: doc.imageWidth, height: doc.imageHeight, labelValues: values, bytes: wide ? 2 : 1)
    }

    /// `imageWidth` x `imageHeight` of the JSON, checked by `decode` against the image and the pixel
    /// limit before any map is drawn.
    public func labelSize(_ data: Data, record: SampleRecord) -> (width: Int, height: Int)? {
        (try? Self.document(data, path: record.label, id: record.id)).map { ($0.imageWidth, $0.imageHeight) }
    }

    /// 255 (`__ignore__`; 65535 above 255 classes) becomes the ignore class.
    public func labelTable(ignore: Int) -> [UInt16]? {
        let top = classes.count > 255 ? 65_535 : 255
        return (0..<top).map { UInt16($0) } + [UInt16(ignore)]
    }
}
