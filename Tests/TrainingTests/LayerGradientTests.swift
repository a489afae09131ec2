import XCTest
import TensorKernels
@testable import Training

/// Every layer's backward against finite differences.
final class LayerGradientTests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    func testLinear() {
        var random = DeterministicRandom(seed: 1)
        let layer = Linear(name: "fc", inputs: 7, outputs: 5, random: &random, pool: pool)
        layer.bias!.value.setValues(randomArray(5, seed: 2))
        checkLayerGradients(layer, inputShape: [3, 7], seed: 3)
    }

    func testLinearReadsAnImageAsFeatures() {
        var random = DeterministicRandom(seed: 1)
        let layer = Linear(name: "fc", inputs: 2 * 3 * 2, outputs: 4, random: &random, pool: pool)
        checkLayerGradients(layer, inputShape: [2, 2, 3, 2], seed: 4)
    }

    func testConvolutionThreeByThreeStridedPadded() {
        var random = DeterministicRandom(seed: 5)
        let layer = Conv2d(name: "conv", inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1, bias: true,
                           random: &random, pool: pool)
        layer.bias!.value.setValues(randomArray(4, seed: 6))
        checkLayerGradients(layer, inputShape: [2, 7, 6, 3], seed: 7)
    }

    func testConvolutionOneByOne() {
        var random = DeterministicRandom(seed: 8)
        let layer = Conv2d(name: "conv", inChannels: 5, outChannels: 3, kernel: 1, bias: false, random: &random, pool: pool)
        checkLayerGradients(layer, inputShape: [2, 3, 4, 5], seed: 9)
    }

    func testReLUAwayFromTheKink() {
        checkLayerGradients(ReLU(pool: pool), inputShape: [4, 9], seed: 10, awayFromZero: 0.05)
    }

    func testMaxPoolOddSize() {
        checkLayerGradients(MaxPool2(pool: pool), inputShape: [2, 5, 5, 3], seed: 11)
    }

    func testGlobalAveragePool() {
        checkLayerGradients(GlobalAveragePool(pool: pool), inputShape: [3, 2, 3, 4], seed: 12)
    }

    func testBatchNormWithGhostBatchesAndAShortLastGhost() {
        let layer = BatchNorm(name: "bn", channels: 3, ghostBatch: 4, pool: pool)
        layer.gamma.value.setValues([0.5, 1.5, -1])
        layer.beta.value.setValues([0.1, 0, -0.2])
        // 6 examples: ghost batches of 4 and 2.
        checkLayerGradients(layer, inputShape: [6, 2, 2, 3], seed: 13, inputScale: 2, step: 2e-3, tolerance: 2e-2)
    }

    func testBatchNormWithFusedReLU() {
        let layer = BatchNorm(name: "bn", channels: 4, ghostBatch: 3, fusedReLU: true, pool: pool)
        layer.gamma.value.setValues([0.5, 1.5, -1, 2])
        layer.beta.value.setValues([0.1, 0, -0.2, 0.3])
        checkLayerGradients(layer, inputShape: [6, 2, 3, 4], seed: 19, inputScale: 2, step: 1e-4, tolerance: 2e-2)
    }

    func testFusedBatchNormReLUPool() {
        let layer = BatchNormReLUPool(name: "bn", channels: 8, ghostBatch: 2, pool: pool)
        layer.gamma.value.setValues(randomArray(8, seed: 30).map { $0 + 0.5 })
        layer.beta.value.setValues(randomArray(8, seed: 31, scale: 0.3))
        checkLayerGradients(layer, inputShape: [3, 4, 5, 8], seed: 32, inputScale: 2, step: 1e-4, tolerance: 2e-2)
    }

    /// The fused layer computes what batch norm with ReLU then max-pool compute, state included.
    func testFusedLayerMatchesTheSeparateLayers() {
        let fused = BatchNormReLUPool(name: "bn", channels: 16, ghostBatch: 3, pool: pool)
        let separate = BatchNorm(name: "bn", channels: 16, ghostBatch: 3, fusedReLU: true, pool: pool)
        let maxPool = MaxPool2(pool: pool)
        for layer in [fused.gamma, separate.gamma] { layer.value.setValues(randomArray(16, seed: 33)) }
        let x = randomArray(7 * 6 * 6 * 16, seed: 34)
        let a = fused.forward(Tensor(shape: [7, 6, 6, 16], values: x), mode: .training)
        let b = maxPool.forward(separate.forward(Tensor(shape: [7, 6, 6, 16], values: x), mode: .training), mode: .training)
        XCTAssertLessThan(zip(a.values, b.values).map { abs($0 - $1) }.max()!, 1e-5)
        let dp = randomArray(a.count, seed: 35)
        let da = fused.backward(Tensor(shape: a.shape, values: dp), needsInputGradient: true)!.values
        let db = separate.backward(maxPool.backward(Tensor(shape: b.shape, values: dp), needsInputGradient: true)!,
                                   needsInputGradient: true)!.values
        XCTAssertLessThan(zip(da, db).map { abs($0 - $1) }.max()!, 1e-4)
        XCTAssertLessThan(zip(fused.gamma.gradient.values, separate.gamma.gradient.values).map { abs($0 - $1) }.max()!, 1e-4)
        // Same statistics up to the order of summation (the fused layer sums per example, batch
        // norm in blocks of 256 rows); the data are of order 1.
        XCTAssertLessThan(zip(fused.runningMean.values, separate.runningMean.values).map { abs($0 - $1) }.max()!, 1e-6)
        XCTAssertLessThan(zip(fused.runningVariance.values, separate.runningVariance.values).map { abs($0 - $1) }.max()!, 1e-6)
        let evalA = fused.forward(Tensor(shape: [7, 6, 6, 16], values: x), mode: .evaluation).values
        let evalB = maxPool.forward(separate.forward(Tensor(shape: [7, 6, 6, 16], values: x), mode: .evaluation), mode: .evaluation).values
        XCTAssertLessThan(zip(evalA, evalB).map { abs($0 - $1) }.max()!, 1e-5)
    }

    func testBatchNormOverTheWholePass() {
        let layer = BatchNorm(name: "bn", channels: 2, ghostBatch: nil, pool: pool)
        layer.gamma.value.setValues([0.7, 1.2])
        checkLayerGradients(layer, inputShape: [5, 3, 2], seed: 14, inputScale: 2, step: 2e-3, tolerance: 2e-2)
    }

    func testResidualBlockWithIdentityShortcut() {
        var random = DeterministicRandom(seed: 15)
        let block = ResidualBlock(name: "b", inChannels: 3, outChannels: 3, stride: 1, ghostBatch: nil, random: &random, pool: pool)
        checkLayerGradients(block, inputShape: [3, 4, 4, 3], seed: 16, step: 1e-4, tolerance: 3e-2)
    }

    /// Several seeds and steps: a step of 1e-2 would cross ReLU kinks, so the steps stay small.
    func testResidualBlockIdentityVariants() {
        for seed in [20, 21, 22] as [UInt64] {
            for h in [1e-3, 1e-4] as [Float] {
                var random = DeterministicRandom(seed: seed)
                let block = ResidualBlock(name: "b", inChannels: 3, outChannels: 3, stride: 1, ghostBatch: nil, random: &random, pool: pool)
                checkLayerGradients(block, inputShape: [3, 4, 4, 3], seed: seed, step: h, tolerance: 3e-2)
            }
        }
    }

    func testResidualBlockWithProjectionShortcut() {
        var random = DeterministicRandom(seed: 17)
        let block = ResidualBlock(name: "b", inChannels: 2, outChannels: 4, stride: 2, ghostBatch: 2, random: &random, pool: pool)
        checkLayerGradients(block, inputShape: [4, 5, 5, 2], seed: 18, step: 2e-3, tolerance: 3e-2)
    }

    func testFlattenPassesTheSameTensor() {
        let flatten = Flatten()
        let x = Tensor(shape: [2, 3, 3, 1])
        XCTAssert(flatten.forward(x, mode: .training) === x)
        XCTAssertEqual(flatten.outputShape(for: [3, 3, 1]), [9])
    }
}
