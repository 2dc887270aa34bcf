import CXXHash

/// Incremental XXH3-128 (Debian's libxxhash), the default shard checksum: an integrity check for
/// accidental damage, an order of magnitude faster than SHA-256.
///
/// The only file of this module that calls libxxhash.
public final class XXH3Hasher {
    private let state: OpaquePointer

    /// Whether updates take libxxhash's dispatching entry (AVX2 on this path), not its SSE2 build.
    private let vector: Bool

    public init(path: SIMDPath = .current) {
        state = XXH3_createState()
        XXH3_128bits_reset(state)
        vector = path >= .avx2
    }

    deinit { XXH3_freeState(state) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        #if arch(x86_64)
        if vector {
            _ = XXH3_128bits_update_dispatch(state, bytes.baseAddress, bytes.count)
            return
        }
        #endif
        _ = XXH3_128bits_update(state, bytes.baseAddress, bytes.count)
    }

    /// The digest as 32 lowercase hex digits in xxHash's canonical (big-endian) order, as `xxhsum -H2`
    /// and Python's `xxhash.xxh3_128().hexdigest()` print it.
    public func finalize() -> String {
        var canonical = XXH128_canonical_t()
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state))
        let digits = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: canonical.digest) { raw in
            String(decoding: raw.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
        }
    }
}
