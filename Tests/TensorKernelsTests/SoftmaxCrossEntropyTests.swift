import XCTest
import TensorKernels
import TestSupport

final class SoftmaxCrossEntropyTests: KernelTestCase {
    func testAgainstNaiveOnRandomLogits() {
        var random = TestRandom(seed: 51)
        for (trial, (rows, classes)) in [(1, 2), (37, 10), (300, 7)].enumerated() {
            let logits = random.floats(rows * classes, scale: 5)
            let labels = (0..<rows).map { _ in Int32(random.int(0...(classes - 1))) }
            let expected = softmaxCrossEntropyNaive(logits: logits, labels: labels, classes: classes, gradientScale: 0.125)
            let gradient = T(shape: [logits.count])
            let result = labels.withUnsafeBufferPointer {
                softmaxCrossEntropy(logits: T(logits).data, labels: $0.baseAddress!, rows: rows, classes: classes,
                                    gradient: gradient.data, gradientScale: 0.125, pool: pools[trial % 3])
            }
            XCTAssertEqual(result.lossSum, expected.result.lossSum, accuracy: 1e-4 * Double(rows))
            XCTAssertEqual(result.correct, expected.result.correct)
            assertClose(gradient.values, expected.gradient, tolerance: 1e-6)
        }
    }

    func testHugeLogitsStayFinite() {
        // exp(1000) overflows Float; the max-subtracted form does not.
        let logits: [Float] = [1000, 0, -1000, 500, 500.5, -3e38]
        let labels: [Int32] = [1, 0]
        let gradient = T(shape: [6])
        let result = labels.withUnsafeBufferPointer {
            softmaxCrossEntropy(logits: T(logits).data, labels: $0.baseAddress!, rows: 2, classes: 3,
                                gradient: gradient.data, gradientScale: 1)
        }
        XCTAssert(result.lossSum.isFinite)
        XCTAssertEqual(result.lossSum, 1000 + (0.5 + log(1 + exp(-0.5))), accuracy: 1e-3)
        XCTAssert(gradient.values.allSatisfy(\.isFinite))
        XCTAssertEqual(result.correct, 0)
    }

    func testGradientRowsSumToZero() {
        var random = TestRandom(seed: 52)
        let logits = random.floats(50 * 10, scale: 3)
        let labels = (0..<50).map { Int32($0 % 10) }
        let gradient = T(shape: [500])
        _ = labels.withUnsafeBufferPointer {
            softmaxCrossEntropy(logits: T(logits).data, labels: $0.baseAddress!, rows: 50, classes: 10,
                                gradient: gradient.data, gradientScale: 1)
        }
        for r in 0..<50 { XCTAssertEqual(gradient.values[(r * 10)..<(r * 10 + 10)].reduce(0, +), 0, accuracy: 1e-6) }
    }
}
