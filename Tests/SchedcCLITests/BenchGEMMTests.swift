import Benchmarks
import Foundation
import XCTest

/// `schedc bench gemm` end to end on tiny sizes (the real measurement is a command, not a test).
final class BenchGEMMTests: XCTestCase {
    func testJSONHasARecordPerThreadCountSizeAndTranspose() throws {
        let result = try runSchedc(["bench", "gemm", "--threads", "1,2", "--sizes", "96,40x50x60", "--transpose", "nn,nt",
                                    "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]],
                                    result.stdout)
        XCTAssertEqual(records.count, 2 * 2 * 2)
        var seen: [String] = []
        for record in records {
            let threads = try XCTUnwrap(record["threads"] as? Int), n = try XCTUnwrap(record["n"] as? Int)
            let m = try XCTUnwrap(record["m"] as? Int), k = try XCTUnwrap(record["k"] as? Int)
            let transposeB = try XCTUnwrap(record["transpose_b"] as? Bool)
            let gflops = try XCTUnwrap(record["gflops"] as? Double)
            XCTAssertGreaterThan(gflops, 0)
            XCTAssertNil(record["reference_gflops"], "no reference unless asked for")
            seen.append("\(threads) \(m)x\(n)x\(k) \(transposeB)")
        }
        XCTAssertEqual(seen, ["1 96x96x96 false", "1 96x96x96 true", "1 40x50x60 false", "1 40x50x60 true",
                              "2 96x96x96 false", "2 96x96x96 true", "2 40x50x60 false", "2 40x50x60 true"])
    }

    func testTextHasALinePerMeasurement() throws {
        let result = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "64,128", "--kernel", "6x16"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 6, result.stdout)
        XCTAssertTrue(lines[0].contains("micro-kernel 6x16"), String(lines[0]))
        XCTAssertTrue(lines[1].hasPrefix("processor: ") && lines[1].contains("L1d"), String(lines[1]))
        XCTAssertTrue(lines[2].hasPrefix("blocking: kc ") && lines[2].hasSuffix("(from the caches)"), String(lines[2]))
        XCTAssertTrue(lines[3].hasPrefix("FMA peak, measured now: 1 thread ") && lines[3].hasSuffix(" GFLOP/s"), String(lines[3]))
        XCTAssertTrue(lines[4].hasPrefix("threads=1  n=64 ") && lines[4].hasSuffix("GFLOP/s"), String(lines[4]))
        XCTAssertTrue(lines[5].hasPrefix("threads=1  n=128 "), String(lines[5]))
    }

    /// `--blocking`: every blocking on a shape, one after the other, each line and record saying which.
    func testEveryBlockingIsTimedAndNamed() throws {
        let text = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "64,40x50x60", "--blocking", "auto,16:12:32"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdout.split(separator: "\n").filter { $0.hasPrefix("threads=") }
        XCTAssertEqual(lines.count, 4, text.stdout)
        XCTAssertTrue(lines[0].hasPrefix("threads=1  n=64 [") && !lines[0].contains("[16:12:32]"), String(lines[0]))
        XCTAssertTrue(lines[1].hasPrefix("threads=1  n=64 [16:12:32]"), String(lines[1]))
        XCTAssertTrue(lines[3].contains("40x50x60 [16:12:32]"), String(lines[3]))

        let json = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "64", "--blocking", "16:12:32", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual([records[0]["kc"] as? Int, records[0]["mc"] as? Int, records[0]["nc"] as? Int], [16, 12, 32])
        // The FMA peak on the same threads, measured first: the GEMM runs below it.
        let peak = try XCTUnwrap(records[0]["fma_peak_gflops"] as? Double)
        XCTAssertLessThan(records[0]["gflops"] as? Double ?? .infinity, 1.5 * peak)

        let bad = try runSchedc(["bench", "gemm", "--sizes", "64", "--blocking", "16:12"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("option '--blocking' takes auto or KC:MC:NC"), bad.stderr)
    }

    /// `--sizes models`: the models' training products, each with its transposes and its name.
    func testModelProductsAreTimedAndNamed() throws {
        let result = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "models", "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(records.count, 25)
        let described = records.map { record in
            "\(record["m"] ?? "")x\(record["n"] ?? "")x\(record["k"] ?? "") "
                + "\((record["transpose_a"] as? Bool) == true ? "t" : "n")\((record["transpose_b"] as? Bool) == true ? "t" : "n") "
                + "\(record["product"] ?? "")"
        }
        XCTAssertEqual(described.first, "128x512x784 nt mlp 784→512 forward, batch 128")
        XCTAssertEqual(described[1], "512x784x128 tn mlp 784→512 weight gradient, batch 128")
        // The first linear layer has no input gradient; the second has one.
        XCTAssertFalse(described.contains { $0.hasPrefix("128x784x512 nn") }, described.joined(separator: "\n"))
        XCTAssertTrue(described.contains("512x512x512 nn mlp 512→512 input gradient, 512-example chunk"))
        XCTAssertTrue(described.contains("784x64x288 nt cnn conv2 (im2col) forward, 4 images"))
        XCTAssertEqual(described.last, "128x128x10 nn cnn 128→10 input gradient, ghost batch 128")

        let text = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "models"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdout.split(separator: "\n").filter { $0.hasPrefix("threads=") }
        XCTAssertEqual(lines.count, 25)
        XCTAssertTrue(lines[0].hasPrefix("threads=1  m×n×k=128x512x784 nt") && lines[0].hasSuffix("mlp 784→512 forward, batch 128"),
                      String(lines[0]))

        let mixed = try runSchedc(["bench", "gemm", "--sizes", "models", "--transpose", "nt"])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.stderr.contains("option '--transpose' does not go with '--sizes models'"), mixed.stderr)
    }

    func testReferenceIsMeasuredOrItsAbsenceExplained() throws {
        let result = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "128", "--reference", "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(records.count, 1)
        if let reference = records[0]["reference_gflops"] as? Double {
            XCTAssertGreaterThan(reference, 0)
            XCTAssertNotNil(records[0]["ratio"] as? Double)
        } else {
            XCTAssertTrue(result.stderr.contains("no numpy reference:"), "no reference and no reason: \(result.stderr)")
        }
    }

    func testMissingPythonIsReportedAndTheBenchmarkGoesOn() throws {
        let result = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "64,128", "--reference"],
                                   environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderrWithoutPeakNotes, "schedc bench gemm: no numpy reference: python3 is not on PATH\n")
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 6, result.stdout)  // four header lines, two sizes
        XCTAssertFalse(result.stdout.contains("numpy"), result.stdout)
    }

    /// The MKL column's plumbing, with a stand-in interpreter that answers 1000 GFLOP/s: the
    /// ratio to MKL and to the better of the two references are ours / 1000.
    func testMKLReferenceIsPrintedWithBothRatios() throws {
        let standIn = try StandInInterpreter("echo 1000.0\n")
        let python = standIn.path
        let result = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "64", "--mkl", python, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let record = try XCTUnwrap(records.first)
        let gflops = try XCTUnwrap(record["gflops"] as? Double)
        XCTAssertEqual(record["mkl_gflops"] as? Double, 1000)
        XCTAssertEqual(try XCTUnwrap(record["mkl_ratio"] as? Double), gflops / 1000, accuracy: 0.002)
        // numpy (if this machine has it) is far below 1000 GFLOP/s at n = 64, so MKL is the better.
        XCTAssertEqual(try XCTUnwrap(record["best_ratio"] as? Double), gflops / 1000, accuracy: 0.002)

        let text = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "64"], environment: ["SCHEDC_MKL_PYTHON": python])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("mkl  1000.0 GFLOP/s") && text.stdout.contains("to the better"), text.stdout)
    }

    /// `--repeat`: everything measured N times in the same order, then medians and ranges. A
    /// stand-in MKL answers 100, 300, 200 GFLOP/s in turn, so its median is known (shell
    /// built-ins only: PATH is emptied so that numpy is not measured).
    func testRepeatsEndWithTheMedianOfEveryFigureAndRatio() throws {
        let standIn = try StandInInterpreter("""
        counter="${0%/*}/calls"
        calls=0
        [ -f "$counter" ] && read calls < "$counter"
        echo $((calls + 1)) > "$counter"
        case $((calls % 3)) in 0) echo 100.0;; 1) echo 300.0;; *) echo 200.0;; esac

        """)
        let python = standIn.path

        let json = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "48", "--repeat", "3", "--mkl", python,
                                  "--format", "json"], environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(records.map { $0["repeat"] as? Int }, [1, 2, 3])
        XCTAssertEqual(records.map { $0["mkl_gflops"] as? Double }, [100, 300, 200])

        try FileManager.default.removeItem(atPath: standIn.file("calls"))
        let text = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "48,32", "--repeat", "3", "--mkl", python],
                                 environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let repeats = lines.filter { $0.hasPrefix("repeat ") }
        XCTAssertEqual(repeats.map { String($0.prefix(22)) }, ["repeat 1/3  threads=1 ", "repeat 1/3  threads=1 ",
                                                              "repeat 2/3  threads=1 ", "repeat 2/3  threads=1 ",
                                                              "repeat 3/3  threads=1 ", "repeat 3/3  threads=1 "], text.stdout)
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("medians of 3 repeats") }, text.stdout)
        let medians = Array(lines[(header + 1)...])
        XCTAssertEqual(medians.count, 2, text.stdout)
        // n = 48 was measured first in every repeat (MKL's 100, 200, 300 in some order), n = 32 second.
        for (index, size) in ["n=48", "n=32"].enumerated() {
            let line = medians[index]
            XCTAssertTrue(line.hasPrefix("threads=1  \(size) ") && line.contains("mkl   200.0 GFLOP/s"), line)
            let printed = repeats.filter { $0.contains(" \(size) ") }.map { line -> Double in
                let afterMKL = line.components(separatedBy: "mkl ")[1]
                return Double(afterMKL.components(separatedBy: "ratio ")[1].prefix(4))!
            }.sorted()
            XCTAssertTrue(line.contains(String(format: "ratio %.2f (%.2f–%.2f)", printed[1], printed[0], printed[2])),
                          "\(line) against \(printed)")
        }

        let bad = try runSchedc(["bench", "gemm", "--sizes", "48", "--repeat", "0"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("option '--repeat' needs an integer in 1...1000"), bad.stderr)
    }

    func testRepeatedMeasurementIsTheMedianAndRange() {
        XCTAssertNil(RepeatedMeasurement([]))
        let three = RepeatedMeasurement([3, 1, 2])
        XCTAssertEqual([three?.median, three?.lowest, three?.highest], [2, 1, 3])
        XCTAssertEqual(RepeatedMeasurement([4, 1, 3, 2])?.median, 2.5)
    }

    func testMKLMissingIsReportedAndTheBenchmarkGoesOn() throws {
        let result = try runSchedc(["bench", "gemm", "--threads", "1", "--sizes", "64", "--mkl", "/nonexistent/python"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("no MKL reference: /nonexistent/python"), result.stderr)
        XCTAssertFalse(result.stdout.contains("mkl "), result.stdout)
    }

    func testBadOptionsAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["bench"], "missing benchmark: gemm or check or train"),
            (["bench", "gemn"], "unknown benchmark 'gemn'; did you mean 'gemm'?"),
            (["bench", "gemm", "--sizes", "0"], "option '--sizes' takes N or MxNxK"),
            (["bench", "gemm", "--sizes", "4x4"], "option '--sizes' takes N or MxNxK"),
            (["bench", "gemm", "--sizes", "100000"], "needs more than 2 GiB"),
            (["bench", "gemm", "--threads", "0"], "option '--threads' needs integers in 1...256"),
            (["bench", "gemm", "--transpose", "tx"], "option '--transpose' takes nn, tn, nt or tt"),
            (["bench", "gemm", "--kernel", "4x4"], "option '--kernel' takes one of auto, 6x16, 8x32, not '4x4'"),
            (["bench", "gemm", "--format", "xml"], "option '--format' takes one of text, json, not 'xml'"),
            (["bench", "gemm", "--treads", "2"], "unknown option '--treads'; did you mean '--threads'?"),
            (["bench", "gemm", "extra"], "unexpected argument 'extra'"),
        ]
        for (arguments, message) in cases {
            let result = try runSchedc(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("schedc bench: ") && result.stderr.contains(message),
                          "\(arguments): \(result.stderr)")
        }
    }

    func testHelpDescribesGEMMOptions() throws {
        let result = try runSchedc(["bench", "gemm", "--help"])
        XCTAssertEqual(result.status, 0)
        for option in ["--threads", "--sizes", "--transpose", "--kernel", "--reference", "--format", "schedc bench train"] {
            XCTAssertTrue(result.stdout.contains(option), "help lacks \(option)")
        }
    }
}
