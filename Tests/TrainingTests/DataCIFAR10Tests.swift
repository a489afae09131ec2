import Foundation
import XCTest
import Training

final class DataCIFAR10Tests: XCTestCase {
    private let pixels = CIFAR10.pixelsPerImage

    /// Writes the six batch files, `perBatch` records each; returns all training then test bytes.
    private func writeCIFARFixture(in directory: String, perBatch: Int = 4, testCount: Int = 3, gzip: Bool)
        throws -> (trainImages: [UInt8], trainLabels: [UInt8], testImages: [UInt8], testLabels: [UInt8]) {
        var trainImages: [UInt8] = [], trainLabels: [UInt8] = []
        for (batch, name) in CIFAR10.trainFiles.enumerated() {
            let images = fixtureBytes(perBatch * pixels, seed: UInt64(10 + batch))
            let labels = fixtureLabels(perBatch, seed: UInt64(10 + batch))
            try CIFAR10.writeBatch(path: "\(directory)/\(name)\(gzip ? ".gz" : "")", images: images, labels: labels, gzip: gzip)
            trainImages += images
            trainLabels += labels
        }
        let testImages = fixtureBytes(testCount * pixels, seed: 20), testLabels = fixtureLabels(testCount, seed: 20)
        try CIFAR10.writeBatch(path: "\(directory)/\(CIFAR10.testFile)\(gzip ? ".gz" : "")", images: testImages,
                               labels: testLabels, gzip: gzip)
        return (trainImages, trainLabels, testImages, testLabels)
    }

    func testRecordLayout() {
        let images = (0..<(2 * pixels)).map { UInt8(truncatingIfNeeded: $0 / 7) }
        let file = CIFAR10.encodeBatch(images: images, labels: [3, 9])
        XCTAssertEqual(file.count, 2 * 3073)
        XCTAssertEqual(file[0], 3)
        XCTAssertEqual(Array(file[1..<3073]), Array(images[..<pixels]))
        XCTAssertEqual(file[3073], 9)
    }

    func testRoundTripPlainAndGzipped() throws {
        for gzip in [false, true] {
            let directory = TemporaryDirectory()
            let fixture = try writeCIFARFixture(in: directory.path, gzip: gzip)
            let split = try CIFAR10.load(directory: directory.path, request: .full)
            XCTAssertEqual(split.train.count, 20)
            XCTAssertEqual(split.test.count, 3)
            XCTAssertEqual([split.train.channels, split.train.height, split.train.width, split.train.classes], [3, 32, 32, 10])
            XCTAssertEqual(pixelBytes(split.train.images[...]), fixture.trainImages)
            XCTAssertEqual(split.train.labels, fixture.trainLabels.map(Int32.init))
            XCTAssertEqual(pixelBytes(split.test.images[...]), fixture.testImages)
            XCTAssertEqual(split.test.labels, fixture.testLabels.map(Int32.init))
        }
    }

    /// A subset spans batch files in order: data_batch_1 first.
    func testSubsetSpansBatchFiles() throws {
        let directory = TemporaryDirectory()
        let fixture = try writeCIFARFixture(in: directory.path, gzip: true)
        let split = try CIFAR10.load(directory: directory.path, request: .subset(10, testCount: 2))
        XCTAssertEqual(split.train.count, 10)
        XCTAssertEqual(pixelBytes(split.train.images[...]), Array(fixture.trainImages[..<(10 * pixels)]))
        XCTAssertEqual(split.train.labels, fixture.trainLabels[..<10].map(Int32.init))
        XCTAssertEqual(split.test.labels, fixture.testLabels[..<2].map(Int32.init))
    }

    func testFoundThroughTheLocator() throws {
        let directory = TemporaryDirectory()
        let folder = directory.path("cifar-10-batches-bin", directory: true)
        _ = try writeCIFARFixture(in: folder, gzip: false)
        let loaded = try LoadableDataset.cifar10.load(.full, locator: DataLocator(explicitDirectory: directory.path))
        XCTAssertEqual(loaded.location, DataLocation(directory: folder, origin: .explicit))
        XCTAssertEqual(loaded.split.train.count, 20)
    }

    func testTruncatedRecord() throws {
        let directory = TemporaryDirectory()
        _ = try writeCIFARFixture(in: directory.path, gzip: false)
        let path = directory.path("data_batch_3.bin")
        let bytes = directory.read("data_batch_3.bin")
        directory.write("data_batch_3.bin", Array(bytes.dropLast(100)))
        assertDataError(try CIFAR10.load(directory: directory.path, request: .full), kind: .truncated, path: path,
                        mentions: ["12192 bytes is not a whole number of 3073-byte records (3 records and 2973 bytes more)"])
        // The same inside a gzip stream.
        directory.write("data_batch_3.bin.gz", Gzip.compress(Array(bytes.dropLast(100))))
        try FileManager.default.removeItem(atPath: path)
        assertDataError(try CIFAR10.load(directory: directory.path, request: .full), kind: .truncated, path: path + ".gz",
                        mentions: ["not a whole number of 3073-byte records"])
    }

    func testLabelOutOfRange() throws {
        let directory = TemporaryDirectory()
        _ = try writeCIFARFixture(in: directory.path, gzip: false)
        var bytes = directory.read("test_batch.bin")
        bytes[2 * 3073] = 10
        let path = directory.write("test_batch.bin", bytes)
        assertDataError(try CIFAR10.load(directory: directory.path, request: .full), kind: .labelOutOfRange, path: path,
                        mentions: ["label 10 of record 2 is out of range (labels are 0 to 9)"])
    }

    func testEmptyBatchFile() throws {
        let directory = TemporaryDirectory()
        _ = try writeCIFARFixture(in: directory.path, gzip: true)
        let path = directory.write("data_batch_1.bin.gz", Gzip.compress([]))
        assertDataError(try CIFAR10.load(directory: directory.path, request: .full), kind: .corrupt, path: path,
                        mentions: ["empty file, expected 3073-byte records"])
    }

    func testAskingForMoreThanTheFilesHold() throws {
        let directory = TemporaryDirectory()
        _ = try writeCIFARFixture(in: directory.path, gzip: false)
        assertDataError(try CIFAR10.load(directory: directory.path, request: .subset(21, testCount: 1)), kind: .mismatch,
                        path: directory.path("data_batch_5.bin"),
                        mentions: ["asked for the first 21 training images but the 5 files hold 20"])
        assertDataError(try CIFAR10.load(directory: directory.path, request: .subset(Int.max / 2, testCount: 1)), kind: .mismatch,
                        path: directory.path("data_batch_5.bin"), mentions: ["the 5 files hold 20"])
    }

    func testMissingBatchFile() throws {
        let directory = TemporaryDirectory()
        _ = try writeCIFARFixture(in: directory.path, gzip: false)
        try FileManager.default.removeItem(atPath: directory.path("data_batch_4.bin"))
        assertDataError(try CIFAR10.load(directory: directory.path, request: .full), kind: .unreadable,
                        path: directory.path("data_batch_4.bin"), mentions: ["no such file"])
        // Through the locator the folder is incomplete, and says which file is missing.
        assertDataError(try LoadableDataset.cifar10.load(.full, locator: DataLocator(explicitDirectory: directory.path)),
                        kind: .unreadable, path: directory.path, mentions: ["missing data_batch_4.bin[.gz]"])
    }
}
