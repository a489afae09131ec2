import XCTest
import TensorKernels
import TestSupport

final class ConvolutionTests: KernelTestCase {
    /// Runs the fast forward and backward and compares every output with the naive twin.
    private func check(_ g: Conv2dGeometry, bias: Bool, seed: UInt64, pool: ThreadPool, file: StaticString = #filePath, line: UInt = #line) {
        var random = TestRandom(seed: seed)
        let x = random.floats(g.inputCount), w = random.floats(g.weightCount, scale: 0.5)
        let b = bias ? random.floats(g.outChannels) : nil
        let dy = random.floats(g.outputCount)
        let expected = conv2dNaive(x: x, weight: w, bias: b, geometry: g, outputGradient: dy)

        let xT = T(x), wT = T(w), bT = b.map { T($0) }, y = T(shape: [g.outputCount])
        let scratch = T(shape: [max(1, g.scratchCount)])
        conv2dForward(xT.data, weight: wT.data, bias: bT?.data, y.data, geometry: g, scratch: scratch.data, pool: pool)
        assertClose(y.values, expected.y, tolerance: 1e-4, "forward \(g)", file: file, line: line)

        // Gradients accumulate: start from a known value and check the sum.
        let dw = T(shape: [g.weightCount]), db = T(shape: [g.outChannels]), dx = T(shape: [g.inputCount])
        dw.fill(0.25); db.fill(-0.5); dx.fill(.nan)
        conv2dBackward(xT.data, weight: wT.data, outputGradient: T(dy).data, weightGradient: dw.data,
                       biasGradient: bias ? db.data : nil, inputGradient: dx.data, geometry: g,
                       scratch: scratch.data, pool: pool)
        assertClose(dw.values, expected.dweight.map { $0 + 0.25 }, tolerance: 1e-4, "dweight \(g)", file: file, line: line)
        if bias { assertClose(db.values, expected.dbias.map { $0 - 0.5 }, tolerance: 1e-4, "dbias \(g)", file: file, line: line) }
        assertClose(dx.values, expected.dx, tolerance: 1e-4, "dx \(g)", file: file, line: line)
    }

    func testThreeByThreeAgainstNaiveOnOddShapes() {
        var random = TestRandom(seed: 11)
        for trial in 0..<12 {
            let g = Conv2dGeometry(batch: random.int(1...3), height: random.int(3...9), width: random.int(3...9),
                                   inChannels: random.int(1...5), outChannels: random.int(1...7), kernel: 3,
                                   stride: random.int(1...2), padding: random.int(0...1))
            check(g, bias: trial % 2 == 0, seed: UInt64(trial), pool: pools[trial % 3])
        }
    }

    func testDirectKernelsForShortPatches() {
        // P = 9·Cin ≤ 32: the first layer of an image model (Cin = 1, Cout 32; Cin = 3 on colour).
        let gray = Conv2dGeometry(batch: 17, height: 9, width: 8, inChannels: 1, outChannels: 32, kernel: 3, padding: 1)
        let colour = Conv2dGeometry(batch: 3, height: 7, width: 7, inChannels: 3, outChannels: 13, kernel: 3, stride: 2, padding: 1)
        XCTAssert(gray.usesDirectKernels && colour.usesDirectKernels)
        check(gray, bias: true, seed: 12, pool: pools[1])
        check(colour, bias: false, seed: 13, pool: pools[2])
        let wide = Conv2dGeometry(batch: 2, height: 6, width: 6, inChannels: 4, outChannels: 8, kernel: 3, padding: 1)
        XCTAssertFalse(wide.usesDirectKernels)
        check(wide, bias: true, seed: 14, pool: pools[1])
    }

    func testPointwiseAndStridedOneByOne() {
        check(Conv2dGeometry(batch: 3, height: 5, width: 7, inChannels: 6, outChannels: 5, kernel: 1), bias: true, seed: 1, pool: pools[1])
        check(Conv2dGeometry(batch: 2, height: 7, width: 7, inChannels: 4, outChannels: 8, kernel: 1, stride: 2), bias: false,
              seed: 2, pool: pools[1])
    }

    func testLargerKernelAndPadding() {
        check(Conv2dGeometry(batch: 2, height: 6, width: 5, inChannels: 2, outChannels: 3, kernel: 5, stride: 1, padding: 2),
              bias: true, seed: 3, pool: pools[0])
    }

    func testBatchesSpanningSeveralChunks() {
        // 24×24×8 with a 3×3 kernel: 576 · 72 Floats of patches per image, so the 256 Ki-Float
        // budget holds 6 images and a batch of 13 takes 3 chunks (the last one short).
        let g = Conv2dGeometry(batch: 13, height: 24, width: 24, inChannels: 8, outChannels: 3, kernel: 3, padding: 1)
        XCTAssertEqual(g.chunkImages, 6)
        check(g, bias: true, seed: 4, pool: pools[1])
        // Small images with long patches: chunks keep at least 512 rows for the GEMMs (11 images
        // of 7×7), although their patches then exceed the budget.
        XCTAssertEqual(Conv2dGeometry(batch: 64, height: 7, width: 7, inChannels: 256, outChannels: 256, kernel: 3, padding: 1)
            .chunkImages, 11)
        // A large image is one chunk by itself.
        XCTAssertEqual(Conv2dGeometry(batch: 4, height: 28, width: 28, inChannels: 64, outChannels: 64, kernel: 3, padding: 1)
            .chunkImages, 1)
    }

    func testIm2colThenCol2imIsTheAdjoint() {
        // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for any x, c: col2im is im2col's transpose.
        let g = Conv2dGeometry(batch: 2, height: 5, width: 6, inChannels: 3, outChannels: 1, kernel: 3, stride: 2, padding: 1)
        var random = TestRandom(seed: 5)
        let x = random.floats(g.inputCount), c = random.floats(g.batch * g.positions * g.patch)
        let col = T(shape: [c.count]), back = T(shape: [x.count])
        im2col(T(x).data, col.data, geometry: g, firstImage: 0, imageCount: g.batch, pool: pools[1])
        col2im(T(c).data, back.data, geometry: g, firstImage: 0, imageCount: g.batch, pool: pools[1])
        let left = zip(col.values, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x, back.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)))
    }
}
