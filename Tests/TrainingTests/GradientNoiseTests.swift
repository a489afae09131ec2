import XCTest
import TensorKernels
@testable import Training

/// The gradient-noise estimator (McCandlish et al. 2018, appendix A): unbiased against a
/// problem whose |G|² and tr Σ are known in closed form, and measured by the model from the
/// passes of a real update without changing the update.
final class GradientNoiseTests: XCTestCase {
    /// Linear regression y = w*·x + σε with x ~ N(0, I_d), ε ~ N(0, 1), squared loss ½(w·x − y)²,
    /// at w = w* + δ. A single example's gradient is g = r·x with r = δ·x − σε, so
    /// G = E[g] = δ and (Isserlis) E[ggᵀ] = (|δ|² + σ²)·I + 2δδᵀ:
    /// |G|² = |δ|², tr Σ = tr E[ggᵀ] − |G|² = (d + 1)|δ|² + d·σ².
    private struct LinearRegression {
        let delta: [Double] = [0.5, -0.3, 0.2, 0.1, -0.4]
        let sigma = 0.7
        var d: Int { delta.count }
        var gradientSquaredNorm: Double { delta.reduce(0) { $0 + $1 * $1 } }
        var traceCovariance: Double { Double(d + 1) * gradientSquaredNorm + Double(d) * sigma * sigma }

        /// One example's gradient.
        func gradient(_ random: inout DeterministicRandom) -> [Double] {
            let x = (0..<d).map { _ in Double(random.nextNormal()) }
            let r = zip(delta, x).reduce(0) { $0 + $1.0 * $1.1 } - sigma * Double(random.nextNormal())
            return x.map { r * $0 }
        }
    }

    private func squaredNorm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 } }

    /// One update of `passSizes` examples: the squared norms of the passes' mean gradients and of
    /// the whole batch's, as the model measures them.
    private func measure(_ problem: LinearRegression, passSizes: [Int], seed: UInt64) -> GradientNoiseSample {
        var random = DeterministicRandom(seed: seed, stream: 7)
        let batch = passSizes.reduce(0, +)
        var total = [Double](repeating: 0, count: problem.d)
        var passNorms: [Double] = []
        for size in passSizes {
            var sum = [Double](repeating: 0, count: problem.d)
            for _ in 0..<size { for (j, g) in problem.gradient(&random).enumerated() { sum[j] += g } }
            passNorms.append(squaredNorm(sum.map { $0 / Double(size) }))
            for j in 0..<problem.d { total[j] += sum[j] }
        }
        return GradientNoiseSample.estimate(passSizes: passSizes, passSquaredNorms: passNorms,
                                            batchSquaredNorm: squaredNorm(total.map { $0 / Double(batch) }))!
    }

    /// Over many seeds, the mean estimate of |G|² and of tr Σ lies within its 99.9 % confidence
    /// interval (3.3 standard errors) of the closed-form value, for several batches and cuts —
    /// and a wrong truth (25 % off) is outside it, so the test can tell.
    func testUnbiasedOnLinearRegression() {
        let problem = LinearRegression()
        let trials = 3000
        for passSizes in [[4, 4], [16, 8, 8], [25, 25, 25, 25], [7, 5], [48, 16]] {
            var gradients: [Double] = [], traces: [Double] = []
            for trial in 0..<trials {
                let sample = measure(problem, passSizes: passSizes, seed: UInt64(trial * 131 + passSizes.count))
                gradients.append(sample.gradientSquaredNorm)
                traces.append(sample.traceCovariance)
            }
            for (name, values, truth) in [("|G|²", gradients, problem.gradientSquaredNorm),
                                          ("tr Σ", traces, problem.traceCovariance)] {
                let mean = values.reduce(0, +) / Double(trials)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(trials - 1)
                let standardError = (variance / Double(trials)).squareRoot()
                XCTAssertLessThan(abs(mean - truth), 3.3 * standardError,
                                  "\(name) for passes \(passSizes): mean \(mean) ± \(standardError), truth \(truth)")
                XCTAssertGreaterThan(abs(mean - 1.25 * truth), 3.3 * standardError,
                                     "\(name) for passes \(passSizes): the interval is too wide to tell 25 %")
            }
        }
    }

    func testTheFormulasOnExactNorms() {
        // With no noise every pass sees G itself: |gᵢ|² = |g_B|² = |G|², tr Σ = 0.
        let exact = GradientNoiseSample.estimate(passSizes: [3, 5], passSquaredNorms: [2, 2], batchSquaredNorm: 2)!
        XCTAssertEqual(exact.gradientSquaredNorm, 2, accuracy: 1e-12)
        XCTAssertEqual(exact.traceCovariance, 0, accuracy: 1e-12)
        // The expectations |G|² + tr Σ / b for |G|² = 1, tr Σ = 12: recovered exactly.
        let expected = GradientNoiseSample.estimate(passSizes: [4, 2], passSquaredNorms: [1 + 3, 1 + 6], batchSquaredNorm: 1 + 2)!
        XCTAssertEqual(expected.gradientSquaredNorm, 1, accuracy: 1e-12)
        XCTAssertEqual(expected.traceCovariance, 12, accuracy: 1e-12)
        // A negative single estimate is returned as it is (the smoothing averages it in).
        let negative = GradientNoiseSample.estimate(passSizes: [2, 2], passSquaredNorms: [0.1, 0.1], batchSquaredNorm: 0.5)!
        XCTAssertLessThan(negative.traceCovariance, 0)
        XCTAssertNil(GradientNoiseSample.estimate(passSizes: [8], passSquaredNorms: [1], batchSquaredNorm: 1))
    }

    private let data = prototypeDataset(count: 96, height: 12, width: 12, classes: 4, seed: 21)

    private func makeModel(threads: Int) -> Model {
        let model = Model(architecture: .cnn, channels: 1, height: 12, width: 12, classes: 4, ghostBatch: 8, seed: 5,
                          pool: ThreadPool(threads: threads))
        model.chunkExamples = 8
        return model
    }

    /// The measured step is `trainStep` bit for bit, and its norms are those of the passes'
    /// gradients computed one pass at a time; 1 and 2 threads measure the same bits.
    func testTheModelMeasuresItsPassesWithoutChangingTheUpdate() {
        let passSizes = [24, 16, 8]
        let indices = Array(10..<58)
        let plain = makeModel(threads: 2), measured = makeModel(threads: 2)
        let plainOptimizer = Optimizer(kind: .sgd, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
        let measuredOptimizer = Optimizer(kind: .sgd, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
        var samples: [GradientNoiseSample] = []
        for step in 0..<2 {
            let batch = indices.map { ($0 + step * 17) % data.count }
            let plainResult = plain.trainStep(on: data, indices: batch, passSizes: passSizes, optimizer: plainOptimizer)
            let (result, noise) = measured.measuredTrainStep(on: data, indices: batch, passSizes: passSizes,
                                                             optimizer: measuredOptimizer)
            XCTAssertEqual(result, plainResult)
            samples.append(noise!)
        }
        XCTAssertEqual(plain.stateTensors + plainOptimizer.stateTensors, measured.stateTensors + measuredOptimizer.stateTensors)

        // The reference: each pass alone from zero gradients, scaled to its own mean.
        let reference = makeModel(threads: 1)
        let batch = indices.map { $0 % data.count }
        var passNorms: [Double] = []
        var offset = 0
        var total = reference.parameters.map { [Double](repeating: 0, count: $0.gradient.count) }
        for size in passSizes {
            reference.zeroGradients()
            _ = reference.accumulateGradients(from: data, indices: batch[offset..<(offset + size)], batchSize: size)
            offset += size
            var norm = 0.0
            for (k, parameter) in reference.parameters.enumerated() {
                for (i, g) in parameter.gradient.values.enumerated() {
                    norm += Double(g) * Double(g)
                    total[k][i] += Double(g) * Double(size) / Double(batch.count)
                }
            }
            passNorms.append(norm)
        }
        let batchNorm = total.joined().reduce(0) { $0 + $1 * $1 }
        let expected = GradientNoiseSample.estimate(passSizes: passSizes, passSquaredNorms: passNorms, batchSquaredNorm: batchNorm)!
        XCTAssertEqual(samples[0].gradientSquaredNorm, expected.gradientSquaredNorm,
                       accuracy: 1e-3 * abs(expected.gradientSquaredNorm) + 1e-3 * expected.traceCovariance / 48)
        XCTAssertEqual(samples[0].traceCovariance, expected.traceCovariance, accuracy: 1e-3 * abs(expected.traceCovariance))
        XCTAssertGreaterThan(expected.traceCovariance, 0)

        // One thread measures the same bits as two.
        let single = makeModel(threads: 1)
        let singleOptimizer = Optimizer(kind: .sgd, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
        for step in 0..<2 {
            let (_, noise) = single.measuredTrainStep(on: data, indices: indices.map { ($0 + step * 17) % data.count },
                                                      passSizes: passSizes, optimizer: singleOptimizer)
            XCTAssertEqual(noise, samples[step])
        }
    }
}
