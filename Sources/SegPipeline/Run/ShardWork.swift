import SegImage
import Foundation
import SegFormat

/// The worker pool of a run: threads take samples in order, at most two shards ahead of the writer.
struct ShardWork: @unchecked Sendable {
    let spec: PipelineSpec
    let input: DatasetInput
    /// Global indices of the shards to produce, ascending.
    let shards: [Int]
    let perShard: Int
    let totalItems: Int
    let threads: Int
    let imageBytes: Int
    let labelBytes: Int
    /// The source of each item under rare-class sampling (nil: uniform).
    var plan: RareClassPlan? = nil
    /// Shards that may be in memory at once.
    let window = 2

    /// Items (sample slots) of shard `s`: global item indices `s*perShard ..< min(...)`.
    func items(of s: Int) -> Range<Int> { (s * perShard)..<min((s + 1) * perShard, totalItems) }

    /// Processes all shards, handing each to the caller on this thread, in order, while it fills.
    ///
    /// For each shard: `writer.begin` once its first sample is done (a stream for its bytes), the
    /// stream receives the image and label of each good sample as soon as that sample and all
    /// before it are done (failed samples are left out; labels are placed after the images' room),
    /// and `writer.write` gets the complete shard with the stream. Throws what the writer and the
    /// stream throw.
    func execute(progress: (Int, Int) -> Void, writer: ShardWriter) throws {
        let total = shards.reduce(0) { $0 + items(of: $1).count }
        guard total > 0 else { return }
        let state = WorkState(work: self)
        let context = spec.context
        let donors = try spec.donors(for: input.records)
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            let t = Thread {
                while let (a, slot) = state.claim() {
                    let result = process(item: a.index * perShard + slot, context: context, donors: donors, into: a, slot: slot)
                    state.finish(a, slot: slot, result: result)
                }
                Vips.threadShutdown()
                group.leave()
            }
            t.stackSize = 8 << 20
            t.start()
        }
        defer {
            state.stopAll()
            group.wait()
        }
        for pos in 0..<shards.count {
            var (a, result) = state.waitForSlot(pos, 0) { progress($0, total) }
            let stream = try writer.begin(a)
            var good = 0
            for slot in 0..<a.count {
                if slot > 0 { (a, result) = state.waitForSlot(pos, slot) { progress($0, total) } }
                if result.error == nil, let image = result.image, let label = result.label {
                    guard label.count >= a.labelBytes else {
                        stream.abandon()
                        throw SafeTensorsError(path: stream.path, "received a label of \(label.count) bytes for a slot of \(a.labelBytes)")
                    }
                    try image.withUnsafeBytes { try stream.append($0) }
                    try label.withUnsafeBytes { try stream.place(UnsafeRawBufferPointer(rebasing: $0[0..<a.labelBytes]), at: a.labelOffset(good: good)) }
                    good += 1
                }
                state.streamed(a, slot: slot)
            }
            _ = try writer.write(a, stream)
            progress(state.released(pos), total)
        }
    }

    /// Runs every stage on global item `item` and stores the pixels in `slot`.
    func process(item: Int, context: StageContext, donors: Donors? = nil, into a: ShardAssembly, slot: Int) -> ShardAssembly.SlotResult {
        let n = input.records.count
        var (idx, rep) = (item % n, item / n)
        if let plan { (idx, rep) = (plan.source[item], plan.repeatIndex[item]) }
        let record = input.records[idx], id = record.id
        var s = Sample(record: record, repeatIndex: rep)
        if let plan {
            s.rareClass = plan.drawnClass[item]
            s.params["rare_class"] = Double(plan.drawnClass[item])
        }
        do {
            try spec.make(&s, donors: donors, countSource: true)
        } catch {
            // A sample left out still counts its source for survival (`s` holds what was done).
            return .init(id: id, repeatIndex: rep, params: [:], classPixels: [], channelSums: [], channelSquares: [], error: error,
                         sourceClassPixels: s.sourceClassPixels)
        }
        // Labelled-pixel sums: the ignored pixels' sums (from the same pass) taken away.
        let (counts, sums, squares, ignoredSums, ignoredSquares) = PixelKernels.sampleStats(image: s.image, label: s.label, value: context.ignoreIndex)
        func count(_ v: Int) -> Int { v < counts.count ? counts[v] : 0 }
        let labelled = (zip(sums, ignoredSums).map { $0 - $1 }, zip(squares, ignoredSquares).map { $0 - $1 })
        return .init(id: id, repeatIndex: rep, params: s.params, classPixels: (0..<context.classes).map(count) + [count(context.ignoreIndex)],
                     channelSums: sums, channelSquares: squares, labelledSums: labelled.0, labelledSquares: labelled.1,
                     error: nil, sourceClassPixels: s.sourceClassPixels, image: s.image.pixels, label: s.label.pixels)
    }
}

/// The shared, lock-guarded state of a run's workers and its writer.
final class WorkState: @unchecked Sendable {
    private let work: ShardWork
    private let cond = NSCondition()
    private var assemblies: [Int: ShardAssembly] = [:]   // by position in `work.shards`
    private var nextPos = 0, nextSlot = 0
    private var writtenPos = 0
    /// Samples claimed so far, and how many of their images and labels the writer has streamed:
    /// workers stay at most `imagesInFlight` samples ahead, so few are alive at once (their storage
    /// is recycled by the allocator instead of fresh pages). The slack covers the writer's pause at
    /// the end of each shard (checksumming its labels); 2 x threads + 2 measured 5-10% slower on 2
    /// threads, 16 and more alike.
    private var claimed = 0, streamedCount = 0
    private var imagesInFlight: Int { 8 * work.threads + 8 }
    private var stop = false
    private var done = 0

    init(work: ShardWork) { self.work = work }

    /// The next sample to process (its shard and slot), waiting while the writer is `window` shards
    /// or `imagesInFlight` samples behind.
    func claim() -> (ShardAssembly, Int)? {
        cond.lock(); defer { cond.unlock() }
        while !stop && nextPos < work.shards.count
                && (nextPos >= writtenPos + work.window || claimed - streamedCount >= imagesInFlight) { cond.wait() }
        if stop || nextPos >= work.shards.count { return nil }
        let pos = nextPos, slot = nextSlot
        let a: ShardAssembly
        if let existing = assemblies[pos] { a = existing } else {
            a = ShardAssembly(index: work.shards[pos], count: work.items(of: work.shards[pos]).count,
                              imageBytes: work.imageBytes, labelBytes: work.labelBytes)
            assemblies[pos] = a
        }
        nextSlot += 1
        claimed += 1
        if nextSlot >= a.count { nextSlot = 0; nextPos += 1 }
        return (a, slot)
    }

    func finish(_ a: ShardAssembly, slot: Int, result: ShardAssembly.SlotResult) {
        cond.lock()
        a.results[slot] = result
        done += 1
        cond.broadcast()
        cond.unlock()
    }

    /// Blocks until sample `slot` of shard position `pos` is done, reporting progress about five
    /// times a second; returns the shard and the sample's result.
    func waitForSlot(_ pos: Int, _ slot: Int, progress: (Int) -> Void) -> (ShardAssembly, ShardAssembly.SlotResult) {
        cond.lock()
        while true {
            if let a = assemblies[pos], let r = a.results[slot] { cond.unlock(); return (a, r) }
            _ = cond.wait(until: Date().addingTimeInterval(0.2))
            let d = done
            cond.unlock()
            progress(d)
            cond.lock()
        }
    }

    /// Drops sample `slot`'s image and label once the writer has them, letting a worker claim
    /// another sample.
    func streamed(_ a: ShardAssembly, slot: Int) {
        cond.lock()
        a.results[slot]?.image = nil
        a.results[slot]?.label = nil
        streamedCount += 1
        cond.broadcast()
        cond.unlock()
    }

    /// Frees shard position `pos` after it is written; returns samples done.
    func released(_ pos: Int) -> Int {
        cond.lock(); defer { cond.unlock() }
        assemblies.removeValue(forKey: pos)
        writtenPos = pos + 1
        cond.broadcast()
        return done
    }

    func stopAll() {
        cond.lock(); stop = true; cond.broadcast(); cond.unlock()
    }
}
