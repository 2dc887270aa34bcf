/// Concatenation of two `[N, C, H, W]` tensors along channels (`torch.cat([a, b], 1)`).
public enum ChannelConcat {
    /// Joins `a` `[N, Ca, H, W]` and `b` `[N, Cb, H, W]` into `[N, Ca+Cb, H, W]`.
    public static func forward<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
        precondition(a.rank == 4 && b.rank == 4 && a.shape[0] == b.shape[0] && a.shape[2...] == b.shape[2...],
                     "cannot concatenate \(a.shape) and \(b.shape) along channels")
        let n = a.shape[0], sa = a.count / n, sb = b.count / n
        return Tensor(uninitializedShape: [n, a.shape[1] + b.shape[1], a.shape[2], a.shape[3]]) { out in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    Parallel.forEach(n, grain: Parallel.grain(itemScalars: sa + sb)) { i in
                        let dst = out.baseAddress! + i * (sa + sb)
                        dst.update(from: pa.baseAddress! + i * sa, count: sa)
                        (dst + sa).update(from: pb.baseAddress! + i * sb, count: sb)
                    }
                }
            }
        }
    }

    /// Splits a gradient `[N, Ca+Cb, H, W]` into the parts for `a` (`firstChannels` = Ca) and `b`.
    public static func backward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, firstChannels: Int
    ) -> (Tensor<S>, Tensor<S>) {
        let (n, c, h, w) = (gradOutput.shape[0], gradOutput.shape[1], gradOutput.shape[2], gradOutput.shape[3])
        let sa = firstChannels * h * w, sb = (c - firstChannels) * h * w
        var db = Tensor<S>(uninitializedShape: [n, c - firstChannels, h, w]) { _ in }
        let da = Tensor<S>(uninitializedShape: [n, firstChannels, h, w]) { outA in
            db.withUnsafeMutableBufferPointer { outB in
                gradOutput.withUnsafeBufferPointer { g in
                    Parallel.forEach(n, grain: Parallel.grain(itemScalars: sa + sb)) { i in
                        (outA.baseAddress! + i * sa).update(from: g.baseAddress! + i * (sa + sb), count: sa)
                        (outB.baseAddress! + i * sb).update(from: g.baseAddress! + i * (sa + sb) + sa, count: sb)
                    }
                }
            }
        }
        return (da, db)
    }
}
