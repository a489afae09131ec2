import Foundation
import XCTest

/// `schedc bench peak`: the FMA peak the kernels' GFLOP/s are read against.
final class BenchPeakTests: XCTestCase {
    private var hasAVX512: Bool {
        ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").contains(" avx512f")
    }

    private func records(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try runSchedc(["bench"] + arguments + ["--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], result.stdout)
    }

    func testJSONHasEveryWidthOfThisProcessorPerThreadCount() throws {
        let peaks = try records(["peak", "--threads", "1,2", "--seconds", "0.05"])
        let widths = hasAVX512 ? ["ymm", "zmm"] : ["ymm"]
        XCTAssertEqual(peaks.map { $0["width"] as? String }, widths + widths)
        XCTAssertEqual(peaks.map { $0["threads"] as? Int }, widths.map { _ in 1 } + widths.map { _ in 2 })
        for peak in peaks { XCTAssertGreaterThan(peak["gflops"] as? Double ?? 0, 0, "\(peak)") }
    }

    /// A GEMM does at most the FMAs the peak loop does: measured on the same thread, it runs at a
    /// large share of the peak but not above it. The bounds are wide (two processes, a shared
    /// machine), and still fail if the loop were optimised away (peak far too high) or its
    /// vector width miscounted (a factor of two).
    func testTheGEMMRunsBelowThePeakButNotFarBelow() throws {
        let peak = try XCTUnwrap(records(["peak", "--threads", "1", "--seconds", "1"]).map { $0["gflops"] as? Double ?? 0 }.max())
        let gemm = try XCTUnwrap(records(["gemm", "--sizes", "256", "--threads", "1"]).first?["gflops"] as? Double)
        XCTAssertLessThan(gemm, 1.5 * peak, "GEMM \(gemm) GFLOP/s, peak \(peak)")
        XCTAssertGreaterThan(gemm, 0.2 * peak, "GEMM \(gemm) GFLOP/s, peak \(peak)")
    }

    func testTextNamesTheProcessorAndEachMeasurement() throws {
        let result = try runSchedc(["bench", "peak", "--threads", "1", "--seconds", "0.05"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("FMA peak, fp32: processor "), lines[0])
        XCTAssertEqual(lines.count, hasAVX512 ? 3 : 2, result.stdout)
        XCTAssertTrue(lines[1].hasPrefix("ymm  threads=1 ") && lines[1].hasSuffix(" GFLOP/s"), lines[1])
    }

    func testBadOptionsAreRefusedWithTheReason() throws {
        for (arguments, reason) in [(["--seconds", "0"], "--seconds"), (["--seconds", "x"], "--seconds"),
                                    (["--threads", "0"], "--threads"), (["--format", "xml"], "--format"),
                                    (["extra"], "unexpected argument")] {
            let result = try runSchedc(["bench", "peak"] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(reason), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(arguments)")
        }
    }
}
