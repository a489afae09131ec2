import Foundation
import XCTest

/// `schedc bench train` end to end on tiny batches and times (the real measurement is a
/// command, not a test).
final class BenchTrainTests: XCTestCase {
    private let quick = ["--seconds", "0.01", "--repeat", "1"]

    func testJSONHasARecordPerModelThreadCountAndBatch() throws {
        let result = try runSchedc(["bench", "train", "--model", "all", "--batches", "4,8", "--threads", "1,2",
                                    "--format", "json"] + quick)
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(records.count, 8)
        XCTAssertEqual(records.map { $0["model"] as? String }, Array(repeating: "mlp", count: 4) + Array(repeating: "cnn", count: 4))
        XCTAssertEqual(records.map { $0["batch"] as? Int }, [4, 8, 4, 8, 4, 8, 4, 8])
        XCTAssertEqual(records.map { $0["threads"] as? Int }, [1, 1, 2, 2, 1, 1, 2, 2])
        for record in records {
            XCTAssertGreaterThan(record["samples_per_second"] as? Double ?? 0, 0, "\(record)")
            // Every round's rate, the best of them reported.
            let rounds = try XCTUnwrap(record["train_rounds"] as? [Double], "\(record)")
            XCTAssertEqual(rounds.count, 1)
            XCTAssertEqual(rounds.max(), record["samples_per_second"] as? Double)
            XCTAssertGreaterThan(record["eval_samples_per_second"] as? Double ?? 0, 0, "\(record)")
            XCTAssertGreaterThan(record["peak_rss_mb"] as? Double ?? 0, 0, "\(record)")
            // GFLOP/s is samples/s times the model's multiply-adds per training example.
            let flops: Double = record["model"] as? String == "mlp" ? 3_209_216 : 24_995_328
            XCTAssertEqual(record["gflops"] as? Double ?? 0, (record["samples_per_second"] as? Double ?? 0) * flops / 1e9,
                           accuracy: 1e-9, "\(record)")
            // The FMA peak on the same threads, measured before the rounds and after them; the higher counts.
            let peaks = try XCTUnwrap(record["fma_peak_measurements"] as? [Double], "\(record)")
            XCTAssertEqual(peaks.count, 2)
            XCTAssertGreaterThan(peaks.min() ?? 0, 0, "\(record)")
            XCTAssertEqual(record["fma_peak_gflops"] as? Double, peaks.max())
        }
        // Ghost batch norm applies to the CNN only, and never beyond the batch.
        XCTAssertNil(records[0]["ghost_batch"] as? Int)
        XCTAssertEqual(records[4]["ghost_batch"] as? Int, 4)
        // So do the pieces of a training pass, at most the batch.
        XCTAssertNil(records[0]["piece_examples"] as? Int)
        XCTAssertEqual(records[4]["piece_examples"] as? Int, 4)
        // Chunk lanes too (models with ghost batch norm).
        XCTAssertNil(records[0]["lanes"] as? Int)
        XCTAssertEqual(records[4]["lanes"] as? Int, 2)
    }

    func testOneLaneIsRecorded() throws {
        let result = try runSchedc(["bench", "train", "--model", "cnn", "--batches", "8", "--ghost-batch", "2", "--threads", "2",
                                    "--lanes", "1", "--format", "json"] + quick)
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(records.map { $0["lanes"] as? Int }, [1])
    }

    func testRoundsAreRecordedInOrder() throws {
        let result = try runSchedc(["bench", "train", "--model", "mlp", "--batches", "4,8", "--threads", "1", "--seconds", "0.01",
                                    "--repeat", "3", "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        for record in records {
            let rounds = try XCTUnwrap(record["train_rounds"] as? [Double], "\(record)")
            XCTAssertEqual(rounds.count, 3)
            XCTAssertEqual(rounds.max(), record["samples_per_second"] as? Double)
        }
    }

    /// `--torch`: PyTorch's figure and our ratio to it on every line, from a stand-in
    /// interpreter that answers 1000 and 2000 samples/s for batches 32 and 8.
    func testTextPutsPyTorchBesideEveryBatch() throws {
        let standIn = try StandInInterpreter("echo 32 1000\necho 8 2000\n")
        let result = try runSchedc(["bench", "train", "--model", "mlp", "--batches", "32,8", "--threads", "2", "--torch", standIn.path]
                                   + quick)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, result.stdout)
        XCTAssertTrue(lines[1].contains("spread") && lines[1].hasSuffix("PyTorch samples/s  ratio"), lines[1])
        for (line, (batch, pytorch)) in zip(lines[2...], [(32, 1000.0), (8, 2000.0)]) {
            let fields = line.split(separator: " ")
            XCTAssertEqual(Int(fields[1]), batch, line)
            let ours = try XCTUnwrap(Double(fields[3]), line)
            XCTAssertEqual(Double(fields[fields.count - 2]), pytorch, line)
            let ratio = try XCTUnwrap(Double(fields[fields.count - 1].dropLast()), line)  // "8.47×"
            XCTAssertEqual(ratio, ours / pytorch, accuracy: 0.006, line)  // ours is printed rounded
        }

        let without = try runSchedc(["bench", "train", "--model", "mlp", "--batches", "8", "--threads", "1"] + quick)
        XCTAssertFalse(without.stdout.contains("PyTorch") || without.stdout.hasSuffix("×\n"),
                       "no PyTorch column unless asked: \(without.stdout)")
    }

    /// The real thing: Debian's python3 with python3-torch (which CI installs) trains both models.
    func testPyTorchTrainsBothModelsBesideOurs() throws {
        let result = try runSchedc(["bench", "train", "--model", "all", "--batches", "8", "--threads", "1", "--seconds", "0.01",
                                    "--repeat", "1", "--torch", "/usr/bin/python3", "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderrWithoutPeakNotes, "", "install python3-torch (Debian: apt-get install python3-torch)")
        let records = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(records.map { $0["model"] as? String }, ["mlp", "cnn"])
        for record in records {
            XCTAssertGreaterThan(try XCTUnwrap(record["pytorch_samples_per_second"] as? Double, "\(record)"), 0)
        }
    }

    func testPyTorchMissingIsReportedAndTheBenchmarkGoesOn() throws {
        let result = try runSchedc(["bench", "train", "--model", "wrn", "--batches", "4", "--threads", "1", "--torch",
                                    "/nonexistent/python"] + quick)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderrWithoutPeakNotes, "schedc bench train: no PyTorch reference for wrn (only mlp and cnn)\n")
        let broken = try runSchedc(["bench", "train", "--model", "mlp", "--batches", "4", "--threads", "1,2", "--torch",
                                    "/nonexistent/python"] + quick)
        XCTAssertEqual(broken.status, 0, broken.stderr)
        XCTAssertEqual(broken.stderr.components(separatedBy: "no PyTorch reference:").count, 2, "said once: \(broken.stderr)")
        XCTAssertTrue(broken.stderr.contains("/nonexistent/python"), broken.stderr)
        XCTAssertEqual(broken.stdout.split(separator: "\n").count, 4, broken.stdout)
    }

    func testBadOptionsAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["bench", "train", "--model", "resnet"], "option '--model' takes one of mlp, cnn, wrn, all, not 'resnet'"),
            (["bench", "train", "--batches", "0"], "option '--batches' needs comma-separated integers in 1...65536, not '0'"),
            (["bench", "train", "--batches", "32,x"], "option '--batches' needs comma-separated integers"),
            (["bench", "train", "--threads", "0"], "option '--threads' needs comma-separated integers in 1...256"),
            (["bench", "train", "--ghost-batch", "0"], "option '--ghost-batch' needs an integer in 1...65536, not '0'"),
            (["bench", "train", "--piece", "0"], "option '--piece' needs an integer in 1...65536, not '0'"),
            (["bench", "train", "--lanes", "3"], "option '--lanes' needs an integer in 1...2, not '3'"),
            (["bench", "train", "--seconds", "-1"], "option '--seconds' needs a number of seconds in (0, 3600], not '-1'"),
            (["bench", "train", "--repeat", "0"], "option '--repeat' needs an integer in 1...100, not '0'"),
            (["bench", "train", "--format", "xml"], "option '--format' takes one of text, json, not 'xml'"),
            (["bench", "train", "--batch", "32"], "unknown option '--batch'; did you mean '--batches'?"),
            (["bench", "train", "extra"], "unexpected argument 'extra'"),
        ]
        for (arguments, message) in cases {
            let result = try runSchedc(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("schedc bench: ") && result.stderr.contains(message),
                          "\(arguments): \(result.stderr)")
        }
    }

    func testHelpDescribesTrainOptions() throws {
        let result = try runSchedc(["bench", "train", "--help"])
        XCTAssertEqual(result.status, 0)
        for option in ["--model", "--batches", "--threads", "--ghost-batch", "--piece", "--seconds", "--repeat", "--torch", "--format",
                       "samples_per_second"] {
            XCTAssertTrue(result.stdout.contains(option), "help lacks \(option)")
        }
    }
}
