import SegFormat

/// Turns shard samples into batch slots: HWC U8 → CHW Float32 through a per-channel lookup table,
/// labels widened and clamped to the ignore class, one-hot scattered.
///
/// The table holds `Float((v / 255 − mean[c]) / std[c])` computed in Double for every byte value
/// `v` and channel `c`, so the per-pixel work is three loads and three stores, with no division,
/// and the values equal the reference's float64 arithmetic rounded to Float32.
struct BatchConverter: Sendable {
    /// `3 × 256` normalised values, channel-major.
    let table: [Float]
    /// Index of the ignore class (the class count).
    let ignore: Int
    let labelType: DType
    let options: LoaderOptions

    init(classes: Int, labelType: DType, options: LoaderOptions) {
        self.table = BatchConverter.normalisation(mean: options.mean, std: options.std)
        self.ignore = classes
        self.labelType = labelType
        self.options = options
    }

    /// The `3 × 256` table for per-channel `mean` and `std` (nil: 0 and 1).
    static func normalisation(mean: [Float]?, std: [Float]?) -> [Float] {
        let mean = mean ?? [0, 0, 0], std = std ?? [1, 1, 1]
        var table = [Float](repeating: 0, count: 768)
        for c in 0..<3 {
            for v in 0..<256 {
                table[c * 256 + v] = Float((Double(v) / 255 - Double(mean[c])) / Double(std[c]))
            }
        }
        return table
    }

    /// Converts sample `sample` of `source` in `epoch` into slot `slot` of `batch`, and returns the
    /// index of the sample the source made (see `SampleSource.withDeliveredSample`).
    ///
    /// Throws what the source throws (a mapped shard that cannot be read, a source file that cannot be decoded).
    func fill(_ batch: Batch, slot: Int, from source: some SampleSource, sample: Int, epoch: Int) throws -> Int {
        let plane = batch.height * batch.width
        return try source.withDeliveredSample(sample, epoch: epoch) { sample, image, label in
            // A source other than shards makes its bytes itself: check them before any kernel reads them.
            guard image.count == 3 * plane else {
                throw LoaderError.sampleSize(id: source.ids[sample], what: "image", bytes: image.count, expected: 3 * plane)
            }
            guard label.count == plane * (labelType == .u8 ? 1 : 2) else {
                throw LoaderError.sampleSize(id: source.ids[sample], what: "label", bytes: label.count, expected: plane * (labelType == .u8 ? 1 : 2))
            }
            table.withUnsafeBufferPointer { t in
                batch.images.withUnsafeMutableBufferPointer { dst in
                    let src = image.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    if !LoaderKernels.rgbToPlanes(src, plane: plane, table: t.baseAddress!, into: dst.baseAddress! + slot * 3 * plane) {
                        BatchConverter.convertImage(src, dst.baseAddress! + slot * 3 * plane, plane: plane, table: t.baseAddress!)
                    }
                }
            }
            switch options.labelFormat {
            case .int32:
                batch.labels.withUnsafeMutableBufferPointer { dst in
                    let out = dst.baseAddress! + slot * plane
                    if labelType != .u8 || !LoaderKernels.labels(label.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                                 count: plane, limit: Int32(min(ignore, 255)), into: out) {
                        convertLabels(label, out, count: plane)
                    }
                }
                if options.oneHot {
                    batch.labels.withUnsafeBufferPointer { lbl in
                        batch.oneHot.withUnsafeMutableBufferPointer { dst in
                            BatchConverter.scatterOneHot(lbl.baseAddress! + slot * plane, dst.baseAddress! + slot * plane * (ignore + 1),
                                                         count: plane, channels: ignore + 1)
                        }
                    }
                }
            case .uint8:
                batch.labelBytes.withUnsafeMutableBufferPointer { dst in
                    convertLabels(label, dst.baseAddress! + slot * plane, count: plane)
                }
                if options.oneHot {
                    batch.labelBytes.withUnsafeBufferPointer { lbl in
                        batch.oneHot.withUnsafeMutableBufferPointer { dst in
                            BatchConverter.scatterOneHot(lbl.baseAddress! + slot * plane, dst.baseAddress! + slot * plane * (ignore + 1),
                                                         count: plane, channels: ignore + 1)
                        }
                    }
                }
            }
            return sample
        }
    }

    /// Interleaved RGB bytes `[plane, 3]` → three Float32 planes `[3, plane]` through `table`.
    ///
    /// Four pixels at a time: twelve table loads assembled into three `SIMD4<Float>` stores, which
    /// measured ~1.4x faster than scalar stores on 512x512 batches.
    @inline(__always)
    static func convertImage(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<Float>, plane: Int,
                             table: UnsafePointer<Float>) {
        let tr = table, tg = table + 256, tb = table + 512
        let r = UnsafeMutableRawPointer(dst)
        let g = UnsafeMutableRawPointer(dst + plane)
        let b = UnsafeMutableRawPointer(dst + 2 * plane)
        var q = src
        var p = 0
        while p + 4 <= plane {
            let rv = SIMD4<Float>(tr[Int(q[0])], tr[Int(q[3])], tr[Int(q[6])], tr[Int(q[9])])
            let gv = SIMD4<Float>(tg[Int(q[1])], tg[Int(q[4])], tg[Int(q[7])], tg[Int(q[10])])
            let bv = SIMD4<Float>(tb[Int(q[2])], tb[Int(q[5])], tb[Int(q[8])], tb[Int(q[11])])
            r.storeBytes(of: rv, toByteOffset: 4 * p, as: SIMD4<Float>.self)
            g.storeBytes(of: gv, toByteOffset: 4 * p, as: SIMD4<Float>.self)
            b.storeBytes(of: bv, toByteOffset: 4 * p, as: SIMD4<Float>.self)
            p += 4
            q += 12
        }
        while p < plane {
            dst[p] = tr[Int(q[0])]
            dst[plane + p] = tg[Int(q[1])]
            dst[2 * plane + p] = tb[Int(q[2])]
            p += 1
            q += 3
        }
    }

    /// Stored labels (U8 or U16, little-endian) → `T`, values above the ignore class clamped to it.
    @inline(__always)
    func convertLabels<T: FixedWidthInteger>(_ src: UnsafeRawBufferPointer, _ dst: UnsafeMutablePointer<T>, count: Int) {
        if labelType == .u8 {
            let s = src.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if ignore >= 255 {
                for p in 0..<count { dst[p] = T(truncatingIfNeeded: s[p]) }
            } else {
                let limit = UInt8(ignore)
                for p in 0..<count { dst[p] = T(truncatingIfNeeded: min(s[p], limit)) }
            }
        } else {
            let limit = UInt16(clamping: ignore)
            for p in 0..<count {
                let v = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * p, as: UInt16.self))
                dst[p] = T(truncatingIfNeeded: min(v, limit))
            }
        }
    }

    /// Class indices `[plane]` → one-hot `[plane, channels]`: each pixel's row written once, zeros and its 1.
    ///
    /// Int32 and UInt8 labels go to the non-temporal C kernel where it applies. Otherwise rows are
    /// zeroed with 16-float vector stores that may run past the row into the next one, which is
    /// written after it; the last pixels, whose vectors would leave the buffer, are written exactly.
    @inline(__always)
    static func scatterOneHot<T: FixedWidthInteger>(_ labels: UnsafePointer<T>, _ dst: UnsafeMutablePointer<Float>,
                                                    count: Int, channels: Int) {
        if T.self == Int32.self,
           LoaderKernels.oneHot(UnsafeRawPointer(labels).assumingMemoryBound(to: Int32.self), count: count, channels: channels, into: dst) {
            return
        }
        if T.self == UInt8.self,
           LoaderKernels.oneHot(UnsafeRawPointer(labels).assumingMemoryBound(to: UInt8.self), count: count, channels: channels, into: dst) {
            return
        }
        let vectors = (channels + 15) / 16
        let overhang = vectors * 16 - channels
        let exact = min(count, (overhang + channels - 1) / channels)   // pixels at the end written exactly
        let raw = UnsafeMutableRawPointer(dst)
        let zero = SIMD16<Float>()
        var offset = 0
        for p in 0..<(count - exact) {
            for v in 0..<vectors { raw.storeBytes(of: zero, toByteOffset: 4 * (offset + 16 * v), as: SIMD16<Float>.self) }
            dst[offset + Int(labels[p])] = 1
            offset += channels
        }
        for p in (count - exact)..<count {
            (dst + offset).update(repeating: 0, count: channels)
            dst[offset + Int(labels[p])] = 1
            offset += channels
        }
    }

    /// The plain one-hot scatter (a row memset per pixel), the oracle for `scatterOneHot`.
    static func scatterOneHotNaive<T: FixedWidthInteger>(_ labels: UnsafePointer<T>, _ dst: UnsafeMutablePointer<Float>,
                                                         count: Int, channels: Int) {
        var o = dst
        for p in 0..<count {
            o.update(repeating: 0, count: channels)
            o[Int(labels[p])] = 1
            o += channels
        }
    }
}
