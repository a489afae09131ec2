import XCTest
import TensorKernels
import TestSupport

final class ElementwiseTests: KernelTestCase {
    func testReluForwardBackwardInPlace() {
        var random = TestRandom(seed: 41)
        let count = 200_001  // several parallel ranges and an odd tail
        var x = random.floats(count), dy = random.floats(count)
        // NaN and −0 inside the vector loop and in the scalar tail: both give 0 forward.
        for i in [3, 16, 17, count - 1] { x[i] = .nan }
        for i in [5, count - 2] { x[i] = -0.0 }
        let t = T(x), g = T(dy)
        reluForward(t.data, t.data, count: count, pool: pools[1])
        reluBackward(output: t.data, g.data, g.data, count: count, pool: pools[1])
        XCTAssertEqual(t.values, x.map { $0 > 0 ? $0 : 0 })
        XCTAssertEqual(t.values[3], 0); XCTAssertEqual(t.values[count - 1], 0)
        XCTAssertEqual(g.values, zip(x, dy).map { $0.0 > 0 ? $0.1 : 0 })
    }

    func testAddAndAxpy() {
        var random = TestRandom(seed: 42)
        let a = random.floats(1000), b = random.floats(1000)
        let z = T(shape: [1000]), y = T(b)
        add(T(a).data, T(b).data, z.data, count: 1000, pool: pools[2])
        axpy(alpha: 0.5, T(a).data, y.data, count: 1000, pool: pools[2])
        XCTAssertEqual(z.values, zip(a, b).map { $0 + $1 })
        XCTAssertEqual(y.values, zip(a, b).map { 0.5 * $0 + $1 })
        // In place, as the residual blocks call it (z is x).
        let w = T(a)
        add(w.data, T(b).data, w.data, count: 1000, pool: pools[2])
        XCTAssertEqual(w.values, zip(a, b).map { $0 + $1 })
    }

    func testColumnSumsAgainstNaiveAndAcrossThreadCounts() {
        var random = TestRandom(seed: 43)
        for (rows, cols) in [(1, 1), (1000, 3), (777, 130), (5000, 64)] {
            let x = T(random.floats(rows * cols))
            let expected = T(shape: [cols]); expected.fill(1)
            columnSumsNaive(x.data, rows: rows, cols: cols, into: expected.data, accumulate: true)
            var results: [[Float]] = []
            for pool in pools {
                let out = T(shape: [cols]); out.fill(1)
                columnSums(x.data, rows: rows, cols: cols, into: out.data, accumulate: true, pool: pool)
                results.append(out.values)
            }
            assertClose(results[0], expected.values, tolerance: 1e-5, "\(rows)×\(cols)")
            XCTAssertEqual(results[0], results[1]); XCTAssertEqual(results[0], results[2])
        }
    }

    func testTensorResizeKeepsStorageWhenItFits() {
        let t = T(shape: [4, 5])
        let storage = t.data
        t.resize([2, 3])
        XCTAssertEqual(t.count, 6); XCTAssertEqual(t.shape, [2, 3]); XCTAssertEqual(t.data, storage)
        t.resize([10, 10])
        XCTAssertEqual(t.count, 100); XCTAssertGreaterThanOrEqual(t.capacity, 100)
        XCTAssertEqual(Int(bitPattern: t.data) % 64, 0, "storage is 64-byte aligned")
    }
}
