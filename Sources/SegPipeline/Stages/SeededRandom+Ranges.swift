/// Draws from the ranges stages declare (`Param.range`): a fixed value draws nothing.
extension SeededRandom {
    /// Uniform in [low, high), or `low` without a draw when the range is one value.
    public mutating func value(in range: (Double, Double)) -> Double {
        range.0 == range.1 ? range.0 : uniform(range.0, range.1)
    }

    /// An integer uniform in `low...high`, or `low` without a draw when the range is one value.
    public mutating func integer(in range: (Int, Int)) -> Int {
        let span = range.1 - range.0
        return span <= 0 ? range.0 : range.0 + min(Int(unit() * Double(span + 1)), span)
    }

    /// An integer uniform in `0..<n` (0 when n < 1).
    public mutating func below(_ n: Int) -> Int { integer(in: (0, n - 1)) }
}
