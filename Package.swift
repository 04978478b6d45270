// swift-tools-version: 6.1
// Slope: is my backward pass right? Layers, finite-difference checks, and plots.
import PackageDescription

let package = Package(
    name: "Slope",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SlopeLayers", targets: ["SlopeLayers"]),
        .library(name: "SlopeTrain", targets: ["SlopeTrain"]),
        .library(name: "SlopeCheck", targets: ["SlopeCheck"]),
        .library(name: "SlopePlot", targets: ["SlopePlot"]),
        .library(name: "SlopeGate", targets: ["SlopeGate"]),
        .library(name: "SlopeTesting", targets: ["SlopeTesting"]),
        .library(name: "SlopeAutodiff", targets: ["SlopeAutodiff"]),
        .executable(name: "slope", targets: ["slope"]),
        .executable(name: "slope-bench", targets: ["slope-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // C libraries: a module map and a shim header each, nothing else.
        .systemLibrary(
            name: "CGD", pkgConfig: "gdlib",
            providers: [.apt(["libgd-dev"])]),
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        // libpng, which libgd already links: charts are encoded a row at a time (CPNGWriter).
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        // Small matrix products, the dense layer's small cases, and the element-wise kernels
        // that need vectorised exp (glibc's libmvec). No unsafe flags: a package with them
        // cannot be a versioned dependency; what the sums need is a pragma in the sources.
        .target(name: "CKernels"),
        // libgd's PNG encoding of a true-colour image without its copy of the whole image:
        // C, because libpng reports errors by longjmp.
        .target(name: "CPNGWriter", dependencies: ["CPNG"]),

        // Files written so that a crash never leaves half of one: every module that writes uses it.
        .target(name: "SlopeFiles"),
        .target(name: "SlopeLayers", dependencies: ["CBLAS", "CKernels"]),
        .target(name: "SlopeTrain", dependencies: ["SlopeLayers", "SlopeFiles"]),
        .target(name: "SlopeCheck", dependencies: ["SlopeLayers", "CKernels"]),
        .target(name: "SlopePlot", dependencies: ["CGD", "CPNGWriter", "SlopeFiles"]),
        // The verify and sweep commands over any registry of checks: a user's gate executable.
        .target(
            name: "SlopeGate",
            dependencies: [
                "SlopeCheck", "SlopeLayers", "SlopePlot", "SlopeFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The broken-layer zoo: demo and test material, not part of any product.
        .target(name: "SlopeZoo", dependencies: ["SlopeCheck", "SlopeLayers"]),
        // `expectGradientsCorrect(layer, inputs:)`: a gradient check as a Swift Testing issue.
        // It attaches a failing tensor's error map next to the JSON: SlopePlot draws it, and
        // SlopeGate's ErrorMap(tensor, in: report) is the one glue from a report to a map.
        .target(name: "SlopeTesting", dependencies: ["SlopeCheck", "SlopeLayers", "SlopePlot", "SlopeGate"]),
        // Swift's own autodiff (`import _Differentiation`) checked: `Tensor` made `Differentiable`,
        // `run(differentiable:at:)` for a pullback, custom `@derivative(of:)`s included. A module
        // of its own, so that nobody else imports `_Differentiation`.
        .target(name: "SlopeAutodiff", dependencies: ["SlopeCheck", "SlopeLayers"]),
        .executableTarget(
            name: "slope",
            dependencies: [
                "SlopeLayers", "SlopeTrain", "SlopeCheck", "SlopePlot", "SlopeGate", "SlopeZoo", "SlopeFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Benchmarks: `make bench`, never part of `make test`. No unsafe flags here either
        // (none anywhere in the manifest): `make bench` builds in release, where SwiftPM
        // compiles C with its own optimisation level, the same for the baselines as for
        // CKernels, so the ratios compare like with like.
        .target(name: "CBaselines", dependencies: ["CGD"], path: "Benchmarks/CBaselines"),
        // Counts the process's heap allocations (replaces malloc & co.): slope-bench only.
        .target(name: "CAllocationCounter", path: "Benchmarks/CAllocationCounter"),
        .executableTarget(
            name: "slope-bench",
            dependencies: [
                "SlopeLayers", "SlopeTrain", "SlopeCheck", "SlopePlot", "SlopeZoo", "SlopeFiles", "CBaselines", "CBLAS",
                "CAllocationCounter",
            ],
            path: "Benchmarks/slope-bench"),

        // What the test targets share (the one tolerance helper): a target under Tests/, in no product.
        .target(name: "SlopeTestSupport", dependencies: ["SlopeLayers"], path: "Tests/SlopeTestSupport"),
        .testTarget(name: "SlopeLayersTests", dependencies: ["SlopeLayers", "SlopeTestSupport"]),
        .testTarget(
            name: "SlopeTrainTests", dependencies: ["SlopeTrain", "SlopeLayers", "SlopeTestSupport"],
            exclude: ["CrashInputs"]),
        .testTarget(
            name: "SlopeCheckTests", dependencies: ["SlopeCheck", "SlopeLayers", "SlopeZoo"],
            resources: []),
        // CGD and CPNGWriter too: the row-at-a-time PNG encoder is compared with libgd's own.
        .testTarget(name: "SlopePlotTests", dependencies: ["SlopePlot", "CGD", "CPNGWriter"]),
        .testTarget(
            name: "SlopeGateTests", dependencies: ["SlopeGate", "SlopeCheck", "SlopeLayers", "SlopePlot", "SlopeZoo"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "SlopeTestingTests", dependencies: ["SlopeTesting", "SlopeCheck", "SlopeLayers", "SlopePlot", "SlopeGate"]),
        .testTarget(
            name: "SlopeAutodiffTests", dependencies: ["SlopeAutodiff", "SlopeTesting", "SlopeCheck", "SlopeLayers"]),
        .testTarget(
            name: "slopeTests", dependencies: ["slope", "SlopeTrain", "SlopeLayers", "SlopeCheck", "SlopeZoo"],
            exclude: ["BadInputs"]),
    ],
    swiftLanguageModes: [.v6]
)
