import XCTest
import TensorKernels

/// Small deterministic generator for test inputs (SplitMix64), so kernel tests need no other target.
struct KernelRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in float() * scale } }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}

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
