import SegImage
extension StageContext {
    /// Turns a label map as read from its file into class indices: the source's value map, then
    /// reduce-zero-label, at least as wide as the pipeline's labels (`labelBytes`).
    func classIndices(_ label: inout Raster) {
        if let table = source?.labelTable(ignore: ignoreIndex) { label.mapLabels(table) }
        if reduceZeroLabel { label.mapLabels(ADE20KSource.reduceZeroLabel(ignore: ignoreIndex, wide: label.channels == 2)) }
        if label.channels < labelBytes, let wide = label.label(bytes: labelBytes) { label = wide }
    }
}
