import XCTest
import TensorKernels
@testable import Training

/// `ConvBatchNormReLUPool`: its piecewise training pass (the convolution's output dropped after
/// each piece, the weight gradient from per-example patch sums) against the same layers run one
/// after the other on the whole pass.
final class FusedFirstBlockTests: XCTestCase {
    private func makeBlock(channels: Int, outChannels: Int = 16, ghostBatch: Int?, seed: UInt64,
                           pool: ThreadPool) -> ConvBatchNormReLUPool {
        var random = DeterministicRandom(seed: seed, stream: 1)
        let convolution = Conv2d(name: "conv1", inChannels: channels, outChannels: outChannels, kernel: 3, padding: 1, bias: false,
                                 random: &random, pool: pool)
        let batchNorm = BatchNormReLUPool(name: "bn1", channels: outChannels, ghostBatch: ghostBatch, pool: pool)
        // Some channels with γ < 0, whose windows route to their minimum.
        batchNorm.gamma.value.setValues(randomArray(outChannels, seed: seed + 1, awayFromZero: 0.3))
        batchNorm.beta.value.setValues(randomArray(outChannels, seed: seed + 2, scale: 0.3))
        return ConvBatchNormReLUPool(convolution: convolution, batchNorm: batchNorm, pool: pool)
    }

    /// Output, running statistics, and the gradients of every parameter.
    private func results(_ block: ConvBatchNormReLUPool) -> [String: [Float]] {
        var values: [String: [Float]] = [:]
        for parameter in block.parameters { values[parameter.name + ".grad"] = parameter.gradient.values }
        for buffer in block.buffers { values[buffer.name] = buffer.tensor.values }
        return values
    }

    func testPiecewisePassMatchesTheSeparateLayers() {
        // Odd image sizes (positions outside every pooling window), colour and grey inputs,
        // ghost batches that the pieces do not divide, one ghost batch over the pass, and
        // output channels that are not a multiple of eight (the scalar tail).
        let cases: [(batch: Int, channels: Int, outChannels: Int, size: Int, ghost: Int?, piece: Int)] = [
            (7, 1, 16, 9, 3, 2), (6, 3, 16, 8, 4, 5), (5, 1, 16, 6, nil, 3), (4, 2, 16, 7, 2, 1), (5, 1, 11, 6, 2, 2),
        ]
        for (index, c) in cases.enumerated() {
            let pool = ThreadPool(threads: 1 + index % 2)
            let reference = makeBlock(channels: c.channels, outChannels: c.outChannels, ghostBatch: c.ghost, seed: UInt64(10 + index),
                                      pool: pool)
            let block = makeBlock(channels: c.channels, outChannels: c.outChannels, ghostBatch: c.ghost, seed: UInt64(10 + index),
                                  pool: pool)
            let shape = [c.batch, c.size, c.size, c.channels]
            let x = randomArray(shape.reduce(1, *), seed: UInt64(20 + index)).map { $0 * 0.5 + 0.5 }  // image-like, in [0, 1]

            for layer in [reference, block] { for parameter in layer.parameters { parameter.gradient.fill(0) } }
            let expected = reference.forward(Tensor(shape: shape, values: x), mode: .training)
            let dp = randomArray(expected.count, seed: UInt64(30 + index))
            _ = reference.backward(Tensor(shape: expected.shape, values: dp), needsInputGradient: false)

            let input = Tensor(shape: shape, values: x)
            let output = block.beginPass(input)
            let pieces = PiecewiseStem.pieces(of: c.batch, size: c.piece)
            for piece in pieces { block.accumulateStatistics(piece: piece) }
            block.finishStatistics()
            for piece in pieces.reversed() { block.forward(piece: piece) }
            let pooledImage = output.count / c.batch
            dp.withUnsafeBufferPointer { gradient in
                for piece in pieces { block.accumulateGradientSums(piece: piece, outputGradient: gradient.baseAddress! + piece.lowerBound * pooledImage) }
            }
            block.finishGradientSums()

            XCTAssertEqual(output.values, expected.values, "output, case \(index)")
            let got = results(block), want = results(reference)
            for name in ["bn1.running_mean", "bn1.running_var", "bn1.gamma.grad", "bn1.beta.grad"] {
                XCTAssertEqual(got[name], want[name], "\(name), case \(index)")
            }
            // The weight gradient is summed differently (per-example patch sums in Double).
            let a = got["conv1.weight.grad"]!, b = want["conv1.weight.grad"]!
            let scale = b.map(abs).max()!
            XCTAssertGreaterThan(scale, 0)
            XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()! / scale, 1e-4, "conv1.weight gradient, case \(index)")
        }
    }

    /// The ordinary layer path (evaluation, gradient checks) is the composition, input gradient included.
    func testLayerGradientsOfTheComposition() {
        let block = makeBlock(channels: 2, ghostBatch: 2, seed: 40, pool: ThreadPool(threads: 2))
        checkLayerGradients(block, inputShape: [4, 6, 5, 2], seed: 41, step: 1e-3, tolerance: 2e-2)
    }
}
