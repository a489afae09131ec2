import XCTest
import TensorKernels
@testable import Training

/// Optimisers against steps computed by hand.
final class OptimizerTests: XCTestCase {
    private func parameter(_ values: [Float], gradient: [Float], decays: Bool = true, name: String = "w") -> Parameter {
        let p = Parameter(name: name, shape: [values.count], decays: decays)
        p.value.setValues(values)
        p.gradient.setValues(gradient)
        return p
    }

    private func assertValues(_ actual: [Float], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (a, e) in zip(actual, expected) { XCTAssertEqual(Double(a), e, accuracy: 1e-6, file: file, line: line) }
    }

    func testPlainSGD() {
        let w = parameter([1, -2], gradient: [0.5, 1])
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.1)
        optimizer.step([w])
        assertValues(w.value.values, [0.95, -2.1])
    }

    func testMomentumInThePapersFormWithALearningRateChange() {
        // A ← m·A + g; w ← w − ε·A, with ε changed between the steps.
        let w = parameter([1, -2], gradient: [0.5, 1])
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.1, momentum: 0.9)
        optimizer.step([w])                      // A = g, w = w0 − 0.1·g
        assertValues(w.value.values, [0.95, -2.1])
        optimizer.learningRate = 0.01
        optimizer.step([w])                      // A = 1.9·g, w −= 0.01·1.9·g
        assertValues(w.value.values, [0.95 - 0.0095, -2.1 - 0.019])
        optimizer.momentum = 0.5
        optimizer.step([w])                      // A = 0.5·1.9·g + g = 1.95·g
        assertValues(w.value.values, [0.95 - 0.0095 - 0.00975, -2.1 - 0.019 - 0.0195])
        XCTAssertEqual(optimizer.steps, 3)
    }

    func testNesterov() {
        let w = parameter([1], gradient: [0.5])
        let optimizer = Optimizer(kind: .nesterov, learningRate: 0.1, momentum: 0.9)
        optimizer.step([w])                      // A = g; w −= ε(g + m·A) = 0.1·1.9·0.5
        assertValues(w.value.values, [1 - 0.095])
        optimizer.step([w])                      // A = 1.9g; w −= 0.1(g + 0.9·1.9g) = 0.1·2.71·0.5
        assertValues(w.value.values, [1 - 0.095 - 0.1355])
    }

    func testAdamWithBiasCorrection() {
        let w = parameter([1, 1], gradient: [0.5, -2])
        let optimizer = Optimizer(kind: .adam, learningRate: 0.01, momentum: 0.5, beta1: 0.9, beta2: 0.999, adamEpsilon: 0)
        optimizer.step([w])                      // m̂ = g, v̂ = g²: a step of ε·sign(g) (momentum unused)
        assertValues(w.value.values, [0.99, 1.01])
        w.gradient.setValues([1, 1])
        optimizer.step([w])
        // m = 0.9·0.1·g1 + 0.1·g2, v = 0.999·0.001·g1² + 0.001·g2², corrections 1/(1−0.81), 1/(1−0.998001)
        func expected(_ g1: Double, _ g2: Double) -> Double {
            let m = (0.9 * 0.1 * g1 + 0.1 * g2) / (1 - 0.81)
            let v = (0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2) / (1 - 0.999 * 0.999)
            return 0.01 * m / v.squareRoot()
        }
        assertValues(w.value.values, [0.99 - expected(0.5, 1), 1.01 - expected(-2, 1)])
    }

    func testWeightDecayAppliesOnlyToDecayingParameters() {
        let weight = parameter([2], gradient: [0], decays: true, name: "w")
        let bias = parameter([2], gradient: [0], decays: false, name: "b")
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        optimizer.step([weight, bias])           // g = 0 + 0.01·2
        assertValues(weight.value.values, [2 - 0.1 * 0.02])
        assertValues(bias.value.values, [2])
    }

    func testStateRoundTripContinuesIdentically() throws {
        for kind in OptimizerKind.allCases {
            let a = parameter([1, 2, 3], gradient: [0.1, -0.2, 0.3])
            let original = Optimizer(kind: kind, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3)
            original.step([a]); original.step([a])
            let b = parameter(a.value.values, gradient: a.gradient.values)
            let restored = Optimizer(kind: kind, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3)
            try restored.loadState(original.stateTensors, for: [b])
            restored.counters = original.counters
            original.step([a]); restored.step([b])
            XCTAssertEqual(a.value.values, b.value.values, "\(kind)")
        }
    }

    func testLoadingStateOfTheWrongShapeFails() {
        let w = parameter([1, 2], gradient: [0, 0])
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.1, momentum: 0.9)
        XCTAssertThrowsError(try optimizer.loadState([NamedTensor(name: "w.accumulator", shape: [3], values: [0, 0, 0])], for: [w])) {
            XCTAssertEqual("\($0)", "optimizer state 'w.accumulator' has shape [3], expected [2]")
        }
        XCTAssertThrowsError(try optimizer.loadState([NamedTensor(name: "other.accumulator", shape: [2], values: [0, 0])], for: [w])) {
            XCTAssertEqual("\($0)", "optimizer state 'w.accumulator' is missing")
        }
    }

    func testNames() {
        XCTAssertEqual(OptimizerKind(name: "momentum"), .sgd)
        XCTAssertEqual(OptimizerKind(name: "nesterov"), .nesterov)
        XCTAssertNil(OptimizerKind(name: "lamb"))
    }
}
