import SegImage
import SegPipeline
import SegTrain

/// The `curves.png` of a training run: losses in one panel, validation metrics in another.
enum TrainCurves {
    static func chart(_ records: [EpochRecord]) -> LineChart {
        LineChart(panels: [
            .init(title: "loss", series: [
                .init(name: "train", colour: "#1f77b4", values: records.map(\.trainLoss)),
                .init(name: "val", colour: "#ff7f0e", values: records.map(\.valLoss)),
            ]),
            .init(title: "validation", series: [
                .init(name: "mIoU", colour: "#2ca02c", values: records.map(\.miou)),
                .init(name: "mIoU present", colour: "#d62728", values: records.map(\.miouPresent)),
                .init(name: "mPA", colour: "#9467bd", values: records.map(\.mpa)),
                .init(name: "accuracy", colour: "#8c564b", values: records.map(\.accuracy)),
            ], yRange: 0...1),
        ], firstX: records.first?.epoch ?? 1)
    }
}
