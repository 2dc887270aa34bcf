import Foundation
import SegFormat
import Testing
@testable import SegLoader
@testable import SegTrain

/// Every batch of an epoch: sample indices and a copy of the buffers.
private struct Delivered: Equatable {
    var samples: [[Int]] = []
    var images: [[Float]] = []
    var labels: [[Int32]] = []
}

private func options(batch: Int = 4, workers: Int = 2, seed: UInt64 = 7) -> LoaderOptions {
    var o = LoaderOptions()
    o.batchSize = batch; o.workers = workers; o.seed = seed
    return o
}

private func run(_ loader: ShardLoader, epoch: Int) throws -> Delivered {
    var d = Delivered()
    let plane = loader.source.height * loader.source.width
    try loader.epoch(epoch).forEach { b in
        d.samples.append(b.samples)
        d.images.append(Array(b.images[0..<(b.count * 3 * plane)]))
        d.labels.append(Array(b.labels[0..<(b.count * plane)]))
    }
    return d
}

@Suite struct LoaderTests {
    @Test func permutationIsFixedBySeedAndEpoch() {
        // python/tests/test_sampler.py checks the same numbers.
        #expect(EpochSampler.permutation(count: 10, seed: 42, epoch: 0) == [1, 7, 3, 2, 8, 9, 6, 0, 5, 4])
        #expect(EpochSampler.permutation(count: 10, seed: 42, epoch: 1) == [1, 5, 4, 6, 2, 3, 9, 0, 7, 8])
        let p = EpochSampler.permutation(count: 1000, seed: 3, epoch: 5)
        #expect(p.sorted() == Array(0..<1000))
    }

    @Test func everySampleOncePerEpoch() throws {
        let f = try ShardFixture(shardSizes: [8, 8, 7]); defer { f.remove() }
        let loader = try ShardLoader(folders: [f.folder], options: options(batch: 4))
        #expect(loader.batchesPerEpoch == 6)
        for e in 0..<3 {
            let d = try run(loader, epoch: e)
            #expect(d.samples.map(\.count) == [4, 4, 4, 4, 4, 3])
            #expect(d.samples.flatMap { $0 }.sorted() == Array(0..<23))
        }
    }

    @Test func dropLastLeavesOutTheShortBatch() throws {
        let f = try ShardFixture(shardSizes: [8, 8, 7]); defer { f.remove() }
        var o = options(batch: 4); o.dropLast = true
        let loader = try ShardLoader(folders: [f.folder], options: o)
        let d = try run(loader, epoch: 0)
        #expect(d.samples.count == 5 && d.samples.allSatisfy { $0.count == 4 })
        #expect(Set(d.samples.flatMap { $0 }).count == 20)
    }

    @Test func ranksFollowDistributedSampler() throws {
        let f = try ShardFixture(shardSizes: [8, 8, 7]); defer { f.remove() }
        let n = 23, world = 4
        let perm = EpochSampler.permutation(count: n, seed: 7, epoch: 2)
        // torch: indices += indices[:padding]; indices[rank:total:world]
        let padded = perm + perm.prefix(24 - n)
        var union: [Int] = []
        for rank in 0..<world {
            var o = options(batch: 4); o.rank = rank; o.worldSize = world
            let loader = try ShardLoader(folders: [f.folder], options: o)
            let got = try run(loader, epoch: 2).samples.flatMap { $0 }
            let expected = stride(from: rank, to: 24, by: world).map { padded[$0] }
            #expect(got == expected)
            #expect(got.count == 6)
            union += got
        }
        #expect(union.sorted() == (Array(0..<n) + [perm[0]]).sorted())
        // DistributedSampler(drop_last=True): ceil((23 - 4) / 4) = 5 each, no repeats.
        var all: [Int] = []
        for rank in 0..<world {
            var o = options(batch: 4); o.rank = rank; o.worldSize = world; o.dropUneven = true
            let loader = try ShardLoader(folders: [f.folder], options: o)
            let got = try run(loader, epoch: 2).samples.flatMap { $0 }
            #expect(got.count == 5)
            all += got
        }
        #expect(Set(all).count == 20 && all == all.filter { perm.prefix(20).contains($0) })
    }

    @Test func orderDependsOnEpochAndSeedOnly() throws {
        let f = try ShardFixture(shardSizes: [8, 8, 7]); defer { f.remove() }
        let a = try run(ShardLoader(folders: [f.folder], options: options(workers: 1)), epoch: 0)
        let b = try run(ShardLoader(folders: [f.folder], options: options(workers: 1)), epoch: 1)
        #expect(a.samples != b.samples)
        for workers in [1, 2, 3, 5] {
            var o = options(workers: workers); o.queueDepth = workers == 3 ? 2 : nil
            let loader = try ShardLoader(folders: [f.folder], options: o)
            #expect(try run(loader, epoch: 0) == a)
            #expect(try run(loader, epoch: 1) == b)
        }
        let other = try run(ShardLoader(folders: [f.folder], options: options(seed: 8)), epoch: 0)
        #expect(other.samples != a.samples)
        var plain = options(); plain.shuffle = false
        let ordered = try run(ShardLoader(folders: [f.folder], options: plain), epoch: 3)
        #expect(ordered.samples.flatMap { $0 } == Array(0..<23))
    }

    @Test func batchEqualsShardBytesConvertedByHand() throws {
        let f = try ShardFixture(shardSizes: [3, 4], height: 6, width: 5); defer { f.remove() }
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        for normalise in [false, true] {
            var o = options(batch: 3)
            if normalise { o.mean = mean; o.std = std }
            let loader = try ShardLoader(folders: [f.folder], options: o)
            var seen = 0
            try loader.epoch(0).forEach { b in
                #expect(b.imageShape == [b.count, 3, 6, 5] && b.labelShape == [b.count, 6, 5])
                for slot in 0..<b.count {
                    let i = b.samples[slot]
                    #expect(b.ids[slot] == "s\(i / 2)" && b.repeats[slot] == i % 2)
                    for c in 0..<3 {
                        for y in 0..<6 {
                            for x in 0..<5 {
                                let v = Float(f.images[i][(y * 5 + x) * 3 + c]) / 255
                                let want = normalise ? (v - mean[c]) / std[c] : v
                                let got = b.images[((slot * 3 + c) * 6 + y) * 5 + x]
                                #expect(abs(got - want) <= 1e-6 * max(1, abs(want)), "sample \(i) c\(c) y\(y) x\(x)")
                            }
                        }
                    }
                    let wantLabels = f.labels[i].map { Int32(min($0, 3)) }
                    #expect(Array(b.labels[(slot * 30)..<((slot + 1) * 30)]) == wantLabels)
                    seen += 1
                }
            }
            #expect(seen == 7)
        }
    }

    @Test("One-hot scatter (C non-temporal kernel for Int32 and UInt8, vector Swift for UInt16) equals the plain one and never writes past its rows",
          arguments: [1, 2, 4, 15, 16, 17, 22, 33, 256], [1, 2, 3, 100])
    func oneHotScatterEqualsNaive(channels: Int, count: Int) {
        var rng = SplitMix64(seed: UInt64(channels * 1000 + count))
        let labels = (0..<count).map { _ in Int(rng.next() % UInt64(channels)) }
        checkScatter(labels.map { Int32($0) }, channels: channels)
        if channels <= 256 { checkScatter(labels.map { UInt8(truncatingIfNeeded: $0) }, channels: channels) }
        checkScatter(labels.map { UInt16($0) }, channels: channels)
    }

    func checkScatter<T: FixedWidthInteger>(_ labels: [T], channels: Int) {
        let count = labels.count, guardCount = 48
        var fast = [Float](repeating: .nan, count: count * channels + guardCount)
        var naive = fast
        labels.withUnsafeBufferPointer { l in
            fast.withUnsafeMutableBufferPointer { BatchConverter.scatterOneHot(l.baseAddress!, $0.baseAddress!, count: count, channels: channels) }
            naive.withUnsafeMutableBufferPointer { BatchConverter.scatterOneHotNaive(l.baseAddress!, $0.baseAddress!, count: count, channels: channels) }
        }
        #expect(fast.prefix(count * channels).elementsEqual(naive.prefix(count * channels)), "\(T.self)")
        #expect(fast.suffix(guardCount).allSatisfy { $0.isNaN }, "nothing written past the rows (\(T.self))")
        #expect(fast.prefix(count * channels).reduce(0, +) == Float(count), "\(T.self)")
    }

    @Test func oneHotMatchesLabelsWithIgnoreChannel() throws {
        let f = try ShardFixture(shardSizes: [5], classes: 3); defer { f.remove() }
        for format in [LoaderOptions.LabelFormat.int32, .uint8] {
            var o = options(batch: 2); o.oneHot = true; o.labelFormat = format
            let loader = try ShardLoader(folders: [f.folder], options: o)
            var ignored = 0
            try loader.epoch(0).forEach { b in
                #expect(b.oneHotShape == [b.count, 5, 7, 4])
                for slot in 0..<b.count {
                    let raw = f.labels[b.samples[slot]]
                    for p in 0..<35 {
                        let cls = Int(min(raw[p], 3))
                        if cls == 3 { ignored += 1 }
                        let label = format == .int32 ? Int(b.labels[slot * 35 + p]) : Int(b.labelBytes[slot * 35 + p])
                        #expect(label == cls)
                        let row = Array(b.oneHot[((slot * 35 + p) * 4)..<((slot * 35 + p + 1) * 4)])
                        #expect(row == (0..<4).map { $0 == cls ? 1 : 0 })
                    }
                }
            }
            #expect(ignored > 0)
        }
    }

    @Test func queueNeverExceedsItsBound() throws {
        let f = try ShardFixture(shardSizes: [16, 16]); defer { f.remove() }
        for (workers, depth) in [(1, 2), (2, 3), (3, 6)] {
            var o = options(batch: 2, workers: workers); o.queueDepth = depth
            let loader = try ShardLoader(folders: [f.folder], options: o)
            let epoch = loader.epoch(0)
            var buffers = Set<ObjectIdentifier>()
            while let b = try epoch.next() {
                buffers.insert(ObjectIdentifier(b))
                Thread.sleep(forTimeInterval: 0.002)  // a slow consumer lets the workers fill the queue
            }
            let s = epoch.stats
            #expect(s.batches == 16 && s.samples == 32)
            #expect(s.maxReady <= depth && s.maxReady >= depth - 1, "max ready \(s.maxReady), bound \(depth)")
            #expect(s.queueDepth == depth)
            #expect(buffers.count <= depth)
            #expect(s.waitSeconds >= 0 && s.fillSeconds > 0)
        }
    }

    @Test func abandonedEpochStopsWorkersAndAllowsTheNext() throws {
        let f = try ShardFixture(shardSizes: [16]); defer { f.remove() }
        let loader = try ShardLoader(folders: [f.folder], options: options(batch: 2))
        do {
            let epoch = loader.epoch(0)
            _ = try epoch.next()
        }
        #expect(try run(loader, epoch: 1).samples.count == 8)
    }

    @Test func severalFoldersFormOneDataset() throws {
        let a = try ShardFixture(shardSizes: [4], seed: 1, name: "a"); defer { a.remove() }
        let b = try ShardFixture(shardSizes: [3, 2], seed: 2, name: "b"); defer { b.remove() }
        let set = try ShardSet(folders: [a.folder, b.folder], verifyChecksums: true)
        #expect(set.count == 9)
        let label = try set.withSample(6) { _, l in Array(l) }
        #expect(label == b.labels[2])
        let c = try ShardFixture(shardSizes: [2], height: 4, seed: 3, name: "c"); defer { c.remove() }
        let e = #expect(throws: LoaderError.self) { try ShardSet(folders: [a.folder, c.folder]) }
        #expect(e?.description.contains("same output size") == true)
        let d = try ShardFixture(shardSizes: [2], classes: 4, seed: 3, name: "d"); defer { d.remove() }
        #expect(throws: LoaderError.self) { try ShardSet(folders: [a.folder, d.folder]) }
    }

    @Test func damagedFoldersGiveClearErrors() throws {
        let f = try ShardFixture(shardSizes: [3, 3]); defer { f.remove() }
        // Wrong size: one byte appended.
        let handle = try #require(FileHandle(forWritingAtPath: f.shardPath(1)))
        try handle.seekToEnd(); try handle.write(contentsOf: Data([0])); try handle.close()
        let grown = #expect(throws: LoaderError.self) { try ShardLoader(folders: [f.folder]) }
        #expect(grown?.description.contains("shard-00001.safetensors has") == true)
        #expect(grown?.description.contains("rerun `seg-prep run`") == true)
        // Missing shard.
        try FileManager.default.removeItem(atPath: f.shardPath(1))
        let missing = #expect(throws: LoaderError.self) { try ShardLoader(folders: [f.folder]) }
        #expect(missing?.description.contains("is missing although") == true)
        // Same size, different bytes: only the checksum sees it.
        let g = try ShardFixture(shardSizes: [3], name: "g"); defer { g.remove() }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: g.shardPath(0)))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: g.shardPath(0)))
        _ = try ShardSet(folders: [g.folder])
        let corrupt = #expect(throws: LoaderError.self) { try ShardSet(folders: [g.folder], verifyChecksums: true) }
        #expect(corrupt?.description.contains("XXH3-128") == true)
        // No manifest.
        try FileManager.default.removeItem(atPath: (g.folder as NSString).appendingPathComponent("index.json"))
        #expect(throws: ManifestError.self) { try ShardSet(folders: [g.folder]) }
        // Bad options.
        let h = try ShardFixture(shardSizes: [2], name: "h"); defer { h.remove() }
        var o = LoaderOptions(); o.rank = 2; o.worldSize = 2
        #expect(throws: LoaderError.self) { try ShardLoader(folders: [h.folder], options: o) }
    }
}

/// A source that only describes its samples: the loader's memory check needs no pixels.
private struct DescribedSource: SampleSource {
    var count = 8, height = 64, width = 64, classes: [String], labelType = DType.u16
    var ids: [String] { (0..<count).map(String.init) }
    func repeatIndex(_ index: Int, epoch: Int) -> Int { epoch }
    func withSample<R>(_ index: Int, epoch: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R {
        throw LoaderError.noFolder
    }
    func prefetch(_ index: Int) {}
}

@Suite struct LoaderMemoryTests {
    @Test func oneHotBuffersOfManyClassesAreRefusedBeforeAllocation() throws {
        let source = DescribedSource(classes: (0..<65_535).map { "c\($0)" })
        var o = options(batch: 4)
        o.oneHot = true
        do {
            _ = try ShardLoader(source: source, options: o)
            Issue.record("one-hot buffers of 65536 channels were allocated")
        } catch {
            #expect("\(error)".contains("one-hot batches is 4 samples of 64x64 with 65536 one-hot channels;"), "\(error)")
            #expect("\(error)".contains("more than 4 GiB; lower the batch size, or leave one-hot maps off"), "\(error)")
        }
        // The same source without one-hot maps is 48 KiB a sample: accepted.
        o.oneHot = false
        _ = try ShardLoader(source: source, options: o)
    }
}

@Suite struct ClassListMessageTests {
    @Test func longClassListsAreSummarisedWithTheirFirstDifference() {
        let thousand = (0..<1000).map { "class\($0)" }, eleven = Array(thousand.prefix(10)) + ["car"]
        let train = TrainError.classesDiffer(validation: thousand, training: eleven).description
        #expect(train.count < 600, "\(train.count) characters")
        #expect(train.contains("[class0, class1, class2, class3, class4, class5, class6, class7, class8, class9, class10, class11, …, and 988 more: 1000 classes]"))
        #expect(train.contains("but training folders have [class0,") && train.contains("class 10 is 'class10' in one and 'car' in the other"))
        let loader = LoaderError.classesDiffer(folder: "a", classes: thousand, ignore: 1000, first: "b", firstClasses: thousand + ["x"], firstIgnore: 1001).description
        #expect(loader.count < 600 && loader.contains("one has 1000 classes and the other 1001"), "\(loader)")
        // Same classes, another ignore index: only the ignore indices are named.
        let ignore = LoaderError.classesDiffer(folder: "a", classes: ["x", "y"], ignore: 2, first: "b", firstClasses: ["x", "y"], firstIgnore: 255).description
        #expect(ignore == "a has ignore 2 but b has ignore 255; load only folders made with the same class list and ignore_index together.")
        #expect(ClassLists.summary(["a", "b"]) == "[a, b]")
    }
}
