import Testing
@testable import SegLoader
@testable import SegTrain

@Suite("Training end to end")
struct OverfitTests {
    @Test("unet-s overfits one small batch with Adam (loss falls below 0.05)")
    func overfit() throws {
        // Two 16x16 images whose labels are a function of position (4 quadrant-like classes plus
        // a diagonal stripe), so the model must use its spatial context.
        let (n, size, classes) = (2, 16, 4)
        var random = TestRandom(seed: 60)
        let images: Tensor<Float> = random.tensor([n, 3, size, size])
        var values: [Int32] = []
        for b in 0..<n {
            for y in 0..<size {
                for x in 0..<size {
                    values.append(abs(x - y) < 2 ? 3 : Int32((b + (y < size / 2 ? 0 : 1) + (x < size / 2 ? 0 : 1)) % 3))
                }
            }
        }
        let labels = LabelMap(shape: [n, size, size], values: values)
        var step = TrainStep(classes: classes, seed: 61, learningRate: 1e-2)
        let first = try step(images: images, labels: labels)
        var last = first
        for _ in 0..<80 { last = try step(images: images, labels: labels) }
        #expect(first > 1.0)
        #expect(last < 0.05, "loss \(first) → \(last)")
        let predicted = step.predict(images: images)
        var m = ConfusionMatrix(classes: classes)
        m.add(labels: labels.values.map { UInt8($0) }, predictions: predicted)
        #expect(m.accuracy > 0.95, "eval-mode accuracy \(m.accuracy)")
    }
}
