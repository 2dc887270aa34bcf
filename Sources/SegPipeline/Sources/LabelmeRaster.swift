import Foundation

/// labelme's `shapes_to_label`: shapes drawn in file order onto a class map, later over earlier,
/// with the integer and float32 arithmetic of Pillow's `ImageDraw` (9.5–11.0, the versions labelme's
/// own example PNGs match): coordinates truncated toward zero, polygons filled by Pillow's scanline
/// rule (no separate outline: labelme passes the same value for both), circles and points as Pillow's
/// integer ellipse, lines 10 pixels wide as Pillow's wide-line polygons.
struct LabelmeRaster {
    let width: Int, height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height)
    }

    /// The shape kinds labelme draws.
    enum Shape {
        case polygon([(Double, Double)])
        case rectangle((Double, Double), (Double, Double))
        case circle(center: (Double, Double), rim: (Double, Double))
        case line([(Double, Double)])
        case point((Double, Double))
    }

    /// Draws `shape` with value `ink` (labelme: a mask of the shape, then `label[mask] = value`).
    mutating func draw(_ shape: Shape, ink: UInt8) {
        switch shape {
        case .polygon(let xy):
            polygon(xy.map { (Int($0.0), Int($0.1)) }, ink)
        case let .rectangle(a, b):
            rectangle(Int(min(a.0, b.0)), Int(min(a.1, b.1)), Int(max(a.0, b.0)), Int(max(a.1, b.1)), ink)
        case let .circle(c, p):
            let d = ((c.0 - p.0) * (c.0 - p.0) + (c.1 - p.1) * (c.1 - p.1)).squareRoot()
            ellipse(Int(c.0 - d), Int(c.1 - d), Int(c.0 + d), Int(c.1 + d), ink)
        case .line(let xy):
            for i in 0..<max(0, xy.count - 1) {
                wideLine(Int(xy[i].0), Int(xy[i].1), Int(xy[i + 1].0), Int(xy[i + 1].1), ink, width: 10)
            }
        case .point(let c):
            ellipse(Int(c.0 - 5), Int(c.1 - 5), Int(c.0 + 5), Int(c.1 + 5), ink)
        }
    }

    // MARK: Pillow's primitives (Draw.c)

    mutating func point(_ x: Int, _ y: Int, _ ink: UInt8) {
        if x >= 0 && x < width && y >= 0 && y < height { pixels[y * width + x] = ink }
    }

    mutating func hline(_ x0: Int, _ y: Int, _ x1: Int, _ ink: UInt8) {
        guard y >= 0 && y < height else { return }
        var a = x0, b = x1
        if a < 0 { a = 0 } else if a >= width { return }
        if b < 0 { return } else if b >= width { b = width - 1 }
        if a <= b { for x in a...b { pixels[y * width + x] = ink } }
    }

    struct Edge {
        var xmin, xmax, ymin, ymax, x0, y0: Int
        var dx: Float

        init(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) {
            (xmin, xmax) = x0 <= x1 ? (x0, x1) : (x1, x0)
            (ymin, ymax) = y0 <= y1 ? (y0, y1) : (y1, y0)
            dx = y0 == y1 ? 0 : Float(x1 - x0) / Float(y1 - y0)
            self.x0 = x0; self.y0 = y0
        }

        /// `(y - y0) * dx + x0` in float32, multiply and add rounded separately.
        func x(at y: Int) -> Float {
            let product: Float = Float(y - y0) * dx
            return product + Float(x0)
        }
    }

    static func roundUp(_ f: Float) -> Int {
        f >= 0 ? Int((f + 0.5).rounded(.down)) : -Int((Double(abs(f)) + 0.5).rounded(.down))
    }

    static func roundDown(_ f: Float) -> Int {
        f >= 0 ? Int((f - 0.5).rounded(.up)) : -Int((Double(abs(f)) - 0.5).rounded(.up))
    }

    static func roundUp(_ f: Double) -> Double { f >= 0 ? (f + 0.5).rounded(.down) : -(abs(f) + 0.5).rounded(.down) }
    static func roundDown(_ f: Double) -> Double { f >= 0 ? (f - 0.5).rounded(.up) : -(abs(f) - 0.5).rounded(.up) }

    /// `polygon_generic`: the scanline fill of Draw.c.
    mutating func fill(_ edges: [Edge], _ ink: UInt8) {
        guard !edges.isEmpty else { return }
        var table: [Edge] = []
        var ymin = height - 1, ymax = 0
        for e in edges {
            ymin = min(ymin, e.ymin); ymax = max(ymax, e.ymax)
            if e.ymin == e.ymax { hline(e.xmin, e.ymin, e.xmax, ink); continue }
            table.append(e)
        }
        ymin = max(ymin, 0); ymax = min(ymax, height)
        // One buffer for the whole fill (the corner join writes slot k, an edge index).
        var xx = [Float](repeating: 0, count: table.count * 2)
        var y = ymin
        while y <= ymax {
            var j = 0
            for i in 0..<table.count {
                let current = table[i]
                guard y >= current.ymin && y <= current.ymax else { continue }
                xx[j] = current.x(at: y)
                j += 1
                if y == current.ymax && y < ymax {
                    xx[j] = xx[j - 1]
                    j += 1
                } else if current.dx != 0 && xx[j - 1].rounded(.down) == xx[j - 1] {
                    for k in 0..<i {
                        let other = table[k]
                        if (current.dx > 0 && other.dx <= 0) || (current.dx < 0 && other.dx >= 0) { continue }
                        let joins = (y == current.ymin && y == other.ymin) || (y == current.ymax && y == other.ymax)
                        if joins && xx[j - 1] == other.x(at: y) {
                            let offset = y == ymax ? -1 : 1
                            let adjacent = current.x(at: y + offset), adjacentOther = other.x(at: y + offset)
                            if y == current.ymax {
                                xx[k] = current.dx > 0 ? max(adjacent, adjacentOther) + 1 : min(adjacent, adjacentOther) - 1
                            } else {
                                xx[k] = current.dx > 0 ? min(adjacent, adjacentOther) : max(adjacent, adjacentOther) + 1
                            }
                            break
                        }
                    }
                }
            }
            let row = xx[0..<j].sorted()
            for i in 0..<j { xx[i] = row[i] }
            var i = 1
            while i < j {
                hline(Self.roundUp(xx[i - 1]), y, Self.roundDown(xx[i]), ink)
                i += 2
            }
            y += 1
        }
    }

    /// `ImagingDrawPolygon` with a fill: edges of consecutive vertices (runs of horizontal edges
    /// merged), closed when the last vertex is not the first.
    mutating func polygon(_ points: [(Int, Int)], _ ink: UInt8) {
        guard !points.isEmpty else { return }
        var edges: [Edge] = []
        var i = 0
        while i < points.count - 1 {
            let (x0, y0) = points[i], (x1, y1) = points[i + 1]
            if y0 == y1 && i != 0 && y0 == points[i - 1].1 {
                if x1 > x0 && x0 > points[i - 1].0 { edges[edges.count - 1].xmax = x1; i += 1; continue }
                if x1 < x0 && x0 < points[i - 1].0 { edges[edges.count - 1].xmin = x1; i += 1; continue }
            }
            edges.append(Edge(x0, y0, x1, y1))
            i += 1
        }
        if points[i] != points[0] { edges.append(Edge(points[i].0, points[i].1, points[0].0, points[0].1)) }
        fill(edges, ink)
    }

    /// `ImagingDrawRectangle` with a fill.
    mutating func rectangle(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ ink: UInt8) {
        var a = min(y0, y1), b = max(y0, y1)
        if a < 0 { a = 0 } else if a >= height { return }
        if b < 0 { return } else if b > height { b = height }
        for y in a...b { hline(x0, y, x1, ink) }
    }

    /// `ImagingDrawWideLine`: a four-vertex polygon around the segment.
    mutating func wideLine(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ ink: UInt8, width w: Int) {
        let dx = x1 - x0, dy = y1 - y0
        if dx == 0 && dy == 0 { point(x0, y0, ink); return }
        let big = Double(dx * dx + dy * dy).squareRoot()
        let small = Double(w - 1) / 2
        let ratioMax = Self.roundUp(small) / big, ratioMin = Self.roundDown(small) / big
        let dxmin = Int(Self.roundDown(ratioMin * Double(dy))), dxmax = Int(Self.roundDown(ratioMax * Double(dy)))
        let dymin = Int(Self.roundDown(ratioMin * Double(dx))), dymax = Int(Self.roundDown(ratioMax * Double(dx)))
        let v = [(x0 - dxmin, y0 + dymax), (x1 - dxmin, y1 + dymax), (x1 + dxmax, y1 - dymin), (x0 + dxmax, y0 - dymin)]
        fill((0..<4).map { Edge(v[$0].0, v[$0].1, v[($0 + 1) % 4].0, v[($0 + 1) % 4].1) }, ink)
    }

    /// `ellipseNew` with a fill: Pillow's integer quarter-ellipse walk on a doubled grid.
    mutating func ellipse(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ ink: UInt8) {
        let a = x1 - x0, b = y1 - y0
        guard a >= 0 && b >= 0 else { return }
        var state = EllipseWalk(a: a, b: b, width: a + b)
        while let (sx0, sy, sx1) = state.next() {
            hline(x0 + (sx0 + a) / 2, y0 + (sy + b) / 2, x0 + (sx1 + a) / 2, ink)
        }
    }
}

/// Draw.c's `quarter_*` and `ellipse_*` state: horizontal spans of a filled ellipse on a 2x grid.
struct EllipseWalk {
    struct Quarter {
        var a2 = 0, b2 = 0, a2b2 = 0, cx = 0, cy = 0, ex = 0, ey = 0
        var finished = true

        init(a: Int, b: Int) {
            guard a >= 0 && b >= 0 else { return }
            cx = a; cy = b % 2; ex = a % 2; ey = b
            a2 = a * a; b2 = b * b; a2b2 = a2 * b2
            finished = false
        }

        func delta(_ x: Int, _ y: Int) -> Int { abs(a2 * y * y + b2 * x * x - a2b2) }

        mutating func next() -> (Int, Int)? {
            guard !finished else { return nil }
            let ret = (cx, cy)
            if cx == ex && cy == ey {
                finished = true
            } else {
                var nx = cx, ny = cy + 2
                var nd = delta(nx, ny)
                if nx > 1 {
                    var d = delta(cx - 2, cy + 2)
                    if nd > d { nx = cx - 2; ny = cy + 2; nd = d }
                    d = delta(cx - 2, cy)
                    if nd > d { nx = cx - 2; ny = cy }
                }
                cx = nx; cy = ny
            }
            return ret
        }
    }

    var buffer: [(Int, Int, Int)] = []
    let leftmost: Int
    var outer: Quarter, inner: Quarter
    var pr = 0, py = 0, pl = 0
    var finished = true

    init(a: Int, b: Int, width w: Int) {
        leftmost = a % 2
        outer = Quarter(a: a, b: b)
        inner = Quarter(a: -1, b: -1)
        guard w >= 1, let first = outer.next() else { return }
        (pr, py) = first
        finished = false
        inner = Quarter(a: a - 2 * (w - 1), b: b - 2 * (w - 1))
        pl = leftmost
    }

    mutating func next() -> (Int, Int, Int)? {
        if buffer.isEmpty {
            if finished { return nil }
            let y = py
            var l = pl
            let r = pr
            var p = outer.next()
            while let q = p, q.1 <= y { p = outer.next() }
            if let q = p { (pr, py) = q } else { finished = true }
            p = inner.next()
            while let q = p, q.1 <= y { l = q.0; p = inner.next() }
            pl = p.map { $0.0 } ?? leftmost
            if (l > 0 || l < r) && y > 0 { buffer.append((l == 0 ? 2 : l, y, r)) }
            if y > 0 { buffer.append((-r, y, -l)) }
            if l > 0 || l < r { buffer.append((l == 0 ? 2 : l, -y, r)) }
            buffer.append((-r, -y, -l))
        }
        return buffer.popLast()
    }
}
