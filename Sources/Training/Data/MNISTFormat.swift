/// MNIST-format data sets (MNIST, Fashion-MNIST): four IDX files, images 1×28×28, 10 classes.
public enum MNISTFormat {
    public static let trainImages = "train-images-idx3-ubyte"
    public static let trainLabels = "train-labels-idx1-ubyte"
    public static let testImages = "t10k-images-idx3-ubyte"
    public static let testLabels = "t10k-labels-idx1-ubyte"
    public static let fileNames = [trainImages, trainLabels, testImages, testLabels]

    /// Loads the first examples of each split from `directory`, which holds the four files
    /// (each plain or gzipped).
    public static func load(directory: String, request: DataRequest, classes: Int = 10) throws -> DatasetSplit {
        func path(_ name: String) throws -> String {
            guard let found = dataFile(named: name, in: directory) else {
                throw DataError(.unreadable, path: joinPath(directory, name), "no such file (nor \(name).gz)")
            }
            return found
        }
        let train = try loadPart(imagesPath: path(trainImages), labelsPath: path(trainLabels),
                                 count: request.trainCount, classes: classes)
        let test = try loadPart(imagesPath: path(testImages), labelsPath: path(testLabels),
                                count: request.testCount, classes: classes)
        if (train.height, train.width) != (test.height, test.width) {
            throw DataError(.mismatch, path: directory,
                            "training images are \(train.height)×\(train.width) but test images are \(test.height)×\(test.width)")
        }
        return DatasetSplit(train: train, test: test)
    }

    /// One split: an idx3 image file and the idx1 label file that goes with it.
    /// - Parameter count: the first `count` examples; nil for all.
    public static func loadPart(imagesPath: String, labelsPath: String, count: Int?, classes: Int = 10) throws -> Dataset {
        // Labels first: small, and their header alone catches most count mismatches cheaply.
        let labels = try IDXFile.read(path: labelsPath, rank: 1, limit: count, itemName: "labels")
        let images = try IDXFile.read(path: imagesPath, rank: 3, limit: count, itemName: "images")
        if images.declaredCount != labels.declaredCount {
            throw DataError(.mismatch, path: imagesPath,
                            "holds \(images.declaredCount) images but \(labelsPath) holds \(labels.declaredCount) labels")
        }
        if images.declaredCount == 0 {
            throw DataError(.corrupt, path: imagesPath, "the file holds no images")
        }
        let (height, width) = (images.dimensions[1], images.dimensions[2])
        if height == 0 || width == 0 {
            throw DataError(.corrupt, path: imagesPath, "images of \(height)×\(width) pixels")
        }
        let checked = try checkedLabels(labels.bytes[...], classes: classes, path: labelsPath)
        return Dataset(images: unitIntervalFloats(images.bytes), labels: checked,
                       channels: 1, height: height, width: width, classes: classes)
    }
}
