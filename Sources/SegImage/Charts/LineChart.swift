import Foundation
import SegFormat

/// Line charts of per-epoch curves drawn as SVG (rendered to pixels by libvips), one panel per
/// group of series sharing a y axis, stacked vertically.
public struct LineChart {
    /// One curve: a name, its colour and a value per x (non-finite values leave a gap).
    public struct Series {
        public var name: String
        public var colour: String
        public var values: [Double]

        public init(name: String, colour: String, values: [Double]) {
            self.name = name; self.colour = colour; self.values = values
        }
    }

    /// A panel: a title, series and an optional fixed y range.
    public struct Panel {
        public var title: String
        public var series: [Series]
        public var yRange: ClosedRange<Double>?

        public init(title: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
            self.title = title; self.series = series; self.yRange = yRange
        }
    }

    public var panels: [Panel]
    /// The x value of index 0 (epochs count from 1).
    public var firstX: Int
    public var xLabel: String

    public init(panels: [Panel], firstX: Int = 1, xLabel: String = "epoch") {
        self.panels = panels; self.firstX = firstX; self.xLabel = xLabel
    }

    /// The chart as an SVG document, 640 pixels wide, 240 pixels a panel.
    public func svg() -> String {
        let width = 640.0, panelHeight = 240.0, left = 60.0, right = 20.0, top = 30.0, bottom = 36.0
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(panelHeight) * panels.count)\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        for (p, panel) in panels.enumerated() {
            let y0 = Double(p) * panelHeight
            let plotW = width - left - right, plotH = panelHeight - top - bottom
            let count = panel.series.map(\.values.count).max() ?? 0
            let finite = panel.series.flatMap(\.values).filter(\.isFinite)
            var range = panel.yRange ?? ((finite.min() ?? 0)...(finite.max() ?? 1))
            if range.upperBound - range.lowerBound < 1e-12 { range = (range.lowerBound - 0.5)...(range.upperBound + 0.5) }
            func px(_ i: Int) -> Double { left + (count > 1 ? Double(i) / Double(count - 1) * plotW : plotW / 2) }
            func py(_ v: Double) -> Double { y0 + top + (1 - (v - range.lowerBound) / (range.upperBound - range.lowerBound)) * plotH }
            s += "<text x=\"10\" y=\"\(y0 + 20)\" font-family=\"DejaVu Sans\" font-size=\"14\">\(esc(panel.title))</text>"
            s += "<rect x=\"\(left)\" y=\"\(y0 + top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"black\" stroke-width=\"0.8\"/>"
            for k in 0...4 {
                let v = range.lowerBound + Double(k) / 4 * (range.upperBound - range.lowerBound)
                let y = py(v)
                s += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + plotW)\" y2=\"\(y)\" stroke=\"#dddddd\" stroke-width=\"0.6\"/>"
                s += "<text x=\"\(left - 5)\" y=\"\(y + 4)\" text-anchor=\"end\" font-family=\"DejaVu Sans\" font-size=\"10\">\(String(format: "%.3g", v))</text>"
            }
            let ticks = Swift.min(count, 10)
            for k in 0..<ticks {
                let i = ticks > 1 ? Int((Double(k) / Double(ticks - 1) * Double(count - 1)).rounded()) : 0
                s += "<text x=\"\(px(i))\" y=\"\(y0 + top + plotH + 14)\" text-anchor=\"middle\" font-family=\"DejaVu Sans\" font-size=\"10\">\(i + firstX)</text>"
            }
            s += "<text x=\"\(left + plotW / 2)\" y=\"\(y0 + panelHeight - 6)\" text-anchor=\"middle\" font-family=\"DejaVu Sans\" font-size=\"11\">\(esc(xLabel))</text>"
            for (k, series) in panel.series.enumerated() {
                var segments: [[String]] = [[]]
                for (i, v) in series.values.enumerated() {
                    if v.isFinite {
                        segments[segments.count - 1].append(String(format: "%.1f,%.1f", px(i), py(v)))
                    } else if !segments[segments.count - 1].isEmpty {
                        segments.append([])
                    }
                }
                for points in segments where !points.isEmpty {
                    if points.count == 1 {
                        let xy = points[0].split(separator: ",")
                        s += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(series.colour)\"/>"
                    } else {
                        s += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(series.colour)\" stroke-width=\"1.8\"/>"
                    }
                }
                let ly = y0 + 20
                let lx = 150 + Double(k) * 110
                s += "<line x1=\"\(lx)\" y1=\"\(ly - 4)\" x2=\"\(lx + 14)\" y2=\"\(ly - 4)\" stroke=\"\(series.colour)\" stroke-width=\"2\"/>"
                s += "<text x=\"\(lx + 18)\" y=\"\(ly)\" font-family=\"DejaVu Sans\" font-size=\"10\">\(esc(series.name))</text>"
            }
        }
        return s + "</svg>"
    }

    /// Renders and writes the chart as PNG (atomically); throws `VipsError` when it cannot be
    /// rendered, file errors when it cannot be written.
    public func writePNG(to path: String) throws {
        try AtomicFile.write(try Vips.encode(try Vips.renderSVG(svg()), suffix: ".png"), to: path)
    }

    package func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
