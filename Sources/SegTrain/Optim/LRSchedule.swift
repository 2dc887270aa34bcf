import Foundation

/// Learning rate per epoch, with the reference trainer's formulas (`get_lr_scheduler`).
///
/// The rate is set once at the start of each epoch from its 0-based index `e` over `epochs` total:
/// - `constant`: `lr`.
/// - `cos` (YOLOX warm cosine): `warm = min(max(0.05·epochs, 1), 3)` epochs (or `warmupEpochs`),
///   `start = max(0.1·lr, 1e-6)`, `tail = min(max(0.05·epochs, 1), 15)`;
///   `e <= warm`: `(lr − start)·(e/warm)² + start`; `e >= epochs − tail`: `minLR`; otherwise
///   `minLR + ½(lr − minLR)(1 + cos(π(e − warm)/(epochs − warm − tail)))`.
/// - `step`: ten steps from `lr` down to `minLR`: `lr · rate^floor(e / (epochs/10))` with
///   `rate = (minLR/lr)^(1/9)` (the step length is at least one epoch, where the reference would
///   refuse runs shorter than ten epochs).
public struct LRSchedule: Sendable, Equatable {
    /// The shape of the schedule.
    public enum Kind: String, Sendable, CaseIterable {
        case constant, cos, step
    }

    public var kind: Kind
    /// Peak (initial) learning rate.
    public var lr: Double
    /// Final learning rate of `cos` and `step`.
    public var minLR: Double
    /// Epochs of the whole run (the reference's `total_iters`).
    public var epochs: Int
    /// Warm-up length in epochs for `cos`; nil = the reference's `min(max(0.05·epochs, 1), 3)`.
    public var warmupEpochs: Double?
    /// Steps of the `step` schedule (the reference's `step_num`).
    public var stepCount: Int = 10

    public init(kind: Kind, lr: Double, minLR: Double, epochs: Int, warmupEpochs: Double? = nil) {
        self.kind = kind; self.lr = lr; self.minLR = minLR; self.epochs = epochs; self.warmupEpochs = warmupEpochs
    }

    /// Warm-up epochs in force for `cos`.
    public var warmup: Double { warmupEpochs ?? min(max(0.05 * Double(epochs), 1), 3) }

    /// Learning rate of 0-based epoch `epoch`.
    public func rate(epoch: Int) -> Double {
        let e = Double(epoch), total = Double(epochs)
        switch kind {
        case .constant:
            return lr
        case .cos:
            let warm = warmup
            let start = max(0.1 * lr, 1e-6)
            let tail = min(max(0.05 * total, 1), 15)
            if e <= warm { return warm > 0 ? (lr - start) * pow(e / warm, 2) + start : lr }
            if e >= total - tail { return minLR }
            return minLR + 0.5 * (lr - minLR) * (1 + cos(Double.pi * (e - warm) / (total - warm - tail)))
        case .step:
            let rate = pow(minLR / lr, 1 / Double(stepCount - 1))
            let size = max(total / Double(stepCount), 1)
            return lr * pow(rate, (e / size).rounded(.down))
        }
    }
}
