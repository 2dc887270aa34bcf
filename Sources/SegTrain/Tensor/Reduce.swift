/// Vectorised sums over contiguous scalars, accumulated in `Double`.
///
/// Runs of up to `chunk` scalars are summed in sixteen scalar lanes, then added in `Double`, so
/// the result is both fast and accurate for the long planes of image tensors.
enum Reduce {
    /// Scalars summed in lanes before a `Double` accumulation.
    static let chunk = 4096

    /// Σ `p[i]`.
    static func sum<S: TensorScalar>(_ p: UnsafePointer<S>, _ count: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < count {
            let end = min(start + chunk, count)
            var lanes = SIMD16<S>()
            var i = start
            while i + 16 <= end { lanes += load(p + i); i += 16 }
            var tail: S = 0
            while i < end { tail += p[i]; i += 1 }
            total += Double(lanes.sum()) + Double(tail)
            start = end
        }
        return total
    }

    /// Σ `(p[i] - mean)²`.
    static func squaredDeviations<S: TensorScalar>(_ p: UnsafePointer<S>, _ count: Int, mean: S) -> Double {
        var total = 0.0
        var start = 0
        let mu = SIMD16<S>(repeating: mean)
        while start < count {
            let end = min(start + chunk, count)
            var lanes = SIMD16<S>()
            var i = start
            while i + 16 <= end { let d = load(p + i) - mu; lanes += d * d; i += 16 }
            var tail: S = 0
            while i < end { let d = p[i] - mean; tail += d * d; i += 1 }
            total += Double(lanes.sum()) + Double(tail)
            start = end
        }
        return total
    }

    /// (Σ `g[i]`, Σ `g[i]·v[i]`) with `v[i] = (x[i] − mean)·invStd` and `g[i]` = `dy[i]`, or 0
    /// where `v[i]·gamma + beta <= 0` when `relu` is set (the gradient through a ReLU applied to
    /// `v·gamma + beta`).
    static func gradientSums<S: TensorScalar>(
        _ dy: UnsafePointer<S>, _ x: UnsafePointer<S>, _ count: Int,
        mean: S, invStd: S, relu: Bool, gamma: S, beta: S
    ) -> (Double, Double) {
        withUnsafeTemporaryAllocation(of: S.self, capacity: 2 * chunk) { buffer in
            let (g, v) = (buffer.baseAddress!, buffer.baseAddress! + chunk)
            var s1 = 0.0, s2 = 0.0
            var start = 0
            while start < count {
                let end = min(start + chunk, count)
                // Selects on unconditionally loaded values, which vectorise.
                if relu {
                    for i in start..<end {
                        let (d, n) = (dy[i], (x[i] - mean) * invStd)
                        v[i - start] = n
                        g[i - start] = n * gamma + beta > 0 ? d : 0
                    }
                } else {
                    for i in start..<end {
                        v[i - start] = (x[i] - mean) * invStd
                        g[i - start] = dy[i]
                    }
                }
                let (p1, p2) = gradientSums(UnsafePointer(g), UnsafePointer(v), end - start)
                s1 += p1
                s2 += p2
                start = end
            }
            return (s1, s2)
        }
    }

    /// (Σ `g[i]`, Σ `g[i]·x[i]`).
    static func gradientSums<S: TensorScalar>(_ g: UnsafePointer<S>, _ x: UnsafePointer<S>, _ count: Int) -> (Double, Double) {
        var s1 = 0.0, s2 = 0.0
        var start = 0
        while start < count {
            let end = min(start + chunk, count)
            var l1 = SIMD16<S>(), l2 = SIMD16<S>()
            var i = start
            while i + 16 <= end {
                let gv = load(g + i)
                l1 += gv
                l2 += gv * load(x + i)
                i += 16
            }
            var t1: S = 0, t2: S = 0
            while i < end { t1 += g[i]; t2 += g[i] * x[i]; i += 1 }
            s1 += Double(l1.sum()) + Double(t1)
            s2 += Double(l2.sum()) + Double(t2)
            start = end
        }
        return (s1, s2)
    }

    /// Sixteen scalars from `p` (any alignment).
    @inline(__always)
    static func load<S: TensorScalar>(_ p: UnsafePointer<S>) -> SIMD16<S> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<S>.self)
    }
}
