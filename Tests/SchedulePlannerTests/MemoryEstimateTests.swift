import XCTest
@testable import SchedulePlanner

/// The memory estimate: parameter counts of known models, growth with the pass, saturation.
final class MemoryEstimateTests: XCTestCase {
    let fashion = MemoryEstimate.Input(dataset: "fashion_mnist")!
    let cifar = MemoryEstimate.Input(dataset: "cifar10")!

    func testParametersAreWeightsGradientsAndOptimizerState() {
        // 784·32 + 32 + 32·10 + 10 = 25 450 weights; SGD keeps three buffers of them, Adam four.
        let sgd = MemoryEstimate(model: .mlp(hidden: [32]), input: fashion, optimizer: .sgd, pass: 1)
        XCTAssertEqual(sgd.parameters, 25_450 * 3 * 4)
        XCTAssertEqual(MemoryEstimate(model: .mlp(hidden: [32]), input: fashion, optimizer: .adam, pass: 1).parameters, 25_450 * 4 * 4)
        // WRN-16-4 has 2.75 M parameters (Zagoruyko & Komodakis 2016, table 1).
        let wrn = MemoryEstimate(model: .wrn(depth: 16, width: 4), input: cifar, optimizer: .sgd, pass: 1)
        XCTAssertEqual(Double(wrn.parameters) / 12, 2.75e6, accuracy: 0.05e6)
    }

    func testActivationsAndWorkspaceGrowLinearlyWithThePass() {
        let one = MemoryEstimate(model: .cnn, input: cifar, optimizer: .sgd, pass: 1)
        let many = MemoryEstimate(model: .cnn, input: cifar, optimizer: .sgd, pass: 512)
        XCTAssertEqual(many.parameters, one.parameters)
        XCTAssertEqual(many.activations, 512 * one.activations)
        XCTAssertEqual(many.workspace, 512 * one.workspace)
    }

    func testHugeModelsSaturateInsteadOfOverflowing() {
        let estimate = MemoryEstimate(model: .wrn(depth: 9_999_999_999_999_994, width: 4), input: cifar, optimizer: .sgd, pass: 1)
        XCTAssertEqual(estimate.total, .max)
        XCTAssertEqual(MemoryEstimate.describe(estimate.total), "over 9 EB")
        XCTAssertEqual(MemoryEstimate.describe(2_147_483_648), "2.1 GB")
        XCTAssertEqual(MemoryEstimate.describe(999), "999 B")
    }

    func testNoEstimateWithoutAModelOrALoadableDataSet() {
        XCTAssertNil(MemoryEstimate.Input(dataset: nil))
        XCTAssertNil(MemoryEstimate.Input(dataset: "imagenet"))
    }
}

/// Counts in the plan's words agree with their number.
final class PlanWordingTests: XCTestCase {
    func testOneEpochIsSingular() throws {
        let plan = try Planner.plan(makeProgram(epochs: 1, events: []))
        XCTAssertTrue(plan.table().contains(", 1 epoch, policy"), plan.table())
        XCTAssertTrue(try Planner.plan(makeProgram(epochs: 2, events: [])).table().contains(", 2 epochs, policy"))
    }
}
