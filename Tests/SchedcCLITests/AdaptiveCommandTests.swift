import Foundation
import XCTest

/// An adaptive schedule end to end, through the built executable, on the shipped subset: the
/// run grows its batch and writes adaptive.jsonl and realised-plan.json; the realised plan
/// replays the run; SIGKILL and --resume give the same run; its plan JSON, export and the torch
/// engine are refused with the way out; compare draws B_simple.
final class AdaptiveCommandTests: XCTestCase {
    /// A CNN on 1000 examples measured every 5 updates: B_simple climbs past 16 in the first
    /// epoch, and the batch grows 16 → 32 → 64 → 128 within three (about 20 s on a busy machine).
    static let adaptive = """
        schedule adaptive
        data fashion_mnist(subset: 1000)
        model cnn
        epochs 3
        optimizer sgd(momentum: 0.9)
        lr 0.05
        batch 16
        max_batch 256
        micro_batch 8
        ghost_batch 8
        seed 5
        adapt batch(every: 5 steps, smoothing: 0.5, above: 1, checks: 2, grow: 2, up_to: 256)

        """

    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-adaptive-tests-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func write(_ text: String, _ name: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func summaryDigest(_ directory: String) throws -> String {
        let summary = try JSONSerialization.jsonObject(with: Data(try read(directory + "/summary.json").utf8)) as? [String: Any]
        return try XCTUnwrap(summary?["final_weights_sha256"] as? String)
    }

    func testTheRunGrowsItsBatchAndItsRealisedPlanReplaysIt() throws {
        let file = try write(Self.adaptive, "adaptive.sched")
        let directory = path("adaptive")
        let run = try runSchedc(["run", file, "--out", directory])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("B 16 → 32 from the next update"), run.stdout)
        let checks = try read(directory + "/adaptive.jsonl").split(separator: "\n")
        XCTAssertGreaterThan(checks.count, 8)
        XCTAssertTrue(checks.contains { $0.contains("\"decision\": \"grow\"") })
        XCTAssertTrue(try read(directory + "/metrics.jsonl").contains("\"adaptive_checks\""))
        let realised = try read(directory + "/realised-plan.json")
        XCTAssertTrue(realised.contains("\"reason\": \"adaptive\""))
        XCTAssertFalse(realised.contains("\"adaptive\": {"), "no rule left in the realised plan")

        let replay = path("replay")
        let again = try runSchedc(["run", directory + "/realised-plan.json", "--out", replay, "--quiet", "--threads", "1"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try summaryDigest(replay), try summaryDigest(directory))

        // The realised plan is a fixed plan: other engines take it like any plan file.
        let exported = try runSchedc(["export", "--engine", "deepspeed", directory + "/realised-plan.json", "-o", path("ds")])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let schedule = try read(path("ds") + "/batch_schedule.json")
        XCTAssertTrue(schedule.contains("\"train_batch_size\": 32"), schedule)
        let torchExport = try runSchedc(["export", "--engine", "pytorch", directory + "/realised-plan.json", "-o", path("pt")])
        XCTAssertEqual(torchExport.status, 0, torchExport.stderr)
        XCTAssertEqual(try read(path("pt") + "/plan.json"), realised, "the engine gets the realised plan as it is")
        // And PyTorch DDP runs it: the run directory the ranks would start from (printed as torchrun commands).
        let torch = try runSchedc(["run", "--engine", "torch", "--nproc", "2", "--nnodes", "2", "--rdzv-endpoint", "head:29400",
                                   directory + "/realised-plan.json", "--out", path("torch")])
        XCTAssertEqual(torch.status, 0, torch.stderr)
        XCTAssertEqual(try read(path("torch") + "/plan.json"), realised)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("torch") + "/initial-weights.bin"))

        // compare: the batch panel with B_simple.
        let compared = try runSchedc(["compare", directory, replay, "--out", path("compare"), "--quiet"])
        XCTAssertEqual(compared.status, 0, compared.stderr)
        XCTAssertTrue(try read(path("compare") + "/comparison.svg").contains("B_simple"))
    }

    func testThePlanJSONExportAndTorchAreRefused() throws {
        let file = try write(Self.adaptive, "adaptive.sched")
        let planned = try runSchedc(["plan", "--format", "json", file])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertTrue(planned.stdout.contains("\"adaptive\""))
        let planFile = try write(planned.stdout, "adaptive.json")
        let run = try runSchedc(["run", planFile, "--out", path("plan"), "--quiet"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("still adapts its batch ('adapt batch')"), run.stderr)
        XCTAssertTrue(run.stderr.contains("run the .sched file, or the realised plan (realised-plan.json)"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("plan")), "refused before the directory is made")

        let export = try runSchedc(["export", "--engine", "pytorch", file, "-o", path("export")])
        XCTAssertEqual(export.status, 1)
        XCTAssertTrue(export.stderr.contains("'adapt batch' decides the batch while the run trains"), export.stderr)
        let exportPlan = try runSchedc(["export", "--engine", "deepspeed", planFile, "-o", path("export-plan")])
        XCTAssertEqual(exportPlan.status, 1)
        XCTAssertTrue(exportPlan.stderr.contains("'adapt batch' decides the batch while the run trains"), exportPlan.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("export-plan")))
        let torch = try runSchedc(["run", "--engine", "torch", file, "--out", path("torch")])
        XCTAssertEqual(torch.status, 1)
        XCTAssertTrue(torch.stderr.contains("PyTorch DDP cannot run it; run it with `schedc run`"), torch.stderr)
    }

    /// SIGKILL in the middle of the second epoch, then --resume: the same checks, realised plan
    /// and final weights as the run that was never killed.
    func testKilledAndResumedEndsIdentical() throws {
        let file = try write(Self.adaptive, "adaptive.sched")
        let reference = path("reference")
        let plain = try runSchedc(["run", file, "--out", reference, "--quiet"])
        XCTAssertEqual(plain.status, 0, plain.stderr)

        let killed = path("killed")
        let process = Process()
        process.executableURL = schedcExecutable
        process.arguments = ["run", file, "--out", killed, "--quiet"]
        process.currentDirectoryURL = repositoryRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: killed + "/checkpoint.bin"), process.isRunning, Date() < deadline { usleep(2_000) }
        usleep(60_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: killed + "/summary.json"))

        let resumed = try runSchedc(["run", "--resume", killed, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try summaryDigest(killed), try summaryDigest(reference), "final weights differ after SIGKILL and resume")
        XCTAssertEqual(try read(killed + "/adaptive.jsonl"), try read(reference + "/adaptive.jsonl"))
        XCTAssertEqual(try read(killed + "/realised-plan.json"), try read(reference + "/realised-plan.json"))
    }
}
