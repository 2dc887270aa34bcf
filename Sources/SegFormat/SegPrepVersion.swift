/// The version of seg-prep: the CLI's `--version`, the Python package's `__version__` and its
/// `pyproject.toml` (a test keeps the three equal).
public enum SegPrepVersion {
    public static let string = "0.3.0"
}
