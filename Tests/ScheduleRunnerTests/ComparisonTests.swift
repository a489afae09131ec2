import Foundation
@testable import ScheduleRunner
import TestSupport
import XCTest

final class ComparisonTests: RunnerTestCase {
    /// Decaying lr against increasing batch on the synthetic data: the table and figure of two
    /// real (tiny) runs.
    func testTwoRuns() throws {
        let events = "at epoch 2, 3: noise /= 4"
        let decay = try specification(schedule(name: "decay", n: 128, epochs: 4, settings: "policy decay_lr", events: events))
        let grow = try specification(schedule(name: "grow", n: 128, epochs: 4, settings: "policy increase_batch", events: events))
        XCTAssertEqual(decay.plan.totalUpdates, 64)
        XCTAssertEqual(grow.plan.totalUpdates, 32 + 4 + 1)
        let (a, _) = try runToEnd(decay, data: syntheticData(train: 128))
        let (b, _) = try runToEnd(grow, data: syntheticData(train: 128))
        let runs = try [a, b].map { try ComparedRun.read($0.directory.path) }
        XCTAssertEqual(runs.map(\.label), ["decay", "grow"])
        XCTAssertTrue(runs.allSatisfy(\.isFinished))
        XCTAssertEqual(runs.map(\.updates), [64, 37])

        let table = RunComparison.markdownTable(runs)
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[0].hasPrefix("| schedule | epochs | final test accuracy |"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("| -------- | -----: |"), lines[1])
        let cells = lines[3].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(cells[0], "grow")
        XCTAssertEqual(cells[1], "4")
        XCTAssertEqual(cells[2], RunComparison.percent(runs[1].finalTestAccuracy))
        XCTAssertEqual(cells[4], "37")
        XCTAssertEqual(cells[6], String(format: "%.2f×", runs[0].seconds / runs[1].seconds))
        XCTAssertEqual(cells[7], "1.73×", "64 / 37 updates")
        XCTAssertEqual(lines[2].split(separator: "|").suffix(2).map { $0.trimmingCharacters(in: .whitespaces) }, ["1.00×", "1.00×"])

        let svg = RunComparison.svg(runs)
        let ids = try parseXML(svg).ids
        XCTAssertFalse(ids.isEmpty)
        XCTAssertEqual(Set(ids).count, ids.count, "ids must stay unique: \(ids)")
        for text in ["against epochs", "against updates", "test accuracy (%)", "training loss", ">decay<", ">grow<"] {
            XCTAssertTrue(svg.contains(text), text)
        }
    }

    func testUnfinishedRunsHaveNoSpeedUp() throws {
        let spec = try specification(schedule(name: "cut", n: 96, epochs: 3))
        let run = try TrainingRun.start(spec, in: temporaryRunPath(), data: syntheticData(train: 96))
        var updates = 0
        _ = try run.run(observer: { if case .step = $0 { updates += 1 } }, shouldStop: { updates >= 15 })
        let (done, _) = try runToEnd(spec, data: syntheticData(train: 96))
        let runs = RunComparison.uniqueLabels(try [done.directory.path, run.directory.path].map { try ComparedRun.read($0) })
        XCTAssertEqual(runs.map(\.label), [(done.directory.path as NSString).lastPathComponent, (run.directory.path as NSString).lastPathComponent])
        let row = RunComparison.markdownTable(runs).split(separator: "\n")[3]
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(cells[1], "1 of 3 (interrupted)")
        XCTAssertEqual(cells.suffix(2), ["—", "—"])
    }

    /// A run that failed in its first epoch has no metrics: it gets a row and an empty series.
    func testRunsWithoutMetrics() throws {
        let spec = try specification(schedule(name: "empty", n: 96, epochs: 2))
        let empty = ComparedRun(label: "empty", directory: "/x/empty", plan: spec.plan, metrics: [], status: .failed)
        for runs in [[empty], [empty, empty]] {
            XCTAssertNoThrow(try parseXML(RunComparison.svg(RunComparison.uniqueLabels(runs))))
        }
        let row = RunComparison.markdownTable([empty]).split(separator: "\n")[2]
        XCTAssertEqual(row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) },
                       ["empty", "0 of 2 (failed)", "—", "—", "0", "0.0 s", "—", "—"])
        XCTAssertNoThrow(try parseXML(RunPlots.svg(metrics: [], plan: spec.plan, against: .epochs)))
    }

    func testDurations() {
        XCTAssertEqual(RunComparison.duration(4.25), "4.2 s")
        XCTAssertEqual(RunComparison.duration(59.96), "60.0 s")
        XCTAssertEqual(RunComparison.duration(723), "12 min 03 s")
        XCTAssertEqual(RunComparison.duration(7500), "2 h 05 min")
        XCTAssertEqual(RunComparison.duration(.nan), "—")
    }

    func testReadingSomethingElseIsAClearError() throws {
        XCTAssertThrowsError(try ComparedRun.read("/nonexistent/run")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/run: no such run directory")
        }
        let path = temporaryRunPath()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        XCTAssertThrowsError(try ComparedRun.read(path)) { error in
            XCTAssertEqual("\(error)", "\(path): not a run directory (it has no run.json)")
        }
    }
}
