import SegImage

extension StageContext {
    /// The most pixels a raster a stage makes may hold: the pixel limit of the run (`--max-pixels`)
    /// or of the pipeline's `decode` (`pixelBudget`, set by the pipeline), else the files' default.
    public var rasterLimit: Int { maxPixels ?? pixelBudget ?? FileGate.defaultMaxPixels }

    /// The gate every size a stage computes from its draws, and every output the renderer makes,
    /// passes before anything is allocated or divided by it: at least 1 x 1, and at most
    /// `rasterLimit` pixels. `by` names what makes it (`'resize'`), `what` the parameters to change.
    public func checkSize(width: Int, height: Int, by: String, what: String, sample: Sample) throws {
        try Self.checkSize(width: width, height: height, limit: rasterLimit, by: by, what: what, sample: sample)
    }

    /// The gate for callers that may have no context (previews, tests): the files' default limit then.
    public static func checkSize(width: Int, height: Int, in context: StageContext?, by: String, what: String, sample: Sample) throws {
        try checkSize(width: width, height: height, limit: context?.rasterLimit ?? FileGate.defaultMaxPixels, by: by, what: what, sample: sample)
    }

    private static func checkSize(width: Int, height: Int, limit rasterLimit: Int, by: String, what: String, sample: Sample) throws {
        guard width < 1 || height < 1 || width.multipliedReportingOverflow(by: height).overflow || width * height > rasterLimit else { return }
        if width < 1 || height < 1 {
            throw SampleError(id: sample.id, file: sample.imagePath, problem: "would be resized to \(width)x\(height) by \(by), an empty image",
                              fix: "raise \(what) so that every side keeps at least one pixel")
        }
        throw SampleError(id: sample.id, file: sample.imagePath,
                          problem: "would become \(width)x\(height) in \(by), more than the \(rasterLimit) pixels a sample may hold",
                          fix: "lower \(what), or raise --max-pixels (decode's max_pixels) if the memory is there")
    }
}
