import Foundation

/// An image file read but not yet decoded, so decoding can shrink a large JPEG in the DCT when the
/// first geometric stage knows how small the result will be (`decode: {shrink_on_load: true}`), and
/// a JPEG is decoded only in the box the output window reads.
public struct EncodedImage: Sendable, Equatable {
    public var data: Data
    public var width: Int
    public var height: Int
    public var jpeg: Bool
    /// Whether decoding may shrink (`shrink_on_load`); without it a JPEG is still kept encoded, so
    /// that only the part its window reads is decoded.
    public var shrinkOnLoad: Bool

    public init(data: Data, width: Int, height: Int, jpeg: Bool, shrinkOnLoad: Bool = true) {
        self.data = data; self.width = width; self.height = height; self.jpeg = jpeg; self.shrinkOnLoad = shrinkOnLoad
    }

    /// The largest JPEG shrink (1, 2, 4 or 8) that keeps the decoded image at least `target` in both sides.
    public func shrink(forTarget target: (width: Int, height: Int)?) -> Int {
        guard jpeg, let target else { return 1 }
        var s = 1
        while s < 8 && width / (s * 2) >= target.width && height / (s * 2) >= target.height { s *= 2 }
        return s
    }
}
