import Foundation
import Testing
import SegPipeline
import SegPrepC

/// The C interface (include/segprep.h) called as C calls it: status codes, the thread's message,
/// caller buffers, strings to free.
@Suite struct CInterfaceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let camvid = root.appendingPathComponent("pipelines/camvid-train.yaml").path

    /// The status codes of segprep.h, read from the header (not from the Swift enum under test).
    static let codes: [String: Int32] = {
        guard let text = try? String(contentsOf: root.appendingPathComponent("include/segprep.h"), encoding: .utf8) else { return [:] }
        var out: [String: Int32] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { " =,".contains($0) })
            if parts.count >= 2, parts[0].hasPrefix("SEGPREP_"), let v = Int32(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }()

    static var lastError: String { segprep_last_error().map { String(cString: $0) } ?? "<NULL>" }

    static func open(_ path: String, root: String? = nil, seed: Int64 = -1) -> (Int32, OpaquePointer?) {
        var handle: OpaquePointer?
        let rc = root.map { r in r.withCString { segprep_open(path, $0, seed, &handle) } } ?? segprep_open(path, nil, seed, &handle)
        return (rc, handle)
    }

    @Test func theHeaderListsEveryStatus() {
        #expect(Self.codes.count == 8)
        #expect(Self.codes["SEGPREP_OK"] == 0)
    }

    @Test func rendersTheSamplerSampleWithItsParameters() throws {
        let (rc, h) = Self.open(Self.camvid)
        #expect(rc == Self.codes["SEGPREP_OK"])
        defer { segprep_close(h) }
        let sampler = try PipelineSampler(path: Self.camvid)
        #expect(segprep_count(h) == Int64(sampler.count))
        var height: Int64 = 0, width: Int64 = 0, lb: Int64 = 0
        #expect(segprep_shape(h, &height, &width, &lb) == 0)
        #expect([height, width, lb] == [256, 256, 1])
        var id: UnsafeMutablePointer<CChar>?
        #expect(segprep_id(h, 3, &id) == 0)
        #expect(id.map { String(cString: $0) } == sampler.ids[3])
        segprep_free(id)
        var image = [UInt8](repeating: 0, count: Int(height * width * 3)), label = [UInt8](repeating: 0, count: Int(height * width))
        var params: UnsafeMutablePointer<CChar>?
        let n = image.count
        let status = label.withUnsafeMutableBytes { l in
            segprep_render(h, 3, 5, &image, UInt(n), l.baseAddress, UInt(l.count), &params)
        }
        #expect(status == 0)
        let want = try sampler.sample(3, epoch: 5)
        #expect(image == want.image.pixels && label == want.label.pixels)
        let json = try #require(params.map { String(cString: $0) })
        segprep_free(params)
        #expect(try JSONDecoder().decode([String: Double].self, from: Data(json.utf8)) == want.params)
        var info: UnsafeMutablePointer<CChar>?
        #expect(segprep_info(h, &info) == 0)
        let text = String(cString: try #require(info))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        segprep_free(info)
        #expect(parsed["ids"] as? [String] == sampler.ids)
        #expect(parsed["ignore_index"] as? Int == sampler.spec.ignoreIndex && parsed["classes"] as? [String] == sampler.spec.classes)
    }

    @Test func errorsAreCodesWithTheCLIsMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("capi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A bad pipeline file: the PipelineError's file:line:column message, no handle.
        let bad = dir.appendingPathComponent("bad.yaml")
        try "version: 1\ninput: {root: x}\nclasses: 3\nstages:\n  - flp: {}\noutput: {dir: o}\n".write(to: bad, atomically: true, encoding: .utf8)
        let (rc, h) = Self.open(bad.path)
        #expect(rc == Self.codes["SEGPREP_ERR_PIPELINE"] && h == nil)
        let expected = try #require(throws: PipelineError.self) { try PipelineSpec.load(path: bad.path) }.description
        #expect(Self.lastError == expected && expected.hasPrefix("\(bad.path):5:"))
        // A missing dataset root.
        #expect(Self.open(Self.camvid, root: dir.appendingPathComponent("none").path).0 == Self.codes["SEGPREP_ERR_INPUT"])
        #expect(Self.lastError.contains(dir.appendingPathComponent("none").path))
        #expect(Self.open(Self.camvid, seed: -2).0 == Self.codes["SEGPREP_ERR_ARGUMENT"])

        let (ok, handle) = Self.open(Self.camvid)
        #expect(ok == 0)
        defer { segprep_close(handle) }
        var image = [UInt8](repeating: 7, count: 256 * 256 * 3), label = [UInt8](repeating: 7, count: 256 * 256)
        func render(_ i: Int64, _ e: Int64, imageSize: Int? = nil) -> Int32 {
            let n = imageSize ?? image.count
            return label.withUnsafeMutableBytes { segprep_render(handle, i, e, &image, UInt(n), $0.baseAddress, UInt($0.count), nil) }
        }
        #expect(render(32, 0) == Self.codes["SEGPREP_ERR_RANGE"])
        #expect(Self.lastError.hasPrefix("\(Self.camvid): sample index 32 is out of range"))
        #expect(render(-1, 0) == Self.codes["SEGPREP_ERR_RANGE"])
        #expect(render(0, -1) == Self.codes["SEGPREP_ERR_RANGE"])
        #expect(render(0, 0, imageSize: 100) == Self.codes["SEGPREP_ERR_BUFFER"])
        #expect(Self.lastError.contains("196608 bytes"))
        // Nothing was written into the caller's buffers by the refused calls.
        #expect(image.allSatisfy { $0 == 7 } && label.allSatisfy { $0 == 7 })
        var id: UnsafeMutablePointer<CChar>?
        #expect(segprep_id(handle, 99, &id) == Self.codes["SEGPREP_ERR_RANGE"] && id == nil)
        #expect(segprep_id(nil, 0, &id) == Self.codes["SEGPREP_ERR_ARGUMENT"])
        #expect(segprep_count(nil) == -1)
        // The message is per thread: another thread has none of this one's.
        let other = Thread { #expect(Self.lastError == "") }
        other.start()
        while !other.isFinished { usleep(1000) }
        // A damaged file: the sample's code and the file in the message.
        let copy = dir.appendingPathComponent("camvid")
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("fixtures/camvid-mini"), to: copy)
        let (_, broken) = Self.open(Self.camvid, root: copy.path)
        defer { segprep_close(broken) }
        var first: UnsafeMutablePointer<CChar>?
        #expect(segprep_id(broken, 0, &first) == 0)
        let labelFile = copy.appendingPathComponent("SegmentationClass/\(String(cString: try #require(first))).png")
        segprep_free(first)
        try Data([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]).write(to: labelFile)
        let n = image.count
        let status = label.withUnsafeMutableBytes { segprep_render(broken, 0, 0, &image, UInt(n), $0.baseAddress, UInt($0.count), nil) }
        #expect(status == Self.codes["SEGPREP_ERR_SAMPLE"])
        #expect(Self.lastError.hasPrefix(labelFile.path + ": "))
        // A size_t past Int.max is refused as given, before any work.
        #expect(label.withUnsafeMutableBytes { segprep_render(broken, 0, 0, &image, UInt.max, $0.baseAddress, UInt($0.count), nil) } == Self.codes["SEGPREP_ERR_BUFFER"])
        #expect(Self.lastError.contains("the image buffer holds \(UInt.max) bytes"), "\(Self.lastError)")
    }

    @Test func concurrentRendersOnOneHandleMatchSerialOnes() throws {
        let (_, h) = Self.open(Self.camvid)
        defer { segprep_close(h) }
        let sampler = try PipelineSampler(path: Self.camvid)
        let jobs = (0..<8).map { (index: Int64($0 * 3 % 32), epoch: Int64($0)) }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var bytes: [[UInt8]]
            init(_ n: Int) { bytes = Array(repeating: [], count: n) }
        }
        let results = Results(jobs.count)
        let address = Int(bitPattern: h)   // the handle crosses threads as the C caller's pointer would
        DispatchQueue.concurrentPerform(iterations: jobs.count) { k in
            var image = [UInt8](repeating: 0, count: 256 * 256 * 3), label = [UInt8](repeating: 0, count: 256 * 256)
            let n = image.count
            let rc = label.withUnsafeMutableBytes { segprep_render(OpaquePointer(bitPattern: address), jobs[k].index, jobs[k].epoch, &image, UInt(n), $0.baseAddress, UInt($0.count), nil) }
            results.lock.withLock { results.bytes[k] = rc == 0 ? image + label : [] }
        }
        for (k, job) in jobs.enumerated() {
            let s = try sampler.sample(Int(job.index), epoch: Int(job.epoch))
            #expect(results.bytes[k] == s.image.pixels + s.label.pixels)
        }
    }
}
