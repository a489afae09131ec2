import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import XCTest

/// `schedc compare` end to end: the paper's comparison, shortened to a few seconds on the
/// shipped Fashion-MNIST subset, then read back from the run directories.
final class CompareCommandTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-compare-tests-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Section 5.1 of Smith et al. in miniature: the same noise schedule (÷5 at epochs 2 and 4)
    /// lowered three ways on an MLP, 5000 examples, 5 epochs, B_max = N/8.
    func schedule(_ name: String, policy: String) -> String {
        """
        schedule \(name)
        data fashion_mnist(subset: 5000)
        model mlp(hidden: [128])
        epochs 5
        optimizer sgd(momentum: 0.9)
        lr 0.02
        batch 25
        max_batch 625
        policy \(policy)
        seed 1
        at epoch 2, 4: noise /= 5

        """
    }

    func write(_ text: String, _ name: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func cells(_ line: Substring) -> [String] {
        line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func testShortenedPaperComparisonOnTheShippedSubset() throws {
        let files = [try write(schedule("decaying_lr", policy: "decay_lr"), "decaying_lr.sched"),
                     try write(schedule("hybrid", policy: "hybrid(1)"), "hybrid.sched"),
                     try write(schedule("increasing_batch", policy: "increase_batch"), "increasing_batch.sched")]
        let out = scratch.appendingPathComponent("comparison").path
        let result = try runSchedc(["compare"] + files + ["--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        for (file, name) in zip(files, ["decaying_lr", "hybrid", "increasing_batch"]) {
            XCTAssertTrue(result.stdout.contains("schedc compare: \(file) → \(out)/\(name)\n"), result.stdout)
            XCTAssertTrue(result.stdout.contains("finished \(name) in "), result.stdout)
        }

        // The table: printed, and in comparison.md.
        let tableStart = try XCTUnwrap(result.stdout.range(of: "| schedule "))
        let table = String(result.stdout[tableStart.lowerBound...]).components(separatedBy: "wrote ")[0]
        let markdown = try String(contentsOfFile: out + "/comparison.md", encoding: .utf8)
        XCTAssertTrue(markdown.hasPrefix("# Comparison\n\n" + table), markdown)
        XCTAssertTrue(result.stdout.hasSuffix("wrote \(out)/comparison.md and comparison.svg\n"))
        let rows = table.split(separator: "\n")
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(cells(rows[0]), ["schedule", "epochs", "final test accuracy", "best", "updates", "wall time",
                                        "speed-up (wall time)", "speed-up (updates)"])
        let (decay, hybrid, grow) = (cells(rows[2]), cells(rows[3]), cells(rows[4]))
        XCTAssertEqual([decay[0], hybrid[0], grow[0]], ["decaying_lr", "hybrid", "increasing_batch"])
        // Updates as planned: 5·200; 2·200 + 3·40; 2·200 + 2·40 + 8 (B 25 → 125 → 625).
        XCTAssertEqual([decay[4], hybrid[4], grow[4]], ["1000", "520", "488"])
        XCTAssertEqual([decay[7], hybrid[7], grow[7]], ["1.00×", "1.92×", "2.05×"])
        XCTAssertEqual(decay[6], "1.00×")
        // The paper's claim in miniature: the same accuracy per epoch, far fewer updates.
        let accuracies = try [decay, hybrid, grow].map { row -> Double in
            try XCTUnwrap(Double(row[2].replacingOccurrences(of: " %", with: "")))
        }
        for accuracy in accuracies {
            XCTAssertGreaterThan(accuracy, 80, "\(accuracies)")
            XCTAssertEqual(accuracy, accuracies[0], accuracy: 2.5, "\(accuracies)")
        }

        // The figure: one SVG document, well-formed, ids unique, both x axes, every schedule.
        let svg = try String(contentsOfFile: out + "/comparison.svg", encoding: .utf8)
        let ids = try parseXML(svg).ids
        for text in ["against epochs", "against updates", "test accuracy (%)", "training loss", ">decaying_lr<", ">hybrid<", ">increasing_batch<"] {
            XCTAssertTrue(svg.contains(text), text)
        }
        XCTAssertEqual(Set(ids).count, ids.count)

        // Read back from the run directories (and quietly): the same table.
        let again = try runSchedc(["compare", "--quiet", out + "/decaying_lr", out + "/hybrid", out + "/increasing_batch",
                                   "--out", scratch.appendingPathComponent("again").path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout, table)
    }

    func testErrorsStopEverythingBeforeTraining() throws {
        let good = try write(schedule("good", policy: "decay_lr"), "good.sched")
        let bad = try write(schedule("bad", policy: "decay_lr").replacingOccurrences(of: "batch 25", with: "batch 2500"), "bad.sched")
        let out = scratch.appendingPathComponent("never").path
        let result = try runSchedc(["compare", good, bad, "--out", out])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("error: batch 2500 is larger than max_batch 625 [S109]"), result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let one = try runSchedc(["compare", good])
        XCTAssertEqual(one.status, 2)
        XCTAssertEqual(one.stderr, "schedc compare: compare needs at least two schedules or run directories, got 1\n")
        let noModel = try write(schedule("nomodel", policy: "decay_lr").replacingOccurrences(of: "model mlp(hidden: [128])\n", with: ""), "nomodel.sched")
        let notRunnable = try runSchedc(["compare", good, noModel, "--out", out])
        XCTAssertEqual(notRunnable.status, 1)
        XCTAssertEqual(notRunnable.stderr, "schedc compare: \(noModel): schedule 'nomodel' names no model, so it can be planned but not run: add a 'model' setting (mlp, cnn or wrn(16, 4)) [S501]\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let missing = try runSchedc(["compare", good, scratch.appendingPathComponent("nothing").path])
        XCTAssertEqual(missing.status, 2)
    }

    func testHelp() throws {
        let help = try runSchedc(["compare", "--help"])
        XCTAssertEqual(help.status, 0)
        for text in ["--out", "--epochs-scale", "--subset", "comparison.md", "comparison.svg", "EXIT STATUS"] {
            XCTAssertTrue(help.stdout.contains(text), text)
        }
    }
}
