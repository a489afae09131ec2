import XCTest
import TensorKernels


/// ‖actual − expected‖∞ ≤ tolerance · max(1, ‖expected‖∞): a relative test that does not blow up near zero.
func assertClose(_ actual: [Float], _ expected: [Float], tolerance: Float, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count " + message(), file: file, line: line)
    guard actual.count == expected.count else { return }
    let scale = max(1, expected.map(abs).max() ?? 0)
    var worst: Float = 0, worstIndex = 0
    for i in 0..<actual.count {
        let error = abs(actual[i] - expected[i])
        if !(error <= worst) { worst = error; worstIndex = i }
    }
    XCTAssert(worst <= tolerance * scale,
              "max error \(worst) at \(worstIndex) (got \(actual[worstIndex]), expected \(expected[worstIndex])) \(message())",
              file: file, line: line)
}

/// A tensor made inline in a kernel call, `T(x).data`, would be freed as soon as `.data` has
/// been read (Swift ends an object's life at its last use). `T` keeps every tensor it makes
/// alive until the end of the test (`KernelTestCase.tearDown`).
nonisolated(unsafe) private var testTensors: [Tensor] = []

func T(_ values: [Float]) -> Tensor { T(shape: [values.count], values: values) }

func T(shape: [Int], values: [Float]? = nil) -> Tensor {
    let tensor = values.map { Tensor(shape: shape, values: $0) } ?? Tensor(shape: shape)
    testTensors.append(tensor)
    return tensor
}

class KernelTestCase: XCTestCase {
    override func tearDown() {
        testTensors.removeAll()
        super.tearDown()
    }
}

let pools = [ThreadPool(threads: 1), ThreadPool(threads: 2), ThreadPool(threads: 3)]
