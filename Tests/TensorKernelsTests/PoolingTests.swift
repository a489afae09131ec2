import XCTest
import TensorKernels
import TestSupport

final class PoolingTests: KernelTestCase {
    func testMaxPoolAgainstNaiveIncludingOddSizes() {
        var random = TestRandom(seed: 21)
        for (trial, (h, w)) in [(4, 4), (5, 7), (28, 28), (7, 6), (3, 3)].enumerated() {
            let n = 2, c = random.int(1...9)
            let x = random.floats(n * h * w * c), dy = random.floats(n * (h / 2) * (w / 2) * c)
            let expected = maxPool2Naive(x, batch: n, height: h, width: w, channels: c, outputGradient: dy)
            let pool = pools[trial % 3]
            let y = T(shape: [dy.count]), dx = T(shape: [x.count])
            dx.fill(.nan)
            maxPool2Forward(T(x).data, y.data, batch: n, height: h, width: w, channels: c, pool: pool)
            maxPool2Backward(input: T(x).data, T(dy).data, dx.data, batch: n, height: h, width: w, channels: c, pool: pool)
            XCTAssertEqual(y.values, expected.y, "\(h)×\(w)")
            XCTAssertEqual(dx.values, expected.dx, "\(h)×\(w)")
        }
    }

    func testMaxPoolTiesGoToTheFirstPosition() {
        // Two windows of zeros (what a ReLU leaves): the gradient lands on the top-left only.
        let x = [Float](repeating: 0, count: 2 * 2 * 2)
        let dx = T(shape: [8])
        maxPool2Backward(input: T(x).data, T([3, 4]).data, dx.data, batch: 1, height: 2, width: 2, channels: 2)
        XCTAssertEqual(dx.values, [3, 4, 0, 0, 0, 0, 0, 0])
    }

    func testGlobalAveragePoolForwardAndBackward() {
        var random = TestRandom(seed: 22)
        let n = 3, positions = 5, c = 4
        let x = random.floats(n * positions * c), dy = random.floats(n * c)
        let y = T(shape: [n * c]), dx = T(shape: [x.count])
        globalAveragePoolForward(T(x).data, y.data, batch: n, positions: positions, channels: c, pool: pools[1])
        globalAveragePoolBackward(T(dy).data, dx.data, batch: n, positions: positions, channels: c, pool: pools[1])
        var expectedY = [Float](repeating: 0, count: n * c), expectedDx = [Float](repeating: 0, count: x.count)
        for i in 0..<n { for p in 0..<positions { for k in 0..<c {
            expectedY[i * c + k] += x[(i * positions + p) * c + k] / Float(positions)
            expectedDx[(i * positions + p) * c + k] = dy[i * c + k] / Float(positions)
        } } }
        assertClose(y.values, expectedY, tolerance: 1e-6)
        assertClose(dx.values, expectedDx, tolerance: 1e-6)
    }
}
