import XCTest
import TensorKernels
import TestSupport

final class BatchNormKernelTests: KernelTestCase {
    /// Groups of several reduction blocks, a short last group, channels not a multiple of 8.
    func testTrainingForwardAndBackwardAgainstNaive() {
        var random = TestRandom(seed: 31)
        for (trial, (rows, channels, groupRows)) in [(1000, 5, 300), (600, 32, 600), (7, 3, 2), (2048, 9, 512), (900, 24, 450)].enumerated() {
            let relu = trial % 2 == 1
            let x = random.floats(rows * channels).map { $0 * 3 + 1 }, dy = random.floats(rows * channels)
            let gamma = random.floats(channels), beta = random.floats(channels)
            let expected = batchNormTrainingNaive(x: x, rows: rows, channels: channels, groupRows: groupRows, gamma: gamma,
                                                  beta: beta, epsilon: 1e-5, relu: relu, outputGradient: dy)
            let layout = BatchNormLayout(rows: rows, channels: channels, groupRows: groupRows)
            let groups = layout.groups
            let y = T(shape: [x.count]), dx = T(shape: [x.count]), scratch = T(shape: [layout.scratchCount])
            let mean = T(shape: [groups * channels]), variance = T(shape: [groups * channels])
            let invStd = T(shape: [groups * channels])
            let dgamma = T(shape: [channels]), dbeta = T(shape: [channels])
            dgamma.fill(1); dbeta.fill(2)
            let pool = pools[trial % 3]
            batchNormTrainingForward(T(x).data, y.data, layout: layout, gamma: T(gamma).data, beta: T(beta).data,
                                     epsilon: 1e-5, relu: relu, mean: mean.data, variance: variance.data, invStd: invStd.data,
                                     scratch: scratch.data, pool: pool)
            assertClose(y.values, expected.y, tolerance: 1e-4, "y rows \(rows)")
            assertClose(mean.values, expected.mean, tolerance: 1e-5, "mean rows \(rows)")
            assertClose(variance.values, expected.variance, tolerance: 1e-5, "variance rows \(rows)")
            batchNormTrainingBackward(T(x).data, T(dy).data, dx.data, layout: layout, gamma: T(gamma).data,
                                      mean: mean.data, invStd: invStd.data, reluOutput: relu ? UnsafePointer(y.data) : nil,
                                      dgamma: dgamma.data, dbeta: dbeta.data,
                                      scratch: scratch.data, pool: pool)
            assertClose(dx.values, expected.dx, tolerance: 1e-4, "dx rows \(rows)")
            assertClose(dgamma.values, expected.dgamma.map { $0 + 1 }, tolerance: 1e-4, "dgamma rows \(rows)")
            assertClose(dbeta.values, expected.dbeta.map { $0 + 2 }, tolerance: 1e-4, "dbeta rows \(rows)")
        }
    }

    func testStatisticsAreBitIdenticalForAnyThreadCount() {
        var random = TestRandom(seed: 32)
        let rows = 5000, channels = 16
        let x = T(random.floats(rows * channels))
        let layout = BatchNormLayout(rows: rows, channels: channels, groupRows: 1300)
        var outputs: [[Float]] = []
        for pool in pools {
            let y = T(shape: [x.count]), scratch = T(shape: [layout.scratchCount])
            let stats = (0..<3).map { _ in T(shape: [layout.groups * channels]) }
            let gamma = T(shape: [channels]); gamma.fill(1)
            batchNormTrainingForward(x.data, y.data, layout: layout, gamma: gamma.data, beta: T(shape: [channels]).data,
                                     epsilon: 1e-5, mean: stats[0].data, variance: stats[1].data, invStd: stats[2].data,
                                     scratch: scratch.data, pool: pool)
            outputs.append(y.values + stats[0].values + stats[1].values)
        }
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertEqual(outputs[0], outputs[2])
    }

    func testInferenceUsesTheGivenStatistics() {
        let x: [Float] = [1, 10, 3, 20], mean: [Float] = [2, 15], variance: [Float] = [4, 25]
        let y = T(shape: [4])
        batchNormInference(T(x).data, y.data, rows: 2, channels: 2, gamma: T([2, 1]).data, beta: T([0, 1]).data,
                           mean: T(mean).data, variance: T(variance).data, epsilon: 0)
        assertClose(y.values, [-1, 0, 1, 2], tolerance: 1e-6)
    }

    func testLargeOffsetDoesNotCancel() {
        // Two-pass variance: values 1000 ± 0.001 still give the right spread.
        let rows = 512
        let x = (0..<rows).map { Float(1000) + ($0 % 2 == 0 ? 0.001 : -0.001) }
        let layout = BatchNormLayout(rows: rows, channels: 1, groupRows: rows)
        let y = T(shape: [rows]), scratch = T(shape: [layout.scratchCount])
        let mean = T(shape: [1]), variance = T(shape: [1]), invStd = T(shape: [1])
        batchNormTrainingForward(T(x).data, y.data, layout: layout, gamma: T([1]).data, beta: T([0]).data,
                                 epsilon: 0, mean: mean.data, variance: variance.data, invStd: invStd.data, scratch: scratch.data)
        // 1000 ± 0.001 is not exact in Float; the spread is still within a few per cent.
        XCTAssertEqual(variance[0].squareRoot(), 0.001, accuracy: 0.0001)
        XCTAssertEqual(abs(y[0]), 1, accuracy: 0.1)
    }
}
