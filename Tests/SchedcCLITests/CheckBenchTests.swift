import XCTest
@testable import schedc
import Benchmarks
import ScheduleLanguage
import SchedulePlanner

/// `schedc bench check` (wired by the bench command): a smoke test with a small schedule.
/// The benchmark itself is a measurement, not a test (docs/language.md, "Performance").
final class CheckBenchTests: XCTestCase {
    func testGeneratedScheduleIsCleanAndHasTheRequestedSize() {
        for lines in [20, 1_000, 10_000] {
            let text = FrontEndBenchmark.schedule(lines: lines)
            let source = SourceFile(path: "bench.sched", text: text)
            XCTAssertEqual(source.textLineCount, lines, "\(lines) lines requested")
            let result = ScheduleCompiler.compile(source)
            XCTAssertNotNil(result.program)
            XCTAssertEqual(result.diagnostics.map(\.code), [])
            XCTAssertEqual(try ScheduleFormatter.format(source), text, "the generated schedule is already formatted")
        }
    }

    /// The events input of `--complexity`: exactly the events asked for, across the checker's
    /// limit per `every` statement, clean, already formatted, and it plans.
    func testEventScheduleHasExactlyTheRequestedEvents() throws {
        for events in [1, 20, 9_999, 10_000, 10_001] {
            let text = FrontEndBenchmark.schedule(events: events)
            let source = SourceFile(path: "bench.sched", text: text)
            let result = ScheduleCompiler.compile(source)
            XCTAssertEqual(result.diagnostics.map(\.code), [], "\(events) events")
            XCTAssertEqual(result.program?.events.count, events)
            XCTAssertEqual(text.components(separatedBy: "every ").count - 1, (events + 9_999) / 10_000, "one statement per 10 000 events")
            XCTAssertEqual(try ScheduleFormatter.format(source), text, "the generated schedule is already formatted")
            if let program = result.program { XCTAssertNoThrow(try Planner.plan(program)) }
        }
        let last = ScheduleCompiler.compile(SourceFile(path: "bench.sched", text: FrontEndBenchmark.schedule(events: FrontEndBenchmark.maximumEvents)))
        XCTAssertEqual(last.diagnostics.map(\.code), [])
        XCTAssertEqual(last.program?.events.count, FrontEndBenchmark.maximumEvents)
    }

    func testComplexityPrintsTheGrowthPerDoubling() throws {
        XCTAssertEqual(try BenchCheck.run(["--complexity", "--sizes", "100,200", "--runs", "1", "--format", "json"]), 0)
        XCTAssertThrowsError(try BenchCheck.run(["--complexity", "--sizes", "100,x"]))
        XCTAssertThrowsError(try BenchCheck.run(["--complexity", "--lines", "100"]))
        XCTAssertThrowsError(try BenchCheck.run(["--sizes", "100"]))
    }

    func testRunsOnASmallSchedule() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(getpid()).sched")
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try BenchCheck.run(["--lines", "200", "--runs", "2", "--format", "json", "--write", file.path]), 0)
        let written = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(written, FrontEndBenchmark.schedule(lines: 200))
        XCTAssertThrowsError(try BenchCheck.run(["--lines", "3"]))
    }
}
