import SegFormat

/// `unet-s` with Adam in Float32, stepped by `TrainingStep` (the step `train` runs), for
/// `bench train-step` and tests.
public struct TrainStep {
    public var model: UNet<Float>
    public var optimizer: Adam<Float>
    public var loss: SegmentationLoss

    /// Creates a freshly initialised model (weights from `seed`) with Adam at `learningRate`.
    public init(classes: Int, seed: UInt64, learningRate: Double = 1e-3, loss: SegmentationLoss? = nil) {
        model = UNet(classes: classes, seed: seed)
        optimizer = Adam(learningRate: learningRate)
        self.loss = loss ?? SegmentationLoss(classes: classes)
    }

    /// Runs one training step on `images` `[N, 3, H, W]` and `labels` `[N, H, W]`.
    ///
    /// - Returns: the loss before the update.
    /// - Throws: `LossError` when images and labels do not line up.
    @discardableResult
    public mutating func callAsFunction(images: Tensor<Float>, labels: LabelMap) throws -> Float {
        try TrainingStep.run(&model, &optimizer, loss: loss, images: images, labels: labels)
    }

    /// Logits `[N, classes, H, W]` in evaluation mode (running BatchNorm statistics).
    public mutating func logits(images: Tensor<Float>) -> Tensor<Float> {
        model.forward(images, training: false)
    }

    /// Predicted class per pixel (`[N, H, W]` row-major) in evaluation mode.
    public mutating func predict(images: Tensor<Float>) -> [UInt8] {
        Prediction.argmax(logits(images: images))
    }

    /// Timing of repeated training steps on a random batch.
    public struct Timing: Sendable {
        public var batch: Int
        public var size: Int
        public var classes: Int
        public var steps: Int
        /// Mean wall time of one step in milliseconds.
        public var msPerStep: Double
        /// Per-step wall times in milliseconds.
        public var samples: [Double]
        /// The loss after the last step.
        public var finalLoss: Float
    }

    /// Times `steps` training steps (after `warmup` untimed ones) on a seeded random batch.
    ///
    /// - Parameters: batch `[batch, 3, size, size]`, labels uniform over `classes`.
    /// - Throws: `LossError` (not expected for consistent arguments).
    public static func benchmark(batch: Int = 8, size: Int = 256, classes: Int = 21, steps: Int = 5,
                                 warmup: Int = 1, seed: UInt64 = 0) throws -> Timing {
        var rng = SplitMix64(seed: seed)
        let images = Tensor<Float>(shape: [batch, 3, size, size]) { x in
            for i in 0..<x.count { x[i] = Float(rng.nextUnit()) }
        }
        let labels = LabelMap(shape: [batch, size, size],
                              values: (0..<(batch * size * size)).map { _ in Int32(rng.next() % UInt64(classes)) })
        var step = TrainStep(classes: classes, seed: seed)
        for _ in 0..<warmup { try step(images: images, labels: labels) }
        let clock = ContinuousClock()
        var samples: [Double] = []
        var last: Float = 0
        for _ in 0..<steps {
            let start = clock.now
            last = try step(images: images, labels: labels)
            samples.append((clock.now - start).seconds * 1e3)
        }
        let mean = samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
        return Timing(batch: batch, size: size, classes: classes, steps: steps, msPerStep: mean,
                      samples: samples, finalLoss: last)
    }
}
