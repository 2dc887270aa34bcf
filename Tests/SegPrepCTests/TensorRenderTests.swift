import Foundation
import Testing
import SegPipeline
import SegPrepC

/// `segprep_render_tensors` against `segprep_render`'s bytes converted here, independently: each
/// byte through the caller's table into its plane, each label value below `classes` kept, the
/// others `fill`.
@Suite struct TensorRenderTests {
    static let camvid = CInterfaceTests.camvid

    /// A table of the normalised value of every byte, as the Python datasets build it.
    static let table: [Float] = {
        let mean = [0.4, 0.5, 0.6], std = [0.2, 0.3, 0.25]
        return (0..<3).flatMap { c in (0..<256).map { Float((Double($0) / 255 - mean[c]) / std[c]) } }
    }()

    /// Sample (index, epoch) of `h` as bytes and as tensors.
    static func both(_ h: OpaquePointer?, _ index: Int64, _ epoch: Int64, plane: Int, labelBytes: Int,
                     classes: Int64, fill: Int64) -> (bytes: (image: [UInt8], label: [UInt8]), tensors: (image: [Float], label: [Int64]), status: Int32) {
        var image = [UInt8](repeating: 0, count: 3 * plane), label = [UInt8](repeating: 0, count: plane * labelBytes)
        let n = image.count
        let rc = label.withUnsafeMutableBytes { segprep_render(h, index, epoch, &image, UInt(n), $0.baseAddress, UInt($0.count), nil) }
        var planes = [Float](repeating: .nan, count: 3 * plane), labels = [Int64](repeating: -7, count: plane)
        let status = table.withUnsafeBufferPointer { t in
            planes.withUnsafeMutableBufferPointer { p in
                labels.withUnsafeMutableBufferPointer { l in
                    segprep_render_tensors(h, index, epoch, t.baseAddress, p.baseAddress, UInt(4 * p.count), l.baseAddress, UInt(8 * l.count), classes, fill, nil)
                }
            }
        }
        #expect(rc == 0)
        return ((image, label), (planes, labels), status)
    }

    /// What the tensors must be, computed from the bytes.
    static func expected(_ image: [UInt8], _ label: [UInt8], plane: Int, labelBytes: Int, classes: Int64, fill: Int64) -> ([Float], [Int64]) {
        var planes = [Float](repeating: 0, count: 3 * plane)
        for p in 0..<plane { for c in 0..<3 { planes[c * plane + p] = table[256 * c + Int(image[3 * p + c])] } }
        let labels: [Int64] = (0..<plane).map { p in
            let v = labelBytes == 1 ? Int64(label[p]) : Int64(label[2 * p]) | Int64(label[2 * p + 1]) << 8
            return v < classes ? v : fill
        }
        return (planes, labels)
    }

    @Test(arguments: [(Int64(0), Int64(0)), (5, 3), (31, 7)])
    func tensorsAreTheSampleBytesConverted(index: Int64, epoch: Int64) throws {
        let (rc, h) = CInterfaceTests.open(Self.camvid)
        #expect(rc == 0)
        defer { segprep_close(h) }
        let plane = 256 * 256
        let got = Self.both(h, index, epoch, plane: plane, labelBytes: 1, classes: 11, fill: 255)
        #expect(got.status == 0)
        let want = Self.expected(got.bytes.image, got.bytes.label, plane: plane, labelBytes: 1, classes: 11, fill: 255)
        #expect(got.tensors.image == want.0 && got.tensors.label == want.1)
        // The sample holds a value from 11 up somewhere (the canvas's ignore label), so the fill was exercised.
        #expect(got.bytes.label.contains { $0 >= 11 } && got.tensors.label.contains(255))
    }

    @Test func sixteenBitLabelsConvertToo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: Self.camvid, encoding: .utf8)
            .replacingOccurrences(of: "seed: 42\n", with: "seed: 42\nignore_index: 300\n")
            .replacingOccurrences(of: "../fixtures", with: CInterfaceTests.root.appendingPathComponent("fixtures").path)
        let path = dir.appendingPathComponent("wide.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (rc, h) = CInterfaceTests.open(path)
        #expect(rc == 0, "\(CInterfaceTests.lastError)")
        defer { segprep_close(h) }
        var lb: Int64 = 0
        #expect(segprep_shape(h, nil, nil, &lb) == 0 && lb == 2)
        let plane = 256 * 256
        let got = Self.both(h, 4, 1, plane: plane, labelBytes: 2, classes: 11, fill: -1)
        #expect(got.status == 0)
        let want = Self.expected(got.bytes.image, got.bytes.label, plane: plane, labelBytes: 2, classes: 11, fill: -1)
        #expect(got.tensors.image == want.0 && got.tensors.label == want.1 && got.tensors.label.contains(-1))
    }

    @Test func refusedCallsNameTheProblemAndWriteNothing() throws {
        let (_, h) = CInterfaceTests.open(Self.camvid)
        defer { segprep_close(h) }
        let plane = 256 * 256
        var planes = [Float](repeating: 7, count: 3 * plane), labels = [Int64](repeating: 7, count: plane)
        func call(_ index: Int64 = 0, epoch: Int64 = 0, table: [Float]? = Self.table, imageBytes: UInt = 12 * 256 * 256,
                  labelBytes: UInt = 8 * 256 * 256, handle: OpaquePointer? = nil, useHandle: Bool = true) -> Int32 {
            let body = { (t: UnsafePointer<Float>?) in
                planes.withUnsafeMutableBufferPointer { p in
                    labels.withUnsafeMutableBufferPointer { l in
                        segprep_render_tensors(useHandle ? h : handle, index, epoch, t, p.baseAddress, imageBytes, l.baseAddress, labelBytes, 11, 255, nil)
                    }
                }
            }
            return table.map { $0.withUnsafeBufferPointer { body($0.baseAddress) } } ?? body(nil)
        }
        #expect(call(table: nil) == CInterfaceTests.codes["SEGPREP_ERR_ARGUMENT"])
        #expect(CInterfaceTests.lastError.contains("768-float table"))
        #expect(call(imageBytes: UInt(3 * plane)) == CInterfaceTests.codes["SEGPREP_ERR_BUFFER"])
        #expect(CInterfaceTests.lastError.contains("float32 image") && CInterfaceTests.lastError.contains("\(12 * plane) bytes"))
        #expect(call(labelBytes: UInt(plane)) == CInterfaceTests.codes["SEGPREP_ERR_BUFFER"])
        #expect(CInterfaceTests.lastError.contains("int64 label") && CInterfaceTests.lastError.contains("\(8 * plane) bytes"))
        // A size_t past Int.max (e.g. -1 passed for a size) is named as given.
        #expect(call(imageBytes: UInt.max) == CInterfaceTests.codes["SEGPREP_ERR_BUFFER"])
        #expect(CInterfaceTests.lastError.contains("the float32 image buffer holds \(UInt.max) bytes"), "\(CInterfaceTests.lastError)")
        #expect(call(32) == CInterfaceTests.codes["SEGPREP_ERR_RANGE"])
        #expect(CInterfaceTests.lastError.hasPrefix("\(Self.camvid): sample index 32 is out of range"))
        #expect(call(epoch: -1) == CInterfaceTests.codes["SEGPREP_ERR_RANGE"])
        #expect(call(useHandle: false) == CInterfaceTests.codes["SEGPREP_ERR_ARGUMENT"])
        #expect(planes.allSatisfy { $0 == 7 } && labels.allSatisfy { $0 == 7 })
        // The handle still renders after the refusals.
        #expect(call() == 0 && !planes.allSatisfy { $0 == 7 })
    }
}
