/// A horizontal bar chart drawn as SVG (rendered to pixels by libvips).
public struct BarChart {
    public var title: String
    public var labels: [String]
    public var values: [Double]
    public var colours: [[UInt8]]

    public init(title: String, labels: [String], values: [Double], colours: [[UInt8]]) {
        self.title = title; self.labels = labels; self.values = values; self.colours = colours
    }

    /// The most bars a chart draws: with more values (a dataset of thousands of classes), the largest
    /// ones in their order and a last line counting the rest, so the image stays a chart's size.
    public static let maxBars = 64

    /// The values drawn: every index, or the `maxBars` largest (non-numbers count as 0) in order.
    package var shown: [Int] {
        guard values.count > Self.maxBars else { return Array(values.indices) }
        let largest = values.indices.sorted { (values[$0].isFinite ? values[$0] : 0, $1) > (values[$1].isFinite ? values[$1] : 0, $0) }
        return Array(largest.prefix(Self.maxBars)).sorted()
    }

    /// The chart as an SVG document, 640 pixels wide, 22 pixels a bar.
    public func svg() -> String {
        let width = 640, left = 150, right = 90, bar = 22, top = 36
        let rows = shown, hidden = values.count - rows.count
        let height = top + bar * (rows.count + (hidden > 0 ? 1 : 0)) + 16
        let finite = values.filter(\.isFinite)
        let maxV = max(finite.max() ?? 1, 1e-12)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"10\" y=\"22\" font-family=\"DejaVu Sans\" font-size=\"15\">\(esc(title))</text>"
        for (row, i) in rows.enumerated() {
            let y = top + row * bar, v = values[i]
            // A non-number (a class with no pixels) draws as an empty bar.
            let w = v.isFinite ? Int(Double(width - left - right) * min(max(v / maxV, 0), 1)) : 0
            let c = colours.isEmpty ? [128, 128, 128] : colours[i % colours.count]
            s += "<text x=\"\(left - 6)\" y=\"\(y + 15)\" text-anchor=\"end\" font-family=\"DejaVu Sans\" font-size=\"12\">\(esc(i < labels.count ? labels[i] : String(i)))</text>"
            s += "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\"\(max(w, 1))\" height=\"\(bar - 6)\" fill=\"rgb(\(c[0]),\(c[1]),\(c[2]))\" stroke=\"black\" stroke-width=\"0.5\"/>"
            s += "<text x=\"\(left + w + 5)\" y=\"\(y + 15)\" font-family=\"DejaVu Sans\" font-size=\"11\">\(format(v))</text>"
        }
        if hidden > 0 {
            s += "<text x=\"10\" y=\"\(top + rows.count * bar + 15)\" font-family=\"DejaVu Sans\" font-size=\"12\">… and \(hidden) more with smaller values, not drawn</text>"
        }
        return s + "</svg>"
    }

    /// Renders and writes the chart as PNG; throws `VipsError` on failure.
    public func writePNG(to path: String) throws {
        let rgba = try Vips.renderSVG(svg())
        try Vips.savePNG(rgba, to: path)
    }

    package func format(_ v: Double) -> String {
        guard v.isFinite else { return "—" }
        return abs(v) >= 1000 || v == v.rounded() ? String(format: "%.0f", v) : String(format: "%.4f", v)
    }

    package func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
