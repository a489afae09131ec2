/// The CIFAR-10 binary format: files of 3073-byte records, each one label byte (0...9) and
/// 3072 pixel bytes (1024 red, then green, then blue, each 32×32 row-major) — already the
/// channels × height × width layout `Dataset` uses.
public enum CIFAR10 {
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFile = "test_batch.bin"
    public static let fileNames = trainFiles + [testFile]
    public static let channels = 3, height = 32, width = 32, classes = 10
    public static let pixelsPerImage = channels * height * width
    public static let recordSize = 1 + pixelsPerImage

    /// Loads the first examples of each split from a directory holding the six batch files
    /// (each plain or gzipped); training examples come from data_batch_1 first.
    public static func load(directory: String, request: DataRequest) throws -> DatasetSplit {
        func paths(_ names: [String]) throws -> [String] {
            try names.map { name in
                guard let found = dataFile(named: name, in: directory) else {
                    throw DataError(.unreadable, path: joinPath(directory, name), "no such file (nor \(name).gz)")
                }
                return found
            }
        }
        let train = try loadRecords(paths: paths(trainFiles), count: request.trainCount, itemName: "training images")
        let test = try loadRecords(paths: paths([testFile]), count: request.testCount, itemName: "test images")
        return DatasetSplit(train: train, test: test)
    }

    /// The first `count` records (nil: all) of the files taken in order, as one data set.
    public static func loadRecords(paths: [String], count: Int?, itemName: String = "images") throws -> Dataset {
        var batches: [(path: String, records: [UInt8])] = []
        var total = 0
        for path in paths {
            if let count, total >= count { break }
            let records = try readRecords(path: path, limit: count.map { $0 - total })
            total += records.count / recordSize
            batches.append((path, records))
        }
        if let count, total < count {
            throw DataError(.mismatch, path: paths.last ?? "cifar10",
                            "asked for the first \(count) \(itemName) but \(paths.count == 1 ? "the file holds" : "the \(paths.count) files hold") \(total)")
        }
        var labels = [Int32]()
        labels.reserveCapacity(total)
        let images = try [Float](unsafeUninitializedCapacity: total * pixelsPerImage) { buffer, initialized in
            var image = 0
            for (path, records) in batches {
                try records.withUnsafeBufferPointer { bytes in
                    for record in 0..<bytes.count / recordSize {
                        let start = record * recordSize
                        let label = bytes[start]
                        guard Int(label) < classes else {
                            throw DataError(.labelOutOfRange, path: path,
                                            "label \(label) of record \(record) is out of range (labels are 0 to \(classes - 1))")
                        }
                        labels.append(Int32(label))
                        unitIntervalFloats(UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(start + recordSize)]),
                                           into: buffer.baseAddress! + image * pixelsPerImage)
                        image += 1
                    }
                }
                initialized = image * pixelsPerImage
            }
        }
        return Dataset(images: images, labels: labels, channels: channels, height: height, width: width, classes: classes)
    }

    /// All of a batch file's records, or its first `limit`. Checks that the file is whole records.
    static func readRecords(path: String, limit: Int?) throws -> [UInt8] {
        let file = try InputFile(path: path)
        if !file.isGzip && file.sizeOnDisk % recordSize != 0 {
            throw partialRecord(path: path, size: file.sizeOnDisk)
        }
        // A huge request saturates (and then fails for want of records) instead of overflowing.
        let wanted = limit.map { $0.multipliedReportingOverflow(by: recordSize).overflow ? Int.max : $0 * recordSize } ?? Int.max
        let bytes = try file.read(upTo: wanted)
        if bytes.isEmpty {
            throw DataError(.corrupt, path: path, "empty file, expected \(recordSize)-byte records")
        }
        if bytes.count < wanted && bytes.count % recordSize != 0 {
            throw partialRecord(path: path, size: bytes.count)
        }
        return bytes
    }

    private static func partialRecord(path: String, size: Int) -> DataError {
        DataError(.truncated, path: path,
                  "truncated: \(size) bytes is not a whole number of \(recordSize)-byte records "
                  + "(\(size / recordSize) records and \(size % recordSize) bytes more)")
    }

    /// The bytes of a batch file. images: count × 3072 bytes (channels × 32 × 32); labels: count.
    public static func encodeBatch(images: [UInt8], labels: [UInt8]) -> [UInt8] {
        dataPrecondition(images.count == labels.count * pixelsPerImage, "images and labels disagree on the count")
        var file = [UInt8]()
        file.reserveCapacity(labels.count * recordSize)
        for (index, label) in labels.enumerated() {
            file.append(label)
            file.append(contentsOf: images[(index * pixelsPerImage)..<((index + 1) * pixelsPerImage)])
        }
        return file
    }

    /// Writes a batch file, gzipped when `gzip` is true.
    public static func writeBatch(path: String, images: [UInt8], labels: [UInt8], gzip: Bool) throws {
        try writeDataFile(path: path, bytes: encodeBatch(images: images, labels: labels), gzip: gzip)
    }
}
