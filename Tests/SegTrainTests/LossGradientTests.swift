import Testing
@testable import SegLoader
@testable import SegTrain

/// Loss gradients against central differences in Double, on inputs other than the golden ones.
@Suite("Loss gradients against finite differences (Double)")
struct LossGradientTests {
    static func inputs(small: Bool = false) -> (Tensor<Double>, LabelMap) {
        var random = TestRandom(seed: 40)
        let logits: Tensor<Double> = random.tensor(small ? [2, 4, 3, 3] : [2, 4, 5, 5], scale: 2)
        // Labels 0...4 where 4 (= classes) is the ignore index.
        return (logits, random.labels([2, 5, 5], below: 5))
    }

    @Test("Cross-entropy, unweighted and weighted")
    func crossEntropy() throws {
        let (x, t) = Self.inputs()
        try GradientCheck.loss(x) { try CrossEntropyLoss(classes: 4)($0, t) }
        try GradientCheck.loss(x) { try CrossEntropyLoss(classes: 4, classWeights: [0.3, 1, 2, 0.7])($0, t) }
    }

    @Test("Focal, unweighted and weighted, several gammas", arguments: [0.0, 0.5, 2.0])
    func focal(gamma: Double) throws {
        let (x, t) = Self.inputs()
        try GradientCheck.loss(x) { try FocalLoss(classes: 4, alpha: 0.25, gamma: gamma)($0, t) }
        try GradientCheck.loss(x) {
            try FocalLoss(classes: 4, classWeights: [0.3, 1, 2, 0.7], alpha: 0.5, gamma: gamma)($0, t)
        }
    }

    @Test("Dice with beta 1 and 2")
    func dice() throws {
        let (x, t) = Self.inputs()
        try GradientCheck.loss(x) { try DiceLoss(classes: 4)($0, t) }
        try GradientCheck.loss(x) { try DiceLoss(classes: 4, beta: 2, smooth: 0.1)($0, t) }
    }

    @Test("MSE against one-hot labels")
    func mse() throws {
        let (x, t) = Self.inputs()
        try GradientCheck.loss(x) { try MSELoss()($0, t) }
    }

    @Test("Focal + Dice through the bilinear resize of small logits")
    func combinedInterpolated() throws {
        let (x, t) = Self.inputs(small: true)
        let loss = SegmentationLoss(classes: 4, primary: .focal(alpha: 0.5, gamma: 2), dice: true,
                                    classWeights: [1, 2, 0.5, 1])
        try GradientCheck.loss(x) { try loss($0, t) }
    }

    @Test("Loss names parse like the CLI spells them")
    func names() {
        #expect(SegmentationLoss(name: "ce+dice", classes: 3)?.primary == .crossEntropy)
        #expect(SegmentationLoss(name: "ce+dice", classes: 3)?.dice == true)
        #expect(SegmentationLoss(name: "focal", classes: 3)?.primary == .focal(alpha: 0.5, gamma: 2))
        #expect(SegmentationLoss(name: "dice", classes: 3)?.primary == SegmentationLoss.Primary.none)
        #expect(SegmentationLoss(name: "ce+focal", classes: 3) == nil)
        #expect(SegmentationLoss(name: "hinge", classes: 3) == nil)
    }
}
