import Foundation
import XCTest
import Training

final class DataMNISTFormatTests: XCTestCase {
    /// Fashion-MNIST files of 32×32 images (a padded copy, or another data set's files) are an
    /// error naming the file and both shapes; they used to train on a model built for 32×32
    /// without a word. The same files at 28×28 load.
    func testImagesOfAnotherShapeThanTheDataSetsAreRefused() throws {
        for dataset in [LoadableDataset.fashionMNIST, .mnist] {
            let padded = TemporaryDirectory()
            try writeMNISTFixture(in: padded.path, trainCount: 30, testCount: 10, height: 32, width: 32, gzip: true)
            assertDataError(try dataset.load(.subset(30, testCount: 10), locator: DataLocator(explicitDirectory: padded.path)),
                            kind: .mismatch, path: padded.path + "/" + MNISTFormat.trainImages + ".gz",
                            mentions: ["holds 32×32 images, but \(dataset.rawValue) images are 28×28"])
            let wide = TemporaryDirectory()
            try writeMNISTFixture(in: wide.path, trainCount: 30, testCount: 10, height: 28, width: 27, gzip: false)
            assertDataError(try dataset.load(.subset(30, testCount: 10), locator: DataLocator(explicitDirectory: wide.path)),
                            kind: .mismatch, path: wide.path + "/" + MNISTFormat.trainImages, mentions: ["holds 28×27 images"])

            let right = TemporaryDirectory()
            try writeMNISTFixture(in: right.path, trainCount: 30, testCount: 10, height: 28, width: 28, gzip: true)
            let loaded = try dataset.load(.subset(30, testCount: 10), locator: DataLocator(explicitDirectory: right.path))
            XCTAssertEqual([loaded.split.train.channels, loaded.split.train.height, loaded.split.train.width], [1, 28, 28])
        }
    }

    func testLoadsPlainAndGzippedDirectories() throws {
        for gzip in [false, true] {
            let directory = TemporaryDirectory()
            let fixture = try writeMNISTFixture(in: directory.path, trainCount: 50, testCount: 20, gzip: gzip)
            let split = try MNISTFormat.load(directory: directory.path, request: .full)
            XCTAssertEqual(split.train.count, 50)
            XCTAssertEqual(split.test.count, 20)
            for dataset in [split.train, split.test] {
                XCTAssertEqual([dataset.channels, dataset.height, dataset.width, dataset.classes], [1, 6, 5, 10])
                XCTAssertEqual(dataset.images.count, dataset.count * 30)
            }
            XCTAssertEqual(pixelBytes(split.train.images[...]), fixture.trainImages)
            XCTAssertEqual(pixelBytes(split.test.images[...]), fixture.testImages)
            XCTAssertEqual(split.train.labels, fixture.trainLabels.map(Int32.init))
            XCTAssertEqual(split.test.labels, fixture.testLabels.map(Int32.init))
        }
    }

    /// Pixels are b / 255 exactly: 0 → 0, 255 → 1, and every value in between.
    func testPixelScaling() throws {
        let directory = TemporaryDirectory()
        let bytes = (0..<256).map { UInt8($0) }
        try IDXFile.write(path: directory.path("images"), dimensions: [1, 16, 16], bytes: bytes, gzip: false)
        try IDXFile.write(path: directory.path("labels"), dimensions: [1], bytes: [3], gzip: false)
        let dataset = try MNISTFormat.loadPart(imagesPath: directory.path("images"), labelsPath: directory.path("labels"), count: nil)
        XCTAssertEqual(dataset.images, bytes.map { Float($0) / 255 })
        XCTAssertEqual(dataset.images.first, 0)
        XCTAssertEqual(dataset.images.last, 1)
    }

    func testSubsetTakesTheFirstExamples() throws {
        let directory = TemporaryDirectory()
        let full = try writeMNISTFixture(in: directory.path, trainCount: 50, testCount: 20, gzip: true)
        let split = try MNISTFormat.load(directory: directory.path, request: DataRequest(trainCount: 7, testCount: 3))
        XCTAssertEqual(split.train.count, 7)
        XCTAssertEqual(split.test.count, 3)
        XCTAssertEqual(pixelBytes(split.train.images[...]), Array(full.trainImages[..<(7 * 30)]))
        XCTAssertEqual(split.test.labels, full.testLabels[..<3].map(Int32.init))
    }

    func testPlainFileIsPreferredAndMixedCompressionWorks() throws {
        let directory = TemporaryDirectory()
        let fixture = try writeMNISTFixture(in: directory.path, gzip: true)
        // A plain copy of the training labels beside the .gz: the plain one is read.
        let plainLabels = fixture.trainLabels.map { ($0 + 1) % 10 }
        try IDXFile.write(path: directory.path(MNISTFormat.trainLabels), dimensions: [plainLabels.count],
                          bytes: plainLabels, gzip: false)
        let split = try MNISTFormat.load(directory: directory.path, request: .full)
        XCTAssertEqual(split.train.labels, plainLabels.map(Int32.init))
    }

    func testLabelOutOfRange() throws {
        let directory = TemporaryDirectory()
        try writeMNISTFixture(in: directory.path, trainCount: 10, gzip: false)
        var labels = fixtureLabels(10, seed: 1)
        labels[6] = 12
        let path = directory.path(MNISTFormat.trainLabels)
        try IDXFile.write(path: path, dimensions: [10], bytes: labels, gzip: false)
        assertDataError(try MNISTFormat.load(directory: directory.path, request: .full), kind: .labelOutOfRange, path: path,
                        mentions: ["label 12 of item 6 is out of range (labels are 0 to 9)"])
    }

    func testImageAndLabelCountMismatch() throws {
        let directory = TemporaryDirectory()
        try writeMNISTFixture(in: directory.path, trainCount: 10, testCount: 4, gzip: true)
        let labelsPath = directory.path(MNISTFormat.testLabels + ".gz")
        try IDXFile.write(path: labelsPath, dimensions: [5], bytes: [0, 1, 2, 3, 4], gzip: true)
        let imagesPath = directory.path(MNISTFormat.testImages + ".gz")
        assertDataError(try MNISTFormat.load(directory: directory.path, request: .full), kind: .mismatch, path: imagesPath,
                        mentions: ["holds 4 images but \(labelsPath) holds 5 labels"])
    }

    func testTrainAndTestShapesMustAgree() throws {
        let directory = TemporaryDirectory()
        try writeMNISTFixture(in: directory.path, gzip: false)
        try IDXFile.write(path: directory.path(MNISTFormat.testImages), dimensions: [20, 5, 6],
                          bytes: fixtureBytes(600, seed: 2), gzip: false)
        assertDataError(try MNISTFormat.load(directory: directory.path, request: .full), kind: .mismatch, path: directory.path,
                        mentions: ["training images are 6×5 but test images are 5×6"])
    }

    func testEmptyAndZeroSizedImages() throws {
        let directory = TemporaryDirectory()
        let images = directory.path("images"), labels = directory.path("labels")
        try IDXFile.write(path: images, dimensions: [0, 28, 28], bytes: [], gzip: false)
        try IDXFile.write(path: labels, dimensions: [0], bytes: [], gzip: false)
        assertDataError(try MNISTFormat.loadPart(imagesPath: images, labelsPath: labels, count: nil), kind: .corrupt, path: images,
                        mentions: ["holds no images"])
        try IDXFile.write(path: images, dimensions: [2, 0, 28], bytes: [], gzip: false)
        try IDXFile.write(path: labels, dimensions: [2], bytes: [1, 1], gzip: false)
        assertDataError(try MNISTFormat.loadPart(imagesPath: images, labelsPath: labels, count: nil), kind: .corrupt, path: images,
                        mentions: ["images of 0×28 pixels"])
    }

    func testMissingFileInDirectory() throws {
        let directory = TemporaryDirectory()
        try writeMNISTFixture(in: directory.path, gzip: true)
        try FileManager.default.removeItem(atPath: directory.path(MNISTFormat.testImages + ".gz"))
        assertDataError(try MNISTFormat.load(directory: directory.path, request: .full), kind: .unreadable,
                        path: directory.path(MNISTFormat.testImages), mentions: ["no such file (nor t10k-images-idx3-ubyte.gz)"])
    }

    func testSubsetLargerThanTheFiles() throws {
        let directory = TemporaryDirectory()
        try writeMNISTFixture(in: directory.path, trainCount: 10, gzip: true)
        assertDataError(try MNISTFormat.load(directory: directory.path, request: .subset(11, testCount: 2)), kind: .mismatch,
                        path: directory.path(MNISTFormat.trainLabels + ".gz"),
                        mentions: ["asked for the first 11 labels but the header declares only 10"])
        assertDataError(try MNISTFormat.load(directory: directory.path, request: .subset(Int.max, testCount: 2)), kind: .mismatch,
                        path: directory.path(MNISTFormat.trainLabels + ".gz"), mentions: ["but the header declares only 10"])
    }
}
