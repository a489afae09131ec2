import Foundation
import JSONSupport
import SchedulePlanner
@testable import ScheduleRunner
import Training
import XCTest

/// Programs that cannot be run, and runs that cannot go on, fail with a clear message — and,
/// when the problem is known before training, without leaving a directory behind.
final class RunErrorTests: RunnerTestCase {
    func startError(_ text: String, data: RunData = .locate) throws -> RunError? {
        let path = temporaryRunPath()
        do {
            _ = try TrainingRun.start(try specification(text), in: path, data: data)
            XCTFail("the run started")
            return nil
        } catch let error as RunError {
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "a directory was left behind")
            return error
        }
    }

    func testAProgramWithoutAModelIsNotRunnable() throws {
        let text = schedule().replacingOccurrences(of: "model mlp(hidden: [16])\n", with: "")
        let error = try XCTUnwrap(try startError(text, data: syntheticData(train: 96)))
        XCTAssertEqual(error.kind, .notRunnable)
        XCTAssertEqual(error.message, "schedule 'tiny' names no model, so it can be planned but not run: add a 'model' setting (mlp, cnn or wrn(16, 4))")
    }

    func testDataSizeIsNotRunnable() throws {
        let error = try XCTUnwrap(try startError(schedule()))
        XCTAssertEqual(error.kind, .notRunnable)
        XCTAssertEqual(error.message, "schedule 'tiny' says 'data size 96', which plans for any data set but cannot be run: name one schedc loads (fashion_mnist, mnist, cifar10)")
    }

    func testDataSetsWithoutALoaderAreNotRunnable() throws {
        let text = schedule().replacingOccurrences(of: "data size 96", with: "data cifar100")
        let error = try XCTUnwrap(try startError(text))
        XCTAssertEqual(error.kind, .notRunnable)
        XCTAssertEqual(error.message, "schedule 'tiny' trains on cifar100, which schedc can plan but not load (runnable data sets: fashion_mnist, mnist, cifar10)")
    }

    func testAMissingDataDirectoryIsAnIOError() throws {
        var spec = try specification(schedule().replacingOccurrences(of: "data size 96", with: "data mnist(subset: 96)"))
        spec.dataDirectory = "/nonexistent/schedc-data"
        let path = temporaryRunPath()
        XCTAssertThrowsError(try TrainingRun.start(spec, in: path, data: .locate)) { error in
            XCTAssertEqual((error as? RunError)?.kind, .io)
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/schedc-data"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testProvidedDataMustHaveThePlansN() throws {
        let error = try XCTUnwrap(try startError(schedule(), data: syntheticData(train: 50)))
        XCTAssertEqual(error.message, "synthetic: 50 training and 64 test images: 50 training examples, but the plan counts with N = 96")
    }

    func testANonEmptyDirectoryIsRefused() throws {
        let path = temporaryRunPath()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "x".write(toFile: path + "/notes.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingRun.start(try specification(schedule()), in: path, data: syntheticData(train: 96))) { error in
            XCTAssertEqual("\(error)", "\(path): the directory is not empty; choose another directory")
        }
        // An empty one is fine.
        let empty = temporaryRunPath()
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertNoThrow(try runToEnd(try specification(schedule(epochs: 1)), data: syntheticData(train: 96), in: empty))
    }

    func testDivergenceStopsTheRunAndIsRecorded() throws {
        let text = schedule(epochs: 3).replacingOccurrences(of: "lr 0.05", with: "lr 1e30")
        let run = try TrainingRun.start(try specification(text), in: temporaryRunPath(), data: syntheticData(train: 96))
        XCTAssertThrowsError(try run.run()) { error in
            XCTAssertEqual((error as? RunError)?.kind, .diverged)
            XCTAssertTrue("\(error)".hasPrefix("training diverged in epoch 1, update "), "\(error)")
        }
        let record = try run.directory.readRecord()
        XCTAssertEqual(record.status, .failed)
        XCTAssertTrue(record.error?.hasPrefix("training diverged") == true)
    }

    func testInternalErrorsSayTheyAreBugs() {
        XCTAssertEqual("\(RunError(.internalError, "the run performed 3 updates"))",
                       "internal error: the run performed 3 updates (this is a bug in schedc; please report it)")
    }
}

final class JSONTextTests: XCTestCase {
    func testNumbersAndStrings() {
        XCTAssertEqual(JSONScalar.number(60), "60")
        XCTAssertEqual(JSONScalar.number(0.1), "0.1")
        XCTAssertEqual(JSONScalar.number(0.1 + 0.2), "0.30000000000000004")
        XCTAssertEqual(JSONScalar.number(1e-5), "1e-05")
        XCTAssertEqual(JSONScalar.number(.nan), "null")
        XCTAssertEqual(JSONScalar.number(-.infinity), "null")
        XCTAssertEqual(JSONScalar.quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"")
        XCTAssertEqual(JSONScalar.quote("\u{7F}\u{1F}"), "\"\\u007f\\u001f\"")
        let value = JSONValue.object([("b", .int(1)), ("a", .array([.number(0.5), .null])), ("c", .object([("x", .bool(true))]))])
        XCTAssertEqual(value.compact(), "{\"b\": 1, \"a\": [0.5, null], \"c\": {\"x\": true}}")
        XCTAssertEqual(value.pretty(), "{\n  \"b\": 1,\n  \"a\": [0.5, null],\n  \"c\": {\n    \"x\": true\n  }\n}\n")
    }

    func testMetricsRecordRoundTrip() throws {
        let record = MetricsRecord(epoch: 2, updates: 314, samples: 20_000, learningRate: 0.05, batch: 64, momentum: 0.9,
                                   trainLoss: 0.4573185048574553, trainAccuracy: 0.8344, testLoss: .nan, testAccuracy: 0.8445,
                                   seconds: 4.5921, epochSeconds: 2.0634, phase: 0)
        XCTAssertEqual(record.line, "{\"epoch\": 2, \"updates\": 314, \"samples\": 20000, \"lr\": 0.05, \"batch\": 64, \"momentum\": 0.9, "
                       + "\"train_loss\": 0.4573185048574553, \"test_loss\": null, \"test_accuracy\": 0.8445, \"seconds\": 4.592, "
                       + "\"phase\": 0, \"train_accuracy\": 0.8344, \"epoch_seconds\": 2.063}")
        let back = try MetricsRecord(line: record.line, origin: "m")
        XCTAssertTrue(back.testLoss.isNaN)
        XCTAssertEqual(back.trainLoss, record.trainLoss)
        XCTAssertEqual(back.seconds, 4.592)
        XCTAssertThrowsError(try MetricsRecord(line: "{\"epoch\": 1}", origin: "m:3")) { error in
            XCTAssertEqual("\(error)", "m:3: the key 'updates' is missing")
        }
        XCTAssertThrowsError(try MetricsRecord(line: "[1, 2", origin: "m:4")) { error in
            XCTAssertEqual("\(error)", "m:4: not valid JSON")
        }
    }
}
