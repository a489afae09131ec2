/// The data sets schedc loads from files, by the names `.sched` files use.
public enum LoadableDataset: String, CaseIterable, Sendable {
    case fashionMNIST = "fashion_mnist"
    case mnist
    case cifar10

    /// The full training and test set sizes.
    public var fullSize: (train: Int, test: Int) {
        switch self {
        case .fashionMNIST, .mnist: return (60_000, 10_000)
        case .cifar10: return (50_000, 10_000)
        }
    }

    public var classes: Int { 10 }

    /// The shape of one image (channels × height × width). The models are built for it and the
    /// planner's memory estimate (S308) counts with it, so files of another shape are refused.
    public var imageShape: (channels: Int, height: Int, width: Int) {
        switch self {
        case .fashionMNIST, .mnist: return (1, 28, 28)
        case .cifar10: return (CIFAR10.channels, CIFAR10.height, CIFAR10.width)
        }
    }

    /// Files a directory must hold (each plain or with `.gz` added), train files first.
    public var requiredFiles: [String] {
        switch self {
        case .fashionMNIST, .mnist: return MNISTFormat.fileNames
        case .cifar10: return CIFAR10.fileNames
        }
    }

    /// Folders under a data root (`--data DIR`, `$SCHEDC_DATA_DIR`) that may hold this data set.
    public var folderNames: [String] {
        switch self {
        case .fashionMNIST: return ["fashion-mnist", "fashion_mnist"]
        case .mnist: return ["mnist"]
        case .cifar10: return ["cifar-10-batches-bin", "cifar10", "cifar-10"]
        }
    }

    /// Where a system package installs it (Debian's dataset-fashion-mnist), if anywhere.
    public var systemDirectory: String? {
        switch self {
        case .fashionMNIST: return "/usr/share/datasets/fashion-mnist"
        case .mnist, .cifar10: return nil
        }
    }

    /// Loads the data set found by `locator` (see `DataLocator` for the search order).
    public func load(_ request: DataRequest = .full, locator: DataLocator = .standard()) throws -> LoadedDataset {
        try request.validate(for: self)
        let location = try locator.locate(self, request: request)
        let split: DatasetSplit
        switch self {
        case .fashionMNIST, .mnist:
            split = try MNISTFormat.load(directory: location.directory, request: request, classes: classes)
        case .cifar10:
            split = try CIFAR10.load(directory: location.directory, request: request)
        }
        try checkShape(of: split, in: location.directory)
        return LoadedDataset(dataset: self, split: split, location: location)
    }
}

extension LoadableDataset {
    /// Refuses images of another shape than the data set's — say, Fashion-MNIST padded to
    /// 32×32. They would train without a word, on a model built for them rather than the one
    /// the plan's memory estimate and the other engines count with, and the run would not be
    /// the one its name says. (An error, not a warning: nothing downstream is right after it.)
    func checkShape(of split: DatasetSplit, in directory: String) throws {
        let expected = imageShape
        let found = (split.train.channels, split.train.height, split.train.width)
        guard found != expected else { return }
        let path: String
        switch self {
        case .fashionMNIST, .mnist: path = dataFile(named: MNISTFormat.trainImages, in: directory) ?? directory
        case .cifar10: path = directory
        }
        func describe(_ shape: (Int, Int, Int)) -> String { shape.0 == 1 ? "\(shape.1)×\(shape.2)" : "\(shape.0)×\(shape.1)×\(shape.2)" }
        throw DataError(.mismatch, path: path, "holds \(describe(found)) images, but \(rawValue) images are \(describe(expected)) "
                        + "(the models and the memory estimate are built for that); use the data set's own files, "
                        + "or convert them to \(describe(expected))")
    }
}

/// How much of a data set to load: all of it, or the first K training examples.
public struct DataRequest: Equatable, Sendable {
    /// The first `trainCount` training examples; nil for all.
    public var trainCount: Int?
    /// The first `testCount` test examples; nil for all.
    public var testCount: Int?

    public init(trainCount: Int?, testCount: Int?) {
        self.trainCount = trainCount
        self.testCount = testCount
    }

    /// Every training and test example.
    public static let full = DataRequest(trainCount: nil, testCount: nil)

    /// Test examples a subset request evaluates on, whatever its training size: the shipped
    /// Fashion-MNIST subset holds exactly these, so a subset run gives the same numbers with
    /// the subset or a full copy.
    public static let subsetTestCount = 2_000

    /// The first `trainCount` training examples and the first `subsetTestCount` test examples
    /// (`data fashion_mnist(subset: K)`).
    public static func subset(_ trainCount: Int, testCount: Int = subsetTestCount) -> DataRequest {
        DataRequest(trainCount: trainCount, testCount: testCount)
    }

    /// The counts this request needs from `dataset`: its own, or the full sizes.
    public func counts(of dataset: LoadableDataset) -> (train: Int, test: Int) {
        (trainCount ?? dataset.fullSize.train, testCount ?? dataset.fullSize.test)
    }

    func validate(for dataset: LoadableDataset) throws {
        for (count, part) in [(trainCount, "training"), (testCount, "test")] {
            guard let count else { continue }
            if count < 1 {
                throw DataError(.mismatch, path: dataset.rawValue, "asked for \(count) \(part) examples, at least 1 is needed")
            }
        }
    }
}

/// A data set in memory and where it came from.
public struct LoadedDataset: Sendable {
    public var dataset: LoadableDataset
    public var split: DatasetSplit
    public var location: DataLocation

    /// One line for the run log: `fashion_mnist: 10000 training and 2000 test images from DIR (…)`.
    public var summary: String {
        "\(dataset.rawValue): \(split.train.count) training and \(split.test.count) test images from \(location)"
    }
}
