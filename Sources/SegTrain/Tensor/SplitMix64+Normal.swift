import SegFormat

extension SplitMix64 {
    /// A standard normal sample (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = max(nextUnit(), 1e-300)
        let u2 = nextUnit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}
