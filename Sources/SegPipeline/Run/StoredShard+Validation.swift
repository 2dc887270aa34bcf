import SegFormat

/// The gate a shard's entry (`shard-NNNNN.entry.json`, left for a rerun to reuse the shard) passes
/// before its counts are added to the manifest: an entry that is edited or damaged makes its shard
/// count as damaged, so the shard is made again, instead of reaching the sums.
extension StoredShard {
    /// Why the entry cannot be the record of a shard of this run, or nil when it can: `classes`
    /// classes, `pixels` label pixels a sample, at most `perShard` samples a shard.
    func problem(classes: Int, pixels: Int, perShard: Int) -> String? {
        let n = entry.samples
        if let problem = entry.listProblem(maxSamples: perShard) { return "it \(problem)" }
        // Every sample's label adds at most `pixels` counts, each pixel at most 255 to a channel's sum.
        let (all, o) = n.multipliedReportingOverflow(by: pixels)
        guard !o else { return "\(n) samples of \(pixels) pixels pass the integer range" }
        var counted = 0
        for c in classPixels where (0...all).contains(c) && counted <= all { counted += c }   // no overflow: both at most all < 2^53
        guard classPixels.count == classes + 1, classPixels.allSatisfy({ (0...all).contains($0) }), counted <= all else {
            return "its class pixel counts are not \(classes + 1) counts adding up to at most its \(all) label pixels"
        }
        var sets = [channelSums, channelSquares]
        if let s = labelledSums, let q = labelledSquares { sets += [s, q] } else if (labelledSums == nil) != (labelledSquares == nil) {
            return "it has one of the labelled sums without the other"
        }
        for (k, sums) in sets.enumerated() {
            let (most, o) = all.multipliedReportingOverflow(by: k % 2 == 0 ? 255 : 65_025)
            guard sums.count == 3, sums.allSatisfy({ $0 >= 0 && (o || $0 <= most) }) else {
                return "its channel sums are not three sums from 0 to \(k % 2 == 0 ? 255 : 65_025) a pixel"
            }
        }
        if let survival {
            // As the manifest's gate has them: per class, half-survivors ≤ survivors ≤ samples ≤ the shard's.
            let lists = [survival.sourceSamples, survival.samples, survival.survived, survival.survivedHalf]
            guard lists.allSatisfy({ $0.count == classes && $0.allSatisfy { (0...perShard).contains($0) } }),
                  survival.ratioSums.count == classes, survival.ratioSums.allSatisfy({ $0 >= 0 }),
                  (0..<classes).allSatisfy({ c in
                      survival.survivedHalf[c] <= survival.survived[c] && survival.survived[c] <= survival.samples[c]
                          && survival.samples[c] <= n
                  }) else {
                return "its survival counts are not \(classes) counts per list, each within the one before and the shard's \(n) samples"
            }
        }
        return nil
    }
}
