import SegFormat

/// The loader's name for the shard reader.
public typealias ShardSet = ShardReader
