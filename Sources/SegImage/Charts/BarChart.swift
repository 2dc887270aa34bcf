/// A horizontal bar chart drawn as SVG (rendered to pixels by libvips).
public struct BarChart {
    public var title: String
    public var labels: [String]
    public var values: [Double]
    public var colours: [[UInt8]]

    public init(title: String, labels: [String], values: [Double], colours: [[UInt8]]) {
        self.title = title; self.labels = labels; self.values = values; self.colours = colours
    }

    /// The chart as an SVG document, 640 pixels wide, 22 pixels a bar.
    public func svg() -> String {
        let width = 640, left = 150, right = 90, bar = 22, top = 36
        let height = top + bar * values.count + 16
        let maxV = max(values.max() ?? 1, 1e-12)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"10\" y=\"22\" font-family=\"DejaVu Sans\" font-size=\"15\">\(esc(title))</text>"
        for (i, v) in values.enumerated() {
            let y = top + i * bar
            let w = Int(Double(width - left - right) * v / maxV)
            let c = colours[i % colours.count]
            s += "<text x=\"\(left - 6)\" y=\"\(y + 15)\" text-anchor=\"end\" font-family=\"DejaVu Sans\" font-size=\"12\">\(esc(labels[i]))</text>"
            s += "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\"\(max(w, 1))\" height=\"\(bar - 6)\" fill=\"rgb(\(c[0]),\(c[1]),\(c[2]))\" stroke=\"black\" stroke-width=\"0.5\"/>"
            s += "<text x=\"\(left + w + 5)\" y=\"\(y + 15)\" font-family=\"DejaVu Sans\" font-size=\"11\">\(format(v))</text>"
        }
        return s + "</svg>"
    }

    /// Renders and writes the chart as PNG; throws `VipsError` on failure.
    public func writePNG(to path: String) throws {
        let rgba = try Vips.renderSVG(svg())
        try Vips.savePNG(rgba, to: path)
    }

    package func format(_ v: Double) -> String {
        v >= 1000 || v == v.rounded() ? String(Int(v.rounded())) : String(format: "%.4f", v)
    }

    package func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
