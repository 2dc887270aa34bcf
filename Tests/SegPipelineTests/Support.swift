import SegImage
import Foundation
import SegFormat
@testable import SegPipeline

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = packageRoot.appendingPathComponent("fixtures")
let golden = fixtures.appendingPathComponent("golden")

/// `params.json` of the golden folder.
nonisolated(unsafe) let goldenParams: [String: Any] = {
    let data = try! Data(contentsOf: golden.appendingPathComponent("params.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}()

func param(_ path: String...) -> Any? {
    var cur: Any? = goldenParams
    for k in path { cur = (cur as? [String: Any])?[k] }
    return cur
}

/// Builds the stages of a pipeline whose `stages:` list is `stagesYAML` (one `- …` per line).
func stages(_ stagesYAML: String, classes: Int = 21) throws -> PipelineSpec {
    let text = """
    input: {root: data}
    classes: \(classes)
    stages:
    \(stagesYAML.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    output: {dir: out}
    """
    return try PipelineSpec.parse(text, file: "/tmp/test.yaml")
}

/// The golden pair `pair` decoded by our decoders.
func decodedPair(_ pair: String) throws -> Sample {
    let inputs = try SafeTensorsFile(path: golden.appendingPathComponent("inputs.safetensors").path)
    let img = Data(try inputs.bytes("\(pair).image_file"))
    let lbl = Data(try inputs.bytes("\(pair).label_file"))
    try Vips.start()
    let (image, _) = try ImageCodec.decodeRGB(img, id: pair, path: pair)
    let label = try ImageCodec.readLabel(lbl, id: pair, path: pair)
    return Sample(id: pair, image: image, label: label)
}

/// Fraction of bytes of `a` within `tolerance` levels of `b`, and the mean absolute difference.
func closeness(_ a: [UInt8], _ b: [UInt8], tolerance: Int = 1) -> (fraction: Double, mean: Double) {
    precondition(a.count == b.count)
    var ok = 0, sum = 0
    for i in 0..<a.count {
        let d = abs(Int(a[i]) - Int(b[i]))
        if d <= tolerance { ok += 1 }
        sum += d
    }
    return (Double(ok) / Double(a.count), Double(sum) / Double(a.count))
}

func sha(_ bytes: [UInt8]) -> String { Checksum.sha256(Data(bytes)) }

let goldenPairs = ["voc_2011_000003", "voc_2011_000006", "bridge_43_portrait", "bridge_tt_146", "water_00813", "em_8_gray"]

/// Runs `executable` with `arguments` (and `environment`, else the test's own), returning its exit
/// status and its standard output and error together.
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                in directory: URL? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let directory { p.currentDirectoryURL = directory }
    let pipe = Pipe()
    p.standardOutput = pipe; p.standardError = pipe
    try p.run()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, out)
}
