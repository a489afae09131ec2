import XCTest
import Foundation
import TensorKernels
@testable import Training

/// Real data: the Fashion-MNIST subset shipped in the repository (10 000 training, 2 000 test
/// images), trained the way `schedc run` would, end to end through the public API.
final class RealDataTrainingTests: XCTestCase {
    private static let split: DatasetSplit? = try? LoadableDataset.fashionMNIST.load(.subset(10_000)).split

    /// Trains `epochs` epochs of shuffled batches; returns the test accuracy after each epoch.
    private func train(_ model: Model, optimizer: Optimizer, batch: Int, epochs: Int, split: DatasetSplit,
                       learningRate: (Int) -> Float) -> [Double] {
        var accuracies: [Double] = []
        for epoch in 0..<epochs {
            optimizer.learningRate = learningRate(epoch)
            var cursor = EpochCursor(count: split.train.count, seed: 1, epoch: epoch)
            while let indices = cursor.next(batch) {
                model.trainStep(on: split.train, indices: indices, optimizer: optimizer)
            }
            let accuracy = model.evaluate(on: split.test).accuracy
            accuracies.append(accuracy)
            if ProcessInfo.processInfo.environment["SCHEDC_TEST_VERBOSE"] != nil {
                print("\(model.architecture) epoch \(epoch + 1): test accuracy \(accuracy)")
            }
        }
        return accuracies
    }

    func testMLPReaches80PercentOnTheShippedSubset() throws {
        let split = try XCTUnwrap(Self.split, "the shipped Fashion-MNIST subset (Samples/data) is missing")
        let model = Model(architecture: .mlp(hidden: [512, 512]), channels: 1, height: 28, width: 28, classes: 10, seed: 1,
                          pool: ThreadPool(threads: 2))
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
        let accuracies = train(model, optimizer: optimizer, batch: 64, epochs: 3, split: split) { [0.05, 0.05, 0.01][$0] }
        XCTAssertGreaterThanOrEqual(accuracies.last!, 0.80, "test accuracy per epoch: \(accuracies)")
    }

    func testCNNReaches83PercentOnTheShippedSubset() throws {
        let split = try XCTUnwrap(Self.split, "the shipped Fashion-MNIST subset (Samples/data) is missing")
        let model = Model(architecture: .cnn, channels: 1, height: 28, width: 28, classes: 10, ghostBatch: 32, seed: 1,
                          pool: ThreadPool(threads: 2))
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
        let accuracies = train(model, optimizer: optimizer, batch: 64, epochs: 3, split: split) { [0.05, 0.05, 0.01][$0] }
        XCTAssertGreaterThanOrEqual(accuracies.last!, 0.83, "test accuracy per epoch: \(accuracies)")
    }
}
