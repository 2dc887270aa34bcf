import ArgumentParser
import Foundation
import SegFormat
import SegTrain

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a shard folder against its index.json: files, sizes, checksums (the manifest's XXH3-128 or SHA-256), structure, shapes, label range.",
        discussion: "Exit status 0 when intact; 1 with one line per damaged shard on stdout.")

    @Argument(help: "Shard folder (holding index.json).")
    var dir: String

    @OptionGroup var output: JSONOutput

    func run() throws {
        BLASKernels.releaseIdleThreads()
        let damage = try ShardVerifier.verify(dir)
        let m = try Manifest.load(from: dir)
        if output.json {
            let obj: [String: Any] = ["ok": damage.isEmpty, "shards": m.shards.count, "samples": m.sampleCount,
                                      "damaged": damage.map { ["file": $0.file, "problem": $0.problem] }]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else if damage.isEmpty {
            print("ok: \(m.shards.count) shards, \(m.sampleCount) samples intact in \(dir)")
        } else {
            for d in damage { print(d.description) }
        }
        if !damage.isEmpty { throw ExitCode(1) }
    }
}
