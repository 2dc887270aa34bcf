import Foundation
import Testing
@testable import SegImage

/// A bar chart stays a chart's size whatever it is given: thousands of classes draw the largest
/// `maxBars` and count the rest; values that are not numbers draw as empty bars.
@Suite struct BarChartBoundsTests {
    func bars(_ svg: String) -> Int { svg.components(separatedBy: "<rect x=").count - 1 }

    @Test func thousandsOfClassesDrawTheLargestAndCountTheRest() {
        let n = 65_535
        let values = (0..<n).map { Double(($0 * 7919) % n) / Double(n) }
        let chart = BarChart(title: "t", labels: (0..<n).map { "class \($0)" }, values: values, colours: [[1, 2, 3]])
        let svg = chart.svg()
        #expect(bars(svg) == BarChart.maxBars)
        #expect(svg.contains("… and \(n - BarChart.maxBars) more with smaller values, not drawn"))
        // The bars drawn are the largest values, in index order.
        let cut = values.sorted(by: >)[BarChart.maxBars - 1]
        #expect(chart.shown.count == BarChart.maxBars && chart.shown == chart.shown.sorted())
        #expect(chart.shown.allSatisfy { values[$0] >= cut })
        #expect(svg.count < 64 * 1024)
    }

    @Test func nonNumbersAndHugeValuesDrawWithoutTrapping() {
        let chart = BarChart(title: "t", labels: ["a", "b", "c", "d"], values: [.nan, .infinity, 1e300, 0.5], colours: [[1, 2, 3]])
        let svg = chart.svg()
        #expect(bars(svg) == 4 && svg.contains("—") && !svg.contains("more with smaller values"))
        // A short chart draws every value.
        #expect(chart.shown == [0, 1, 2, 3])
    }
}
