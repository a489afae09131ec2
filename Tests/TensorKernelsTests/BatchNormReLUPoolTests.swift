import XCTest
import TensorKernels

final class BatchNormReLUPoolTests: KernelTestCase {
    /// Fused kernel against batch norm (with ReLU) then max-pool from their naive twins: several
    /// ghost groups (a short last one), odd sizes, channels with and without a vector tail.
    func testAgainstTheNaiveComposition() {
        var random = KernelRandom(61)
        let cases = [(5, 6, 6, 8, 2), (4, 5, 7, 3, 3), (3, 4, 4, 19, 3), (6, 7, 6, 16, 4)]
        for (trial, (batch, height, width, channels, ghost)) in cases.enumerated() {
            let g = BatchNormPoolGeometry(batch: batch, height: height, width: width, channels: channels, groupExamples: ghost)
            let x = random.floats(batch * height * width * channels).map { $0 * 2 + 0.3 }
            let gamma = random.floats(channels).map { $0 + 0.2 }, beta = random.floats(channels, scale: 0.5)
            let dp = random.floats(g.pooledCount)
            let expected = batchNormReLUMaxPoolNaive(x: x, geometry: g, gamma: gamma, beta: beta, epsilon: 1e-5, pooledGradient: dp)
            let pool = pools[trial % 3]
            let p = T(shape: [g.pooledCount]), dx = T(shape: [x.count]), scratch = T(shape: [g.scratchCount])
            let stats = (0..<3).map { _ in T(shape: [g.groups * channels]) }
            let dgamma = T(shape: [channels]), dbeta = T(shape: [channels])
            dx.fill(.nan)
            let xT = T(x), gammaT = T(gamma), betaT = T(beta)
            batchNormReLUMaxPoolTrainingForward(xT.data, p.data, geometry: g, gamma: gammaT.data, beta: betaT.data, epsilon: 1e-5,
                                                mean: stats[0].data, variance: stats[1].data, invStd: stats[2].data,
                                                scratch: scratch.data, pool: pool)
            assertClose(p.values, expected.p, tolerance: 1e-4, "pooled \(trial)")
            batchNormReLUMaxPoolBackward(xT.data, T(dp).data, dx.data, geometry: g, gamma: gammaT.data, beta: betaT.data,
                                         mean: stats[0].data, invStd: stats[2].data, dgamma: dgamma.data, dbeta: dbeta.data,
                                         scratch: scratch.data, pool: pool)
            assertClose(dx.values, expected.dx, tolerance: 1e-4, "dx \(trial)")
            assertClose(dgamma.values, expected.dgamma, tolerance: 1e-4, "dgamma \(trial)")
            assertClose(dbeta.values, expected.dbeta, tolerance: 1e-4, "dbeta \(trial)")
        }
    }

    func testInferenceUsesTheRunningStatistics() {
        var random = KernelRandom(62)
        let g = BatchNormPoolGeometry(batch: 2, height: 4, width: 5, channels: 9, groupExamples: 2)
        let x = random.floats(2 * 4 * 5 * 9)
        let mean = random.floats(9, scale: 0.3), variance = random.floats(9).map { $0 * $0 + 0.5 }
        let gamma = random.floats(9), beta = random.floats(9)
        let p = T(shape: [g.pooledCount])
        batchNormReLUMaxPoolInference(T(x).data, p.data, geometry: g, gamma: T(gamma).data, beta: T(beta).data,
                                      mean: T(mean).data, variance: T(variance).data, epsilon: 1e-5, pool: pools[1])
        var normalised = x
        for i in 0..<x.count {
            let c = i % 9
            normalised[i] = max(0, gamma[c] * (x[i] - mean[c]) / (variance[c] + 1e-5).squareRoot() + beta[c])
        }
        let expected = maxPool2Naive(normalised, batch: 2, height: 4, width: 5, channels: 9, outputGradient: nil).y
        assertClose(p.values, expected, tolerance: 1e-5)
    }

    func testBitIdenticalForAnyThreadCount() {
        var random = KernelRandom(63)
        let g = BatchNormPoolGeometry(batch: 9, height: 6, width: 6, channels: 16, groupExamples: 4)
        let x = T(random.floats(9 * 36 * 16)), dp = T(random.floats(g.pooledCount))
        let gamma = T(random.floats(16)), beta = T(random.floats(16))
        var results: [[Float]] = []
        for pool in pools {
            let p = T(shape: [g.pooledCount]), dx = T(shape: [x.count]), scratch = T(shape: [g.scratchCount])
            let stats = (0..<3).map { _ in T(shape: [g.groups * 16]) }
            let dgamma = T(shape: [16]), dbeta = T(shape: [16])
            batchNormReLUMaxPoolTrainingForward(x.data, p.data, geometry: g, gamma: gamma.data, beta: beta.data, epsilon: 1e-5,
                                                mean: stats[0].data, variance: stats[1].data, invStd: stats[2].data,
                                                scratch: scratch.data, pool: pool)
            batchNormReLUMaxPoolBackward(x.data, dp.data, dx.data, geometry: g, gamma: gamma.data, beta: beta.data,
                                         mean: stats[0].data, invStd: stats[2].data, dgamma: dgamma.data, dbeta: dbeta.data,
                                         scratch: scratch.data, pool: pool)
            results.append(p.values + dx.values + dgamma.values + dbeta.values)
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
    }
}
