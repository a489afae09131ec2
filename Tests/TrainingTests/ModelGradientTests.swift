import XCTest
import TensorKernels
@testable import Training

/// Whole models (loss included) against finite differences of the mean cross-entropy.
final class ModelGradientTests: XCTestCase {
    private func checkModel(_ architecture: ModelArchitecture, channels: Int, size: Int, ghostBatch: Int?, batch: Int, seed: UInt64,
                            tolerance: Double, file: StaticString = #filePath, line: UInt = #line) {
        let data = prototypeDataset(count: batch, channels: channels, height: size, width: size, classes: 3, seed: seed)
        let model = Model(architecture: architecture, channels: channels, height: size, width: size, classes: 3, ghostBatch: ghostBatch,
                          seed: seed, pool: ThreadPool(threads: 2))
        let indices = Array(0..<batch)
        func loss() -> Double {
            model.accumulateGradients(from: data, indices: indices, batchSize: batch).lossSum / Double(batch)
        }
        model.zeroGradients()
        _ = loss()
        let gradients = model.parameters.map { $0.gradient.values }
        let h: Float = 2e-3
        var analytic: [Double] = [], numeric: [Double] = []
        for (p, parameter) in model.parameters.enumerated() {
            for i in sampleIndices(parameter.value.count, limit: 6, seed: seed + UInt64(p)) {
                let saved = parameter.value[i]
                parameter.value[i] = saved + h; let up = loss()
                parameter.value[i] = saved - h; let down = loss()
                parameter.value[i] = saved
                numeric.append((up - down) / Double(2 * h))
                analytic.append(Double(gradients[p][i]))
            }
        }
        XCTAssertLessThan(relativeError(analytic, numeric), tolerance, "\(architecture)", file: file, line: line)
    }

    func testMLP() { checkModel(.mlp(hidden: [16, 8]), channels: 1, size: 4, ghostBatch: nil, batch: 5, seed: 1, tolerance: 1e-2) }
    func testCNN() { checkModel(.cnn, channels: 1, size: 8, ghostBatch: 2, batch: 4, seed: 2, tolerance: 2e-2) }
    func testCNNOnColourImages() { checkModel(.cnn, channels: 3, size: 4, ghostBatch: nil, batch: 3, seed: 3, tolerance: 2e-2) }
    func testWideResNet() { checkModel(.wrn(depth: 10, width: 1), channels: 3, size: 8, ghostBatch: 2, batch: 4, seed: 4, tolerance: 3e-2) }
}
