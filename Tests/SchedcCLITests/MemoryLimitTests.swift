import Foundation
import XCTest

/// `schedc run` estimates the memory of every phase (parameters, activations, workspace)
/// before it allocates anything and refuses a model or batch over the machine's memory with
/// S308 at the setting to change; an allocation that fails anyway is an error that marks the
/// run failed, not a trap. Each Golden/memory/NAME.sched is run under a 2 GB limit
/// (SCHEDC_MEMORY_LIMIT, so the output does not depend on the machine); standard error must
/// equal NAME.stderr and no run directory may be left. `SCHEDC_UPDATE_GOLDEN=1` rewrites them.
final class MemoryLimitTests: XCTestCase {
    let directory = repositoryRoot.appendingPathComponent("Tests/SchedcCLITests/Golden/memory")
    var updating: Bool { ProcessInfo.processInfo.environment["SCHEDC_UPDATE_GOLDEN"] == "1" }

    func testRunRefusesWhatDoesNotFitBeforeAllocating() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sched") }
            .map { String($0.dropLast(".sched".count)) }.sorted()
        XCTAssertEqual(names.count, 3)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-memory-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for name in names {
            let out = scratch.appendingPathComponent(name).path
            let started = Date()
            let run = try runSchedc(["run", name + ".sched", "--out", out], in: directory, environment: ["SCHEDC_MEMORY_LIMIT": "2G"])
            XCTAssertEqual(run.status, 1, "\(name): \(run.stderr)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 10, "\(name): refused before allocating")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(name): no run directory is made")
            XCTAssertTrue(run.stderr.contains("[S308]"), run.stderr)
            let url = directory.appendingPathComponent(name + ".stderr")
            if updating {
                try run.stderr.write(to: url, atomically: true, encoding: .utf8)
                continue
            }
            XCTAssertEqual(run.stderr, try String(contentsOf: url, encoding: .utf8), "\(name): differs from \(name).stderr")
        }
    }

    /// The plan of a schedule refused above, run as a plan file (no source to point into).
    func testPlanFileRunIsRefusedWithTheCode() throws {
        let plan = try runSchedc(["plan", "--format", "json", "too_many_parameters.sched"], in: directory)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-memory-plan-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appendingPathComponent("plan.json")
        try plan.stdout.write(to: file, atomically: true, encoding: .utf8)
        let run = try runSchedc(["run", file.path, "--out", scratch.appendingPathComponent("out").path],
                                environment: ["SCHEDC_MEMORY_LIMIT": "2G"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.hasSuffix("this machine has 2.1 GB [S308]\n"), run.stderr)
    }

    /// An allocation the estimate did not foresee (here: the limit lifted, the address space
    /// cut with ulimit -v) ends with a message and run.json at "failed", exit 1 — it was SIGILL.
    func testAnAllocationFailureIsAnErrorThatMarksTheRunFailed() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-oom-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("run").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "ulimit -v 3000000; SCHEDC_MEMORY_LIMIT=100G exec \"$0\" run --threads 1 \"$1\" --out \"$2\"",
                             schedcExecutable.path, directory.appendingPathComponent("batch_too_large.sched").path, out]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, stderr)
        XCTAssertEqual(process.terminationStatus, 1, stderr)
        XCTAssertTrue(stderr.contains("schedc run: out of memory allocating "), stderr)
        let record = try String(contentsOfFile: out + "/run.json", encoding: .utf8)
        XCTAssertTrue(record.contains("\"status\": \"failed\""), record)
        XCTAssertTrue(record.contains("out of memory allocating"), record)
    }

    /// `check` and `lint` estimate too when asked (`--memory SIZE` or `machine`): a plan is
    /// portable, so by default they do not judge it by this machine.
    func testCheckAndLintEstimateWithMemory() throws {
        let check = try runSchedc(["check", "--memory", "2G", "batch_too_large.sched"], in: directory)
        XCTAssertEqual(check.status, 1, check.stderr)
        XCTAssertTrue(check.stderr.contains("needs about 18 GB (parameters 131.5 MB, activations 14.3 GB, workspace 3.6 GB); "
                                            + "this machine has 2.1 GB [S308]"), check.stderr)
        XCTAssertEqual(try runSchedc(["check", "batch_too_large.sched"], in: directory).status, 0)
        let lint = try runSchedc(["lint", "--format", "json", "--memory", "1000M", "too_many_parameters.sched"], in: directory)
        XCTAssertTrue(lint.stdout.contains("\"code\": \"S308\""), lint.stdout)
        let bad = try runSchedc(["check", "--memory", "lots", "batch_too_large.sched"], in: directory)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("option '--memory' takes a size"), bad.stderr)
    }
}
