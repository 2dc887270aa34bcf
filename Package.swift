// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "seg-prep",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "seg-prep", targets: ["SegPrepCLI"]),
        .library(name: "SegFormat", targets: ["SegFormat"]),
        .library(name: "SegImage", targets: ["SegImage"]),
        .library(name: "SegPipeline", targets: ["SegPipeline"]),
        .library(name: "SegLoader", targets: ["SegLoader"]),
        .library(name: "SegTrain", targets: ["SegTrain"]),
        .library(name: "SegTasks", targets: ["SegTasks"]),
        // libsegprep.so: a pipeline's samples for C, Python (ctypes) and other languages
        // (include/segprep.h).
        .library(name: "segprep", type: .dynamic, targets: ["SegPrepC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // System libraries from Debian (scripts/install-deps installs them).
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Linux sync_file_range(2), which Swift's Glibc module does not declare.
        .systemLibrary(name: "CFileSync"),
        // Fixed-argument C wrappers over libvips' variadic API.
        .target(name: "VipsShim", dependencies: ["CVips"]),
        // Codecs called directly: libjpeg's in-thread decoder, the palette-preserving label PNG
        // reader (libdeflate fast path, libpng for everything else), the palette PNG writer, and
        // GeoTIFF's georeferencing tags (libtiff).
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG", "CDeflate", "CTIFF"]),
        // What SIMD path this CPU runs (AVX-512, AVX2, portable): the one place the kernels below ask.
        .target(name: "CSimdDispatch"),
        // Pixel kernels (resampling passes, HSV, statistics, byte lookup), one operation per file.
        .target(name: "CPixelKernels", dependencies: ["CSimdDispatch"]),
        // Direct 3x3 convolution kernels for training (AVX-512, AVX2+FMA, portable).
        .target(name: "CConvKernels", dependencies: ["CSimdDispatch"]),
        // Batch conversion kernels of the loader (planes, labels, one-hot; AVX-512, AVX2).
        .target(name: "CLoaderKernels", dependencies: ["CSimdDispatch"]),
        // Pure Swift: safetensors reader/writer, shard manifest, checksums, the SIMD path in use.
        .target(name: "SegFormat", dependencies: ["CCrypto", "CXXHash", "CFileSync", "CSimdDispatch",
                                                  .product(name: "SystemPackage", package: "swift-system")]),
        // Rasters, palettes, the file gate every image and label passes, codecs, libvips, the
        // resamplers and colour kernels, charts and contact sheets.
        .target(name: "SegImage", dependencies: ["SegFormat", "VipsShim", "CImageCodecs", "CPixelKernels"]),
        // Pipeline files, stages, planner and the sharding runner.
        .target(name: "SegPipeline", dependencies: ["SegFormat", "SegImage", "VipsShim", "Yams"]),
        // The prefetching shard loader: batches of Float32 images and labels (no BLAS, no vips).
        .target(name: "SegLoader", dependencies: ["SegFormat", "CLoaderKernels"]),
        // Tensors, layers, losses, metrics, optimisers and the trainer (no vips).
        .target(name: "SegTrain", dependencies: [
            "SegFormat", "SegLoader", "COpenBLAS", "CConvKernels",
        ]),
        // The commands' work as callable APIs (predict, evaluate against a pipeline): what a command
        // does beyond parsing and printing lives here, so a library user can call it.
        .target(name: "SegTasks", dependencies: ["SegFormat", "SegImage", "SegPipeline", "SegTrain", "CArchive"]),
        // The C interface of include/segprep.h over `PipelineSampler`.
        .target(name: "SegPrepC", dependencies: ["SegPipeline", "SegImage", "SegLoader"]),
        .executableTarget(
            name: "SegPrepCLI",
            dependencies: [
                "SegFormat", "SegImage", "SegPipeline", "SegTrain", "SegTasks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SegFormatTests", dependencies: ["SegFormat"]),
        .testTarget(name: "SegImageTests", dependencies: ["SegImage", "SegFormat", "CPixelKernels"]),
        .testTarget(name: "SegPipelineTests", dependencies: ["SegPipeline", "SegImage", "SegFormat", "SegTasks", "CDeflate"]),
        .testTarget(name: "SegTrainTests", dependencies: ["SegTrain", "SegLoader", "SegFormat"]),
        .testTarget(name: "SegPrepCTests", dependencies: ["SegPrepC", "SegPipeline", "SegImage", "SegFormat"]),
        .testTarget(name: "SegTasksTests", dependencies: ["SegTasks", "SegImage", "SegPipeline", "SegTrain", "SegFormat"]),
    ]
)
