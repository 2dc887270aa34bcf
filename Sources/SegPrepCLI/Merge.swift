import ArgumentParser
import Foundation
import SegFormat
import SegTrain

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the parts of a partitioned run (--partition K/N) into one manifest.",
        discussion: """
        Writes OUTPUT/index.json over all parts without copying data: shard entries point at the part folders by relative paths (use --copy to gather the files instead). Refuses parts of different pipelines, seeds or inputs, and missing or duplicate partitions. `verify` and the loaders accept the result.

        Example:
          for k in 0 1 2; do seg-prep run p.yaml --partition $k/3 --output out/part$k & done; wait
          seg-prep merge out/part0 out/part1 out/part2 --output out/all
        """)

    @Argument(help: "Part folders (each holding the index.json of one partition).")
    var parts: [String]

    @Option(help: "Folder for the merged index.json.")
    var output: String

    @Flag(help: "Copy the shards into OUTPUT instead of referring to them.")
    var copy = false

    func run() throws {
        BLASKernels.releaseIdleThreads()
        let m = try ManifestMerger.merge(parts: parts, into: output, copy: copy)
        print("merged \(parts.count) parts: \(m.shards.count) shards, \(m.sampleCount) samples in \(output)/index.json")
    }
}
