import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import XCTest

/// `schedc plan` end to end, through the built executable: golden text and JSON output for
/// every sample, command-line overrides, the errors it reports (the way `check` does) and its
/// exit codes, standard input, and `--svg`.
///
/// Golden files live in Golden/plan/: for case NAME, `NAME.txt` or `NAME.json` is the
/// expected standard output and `NAME.stderr` the expected standard error (a case without
/// one must leave that stream empty). `SCHEDC_UPDATE_GOLDEN=1 swift test` rewrites them.
/// A sample's plain table and JSON must be byte for byte the planner's own golden files
/// (Tests/SchedulePlannerTests/Golden/NAME.txt|json, which `Plan.table()` and `jsonText()`
/// are tested against): those are read here, never written, so the two cannot drift apart.
final class PlanCommandTests: XCTestCase {
    static let golden = repositoryRoot.appendingPathComponent("Tests/SchedcCLITests/Golden/plan")
    static let plannerGolden = repositoryRoot.appendingPathComponent("Tests/SchedulePlannerTests/Golden")
    static let inputs = "Tests/SchedcCLITests/Golden/plan/inputs/"
    var updating: Bool { ProcessInfo.processInfo.environment["SCHEDC_UPDATE_GOLDEN"] == "1" }

    struct GoldenCase {
        var name: String
        var arguments: [String]
        var status: Int32
        /// Whether standard output / standard error have golden files (else they must be empty).
        var stdout: Bool
        var stderr: Bool
        /// Standard output is compared with the planner's golden file of the same name.
        var plannerGolden = false
        var json: Bool { arguments.contains("json") }
        var stdoutFile: String { name + (json ? ".json" : ".txt") }
        var stderrFile: String { name + ".stderr" }
        /// The files this case owns in Golden/plan/.
        var files: [String] { (stdout && !plannerGolden ? [stdoutFile] : []) + (stderr ? [stderrFile] : []) }
    }

    static let samples = ["cifar10/decaying_lr", "cifar10/increasing_batch", "cifar10/hybrid", "cifar10/increased_lr",
                          "cifar10/increased_momentum", "cifar10/adabatch", "quickstart"]

    static var cases: [GoldenCase] {
        var cases: [GoldenCase] = []
        for sample in samples {
            let name = String(sample.split(separator: "/").last!)
            let path = "Samples/\(sample).sched"
            cases.append(GoldenCase(name: name, arguments: ["plan", path], status: 0, stdout: true, stderr: false, plannerGolden: true))
            cases.append(GoldenCase(name: name, arguments: ["plan", "--format", "json", path], status: 0, stdout: true, stderr: false,
                                    plannerGolden: true))
        }
        let increasingBatch = "Samples/cifar10/increasing_batch.sched"
        cases += [
            // The mission's question: how does the paper's schedule lower on a smaller B_max?
            GoldenCase(name: "increasing_batch_max_batch_1024", arguments: ["plan", increasingBatch, "--max-batch", "1024"],
                       status: 0, stdout: true, stderr: false),
            GoldenCase(name: "decaying_lr_policy_hybrid_2", arguments: ["plan", "Samples/cifar10/decaying_lr.sched", "--policy", "hybrid(2)"],
                       status: 0, stdout: true, stderr: false),
            // micro_batch is not in the file: appended, and 5120 runs as 512 × 10 passes.
            GoldenCase(name: "increasing_batch_micro_batch_512", arguments: ["plan", increasingBatch, "--micro-batch", "512"],
                       status: 0, stdout: true, stderr: false),
            GoldenCase(name: "quickstart_all_overrides",
                       arguments: ["plan", "--format", "json", "Samples/quickstart.sched", "--max-batch", "2048",
                                   "--micro-batch", "256", "--policy", "adabatch(4)"],
                       status: 0, stdout: true, stderr: false),
            GoldenCase(name: "no_trailing_newline_max_batch_100",
                       arguments: ["plan", inputs + "no_trailing_newline.sched", "--max-batch", "100"], status: 0, stdout: true, stderr: false),
            // Errors in the file: reported as check reports them, nothing planned, exit 1.
            GoldenCase(name: "syntax_error", arguments: ["plan", inputs + "syntax_error.sched"], status: 1, stdout: false, stderr: true),
            GoldenCase(name: "syntax_error", arguments: ["plan", "--format", "json", inputs + "syntax_error.sched"],
                       status: 1, stdout: true, stderr: false),
            GoldenCase(name: "lr_underflow", arguments: ["plan", inputs + "lr_underflow.sched"], status: 1, stdout: false, stderr: true),
            // Overrides that break a rule of the language: the checker's diagnostics, exit 2.
            GoldenCase(name: "increasing_batch_max_batch_64", arguments: ["plan", increasingBatch, "--max-batch", "64"],
                       status: 2, stdout: false, stderr: true),
            GoldenCase(name: "increasing_batch_max_batch_60000", arguments: ["plan", increasingBatch, "--max-batch", "60000"],
                       status: 2, stdout: false, stderr: true),
            GoldenCase(name: "increasing_batch_policy_typo", arguments: ["plan", increasingBatch, "--policy", "decay_rl"],
                       status: 2, stdout: false, stderr: true),
            GoldenCase(name: "increasing_batch_micro_batch_1000", arguments: ["plan", increasingBatch, "--micro-batch", "1000"],
                       status: 2, stdout: false, stderr: true),
            GoldenCase(name: "no_trailing_newline_max_batch_5",
                       arguments: ["plan", inputs + "no_trailing_newline.sched", "--max-batch", "5"], status: 2, stdout: false, stderr: true),
        ]
        return cases
    }

    /// LSP locations carry absolute URIs: made machine-independent for the comparison.
    func stable(_ text: String) -> String {
        text.replacingOccurrences(of: repositoryRoot.standardizedFileURL.absoluteString, with: "file://REPOSITORY/")
    }

    func compare(_ actual: String, withFile name: String, _ context: String, plannerGolden: Bool = false) throws {
        let url = (plannerGolden ? Self.plannerGolden : Self.golden).appendingPathComponent(name)
        if updating && !plannerGolden {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            return XCTFail("\(name) is missing; run SCHEDC_UPDATE_GOLDEN=1 swift test")
        }
        if actual != expected {
            XCTFail("\(context) differs from \(url.path) (SCHEDC_UPDATE_GOLDEN=1 regenerates it):\n--- expected\n\(expected)\n--- actual\n\(actual)")
        }
    }

    func testGoldenOutputs() throws {
        for goldenCase in Self.cases {
            let result = try runSchedc(goldenCase.arguments)
            let context = "schedc " + goldenCase.arguments.joined(separator: " ")
            XCTAssertEqual(result.status, goldenCase.status, "\(context): exit status; stderr: \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("\u{1B}["), "\(context): colour without a terminal")
            if goldenCase.stdout {
                try compare(stable(result.stdout), withFile: goldenCase.stdoutFile, context, plannerGolden: goldenCase.plannerGolden)
            } else {
                XCTAssertEqual(result.stdout, "", "\(context): standard output")
            }
            if goldenCase.stderr {
                try compare(result.stderr, withFile: goldenCase.stderrFile, context)
            } else {
                XCTAssertEqual(result.stderr, "", "\(context): standard error")
            }
        }
    }

    /// Every golden file belongs to exactly one case (a renamed case leaves no stale file behind).
    func testEachGoldenFileBelongsToOneCase() throws {
        let written = Self.cases.flatMap(\.files)
        XCTAssertEqual(Set(written).count, written.count, "two cases write the same golden file")
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.golden.path).filter { $0 != "inputs" }
        XCTAssertEqual(Set(files), Set(written))
    }

    // MARK: - The paper's figures through the command line

    /// `schedc plan --format json` on the CIFAR-10 samples: the paper's update counts
    /// (~80 000, ~29 000, ~6 500 within 3 %; "less than 2 500" for the last).
    func testPaperFiguresFromTheSampleFiles() throws {
        let expected: [(String, Int, paper: Int?)] = [("decaying_lr", 78_200, 80_000), ("increasing_batch", 29_240, 29_000),
                                                      ("increased_lr", 6500, 6500), ("increased_momentum", 2360, nil)]
        for (name, updates, paper) in expected {
            let result = try runSchedc(["plan", "--format", "json", "Samples/cifar10/\(name).sched"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let plan = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let total = try XCTUnwrap(plan["total_updates"] as? Int)
            XCTAssertEqual(total, updates, name)
            if let paper {
                XCTAssertLessThanOrEqual(abs(Double(total - paper)), 0.03 * Double(paper), name)
            } else {
                XCTAssertLessThan(total, 2500, name)
            }
            let phases = try XCTUnwrap(plan["phases"] as? [[String: Any]])
            XCTAssertEqual(phases.compactMap { $0["updates"] as? Int }.reduce(0, +), total, "\(name): phases add up")
        }
    }

    // MARK: - Overrides

    /// Overriding a setting with the value the file already has changes nothing but the
    /// first line, which says so.
    func testOverrideWithTheFilesOwnValueGivesTheSamePlan() throws {
        let path = "Samples/cifar10/increased_lr.sched"
        let plain = try runSchedc(["plan", path])
        let same = try runSchedc(["plan", path, "--max-batch", "5120", "--policy", "increase_batch"])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertEqual(same.stdout, "command-line overrides: max_batch 5120 (the file says 5120), policy increase_batch (the file says increase_batch)\n"
                       + plain.stdout)
        let json = try runSchedc(["plan", "--format", "json", path, "--max-batch=5120"])
        XCTAssertEqual(json.stdout, try runSchedc(["plan", "--format", "json", path]).stdout, "JSON has no extra keys for overrides")
    }

    /// A smaller B_max never needs fewer updates, and B never passes it.
    func testSmallerMaxBatchNeverNeedsFewerUpdates() throws {
        var previous = 0
        for maxBatch in [5120, 2560, 1024, 640, 128] {
            let result = try runSchedc(["plan", "--format", "json", "Samples/cifar10/increasing_batch.sched", "--max-batch", String(maxBatch)])
            XCTAssertEqual(result.status, 0, result.stderr)
            let plan = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(plan["max_batch"] as? Int, maxBatch)
            let batches = (plan["phases"] as? [[String: Any]] ?? []).compactMap { $0["batch"] as? Int }
            XCTAssertTrue(batches.allSatisfy { $0 <= maxBatch }, "\(batches) under max_batch \(maxBatch)")
            let total = try XCTUnwrap(plan["total_updates"] as? Int)
            XCTAssertGreaterThanOrEqual(total, previous, "max_batch \(maxBatch)")
            previous = total
        }
        XCTAssertEqual(previous, 78_200, "at max_batch = batch, increase_batch is decay_lr")
    }

    /// Overrides on a CRLF file: the appended line takes the file's line ending, and lines and
    /// columns elsewhere do not move.
    func testOverridesOnACRLFFile() throws {
        let path = "Samples/cifar10/increasing_batch.sched"
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        let planned = try runSchedc(["plan", "-", "--micro-batch", "512", "--max-batch", "4096"], stdin: crlf)
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertEqual(planned.stdout, try runSchedc(["plan", path, "--micro-batch", "512", "--max-batch", "4096"]).stdout)
        let broken = try runSchedc(["plan", "-", "--micro-batch", "100", "--max-batch", "4096"], stdin: crlf)
        XCTAssertEqual(broken.status, 2)
        XCTAssertTrue(broken.stderr.hasPrefix("<stdin>:12:13: error: ghost_batch 128 does not divide micro_batch 100 [S111]\n"), broken.stderr)
        XCTAssertTrue(broken.stderr.contains("<stdin>:17:1: note: micro_batch is set here\n 17 | micro_batch 100  # --micro-batch 100 (not in the file)\n"),
                      broken.stderr)
    }

    func testBadOverrideValuesAreUsageErrors() throws {
        let path = "Samples/cifar10/increasing_batch.sched"
        let zero = try runSchedc(["plan", path, "--max-batch", "0"])
        XCTAssertEqual(zero.status, 2)
        XCTAssertEqual(zero.stderr, "schedc plan: option '--max-batch' needs an integer in 1..., not '0'\n")
        let word = try runSchedc(["plan", path, "--micro-batch", "lots"])
        XCTAssertEqual(word.status, 2)
        XCTAssertTrue(word.stderr.contains("'--micro-batch' needs an integer"), word.stderr)
        // A policy is one line of source text: no new lines, no comments smuggled in.
        for injected in ["decay_lr\nat epoch 1: lr = 9", "decay_lr # hm", "", "  "] {
            let result = try runSchedc(["plan", path, "--policy", injected])
            XCTAssertEqual(result.status, 2, injected)
            XCTAssertTrue(result.stderr.hasPrefix("schedc plan: option '--policy' takes a policy"), result.stderr)
            XCTAssertEqual(result.stdout, "")
        }
        let json = try runSchedc(["plan", "--format", "json", path, "--max-batch", "64"])
        XCTAssertEqual(json.status, 2)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let diagnostics = (document?["files"] as? [[String: Any]])?.first?["diagnostics"] as? [[String: Any]]
        XCTAssertEqual(diagnostics?.compactMap { $0["code"] as? String }, ["S109"])
        XCTAssertEqual(json.stderr, "schedc plan: \(path): cannot plan with '--max-batch 64': the result breaks the rules above\n")
    }

    // MARK: - Usage and I/O

    func testUsageErrors() throws {
        let cases: [([String], String)] = [
            (["plan"], "schedc plan: no input file; usage: schedc plan FILE (or '-' for standard input)\n"),
            (["plan", "a.sched", "b.sched"], "schedc plan: plan takes one file, got 2; run it once per file\n"),
            (["plan", "--format", "yaml", "Samples/quickstart.sched"], "schedc plan: option '--format' takes one of text, json, not 'yaml'\n"),
            (["plan", "--max-bach", "10", "Samples/quickstart.sched"], "schedc plan: unknown option '--max-bach'; did you mean '--max-batch'?\n"),
            (["plan", "Samples/quickstart.sched", "--svg"], "schedc plan: option '--svg' needs a value\n"),
            (["plan", "Samples/quickstart.sched", "--svg", "-"],
             "schedc plan: option '--svg' needs a file path to write the chart to (standard output holds the plan)\n"),
            (["plan", "no/such/file.sched"], "schedc plan: no/such/file.sched: no such file\n"),
            (["plan", "Samples"], "schedc plan: Samples: is a directory, not a .sched file\n"),
        ]
        for (arguments, message) in cases {
            let result = try runSchedc(arguments)
            XCTAssertEqual(result.status, 2, arguments.joined(separator: " "))
            XCTAssertEqual(result.stderr, message)
            XCTAssertEqual(result.stdout, "")
        }
    }

    func testHelp() throws {
        let result = try runSchedc(["plan", "--help"])
        XCTAssertEqual(result.status, 0)
        for expected in ["USAGE: schedc plan [options] FILE", "--format text|json", "--svg OUT.svg", "--max-batch N",
                         "--micro-batch N", "--policy P", "EXIT STATUS", "docs/planner.md"] {
            XCTAssertTrue(result.stdout.contains(expected), "help lacks \(expected)")
        }
        XCTAssertTrue(try runSchedc(["--help"]).stdout.contains("plan      lower a schedule to concrete phases under B_max"))
    }

    func testStandardInputIsPlannedLikeTheFile() throws {
        let path = "Samples/cifar10/hybrid.sched"
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        let fromFile = try runSchedc(["plan", path])
        let fromStandardInput = try runSchedc(["plan", "-"], stdin: text)
        XCTAssertEqual(fromStandardInput.status, 0, fromStandardInput.stderr)
        XCTAssertEqual(fromStandardInput.stdout, fromFile.stdout)
        let broken = try runSchedc(["plan", "-"], stdin: text.replacingOccurrences(of: "noise /= 5", with: "noise /= "))
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.hasPrefix("<stdin>:16:32: error: expected a number after"), broken.stderr)
    }

    // MARK: - --svg

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-plan-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// The chart is the planner's PlanChart of the same plan: byte for byte the library's golden.
    func testSVGIsWrittenAtomicallyAndAnnounced() throws {
        let directory = try temporaryDirectory()
        let chart = directory.appendingPathComponent("increasing_batch.svg")
        try "an older chart".write(to: chart, atomically: true, encoding: .utf8)
        let result = try runSchedc(["plan", "Samples/cifar10/increasing_batch.sched", "--svg", chart.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "schedc plan: wrote the chart to \(chart.path)\n")
        XCTAssertEqual(result.stdout, try runSchedc(["plan", "Samples/cifar10/increasing_batch.sched"]).stdout,
                       "the table is printed as without --svg")
        let expected = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/SchedulePlannerTests/Golden/increasing_batch.svg"),
                                  encoding: .utf8)
        XCTAssertEqual(try String(contentsOf: chart, encoding: .utf8), expected)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["increasing_batch.svg"],
                       "no temporary file left behind")
        XCTAssertNoThrow(try parseXML(String(contentsOf: chart, encoding: .utf8)), "well-formed XML")

        // With --format json the message still goes to standard error: standard output is the plan.
        let json = try runSchedc(["plan", "--format", "json", "Samples/quickstart.sched", "--svg", chart.path])
        XCTAssertEqual(json.status, 0)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)))
        XCTAssertEqual(json.stderr, "schedc plan: wrote the chart to \(chart.path)\n")
    }

    func testUnwritableSVGPathIsAUsageErrorAndPrintsNothing() throws {
        let directory = try temporaryDirectory()
        let file = directory.appendingPathComponent("a-file")
        try "not a directory".write(to: file, atomically: true, encoding: .utf8)
        let cases: [(String, String)] = [
            (file.path + "/chart.svg", "schedc plan: \(file.path)/chart.svg: cannot write a temporary file in \(file.path) (Not a directory)\n"),
            (directory.path + "/missing/chart.svg",
             "schedc plan: \(directory.path)/missing/chart.svg: cannot write a temporary file in \(directory.path)/missing (No such file or directory)\n"),
            (directory.path, "schedc plan: \(directory.path): is a directory; '--svg' needs the path of the .svg file to write\n"),
        ]
        for (path, message) in cases {
            let result = try runSchedc(["plan", "Samples/quickstart.sched", "--svg", path])
            XCTAssertEqual(result.status, 2, path)
            XCTAssertEqual(result.stderr, message)
            XCTAssertEqual(result.stdout, "", "nothing planned is printed when the chart cannot be written")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["a-file"])
    }

    /// A file with errors writes no chart.
    func testErrorsWriteNoChart() throws {
        let chart = try temporaryDirectory().appendingPathComponent("chart.svg")
        let result = try runSchedc(["plan", Self.inputs + "syntax_error.sched", "--svg", chart.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: chart.path))
    }
}
