import Foundation
import XCTest

/// `schedc run --engine torch` for real: two DDP ranks over gloo on 127.0.0.1, started by
/// schedc, on the exported module. The per-update log is the plan's clock and matches the
/// embedded runtime's from the same initial weights; the run directory is the embedded
/// runtime's, so `schedc compare` reads both; a run interrupted by SIGTERM resumes to the
/// uninterrupted run's log. Needs Debian's python3-torch (the test fails and says so without it).
final class TorchRunTests: XCTestCase {
    static let schedule = """
        schedule ddp
        data fashion_mnist(subset: 600)
        model mlp(hidden: [32])
        epochs 3
        optimizer sgd(momentum: 0.9)
        lr 0.05
        batch 40
        max_batch 160
        weight_decay 0.0005
        seed 9
        at epoch 1, 2: noise /= 2

        """

    var scratch: URL!

    override func setUpWithError() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        probe.arguments = ["-c", "import torch.distributed"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        do {
            try probe.run()
            probe.waitUntilExit()
        } catch {}
        guard probe.isRunning == false, probe.terminationStatus == 0 else {
            XCTFail("/usr/bin/python3 cannot import torch: install python3-torch (Debian: apt-get install python3-torch)")
            throw CancellationError()
        }
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-torchrun-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testTwoRanksFollowThePlanAndTheEmbeddedRuntime() throws {
        let file = scratch.appendingPathComponent("ddp.sched")
        try Self.schedule.write(to: file, atomically: true, encoding: .utf8)
        let torch = scratch.appendingPathComponent("torch").path, embedded = scratch.appendingPathComponent("embedded").path
        let run = try runSchedc(["run", "--engine", "torch", "--nproc", "2", "--threads", "2", file.path, "--out", torch])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("updates (as planned)"), run.stdout)
        let reference = try runSchedc(["run", "--log-updates", "--quiet", "--threads", "1", file.path, "--out", embedded])
        XCTAssertEqual(reference.status, 0, reference.stderr)

        let ddp = try lines(torch + "/updates.jsonl"), mine = try lines(embedded + "/updates.jsonl")
        XCTAssertEqual(ddp.count, 15 + 8 + 4, "600/40 + 600/80 + 600/160 (rounded up)")
        XCTAssertEqual(ddp.count, mine.count)
        for (a, b) in zip(ddp, mine) {
            let update = b["update"] as? Int ?? -1
            for key in ["update", "epoch", "samples", "batch"] { XCTAssertEqual(a[key] as? Int, b[key] as? Int, "update \(update): \(key)") }
            for key in ["lr", "momentum", "weight_decay"] { XCTAssertEqual(a[key] as? Double, b[key] as? Double, "update \(update): \(key)") }
            let x = a["loss"] as? Double ?? .nan, y = b["loss"] as? Double ?? .nan
            XCTAssertLessThanOrEqual(abs(x - y), 1e-3 * abs(y), "update \(update): loss \(x) on DDP, \(y) embedded")
        }
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: torch + "/run.json")))
                                   as? [String: Any])
        XCTAssertEqual(record["engine"] as? String, "torch")
        XCTAssertEqual(record["status"] as? String, "finished")
        let compared = try runSchedc(["compare", embedded, torch, "--out", scratch.appendingPathComponent("cmp").path])
        XCTAssertEqual(compared.status, 0, compared.stderr)
    }

    /// Ctrl-C in the middle (schedc passes it on as SIGTERM; the ranks stop after one update
    /// and checkpoint), then `schedc run --resume DIR`: the same updates and final weights as
    /// an uninterrupted run.
    func testInterruptAndResumeGiveTheUninterruptedRun() throws {
        let file = scratch.appendingPathComponent("ddp.sched")
        try Self.schedule.write(to: file, atomically: true, encoding: .utf8)
        let straight = scratch.appendingPathComponent("straight").path, resumed = scratch.appendingPathComponent("resumed").path
        XCTAssertEqual(try runSchedc(["run", "--engine", "torch", "--nproc", "2", "--quiet", file.path, "--out", straight]).status, 0)

        let process = Process()
        process.executableURL = schedcExecutable
        process.arguments = ["run", "--engine", "torch", "--nproc", "2", "--quiet", file.path, "--out", resumed]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let log = resumed + "/updates.jsonl"
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 5 {
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let stopped = try lines(log).count
        XCTAssertLessThan(stopped, 27, "stopped before the end")
        let resume = try runSchedc(["run", "--resume", resumed, "--quiet"])
        XCTAssertEqual(resume.status, 0, resume.stdout + resume.stderr)

        func withoutTiming(_ records: [[String: Any]]) -> [String] {
            records.map { record in
                record.filter { $0.key != "seconds" && $0.key != "allreduce_seconds" }.sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }
        }
        XCTAssertEqual(withoutTiming(try lines(resumed + "/updates.jsonl")), withoutTiming(try lines(straight + "/updates.jsonl")))
        func digest(_ directory: String) throws -> String? {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/summary.json"))
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["final_weights_sha256"] as? String
        }
        XCTAssertEqual(try digest(resumed), try digest(straight))
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: resumed + "/run.json")))
                                   as? [String: Any])
        XCTAssertEqual(record["resumes"] as? Int, 1)
        XCTAssertEqual(record["status"] as? String, "finished")
    }

    /// The quickstart shortened (its first 2 000 images, 3 of its 18 epochs, the batch still
    /// growing 32 → 128 → 512) on two DDP ranks reaches the embedded runtime's test accuracy
    /// within 1.5 points: the engines agree on a whole training, not only on its first updates.
    func testShortenedQuickstartReachesTheEmbeddedAccuracy() throws {
        let quickstart = repositoryRoot.appendingPathComponent("Samples/quickstart.sched").path
        let shortened = ["--subset", "2000", "--epochs-scale", "0.1667", "--quiet"]
        let torch = scratch.appendingPathComponent("torch").path, embedded = scratch.appendingPathComponent("embedded").path
        let ddp = try runSchedc(["run", "--engine", "torch", "--nproc", "2"] + shortened + [quickstart, "--out", torch])
        XCTAssertEqual(ddp.status, 0, ddp.stdout + ddp.stderr)
        let reference = try runSchedc(["run"] + shortened + [quickstart, "--out", embedded])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let torchEpochs = try lines(torch + "/metrics.jsonl"), embeddedEpochs = try lines(embedded + "/metrics.jsonl")
        XCTAssertEqual(torchEpochs.count, 3)
        XCTAssertEqual(embeddedEpochs.count, 3)
        let a = try XCTUnwrap(torchEpochs.last?["test_accuracy"] as? Double)
        let b = try XCTUnwrap(embeddedEpochs.last?["test_accuracy"] as? Double)
        XCTAssertGreaterThan(b, 0.5, "the embedded run learnt something (\(b))")
        XCTAssertLessThanOrEqual(abs(a - b), 0.015, "test accuracy \(a) on DDP, \(b) embedded")
    }
}
