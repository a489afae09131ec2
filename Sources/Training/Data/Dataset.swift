/// A labelled image data set held in memory.
///
/// images: count × channels × height × width, Float, pixel values scaled to [0, 1]
/// labels: count, each in 0..<classes
public struct Dataset: Sendable {
    public var images: [Float]
    public var labels: [Int32]
    public let count: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    public let classes: Int

    public init(images: [Float], labels: [Int32], channels: Int, height: Int, width: Int, classes: Int) {
        precondition(images.count == labels.count * channels * height * width, "images and labels disagree on the count")
        self.images = images
        self.labels = labels
        self.count = labels.count
        self.channels = channels
        self.height = height
        self.width = width
        self.classes = classes
    }

    /// Floats per example (channels × height × width).
    public var featuresPerExample: Int { channels * height * width }
}

/// A training set and the test set evaluated against it.
public struct DatasetSplit: Sendable {
    public var train: Dataset
    public var test: Dataset
    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }
}
