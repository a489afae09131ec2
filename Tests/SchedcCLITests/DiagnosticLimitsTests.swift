import Foundation
import XCTest

/// Diagnostics stay linear in the input: a cap on the errors text output prints per file, lines
/// cut around what a diagnostic points at, positions without a scan of the line per diagnostic.
final class DiagnosticLimitsTests: XCTestCase {
    let header = "schedule many\ndata cifar10\nmodel wrn(16, 4)\nepochs 200\nlr 0.1\nbatch 128\nmax_batch 5120\n"

    func temporaryFile(_ name: String, _ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-limits-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return url.path
    }

    /// Seconds `schedc` takes on `arguments`, and what it printed.
    func timed(_ arguments: [String]) throws -> (seconds: Double, run: (status: Int32, stdout: String, stderr: String)) {
        let start = Date()
        let run = try runSchedc(arguments)
        return (Date().timeIntervalSince(start), (run.status, run.stdout, run.stderr))
    }

    /// 20 000 duplicate settings took 16 s (quadratic); they print 20 errors and say how many more.
    func testTwentyThousandDuplicateSettingsCheckQuicklyAndPrintTwentyErrors() throws {
        let file = try temporaryFile("duplicates.sched", header + String(repeating: "lr 0.1\n", count: 20_000))
        let (seconds, run) = try timed(["check", file])
        XCTAssertEqual(run.status, 1)
        XCTAssertLessThan(seconds, 8, "check took \(seconds) s")
        XCTAssertEqual(run.stderr.components(separatedBy: ": error: ").count - 1, 20)
        XCTAssertTrue(run.stderr.contains("duplicates.sched: 19980 more errors not shown (--error-limit 0 shows all)\n"),
                      String(run.stderr.suffix(300)))
        XCTAssertTrue(run.stderr.hasSuffix("found 20000 errors\n"), String(run.stderr.suffix(300)))

        let json = try runSchedc(["check", "--format", "json", file])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let files = document?["files"] as? [[String: Any]] ?? []
        XCTAssertEqual((files.first?["diagnostics"] as? [Any])?.count, 20_000, "JSON keeps every diagnostic")
    }

    /// One line with 8 000 event times took 183 s and printed 651 MB (the line reprinted per
    /// error); the line is now cut around each error, and `--error-limit 0` prints them all.
    func testOneLongLineOfEventTimesChecksInLinearTimeAndOutput() throws {
        let times = (0..<8_000).map { String($0 % 200) }.joined(separator: ", ")
        let file = try temporaryFile("long.sched", header + "at epoch \(times): noise /= 2\n")
        let (seconds, run) = try timed(["check", "--error-limit", "0", file])
        XCTAssertEqual(run.status, 1)
        XCTAssertLessThan(seconds, 15, "check took \(seconds) s")
        XCTAssertEqual(run.stderr.components(separatedBy: ": error: ").count - 1, 7_800)
        XCTAssertFalse(run.stderr.contains("not shown"))
        // Each error's snippet is a window of the line, not the 38 kB line itself.
        XCTAssertLessThan(run.stderr.utf8.count, 7_800 * 1_200)
        let lines = run.stderr.split(separator: "\n")
        XCTAssertEqual(lines.map(\.utf8.count).max().map { $0 < 400 }, true)
        // The caret still sits under the time it names: "epoch 0 follows", the first 0 after 199.
        let snippet = lines[1], caret = lines[2]
        XCTAssertTrue(snippet.hasPrefix("  8 | …") && snippet.hasSuffix("…"), String(snippet))
        let caretColumn = caret.distance(from: caret.startIndex, to: caret.firstIndex(of: "^")!)
        let chars = Array(snippet)
        XCTAssertEqual(String(chars[caretColumn..<(caretColumn + 3)]), "0, ")
        XCTAssertEqual(String(chars[(caretColumn - 5)..<caretColumn]), "199, ")
    }

    func testErrorLimitIsAnOptionWithALimitOfItsOwn() throws {
        let file = try temporaryFile("three.sched", header + String(repeating: "lr 0.1\n", count: 3))
        let one = try runSchedc(["check", "--error-limit", "1", file])
        XCTAssertEqual(one.stderr.components(separatedBy: ": error: ").count - 1, 1)
        XCTAssertTrue(one.stderr.contains("three.sched: 2 more errors not shown (--error-limit 0 shows all)\n"), one.stderr)
        let bad = try runSchedc(["check", "--error-limit", "-1", file])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--error-limit"), bad.stderr)
    }
}
