import Foundation

/// `format: cityscapes`: the Cityscapes layout, labelIds mapped to the 19 training classes.
public struct CityscapesSource: InputSource {
    public static let declaration = SourceDeclaration(
        name: "cityscapes",
        summary: "Cityscapes: `leftImg8bit/<split>/<city>/*_leftImg8bit.png` with `gtFine/<split>/<city>/*_gtFine_labelIds.png`.",
        details: "Label files hold Cityscapes' labelIds; each becomes its trainId (the 19 classes road … bicycle, in trainId order) and every other id the ignore class, as cityscapesScripts' `labels.py` defines. The sample id is `<city>/<name>` without the suffix. List the 19 classes in `classes` (or `classes: 19`).",
        keys: [Keys.root.info, Keys.split.info])

    enum Keys {
        static let root = Param<String>.text("root", "dataset folder holding leftImg8bit/ and gtFine/")
        static let split = Param<String>.text("split", default: "train", "train, val or test")
    }

    /// trainId of each labelId 0...33 (cityscapesScripts' `helpers/labels.py`); others are ignored.
    static let trainIds: [Int: UInt8] = [7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10,
                                         24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18]

    public let root: String
    let split: String

    public init(_ keys: ParameterValues, base: URL, classes: [String]) throws {
        root = PipelineSpec.resolve(keys[Keys.root], against: base)
        split = keys[Keys.split]
    }

    public func records(root: String) throws -> [SampleRecord] {
        try FoldersSource(root: root, layout: .init(images: "leftImg8bit/\(split)", labels: "gtFine/\(split)",
                                                    imageSuffix: "_leftImg8bit.png", labelSuffix: "_gtFine_labelIds.png")).records(root: root)
    }

    public func labelTable(ignore: Int) -> [UInt16]? {
        (0..<256).map { Self.trainIds[$0].map(UInt16.init) ?? UInt16(ignore) }
    }
}
