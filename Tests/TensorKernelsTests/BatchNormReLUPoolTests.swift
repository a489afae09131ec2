import XCTest
import TensorKernels
import TestSupport

final class BatchNormReLUPoolTests: KernelTestCase {
    /// Fused kernel against batch norm (with ReLU) then max-pool from their naive twins: several
    /// ghost groups (a short last one), odd sizes, channels with and without a vector tail.
    func testAgainstTheNaiveComposition() {
        var random = TestRandom(seed: 61)
        let cases = [(5, 6, 6, 8, 2), (4, 5, 7, 3, 3), (3, 4, 4, 19, 3), (6, 7, 6, 16, 4)]
        for (trial, (batch, height, width, channels, ghost)) in cases.enumerated() {
            let g = BatchNormPoolGeometry(batch: batch, height: height, width: width, channels: channels, groupExamples: ghost)
            let x = random.floats(batch * height * width * channels).map { $0 * 2 + 0.3 }
            let gamma = random.floats(channels).map { $0 + 0.2 }, beta = random.floats(channels, scale: 0.5)
            let dp = random.floats(g.pooledCount)
            let expected = batchNormReLUMaxPoolNaive(x: x, geometry: g, gamma: gamma, beta: beta, epsilon: 1e-5, pooledGradient: dp)
            let pool = pools[trial % 3]
            let p = T(shape: [g.pooledCount]), dx = T(shape: [x.count]), scratch = T(shape: [g.scratchCount])
            let extremes = T(shape: [g.pooledCount])
            let stats = (0..<3).map { _ in T(shape: [g.groups * channels]) }
            let dgamma = T(shape: [channels]), dbeta = T(shape: [channels])
            dx.fill(.nan)
            let xT = T(x), gammaT = T(gamma), betaT = T(beta)
            batchNormReLUMaxPoolTrainingForward(xT.data, p.data, geometry: g, gamma: gammaT.data, beta: betaT.data, epsilon: 1e-5,
                                                mean: stats[0].data, variance: stats[1].data, invStd: stats[2].data,
                                                extremes: extremes.data, scratch: scratch.data, pool: pool)
            assertClose(p.values, expected.p, tolerance: 1e-4, "pooled \(trial)")
            batchNormReLUMaxPoolBackward(xT.data, T(dp).data, dx.data, geometry: g, gamma: gammaT.data, beta: betaT.data,
                                         mean: stats[0].data, invStd: stats[2].data, extremes: extremes.data, dgamma: dgamma.data, dbeta: dbeta.data,
                                         scratch: scratch.data, pool: pool)
            assertClose(dx.values, expected.dx, tolerance: 1e-4, "dx \(trial)")
            assertClose(dgamma.values, expected.dgamma, tolerance: 1e-4, "dgamma \(trial)")
            assertClose(dbeta.values, expected.dbeta, tolerance: 1e-4, "dbeta \(trial)")
        }
    }

    func testInferenceUsesTheRunningStatistics() {
        var random = TestRandom(seed: 62)
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
        var random = TestRandom(seed: 63)
        let g = BatchNormPoolGeometry(batch: 9, height: 6, width: 6, channels: 16, groupExamples: 4)
        let x = T(random.floats(9 * 36 * 16)), dp = T(random.floats(g.pooledCount))
        let gamma = T(random.floats(16)), beta = T(random.floats(16))
        var results: [[Float]] = []
        for pool in pools {
            let p = T(shape: [g.pooledCount]), dx = T(shape: [x.count]), scratch = T(shape: [g.scratchCount])
            let extremes = T(shape: [g.pooledCount])
            let stats = (0..<3).map { _ in T(shape: [g.groups * 16]) }
            let dgamma = T(shape: [16]), dbeta = T(shape: [16])
            batchNormReLUMaxPoolTrainingForward(x.data, p.data, geometry: g, gamma: gamma.data, beta: beta.data, epsilon: 1e-5,
                                                mean: stats[0].data, variance: stats[1].data, invStd: stats[2].data,
                                                extremes: extremes.data, scratch: scratch.data, pool: pool)
            batchNormReLUMaxPoolBackward(x.data, dp.data, dx.data, geometry: g, gamma: gamma.data, beta: beta.data,
                                         mean: stats[0].data, invStd: stats[2].data, extremes: extremes.data, dgamma: dgamma.data, dbeta: dbeta.data,
                                         scratch: scratch.data, pool: pool)
            results.append(p.values + dx.values + dgamma.values + dbeta.values)
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
    }

    /// Whole-pass results for a geometry: p, dx, mean, variance, invStd, dgamma, dbeta.
    private func wholePass(_ x: Tensor, _ dp: Tensor, _ gamma: Tensor, _ beta: Tensor, geometry g: BatchNormPoolGeometry,
                           pool: ThreadPool) -> [[Float]] {
        let C = g.channels
        let p = T(shape: [g.pooledCount]), dx = T(shape: [x.count]), scratch = T(shape: [g.scratchCount])
        let extremes = T(shape: [g.pooledCount]), stats = (0..<3).map { _ in T(shape: [g.groups * C]) }
        let dgamma = T(shape: [C]), dbeta = T(shape: [C])
        batchNormReLUMaxPoolTrainingForward(x.data, p.data, geometry: g, gamma: gamma.data, beta: beta.data, epsilon: 1e-5,
                                            mean: stats[0].data, variance: stats[1].data, invStd: stats[2].data,
                                            extremes: extremes.data, scratch: scratch.data, pool: pool)
        batchNormReLUMaxPoolBackward(x.data, dp.data, dx.data, geometry: g, gamma: gamma.data, beta: beta.data,
                                     mean: stats[0].data, invStd: stats[2].data, extremes: extremes.data, dgamma: dgamma.data,
                                     dbeta: dbeta.data, scratch: scratch.data, pool: pool)
        return [p.values, dx.values] + stats.map(\.values) + [dgamma.values, dbeta.values]
    }

    /// The same steps run piece by piece, as a piecewise training pass does: the gradients of
    /// a piece live in a piece-sized buffer.
    private func inPieces(_ x: Tensor, _ dp: Tensor, _ gamma: Tensor, _ beta: Tensor, geometry g: BatchNormPoolGeometry,
                          pieceSize: Int, pool: ThreadPool) -> [[Float]] {
        let C = g.channels, imageCount = g.imageCount, pooledImage = g.pooledImageCount
        let pieces = stride(from: 0, to: g.batch, by: pieceSize).map { $0..<min(g.batch, $0 + pieceSize) }
        let p = T(shape: [g.pooledCount]), dx = T(shape: [x.count]), extremes = T(shape: [g.pooledCount])
        let sums = T(shape: [g.exampleSumsCount]), coefficients = T(shape: [g.coefficientCount])
        let stats = (0..<3).map { _ in T(shape: [g.groups * C]) }
        let dgamma = T(shape: [C]), dbeta = T(shape: [C]), pieceGradient = T(shape: [pieceSize * imageCount])
        let first = sums.data, second = sums.data + g.batch * C, third = second + g.batch * C
        let scale = coefficients.data, offset = scale + g.groups * C, dxCoefficients = offset + g.groups * C
        // The statistics' pieces run last to first: nothing may depend on the order.
        for piece in pieces.reversed() {
            batchNormPoolExampleSums(x.data + piece.lowerBound * imageCount, geometry: g, images: piece, gamma: gamma.data,
                                     shifts: first, sums: second, squares: third, extremes: extremes.data, pool: pool)
        }
        batchNormPoolStatistics(geometry: g, shifts: first, sums: second, squares: third, epsilon: 1e-5, mean: stats[0].data,
                                variance: stats[1].data, invStd: stats[2].data)
        batchNormPoolAffine(gamma: gamma.data, beta: beta.data, mean: stats[0].data, invStd: stats[2].data, groups: g.groups,
                            channels: C, scale: scale, offset: offset)
        for piece in pieces {
            batchNormReLUMaxPoolApply(extremes.data, p.data, geometry: g, images: piece, scale: scale, offset: offset, pool: pool)
        }
        for piece in pieces {
            batchNormReLUMaxPoolGradientSums(extremes.data, dp.data + piece.lowerBound * pooledImage, geometry: g, images: piece,
                                             scale: scale, offset: offset, mean: stats[0].data, sumDy: first, sumDyXc: second,
                                             pool: pool)
        }
        batchNormReLUMaxPoolGradientCoefficients(geometry: g, gamma: gamma.data, mean: stats[0].data, invStd: stats[2].data,
                                                 sumDy: first, sumDyXc: second, dgamma: dgamma.data, dbeta: dbeta.data,
                                                 coefficients: dxCoefficients)
        for piece in pieces {
            pieceGradient.fill(.nan)
            batchNormReLUMaxPoolInputGradient(x.data + piece.lowerBound * imageCount, dp.data + piece.lowerBound * pooledImage,
                                              pieceGradient.data, geometry: g,
                                              images: piece, gamma: gamma.data, scale: scale, offset: offset,
                                              coefficients: dxCoefficients, pool: pool)
            (dx.data + piece.lowerBound * imageCount).update(from: pieceGradient.data, count: piece.count * imageCount)
        }
        return [p.values, dx.values] + stats.map(\.values) + [dgamma.values, dbeta.values]
    }

    /// Statistics over a ghost batch gathered piece by piece — pieces that do not divide the
    /// ghost batch (a piece straddles two groups), in reverse order — give the bits of the whole
    /// pass.
    func testPiecesGiveBitIdenticalResults() {
        var random = TestRandom(seed: 64)
        for (trial, (batch, height, width, channels, ghost)) in [(10, 5, 7, 19, 4), (9, 6, 6, 16, 9), (7, 4, 4, 8, 2)].enumerated() {
            let g = BatchNormPoolGeometry(batch: batch, height: height, width: width, channels: channels, groupExamples: ghost)
            let x = T(random.floats(batch * height * width * channels).map { $0 * 3 + 0.5 }), dp = T(random.floats(g.pooledCount))
            let gamma = T(random.floats(channels)), beta = T(random.floats(channels, scale: 0.5))
            let pool = pools[trial % 3]
            let reference = wholePass(x, dp, gamma, beta, geometry: g, pool: pool)
            for pieceSize in [1, 3, 5] {
                let pieced = inPieces(x, dp, gamma, beta, geometry: g, pieceSize: pieceSize, pool: pool)
                for (name, (a, b)) in zip(["p", "dx", "mean", "variance", "invStd", "dgamma", "dbeta"], zip(pieced, reference)) {
                    XCTAssertEqual(a, b, "\(name), trial \(trial), pieces of \(pieceSize)")
                }
            }
        }
    }

    /// Windows with tied inputs and channels with γ < 0 (the window's extreme is its minimum):
    /// the gradient goes to the first position holding it, as in the naive composition.
    func testTiesAndNegativeGammaAgainstTheNaiveComposition() {
        var random = TestRandom(seed: 65)
        let g = BatchNormPoolGeometry(batch: 4, height: 4, width: 6, channels: 11, groupExamples: 2)
        let levels: [Float] = [-1, 0, 0.5, 2]
        let x = (0..<(4 * 4 * 6 * 11)).map { _ in levels[random.int(0...3)] }
        let gamma: [Float] = (0..<11).map { c in
            let size = Float(c) / 20
            return c % 2 == 0 ? -0.7 - size : 0.6 + size
        }
        let beta = random.floats(11, scale: 0.3), dp = random.floats(g.pooledCount)
        let expected = batchNormReLUMaxPoolNaive(x: x, geometry: g, gamma: gamma, beta: beta, epsilon: 1e-5, pooledGradient: dp)
        let result = wholePass(T(x), T(dp), T(gamma), T(beta), geometry: g, pool: pools[1])
        assertClose(result[0], expected.p, tolerance: 1e-5, "pooled")
        assertClose(result[1], expected.dx, tolerance: 1e-4, "dx")
        assertClose(result[5], expected.dgamma, tolerance: 1e-4, "dgamma")
        assertClose(result[6], expected.dbeta, tolerance: 1e-4, "dbeta")
    }

    /// Inputs far from zero: the per-example sums are shifted by the group's first row, so
    /// the variance does not cancel.
    func testLargeOffsetDoesNotCancel() {
        var random = TestRandom(seed: 66)
        let g = BatchNormPoolGeometry(batch: 6, height: 8, width: 8, channels: 8, groupExamples: 3)
        let x = random.floats(6 * 64 * 8, scale: 0.01).map { $0 + 1000 }
        let result = wholePass(T(x), T(random.floats(g.pooledCount)), T([Float](repeating: 1, count: 8)),
                               T([Float](repeating: 0, count: 8)), geometry: g, pool: pools[0])
        let naive = batchNormTrainingNaive(x: x, rows: 6 * 64, channels: 8, groupRows: 3 * 64, gamma: [Float](repeating: 1, count: 8),
                                           beta: [Float](repeating: 0, count: 8), epsilon: 1e-5, outputGradient: nil)
        for (a, b) in zip(result[3], naive.variance) { XCTAssertEqual(a, b, accuracy: 1e-3 * b) }
        for (a, b) in zip(result[2], naive.mean) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }
}
