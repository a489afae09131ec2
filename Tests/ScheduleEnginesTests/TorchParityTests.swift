import Foundation
import TestSupport
import XCTest

/// The same training on both engines: from the weights `schedc export` writes (the embedded
/// run's own initial weights) and the same sample order, the first 20 updates' losses of the
/// embedded runtime (`schedc run --log-updates`, one thread) and of two-rank DDP over gloo
/// (the exported schedc_torch.py, ranks started by hand on 127.0.0.1) agree within 1e-3
/// relative; samples, batch, lr and momentum agree exactly. The schedules make DDP work for it:
/// a batch of 48 that two ranks share unevenly in ghost batches of 16 (1 + 2), and a last
/// update of 16 examples that one rank sits out.
final class TorchParityTests: XCTestCase {
    func testMLPLossesMatchTheEmbeddedRuntime() throws {
        try checkParity(name: "parity_mlp", model: "mlp(hidden: [64, 32])", ghostBatch: nil)
    }

    func testCNNWithGhostBatchNormLossesMatchTheEmbeddedRuntime() throws {
        try checkParity(name: "parity_cnn", model: "cnn", ghostBatch: 16)
    }

    private func checkParity(name: String, model: String, ghostBatch: Int?) throws {
        try PythonEngine.requireTorch()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-parity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schedule = directory.appendingPathComponent("\(name).sched")
        try """
        schedule \(name)

        data         fashion_mnist(subset: 640)
        model        \(model)
        epochs       2
        optimizer    sgd(momentum: 0.9)
        lr           0.05
        batch        48
        max_batch    48
        \(ghostBatch.map { "ghost_batch  \($0)" } ?? "")
        weight_decay 0.0005
        seed         5
        policy       increase_batch

        """.write(to: schedule, atomically: true, encoding: .utf8)

        let embedded = directory.appendingPathComponent("embedded"), bundle = directory.appendingPathComponent("bundle")
        let torchRun = directory.appendingPathComponent("torch")
        let run = try runSchedcExecutable(["run", "--log-updates", "--quiet", "--threads", "1", "--out", embedded.path, schedule.path])
        XCTAssertEqual(run.status, 0, run.output)
        let export = try runSchedcExecutable(["export", "--engine", "pytorch", schedule.path, "-o", bundle.path])
        XCTAssertEqual(export.status, 0, export.output)
        guard run.status == 0, export.status == 0 else { return }

        let port = try freeLoopbackPort()
        let ranks = try (0..<2).map { rank in
            try PythonEngine.start([bundle.appendingPathComponent("schedc_torch.py").path, "train",
                                    "--plan", bundle.appendingPathComponent("plan.json").path, "--out", torchRun.path,
                                    "--initial-weights", bundle.appendingPathComponent("initial-weights.json").path,
                                    "--max-updates", "20"],
                                   in: PythonEngine.root,
                                   environment: ["MASTER_ADDR": "127.0.0.1", "MASTER_PORT": String(port), "RANK": String(rank),
                                                 "WORLD_SIZE": "2", "LOCAL_RANK": String(rank), "OMP_NUM_THREADS": "1"])
        }
        for (rank, result) in ranks.map({ $0.finish() }).enumerated() {
            XCTAssertEqual(result.status, 0, "rank \(rank):\n\(result.output)")
        }

        let reference = try updateRecords(embedded.appendingPathComponent("updates.jsonl"))
        let ddp = try updateRecords(torchRun.appendingPathComponent("updates.jsonl"))
        XCTAssertGreaterThanOrEqual(reference.count, 20)
        XCTAssertEqual(ddp.count, 20)
        for (mine, theirs) in zip(ddp, reference.prefix(20)) {
            let update = theirs["update"] as? Int ?? -1
            for key in ["update", "epoch", "samples", "batch"] {
                XCTAssertEqual(mine[key] as? Int, theirs[key] as? Int, "update \(update): \(key)")
            }
            for key in ["lr", "momentum", "weight_decay"] {
                XCTAssertEqual(mine[key] as? Double, theirs[key] as? Double, "update \(update): \(key)")
            }
            let a = mine["loss"] as? Double ?? .nan, b = theirs["loss"] as? Double ?? .nan
            XCTAssertLessThanOrEqual(abs(a - b), 1e-3 * abs(b), "update \(update): loss \(a) on DDP, \(b) embedded")
        }
    }

    private func updateRecords(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw NSError(domain: "TorchParityTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(url.path): \(line)"])
            }
            return object
        }
    }

    /// The built `schedc` beside this test bundle, run from the repository root (where the
    /// shipped Fashion-MNIST subset is found).
    private func runSchedcExecutable(_ arguments: [String]) throws -> PythonEngine.Result {
        var directory = Bundle(for: TorchParityTests.self).bundleURL
        while directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        return try ChildProcess.run(directory.appendingPathComponent("schedc"), arguments, in: PythonEngine.root,
                                    environment: ["NO_COLOR": "1"])
    }

    /// A TCP port free on 127.0.0.1 (the kernel picks it), for the ranks' rendezvous.
    private func freeLoopbackPort() throws -> Int {
        let probe = try PythonEngine.run(["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
                                          + "print(s.getsockname()[1])"], in: PythonEngine.root)
        guard probe.status == 0, let port = Int(probe.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw NSError(domain: "TorchParityTests", code: 2, userInfo: [NSLocalizedDescriptionKey: probe.output])
        }
        return port
    }
}
