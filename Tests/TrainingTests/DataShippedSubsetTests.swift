import Foundation
import XCTest
import Training

/// The Fashion-MNIST subset in Samples/data/fashion-mnist-subset: found from the tests, whole,
/// and identical to the first examples of the full data set.
final class DataShippedSubsetTests: XCTestCase {
    /// The repository root, from this file's path (Tests/TrainingTests/<file>).
    private let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Checksums (CRC-32 of the pixel or label bytes, as Python's zlib.crc32 computes them)
    /// of the Debian package's data, recorded when the subset was made.
    private enum Recorded {
        static let trainImages: UInt32 = 0xBB35_A23E, trainLabels: UInt32 = 0x448B_6753
        static let testImages: UInt32 = 0x4933_3794, testLabels: UInt32 = 0x15CE_07FE
        static let firstTrainImage: UInt32 = 0xF270_BEB5, firstTestImage: UInt32 = 0x5283_0860
        static let firstTrainLabel: Int32 = 9
        static let trainHistogram = [942, 1027, 1016, 1019, 974, 989, 1021, 1022, 990, 1000]
    }

    private var onlyTheSubset: DataLocator {
        DataLocator(shippedSubsetDirectory: DataLocator.findShippedSubset())
    }

    func testFoundFromTheTests() throws {
        let found = try XCTUnwrap(DataLocator.findShippedSubset())
        XCTAssertEqual(URL(fileURLWithPath: found).standardized.path,
                       URL(fileURLWithPath: repositoryRoot + "/" + DataLocator.shippedSubsetPath).standardized.path)
    }

    /// The rule also works from any other current directory (the executable's and the source
    /// tree's ancestors are tried after the current directory's).
    func testFoundFromAnotherCurrentDirectory() throws {
        let elsewhere = TemporaryDirectory()
        let previous = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(elsewhere.path))
        XCTAssertNotNil(DataLocator.findShippedSubset())
    }

    func testContentsMatchTheRecordedChecksums() throws {
        let loaded = try LoadableDataset.fashionMNIST.load(.subset(10_000), locator: onlyTheSubset)
        XCTAssertEqual(loaded.location.origin, .shippedSubset)
        let split = loaded.split
        XCTAssertEqual(split.train.count, 10_000)
        XCTAssertEqual(split.test.count, 2_000)
        XCTAssertEqual([split.train.channels, split.train.height, split.train.width, split.train.classes], [1, 28, 28, 10])
        XCTAssertEqual(crc32(pixelBytes(split.train.images[..<784])), Recorded.firstTrainImage)
        XCTAssertEqual(crc32(pixelBytes(split.test.images[..<784])), Recorded.firstTestImage)
        XCTAssertEqual(split.train.labels[0], Recorded.firstTrainLabel)
        XCTAssertEqual(crc32(pixelBytes(split.train.images[...])), Recorded.trainImages)
        XCTAssertEqual(crc32(split.train.labels.map(UInt8.init)), Recorded.trainLabels)
        XCTAssertEqual(crc32(pixelBytes(split.test.images[...])), Recorded.testImages)
        XCTAssertEqual(crc32(split.test.labels.map(UInt8.init)), Recorded.testLabels)
    }

    func testLabelsAreRoughlyBalanced() throws {
        let split = try LoadableDataset.fashionMNIST.load(.subset(10_000), locator: onlyTheSubset).split
        let train = split.train.labelHistogram(), test = split.test.labelHistogram()
        XCTAssertEqual(train, Recorded.trainHistogram)
        for count in train { XCTAssert((900...1_100).contains(count), "\(train)") }
        for count in test { XCTAssert((170...230).contains(count), "\(test)") }
    }

    /// A smaller subset request is served by the shipped subset, as its first examples.
    func testSmallerRequestsTakeTheFirstExamples() throws {
        let full = try LoadableDataset.fashionMNIST.load(.subset(10_000), locator: onlyTheSubset).split
        let small = try LoadableDataset.fashionMNIST.load(.subset(600, testCount: 100), locator: onlyTheSubset).split
        XCTAssertEqual(small.train.images, Array(full.train.images[..<(600 * 784)]))
        XCTAssertEqual(small.train.labels, Array(full.train.labels[..<600]))
        XCTAssertEqual(small.test.labels, Array(full.test.labels[..<100]))
    }

    /// With Debian's dataset-fashion-mnist installed, its first examples are the subset's, and
    /// the full set loads. Without it, a full request must fail with advice (the subset is too small).
    func testAgreesWithTheDebianPackage() throws {
        let system = try XCTUnwrap(LoadableDataset.fashionMNIST.systemDirectory)
        let locator = DataLocator(systemDirectories: [.fashionMNIST: system], shippedSubsetDirectory: DataLocator.findShippedSubset())
        guard (try? locator.probe(system, for: .fashionMNIST)) == system else {
            assertDataError(try LoadableDataset.fashionMNIST.load(.full, locator: locator), kind: .notFound, path: "fashion_mnist",
                            mentions: ["install Debian's dataset-fashion-mnist"])
            return
        }
        let debian = try LoadableDataset.fashionMNIST.load(.subset(10_000), locator: locator)
        XCTAssertEqual(debian.location, DataLocation(directory: system, origin: .system))
        let shipped = try LoadableDataset.fashionMNIST.load(.subset(10_000), locator: onlyTheSubset).split
        XCTAssertEqual(crc32(pixelBytes(debian.split.train.images[..<784])), Recorded.firstTrainImage)
        XCTAssertEqual(debian.split.train.images, shipped.train.images)
        XCTAssertEqual(debian.split.train.labels, shipped.train.labels)
        XCTAssertEqual(debian.split.test.images, shipped.test.images)
        XCTAssertEqual(debian.split.test.labels, shipped.test.labels)

        let full = try LoadableDataset.fashionMNIST.load(.full, locator: locator).split
        XCTAssertEqual(full.train.count, 60_000)
        XCTAssertEqual(full.test.count, 10_000)
        XCTAssertEqual(full.train.labelHistogram(), [Int](repeating: 6_000, count: 10))
        XCTAssertEqual(full.test.labelHistogram(), [Int](repeating: 1_000, count: 10))
    }
}
