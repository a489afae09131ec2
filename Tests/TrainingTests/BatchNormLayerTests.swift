import XCTest
import TensorKernels
@testable import Training

/// Ghost batch norm: statistics per ghost batch, running averages, evaluation mode.
final class BatchNormLayerTests: XCTestCase {
    func testStatisticsPerGhostBatchAndRunningAverages() {
        let layer = BatchNorm(name: "bn", channels: 1, ghostBatch: 2, epsilon: 0, pool: ThreadPool(threads: 1))
        // Ghost batches {1, 3} (mean 2, variance 1) and {10, 14} (mean 12, variance 4).
        let y = layer.forward(Tensor(shape: [4, 1], values: [1, 3, 10, 14]), mode: .training).values
        XCTAssertEqual(y, [-1, 1, -1, 1])
        // After each ghost batch: r ← 0.9·r + 0.1·stat, with the unbiased variance (n/(n − 1) = 2).
        XCTAssertEqual(layer.runningMean[0], 0.9 * (0.9 * 0 + 0.1 * 2) + 0.1 * 12, accuracy: 1e-6)
        XCTAssertEqual(layer.runningVariance[0], 0.9 * (0.9 * 1 + 0.1 * 2) + 0.1 * 8, accuracy: 1e-6)
    }

    func testEvaluationUsesRunningStatisticsAndChangesNothing() {
        let layer = BatchNorm(name: "bn", channels: 2, ghostBatch: nil, epsilon: 0, pool: ThreadPool(threads: 1))
        layer.runningMean.setValues([1, -1])
        layer.runningVariance.setValues([4, 0.25])
        layer.gamma.value.setValues([2, 1])
        layer.beta.value.setValues([0, 3])
        let y = layer.forward(Tensor(shape: [2, 2], values: [3, 0, 1, -1.5]), mode: .evaluation).values
        XCTAssertEqual(y, [2, 5, 0, 2])
        XCTAssertEqual(layer.runningMean.values, [1, -1])
        XCTAssertEqual(layer.runningVariance.values, [4, 0.25])
    }

    func testOutputIsIndependentOfTheOtherGhostBatches() {
        // Ghost batch norm makes an example's output depend only on its own ghost batch.
        let layer = BatchNorm(name: "bn", channels: 3, ghostBatch: 2, pool: ThreadPool(threads: 2))
        let first = randomArray(2 * 4 * 3, seed: 1)
        let a = layer.forward(Tensor(shape: [4, 2, 2, 3], values: first + randomArray(2 * 4 * 3, seed: 2)), mode: .training).values
        let b = layer.forward(Tensor(shape: [4, 2, 2, 3], values: first + randomArray(2 * 4 * 3, seed: 3)), mode: .training).values
        XCTAssertEqual(Array(a[0..<24]), Array(b[0..<24]))
        XCTAssertNotEqual(Array(a[24...]), Array(b[24...]))
    }
}
