import XCTest
@testable import schedc
import Benchmarks

/// `schedc bench lsp`: a smoke test on a small schedule (the figures are a measurement, docs/editors.md).
final class LSPBenchTests: XCTestCase {
    func testMeasuresChangeAndHoverLatency() throws {
        let latencies = try LanguageServerBenchmark.measure(lines: 200, runs: 4)
        XCTAssertEqual(latencies.change.count, 4)
        XCTAssertEqual(latencies.hover.count, 4)
        XCTAssertEqual(latencies.change, latencies.change.sorted())
        XCTAssertGreaterThan(latencies.change[0], 0)
        XCTAssertEqual(LanguageServerBenchmark.Latencies.percentile([1, 2, 3, 4], 0.5), 2)
        XCTAssertEqual(LanguageServerBenchmark.Latencies.percentile([1, 2, 3, 4], 0.99), 4)
        XCTAssertEqual(try BenchLSP.run(["--lines", "100", "--runs", "2", "--format", "json"]), 0)
        XCTAssertThrowsError(try BenchLSP.run(["--lines", "5"]))
        XCTAssertThrowsError(try BenchLSP.run(["--edit-at", "top"]))
    }

    /// Each place finds its `lr` event and the hover there describes it (measure throws otherwise).
    func testEditsAtEveryPlace() throws {
        for position in LanguageServerBenchmark.EditPosition.allCases {
            XCTAssertEqual(try LanguageServerBenchmark.measure(lines: 150, runs: 2, editing: position).change.count, 2, "\(position)")
        }
    }
}
