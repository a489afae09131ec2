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
}
