// swift-tools-version: 6.1
// A user's package of their own layers, with Slope as a versioned dependency: the layers
// build on SlopeLayers, their tests check the backward passes with SlopeTesting.
import PackageDescription

// Where Slope comes from. A user writes the repository's URL here; Examples/check-consumer.sh
// sets SLOPE_PACKAGE_URL to a tagged clone (file://…) of the Slope being tested.
guard let slopeURL = Context.environment["SLOPE_PACKAGE_URL"] else {
    fatalError(
        "set SLOPE_PACKAGE_URL to a Slope repository with a tag ≥ 0.3.0, e.g. "
            + "SLOPE_PACKAGE_URL=file:///path/to/slope swift test (Examples/check-consumer.sh does this)")
}

let package = Package(
    name: "ConsumerPackage",
    products: [
        .library(name: "MyLayers", targets: ["MyLayers"]),
        .executable(name: "MyLayersGate", targets: ["MyLayersGate"]),
    ],
    dependencies: [.package(url: slopeURL, from: "0.3.0")],
    targets: [
        .target(
            name: "MyLayers",
            dependencies: [
                .product(name: "SlopeLayers", package: "slope"), .product(name: "SlopeCheck", package: "slope"),
            ]),
        // The CI gate: `swift run MyLayersGate verify --format junit -o report.xml`.
        .executableTarget(
            name: "MyLayersGate",
            dependencies: [
                "MyLayers", .product(name: "SlopeCheck", package: "slope"), .product(name: "SlopeGate", package: "slope"),
            ]),
        .testTarget(
            name: "MyLayersTests",
            dependencies: [
                "MyLayers",
                .product(name: "SlopeLayers", package: "slope"), .product(name: "SlopeCheck", package: "slope"),
                .product(name: "SlopeTesting", package: "slope"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
