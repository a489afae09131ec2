import XCTest
import TensorKernels
import TestSupport

/// The first convolution's weight gradient from patch sums (FirstConvolutionGradient.swift)
/// against naive twins: im2col for the moments, a loop over windows for the routed sums, and
/// `conv2dNaive`'s weight gradient of batch norm's explicit input gradient for the whole.
final class FirstConvolutionGradientTests: KernelTestCase {
    /// col [N·H'·W', P] in Double, straight from the definition.
    private func patches(_ x: [Float], _ g: Conv2dGeometry) -> [[Double]] {
        var rows: [[Double]] = []
        for n in 0..<g.batch { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
            var patch: [Double] = []
            for ky in 0..<g.kernel { for kx in 0..<g.kernel { for ci in 0..<g.inChannels {
                let iy = oy - g.padding + ky, ix = ox - g.padding + kx
                let inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width
                patch.append(inside ? Double(x[((n * g.height + iy) * g.width + ix) * g.inChannels + ci]) : 0)
            } } }
            rows.append(patch)
        } } }
        return rows
    }

    func testPatchMomentsAgainstIm2col() {
        var random = TestRandom(seed: 71)
        for (trial, (batch, size, channels)) in [(3, 7, 1), (2, 6, 3), (4, 5, 2)].enumerated() {
            let g = Conv2dGeometry(batch: batch, height: size, width: size + 1, inChannels: channels, outChannels: 4, kernel: 3, padding: 1)
            let x = random.floats(g.inputCount)
            let gram = T(shape: [batch * g.patch * g.patch]), sums = T(shape: [batch * g.patch])
            // Two pieces, the second first: per-example results do not depend on the pieces.
            let split = batch / 2
            convolutionPatchMoments(T(x).data + split * size * (size + 1) * channels, geometry: g, images: split..<batch,
                                    gram: gram.data, patchSums: sums.data, pool: pools[trial % 3])
            convolutionPatchMoments(T(x).data, geometry: g, images: 0..<split, gram: gram.data, patchSums: sums.data, pool: pools[trial % 3])
            let rows = patches(x, g), P = g.patch, perImage = g.positions
            var expectedGram = [Float](), expectedSums = [Float]()
            for n in 0..<batch {
                let mine = rows[(n * perImage)..<((n + 1) * perImage)]
                for i in 0..<P { for j in 0..<P { expectedGram.append(Float(mine.reduce(0) { $0 + $1[i] * $1[j] })) } }
                for i in 0..<P { expectedSums.append(Float(mine.reduce(0) { $0 + $1[i] })) }
            }
            assertClose(gram.values, expectedGram, tolerance: 1e-5, "gram \(trial)")
            assertClose(sums.values, expectedSums, tolerance: 1e-5, "sums \(trial)")
        }
    }

    /// The whole: the weight gradient from moments and routed sums equals conv2dNaive's weight
    /// gradient of dy = batch norm's input gradient (from the fused kernel's explicit backward).
    func testWeightGradientAgainstTheExplicitBackward() {
        var random = TestRandom(seed: 72)
        let cases = [(5, 6, 1, 16, 2), (4, 7, 3, 8, 3), (6, 5, 1, 11, 6), (3, 8, 2, 19, 1)]
        for (trial, (batch, size, inChannels, channels, ghost)) in cases.enumerated() {
            let pool = pools[trial % 3]
            let cg = Conv2dGeometry(batch: batch, height: size, width: size, inChannels: inChannels, outChannels: channels,
                                    kernel: 3, padding: 1)
            let pg = BatchNormPoolGeometry(batch: batch, height: size, width: size, channels: channels, groupExamples: ghost)
            let x = random.floats(cg.inputCount).map { $0 * 0.5 + 0.5 }, w = random.floats(cg.weightCount, scale: 0.5)
            let y = conv2dNaive(x: x, weight: w, bias: nil, geometry: cg, outputGradient: nil).y
            let gamma = T((0..<channels).map { $0 % 3 == 0 ? -0.8 : 1.1 + Float($0) / 10 }), beta = T(random.floats(channels, scale: 0.3))
            let dp = T(random.floats(pg.pooledCount))
            // Batch norm forward and backward, step by step, recording the routes.
            let sums = T(shape: [pg.exampleSumsCount]), coefficients = T(shape: [pg.coefficientCount])
            let stats = (0..<3).map { _ in T(shape: [pg.groups * channels]) }, extremes = T(shape: [pg.pooledCount])
            let routes = UnsafeMutablePointer<UInt8>.allocate(capacity: batch * pg.windows * pg.routeBytesPerWindow)
            defer { routes.deallocate() }
            let s1 = sums.data, s2 = s1 + batch * channels, s3 = s2 + batch * channels
            let scale = coefficients.data, offset = scale + pg.groups * channels, dyCoefficients = offset + pg.groups * channels
            batchNormPoolExampleSums(T(y).data, geometry: pg, images: 0..<batch, gamma: gamma.data, shifts: s1, sums: s2,
                                     squares: s3, extremes: extremes.data, routes: routes, pool: pool)
            batchNormPoolStatistics(geometry: pg, shifts: s1, sums: s2, squares: s3, epsilon: 1e-5, mean: stats[0].data,
                                    variance: stats[1].data, invStd: stats[2].data)
            batchNormPoolAffine(gamma: gamma.data, beta: beta.data, mean: stats[0].data, invStd: stats[2].data, groups: pg.groups,
                                channels: channels, scale: scale, offset: offset)
            batchNormReLUMaxPoolGradientSums(extremes.data, dp.data, geometry: pg, images: 0..<batch, scale: scale, offset: offset,
                                             mean: stats[0].data, sumDy: s1, sumDyXc: s2, pool: pool)
            let dgamma = T(shape: [channels]), dbeta = T(shape: [channels])
            batchNormReLUMaxPoolGradientCoefficients(geometry: pg, gamma: gamma.data, mean: stats[0].data, invStd: stats[2].data,
                                                     sumDy: s1, sumDyXc: s2, dgamma: dgamma.data, dbeta: dbeta.data,
                                                     coefficients: dyCoefficients)
            // Reference: the explicit input gradient, then the naive convolution's weight gradient.
            let dy = T(shape: [y.count])
            batchNormReLUMaxPoolInputGradient(T(y).data, dp.data, dy.data, geometry: pg, images: 0..<batch, gamma: gamma.data,
                                              scale: scale, offset: offset, coefficients: dyCoefficients, pool: pool)
            let expected = conv2dNaive(x: x, weight: w, bias: nil, geometry: cg, outputGradient: dy.values).dweight

            let gram = T(shape: [batch * cg.patch * cg.patch]), patchSums = T(shape: [batch * cg.patch])
            let routed = T(shape: [batch * cg.patch * channels])
            convolutionPatchMoments(T(x).data, geometry: cg, images: 0..<batch, gram: gram.data, patchSums: patchSums.data, pool: pool)
            routedPatchSums(T(x).data, dp.data, convolution: cg, pooling: pg, images: 0..<batch, routes: routes,
                            extremes: extremes.data, scale: scale, offset: offset, routedSums: routed.data, pool: pool)
            let dw = T(random.floats(cg.weightCount))  // accumulates onto what is there
            let before = dw.values
            firstConvolutionWeightGradient(weight: T(w).data, convolution: cg, pooling: pg, gram: gram.data, patchSums: patchSums.data,
                                           routedSums: routed.data, coefficients: dyCoefficients, weightGradient: dw.data)
            assertClose(zip(dw.values, before).map { $0 - $1 }, expected, tolerance: 1e-4, "weight gradient \(trial)")
        }
    }
}
