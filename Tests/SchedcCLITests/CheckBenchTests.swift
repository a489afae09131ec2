import XCTest
@testable import schedc
import Benchmarks
import ScheduleLanguage
import Benchmarks

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

    func testRunsOnASmallSchedule() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(getpid()).sched")
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try BenchCheck.run(["--lines", "200", "--runs", "2", "--format", "json", "--write", file.path]), 0)
        let written = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(written, FrontEndBenchmark.schedule(lines: 200))
        XCTAssertThrowsError(try BenchCheck.run(["--lines", "3"]))
    }
}
