import Foundation
import Testing
@testable import SegLoader
@testable import SegTrain

/// The schedules against values computed by hand from the reference's formulas.
@Suite struct LRScheduleTests {
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 + 1e-9 * abs(b) }

    @Test func cosineWithWarmupMatchesHandValues() {
        // 40 epochs: warm-up 2 epochs from 1e-4, last 2 epochs at min 1e-5, cosine between.
        let s = LRSchedule(kind: .cos, lr: 1e-3, minLR: 1e-5, epochs: 40)
        #expect(s.warmup == 2)
        #expect(close(s.rate(epoch: 0), 1e-4))
        #expect(close(s.rate(epoch: 1), 3.25e-4))            // 9e-4 * (1/2)^2 + 1e-4
        #expect(close(s.rate(epoch: 2), 1e-3))
        #expect(close(s.rate(epoch: 11), 8.55017856687341e-4))  // 1e-5 + 4.95e-4 * (1 + cos(pi/4))
        #expect(close(s.rate(epoch: 20), 5.05e-4))            // 1e-5 + 4.95e-4 * (1 + cos(pi/2))
        #expect(close(s.rate(epoch: 37), 1e-5 + 4.95e-4 * (1 + cos(Double.pi * 35 / 36))))
        #expect(close(s.rate(epoch: 38), 1e-5))
        #expect(close(s.rate(epoch: 39), 1e-5))
    }

    @Test func cosineWarmupIsCappedAndOverridable() {
        #expect(LRSchedule(kind: .cos, lr: 1, minLR: 0.01, epochs: 100).warmup == 3)
        #expect(LRSchedule(kind: .cos, lr: 1, minLR: 0.01, epochs: 10).warmup == 1)
        let none = LRSchedule(kind: .cos, lr: 1e-3, minLR: 1e-5, epochs: 40, warmupEpochs: 0)
        #expect(close(none.rate(epoch: 0), 1e-3))
        let long = LRSchedule(kind: .cos, lr: 1e-3, minLR: 1e-5, epochs: 40, warmupEpochs: 4)
        #expect(close(long.rate(epoch: 2), 9e-4 * 0.25 + 1e-4))
    }

    @Test func stepMatchesHandValues() {
        // Ten steps of 4 epochs from 1e-3 to 1e-5: rate = 0.01^(1/9).
        let s = LRSchedule(kind: .step, lr: 1e-3, minLR: 1e-5, epochs: 40)
        #expect(close(s.rate(epoch: 0), 1e-3))
        #expect(close(s.rate(epoch: 3), 1e-3))
        #expect(close(s.rate(epoch: 4), 1e-3 * 0.5994842503189409))
        #expect(close(s.rate(epoch: 20), 7.742636826811269e-5))   // 1e-3 * 0.01^(5/9)
        #expect(close(s.rate(epoch: 39), 1e-5))
    }

    @Test func constantStaysPut() {
        let s = LRSchedule(kind: .constant, lr: 3e-4, minLR: 1e-6, epochs: 5)
        #expect((0..<5).allSatisfy { s.rate(epoch: $0) == 3e-4 })
    }
}
