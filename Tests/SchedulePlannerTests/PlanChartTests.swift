import XCTest
import Charts
import ScheduleLanguage
@testable import SchedulePlanner
import TestSupport

final class PlanChartTests: XCTestCase {
    func testIncreasingBatchChartMatchesGolden() throws {
        assertGolden(PlanChart.svg(for: try Planner.plan(CIFAR10Samples.increasingBatch)), named: "increasing_batch.svg")
    }

    func testWarmupChartMatchesGolden() throws {
        assertGolden(PlanChart.svg(for: try Planner.plan(CIFAR10Samples.adabatch)), named: "adabatch.svg")
    }

    func testEverySampleChartIsWellFormedWithThreeLogPanels() throws {
        for program in try CIFAR10Samples.all + GoldenPlanTests.oddities {
            let plan = try Planner.plan(program)
            let figure = PlanChart.figure(for: plan)
            XCTAssertEqual(figure.panels.count, 3)
            XCTAssertTrue(figure.panels.allSatisfy { $0.yScale == .log })
            XCTAssertEqual(figure.xDomain, 0...Double(plan.epochs))
            let summary = try parseXML(figure.svg())
            XCTAssertEqual(summary.root, "svg", program.name)
            XCTAssertTrue(summary.texts.contains("batch size B"))
        }
    }

    /// The step curves pass through every phase's values: one point per phase start plus the end.
    func testSeriesFollowThePhases() throws {
        let plan = try Planner.plan(CIFAR10Samples.increasingBatch)
        let figure = PlanChart.figure(for: plan)
        let batch = figure.panels[0].series[0]
        XCTAssertEqual(batch.style, .step)
        XCTAssertEqual(batch.points.map(\.x), [0, 60, 120, 160, 200])
        XCTAssertEqual(batch.points.map(\.y), [128, 640, 3200, 5120, 5120])
        let noise = figure.panels[2].series[0]
        assertClose(noise.points.map(\.y), [390.625, 78.125, 15.625, 3.125, 3.125])
    }

    func testWarmupRampStartsAtTheFirstUpdatesRate() throws {
        let plan = try Planner.plan(CIFAR10Samples.adabatch)
        let ramp = try XCTUnwrap(PlanChart.figure(for: plan).panels[1].series.first { $0.name == "ε in warm-up" })
        XCTAssertEqual(ramp.points.first?.y ?? 0, 0.4 / 490, accuracy: 1e-15)
        XCTAssertEqual(ramp.points.last?.x ?? 0, 5, accuracy: 1e-12)
        XCTAssertEqual(ramp.points.last?.y ?? 0, 0.4, accuracy: 1e-15)
    }
}
