/// Brings logits to the label resolution the way the reference losses do.
///
/// When both height and width differ from the targets' the logits are resized with bilinear
/// interpolation (`align_corners=True`); when only one differs the reference fails, and so do we.
struct LogitAlignment<S: TensorScalar> {
    let originalShape: [Int]
    let resized: Bool
    let logits: Tensor<S>

    /// - Throws: `LossError.shapeMismatch` when batch sizes differ or only one spatial size differs.
    init(_ logits: Tensor<S>, targetShape: [Int]) throws {
        guard logits.rank == 4, targetShape.count >= 3, logits.shape[0] == targetShape[0] else {
            throw LossError.shapeMismatch(logits: logits.shape, targets: targetShape)
        }
        let (h, w, ht, wt) = (logits.shape[2], logits.shape[3], targetShape[1], targetShape[2])
        originalShape = logits.shape
        if h != ht && w != wt {
            resized = true
            self.logits = Bilinear.resize(logits, height: ht, width: wt)
        } else if h != ht || w != wt {
            throw LossError.shapeMismatch(logits: logits.shape, targets: targetShape)
        } else {
            resized = false
            self.logits = logits
        }
    }

    /// Maps a gradient w.r.t. the aligned logits back to the original logits.
    func backward(_ gradient: Tensor<S>) -> Tensor<S> {
        resized ? Bilinear.resizeBackward(gradient, height: originalShape[2], width: originalShape[3]) : gradient
    }
}
