// `import SegTrain` also gives the shard loader and the format types its API uses.
@_exported import SegFormat
@_exported import SegLoader
