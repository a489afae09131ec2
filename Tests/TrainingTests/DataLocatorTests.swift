import Foundation
import XCTest
import Training

/// The search order: --data DIR, $SCHEDC_DATA_DIR, the system package, the shipped subset.
final class DataLocatorTests: XCTestCase {
    /// Four roots, each with a (distinguishable) Fashion-MNIST copy.
    private struct Roots {
        let directory = TemporaryDirectory()
        var explicit: String { directory.path("explicit") }
        var environment: String { directory.path("environment") }
        var system: String { directory.path("system") }
        var subset: String { directory.path("subset") }

        init(subsetTrain: Int = 30, subsetTest: Int = 10) throws {
            try writeMNISTFixture(in: explicit, gzip: true, seed: 1)
            // 28×28, the data set's shape, since a test loads this one (other shapes are refused).
            try writeMNISTFixture(in: environment, height: 28, width: 28, gzip: false, seed: 2)
            try writeMNISTFixture(in: system, gzip: true, seed: 3)
            try writeMNISTFixture(in: subset, trainCount: subsetTrain, testCount: subsetTest, gzip: true, seed: 4)
        }

        func locator(explicit useExplicit: Bool = true, environment useEnvironment: Bool = true,
                     system useSystem: Bool = true, subset useSubset: Bool = true) -> DataLocator {
            DataLocator(explicitDirectory: useExplicit ? explicit : nil,
                        environmentDirectory: useEnvironment ? environment : nil,
                        systemDirectories: useSystem ? [.fashionMNIST: system] : [:],
                        shippedSubsetDirectory: useSubset ? subset : nil)
        }
    }

    private let small = DataRequest.subset(20, testCount: 5)

    func testSearchOrder() throws {
        let roots = try Roots()
        XCTAssertEqual(try roots.locator().locate(.fashionMNIST, request: small),
                       DataLocation(directory: roots.explicit, origin: .explicit))
        XCTAssertEqual(try roots.locator(explicit: false).locate(.fashionMNIST, request: small),
                       DataLocation(directory: roots.environment, origin: .environment))
        XCTAssertEqual(try roots.locator(explicit: false, environment: false).locate(.fashionMNIST, request: small),
                       DataLocation(directory: roots.system, origin: .system))
        XCTAssertEqual(try roots.locator(explicit: false, environment: false, system: false).locate(.fashionMNIST, request: small),
                       DataLocation(directory: roots.subset, origin: .shippedSubset))
    }

    func testLoadReportsTheDirectoryUsedAndReadsIt() throws {
        let roots = try Roots()
        let loaded = try LoadableDataset.fashionMNIST.load(small, locator: roots.locator(explicit: false))
        XCTAssertEqual(loaded.location, DataLocation(directory: roots.environment, origin: .environment))
        XCTAssertEqual(loaded.split.train.labels, fixtureLabels(20, seed: 2).map(Int32.init))
        XCTAssertEqual(loaded.summary,
                       "fashion_mnist: 20 training and 5 test images from \(roots.environment) (from $SCHEDC_DATA_DIR)")
    }

    /// An explicit directory that lacks the data set is an error: never silently another copy.
    func testExplicitDirectoryWithoutTheFilesIsAnError() throws {
        let roots = try Roots()
        let empty = roots.directory.path("empty", directory: true)
        var locator = roots.locator()
        locator.explicitDirectory = empty
        assertDataError(try locator.locate(.fashionMNIST, request: small), kind: .notFound, path: empty,
                        mentions: ["the --data directory holds no fashion_mnist files", "train-images-idx3-ubyte[.gz]", "fashion-mnist/"])
        locator.explicitDirectory = roots.directory.path("does-not-exist")
        assertDataError(try locator.locate(.fashionMNIST, request: small), kind: .notFound,
                        path: roots.directory.path("does-not-exist"), mentions: ["the --data directory does not exist"])
        locator.explicitDirectory = roots.explicit + "/" + MNISTFormat.trainImages + ".gz"
        assertDataError(try locator.locate(.fashionMNIST, request: small), kind: .notFound, path: locator.explicitDirectory!,
                        mentions: ["the --data path is a file, expected a directory"])
    }

    /// $SCHEDC_DATA_DIR may be a root for several data sets: one without this data set is skipped.
    func testEnvironmentDirectoryWithoutTheFilesFallsThrough() throws {
        let roots = try Roots()
        var locator = roots.locator(explicit: false)
        locator.environmentDirectory = roots.directory.path("empty", directory: true)
        XCTAssertEqual(try locator.locate(.fashionMNIST, request: small).origin, .system)
        locator.environmentDirectory = roots.directory.path("missing")
        XCTAssertEqual(try locator.locate(.fashionMNIST, request: small).origin, .system)
    }

    func testDataSetFoldersUnderARoot() throws {
        let directory = TemporaryDirectory()
        try writeMNISTFixture(in: directory.path("fashion-mnist"), gzip: true, seed: 5)
        try writeMNISTFixture(in: directory.path("mnist"), gzip: false, seed: 6)
        let locator = DataLocator(environmentDirectory: directory.path)
        XCTAssertEqual(try locator.locate(.fashionMNIST, request: .full).directory, directory.path("fashion-mnist"))
        XCTAssertEqual(try locator.locate(.mnist, request: .full).directory, directory.path("mnist"))
        let explicit = DataLocator(explicitDirectory: directory.path + "/")
        XCTAssertEqual(try explicit.locate(.mnist, request: .full).directory, directory.path("mnist"))
    }

    func testIncompleteDirectoryIsAnError() throws {
        let roots = try Roots()
        try FileManager.default.removeItem(atPath: roots.environment + "/" + MNISTFormat.testLabels)
        assertDataError(try roots.locator(explicit: false).locate(.fashionMNIST, request: small), kind: .unreadable,
                        path: roots.environment, mentions: ["incomplete fashion_mnist directory: missing t10k-labels-idx1-ubyte[.gz]"])
    }

    /// The shipped subset serves only requests within its size.
    func testSubsetOnlyWhenTheRequestFits() throws {
        let roots = try Roots(subsetTrain: 30, subsetTest: 10)
        let onlySubset = roots.locator(explicit: false, environment: false, system: false)
        let size = DataLocator.shippedSubsetSize
        XCTAssertEqual(try onlySubset.locate(.fashionMNIST, request: .subset(size.train)).origin, .shippedSubset)
        assertDataError(try onlySubset.locate(.fashionMNIST, request: .full), kind: .notFound, path: "fashion_mnist",
                        mentions: ["holds only the first 10000 training and 2000 test images, and this needs 60000 and 10000",
                                   "install Debian's dataset-fashion-mnist", "--data DIR"])
        assertDataError(try onlySubset.locate(.fashionMNIST, request: .subset(size.train + 1)), kind: .notFound,
                        path: "fashion_mnist", mentions: ["this needs 10001 and 2000"])
        assertDataError(try onlySubset.locate(.fashionMNIST, request: .subset(100, testCount: size.test + 1)), kind: .notFound,
                        path: "fashion_mnist", mentions: ["this needs 100 and 2001"])
        // Other data sets never use it.
        assertDataError(try onlySubset.locate(.mnist, request: .subset(10)), kind: .notFound, path: "mnist",
                        mentions: ["no directory to search"])
    }

    func testNotFoundListsWhereItLooked() throws {
        let directory = TemporaryDirectory()
        let locator = DataLocator(environmentDirectory: directory.path("env"), systemDirectories: [.fashionMNIST: directory.path("sys")])
        assertDataError(try locator.locate(.fashionMNIST, request: .full), kind: .notFound, path: "fashion_mnist",
                        mentions: ["looked in $SCHEDC_DATA_DIR (\(directory.path("env"))), \(directory.path("sys"))"])
        assertDataError(try DataLocator().locate(.fashionMNIST, request: .subset(10)), kind: .notFound, path: "fashion_mnist",
                        mentions: ["no directory to search",
                                   "the subset shipped in the repository (Samples/data/fashion-mnist-subset) is not under the current directory nor beside the program"])
        assertDataError(try DataLocator().locate(.cifar10, request: .full), kind: .notFound, path: "cifar10",
                        mentions: ["data_batch_1.bin[.gz]", "test_batch.bin[.gz]"])
    }

    /// The standard locator reads $SCHEDC_DATA_DIR (an empty value counts as unset).
    func testStandardLocatorReadsTheEnvironment() throws {
        let directory = TemporaryDirectory()
        let previous = getenv(DataLocator.environmentVariable).map { String(cString: $0) }
        defer {
            if let previous { setenv(DataLocator.environmentVariable, previous, 1) } else { unsetenv(DataLocator.environmentVariable) }
        }
        setenv(DataLocator.environmentVariable, directory.path, 1)
        XCTAssertEqual(DataLocator.standard().environmentDirectory, directory.path)
        XCTAssertEqual(DataLocator.standard(explicitDirectory: "/x").explicitDirectory, "/x")
        setenv(DataLocator.environmentVariable, "", 1)
        XCTAssertNil(DataLocator.standard().environmentDirectory)
        XCTAssertEqual(DataLocator.standard().systemDirectories[.fashionMNIST], "/usr/share/datasets/fashion-mnist")
    }

    func testInvalidRequests() {
        assertDataError(try LoadableDataset.fashionMNIST.load(.subset(0), locator: DataLocator()), kind: .mismatch,
                        path: "fashion_mnist", mentions: ["asked for 0 training examples, at least 1 is needed"])
        assertDataError(try LoadableDataset.cifar10.load(DataRequest(trainCount: nil, testCount: -3), locator: DataLocator()),
                        kind: .mismatch, path: "cifar10", mentions: ["asked for -3 test examples"])
    }
}
