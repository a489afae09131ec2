import XCTest
import Training

final class DataSyntheticTests: XCTestCase {
    func testDeterministicForASeedAndDifferentAcrossSeeds() {
        let a = SyntheticDataset(seed: 7).make(trainCount: 40, testCount: 10)
        let b = SyntheticDataset(seed: 7).make(trainCount: 40, testCount: 10)
        let c = SyntheticDataset(seed: 8).make(trainCount: 40, testCount: 10)
        XCTAssertEqual(a.train.images, b.train.images)
        XCTAssertEqual(a.train.labels, b.train.labels)
        XCTAssertEqual(a.test.images, b.test.images)
        XCTAssertNotEqual(a.train.images, c.train.images)
        // Training and test examples are drawn from different streams.
        XCTAssertNotEqual(Array(a.train.images[..<784]), Array(a.test.images[..<784]))
    }

    /// Example i depends only on (seed, split, i): a smaller set is a prefix of a larger one.
    func testSmallerSetIsAPrefix() {
        let generator = SyntheticDataset(seed: 3)
        let small = generator.examples(25, of: .train), large = generator.examples(60, of: .train)
        XCTAssertEqual(small.images, Array(large.images[..<(25 * 784)]))
        XCTAssertEqual(small.labels, Array(large.labels[..<25]))
    }

    func testShapeRangeAndBalance() {
        var generator = SyntheticDataset(seed: 11)
        generator.channels = 3
        generator.height = 32
        generator.width = 32
        let dataset = generator.examples(2_000, of: .train)
        XCTAssertEqual([dataset.count, dataset.channels, dataset.height, dataset.width, dataset.classes], [2_000, 3, 32, 32, 10])
        XCTAssertEqual(dataset.images.count, 2_000 * 3 * 32 * 32)
        XCTAssert(dataset.images.allSatisfy { $0 >= 0 && $0 <= 1 })
        for count in dataset.labelHistogram() { XCTAssert((150...250).contains(count), "\(dataset.labelHistogram())") }
        // Not blank: the blobs reach bright values, the background stays dark.
        XCTAssertGreaterThan(dataset.images.max()!, 0.8)
        XCTAssertLessThan(dataset.images.reduce(0, +) / Float(dataset.images.count), 0.4)
    }

    /// Learnable: a nearest-class-mean classifier fitted on the training set (no network at all)
    /// is accurate on the test set — far above the 10 % of guessing.
    func testLearnableByNearestClassMean() {
        let split = SyntheticDataset(seed: 5).make(trainCount: 2_000, testCount: 500)
        let features = split.train.featuresPerExample
        var means = [[Float]](repeating: [Float](repeating: 0, count: features), count: 10)
        let counts = split.train.labelHistogram()
        for i in 0..<split.train.count {
            let label = Int(split.train.labels[i])
            for f in 0..<features { means[label][f] += split.train.images[i * features + f] / Float(counts[label]) }
        }
        var correct = 0
        for i in 0..<split.test.count {
            let image = split.test.images[(i * features)..<((i + 1) * features)]
            let distances = means.map { mean in zip(mean, image).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            if distances.firstIndex(of: distances.min()!) == Int(split.test.labels[i]) { correct += 1 }
        }
        let accuracy = Double(correct) / Double(split.test.count)
        XCTAssertGreaterThan(accuracy, 0.9, "nearest-class-mean accuracy \(accuracy)")
    }

    /// The noise and jitter make it non-trivial: examples of one class are not identical.
    func testExamplesOfAClassVary() {
        let dataset = SyntheticDataset(seed: 2).examples(100, of: .test)
        let firstLabel = dataset.labels[0]
        guard let other = dataset.labels.dropFirst().firstIndex(of: firstLabel) else { return XCTFail("one class only") }
        XCTAssertNotEqual(Array(dataset.images[..<784]), Array(dataset.images[(other * 784)..<((other + 1) * 784)]))
    }
}
