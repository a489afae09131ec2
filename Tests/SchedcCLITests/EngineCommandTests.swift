import Foundation
import XCTest

/// `schedc export`, `schedc run --engine torch` (the rank launcher, with a stand-in rank
/// script), multi-node commands and `schedc run --log-updates`, through the built executable.
final class EngineCommandTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-engines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// 1000 examples, B 100: 10 updates an epoch, no short update.
    static let tiny = """
        schedule tiny
        data fashion_mnist(subset: 1000)
        model mlp(hidden: [16])
        epochs 2
        optimizer sgd(momentum: 0.9)
        lr 0.1
        batch 100
        max_batch 200
        weight_decay 0.0005
        seed 3
        at epoch 1: noise /= 2

        """

    func write(_ text: String, _ name: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], path)
    }

    func jsonLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    // MARK: export

    func testPyTorchExportWritesPlanModuleWeightsAndReadme() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let out = scratch.appendingPathComponent("bundle").path
        let result = try runSchedc(["export", "--engine", "pytorch", schedule, "-o", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        XCTAssertEqual(files, ["plan.json", "schedc_torch.py", "initial-weights.json", "initial-weights.bin", "README.txt"])
        let plan = try runSchedc(["plan", "--format", "json", schedule])
        XCTAssertEqual(try String(contentsOfFile: out + "/plan.json", encoding: .utf8), plan.stdout, "the plan `schedc plan` prints")
        let module = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/ScheduleEngines/Python/schedc_torch.py"),
                                encoding: .utf8)
        XCTAssertEqual(try String(contentsOfFile: out + "/schedc_torch.py", encoding: .utf8), module)
        XCTAssertTrue(try String(contentsOfFile: out + "/README.txt", encoding: .utf8).contains("schedc run --engine torch"))

        // The weights index: contiguous float32 tensors covering the data file, the model's names.
        let index = try json(out + "/initial-weights.json")
        XCTAssertEqual(index["format"] as? String, "schedc-weights")
        XCTAssertEqual(index["version"] as? Int, 1)
        XCTAssertEqual(index["seed"] as? Int, 3)
        XCTAssertEqual((index["model"] as? [String: Any])?["kind"] as? String, "mlp")
        XCTAssertEqual((index["model"] as? [String: Any])?["hidden"] as? [Int], [16])
        let tensors = try XCTUnwrap(index["tensors"] as? [[String: Any]])
        var offset = 0
        for tensor in tensors {
            XCTAssertEqual(tensor["offset"] as? Int, offset)
            let count = try XCTUnwrap(tensor["count"] as? Int)
            XCTAssertEqual((tensor["shape"] as? [Int])?.reduce(1, *), count)
            offset += 4 * count
        }
        XCTAssertEqual(tensors.compactMap { $0["name"] as? String }, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/initial-weights.bin"))
        XCTAssertEqual(data.count, offset)
        XCTAssertFalse(data.allSatisfy { $0 == 0 }, "initialised weights")

        // Deterministic from the seed: a second export is byte-identical, another seed differs.
        let again = scratch.appendingPathComponent("again").path
        XCTAssertEqual(try runSchedc(["export", "--engine", "torch", schedule, "-o", again]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: again + "/initial-weights.bin")), data)
        let reseeded = try write(Self.tiny.replacingOccurrences(of: "seed 3", with: "seed 4"), "reseeded.sched")
        let other = scratch.appendingPathComponent("other").path
        XCTAssertEqual(try runSchedc(["export", "--engine", "torch", reseeded, "-o", other]).status, 0)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: other + "/initial-weights.bin")), data)
    }

    func testMegatronExportPrintsTheStepScheduleOrRefuses() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let result = try runSchedc(["export", "--engine", "megatron", "--world-size", "2", schedule])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("--step-batch-size-schedule \"0:100 1000:200\""), result.stdout)
        XCTAssertTrue(result.stdout.contains("--micro-batch-size 50"), result.stdout)
        XCTAssertTrue(result.stdout.contains("--train-samples 2000"), result.stdout)
        XCTAssertTrue(result.stdout.contains("--rampup-batch-size 100 100 1000"), "100 → 200 at N is a one-step ramp:\n\(result.stdout)")
        XCTAssertTrue(result.stdout.contains("are constant: the engine's constant schedule is exact"), result.stdout)

        // With -o the arguments are also written, beside the plan and the hook's module.
        let written = scratch.appendingPathComponent("megatron-args").path
        XCTAssertEqual(try runSchedc(["export", "--engine", "megatron", "--world-size", "2", schedule, "-o", written]).status, 0)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: written)), ["megatron-args.txt", "plan.json", "schedc_torch.py"])
        XCTAssertTrue(try String(contentsOfFile: written + "/megatron-args.txt", encoding: .utf8)
                        .hasPrefix(String(result.stdout.prefix(while: { $0 != "ε" }))))

        // Under decay_lr ε changes, which Megatron-LM's scheduler cannot do: the hook does.
        let decaying = try write(Self.tiny.replacingOccurrences(of: "seed 3", with: "seed 3\npolicy decay_lr"), "decaying.sched")
        let hooked = try runSchedc(["export", "--engine", "megatron", decaying])
        XCTAssertEqual(hooked.status, 0, hooked.stderr)
        XCTAssertTrue(hooked.stdout.contains("--step-batch-size-schedule \"0:100\""), hooked.stdout)
        XCTAssertTrue(hooked.stdout.contains("ε takes 2 values: Megatron-LM's OptimizerParamScheduler"), hooked.stdout)
        XCTAssertTrue(hooked.stdout.contains("schedc_torch.apply_hyperparameters(optimizer, h[\"lr\"], h[\"momentum\"]"), hooked.stdout)

        // The quickstart ends every epoch with a short update: refused with S403, nothing written.
        let out = scratch.appendingPathComponent("megatron").path
        let refused = try runSchedc(["export", "--engine", "megatron", "Samples/quickstart.sched", "-o", out])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("[S403]"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("nothing written"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testDeepSpeedExportWritesConfigAndBatchSchedule() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let out = scratch.appendingPathComponent("ds").path
        let result = try runSchedc(["export", "--engine", "deepspeed", "--world-size", "2", "--micro-batch", "25", schedule, "-o", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let config = try json(out + "/ds_config.json")
        XCTAssertEqual(config["train_batch_size"] as? Int, 100)
        XCTAssertEqual(config["train_micro_batch_size_per_gpu"] as? Int, 25)
        XCTAssertEqual(config["gradient_accumulation_steps"] as? Int, 2)
        let changes = try XCTUnwrap(try json(out + "/batch_schedule.json")["changes"] as? [[String: Any]])
        XCTAssertEqual(changes.map { $0["update"] as? Int }, [0, 10])
        XCTAssertEqual(changes.map { $0["train_batch_size"] as? Int }, [100, 200])
        XCTAssertEqual(changes.map { $0["gradient_accumulation_steps"] as? Int }, [2, 4])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/schedc_torch.py"))

        let refused = try runSchedc(["export", "--engine", "deepspeed", "--world-size", "3", schedule, "-o", out + "3"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("[S401]"), refused.stderr)
    }

    /// A plan file exports like the schedule it was planned from; what the engine cannot run is
    /// refused per phase, with the same code.
    func testAPlanFileExportsLikeItsSchedule() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let planned = try runSchedc(["plan", "--format", "json", schedule])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let planFile = try write(planned.stdout, "tiny.json")
        let fromSchedule = scratch.appendingPathComponent("from-sched").path
        let fromPlan = scratch.appendingPathComponent("from-plan").path
        for (file, out) in [(schedule, fromSchedule), (planFile, fromPlan)] {
            let result = try runSchedc(["export", "--engine", "deepspeed", "--world-size", "2", "--micro-batch", "25", file, "-o", out])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        for name in ["ds_config.json", "batch_schedule.json", "plan.json"] {
            XCTAssertEqual(try String(contentsOfFile: fromPlan + "/" + name, encoding: .utf8),
                           try String(contentsOfFile: fromSchedule + "/" + name, encoding: .utf8), name)
        }
        let megatron = try runSchedc(["export", "--engine", "megatron", planFile])
        XCTAssertEqual(megatron.status, 0, megatron.stderr)
        XCTAssertEqual(megatron.stdout, try runSchedc(["export", "--engine", "megatron", schedule]).stdout)

        let refused = try runSchedc(["export", "--engine", "deepspeed", "--world-size", "3", planFile, "-o", fromPlan + "3"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("[S401]") && refused.stderr.contains("phase "), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cannot run this plan exactly; nothing written"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fromPlan + "3"))

        let broken = try write("{\"format\": \"schedc-plan\", \"version\": 7}", "broken.json")
        let unreadable = try runSchedc(["export", "--engine", "deepspeed", broken, "-o", fromPlan + "4"])
        XCTAssertEqual(unreadable.status, 1)
        XCTAssertTrue(unreadable.stderr.contains("plan version 7 is not supported") && unreadable.stderr.contains("[S505]"),
                      unreadable.stderr)
    }

    func testExportUsageErrors() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        XCTAssertEqual(try runSchedc(["export", schedule, "-o", scratch.path + "/x"]).status, 2, "no engine")
        XCTAssertEqual(try runSchedc(["export", "--engine", "jax", schedule, "-o", scratch.path + "/x"]).status, 2)
        XCTAssertEqual(try runSchedc(["export", "--engine", "pytorch", schedule]).status, 2, "no -o")
        XCTAssertEqual(try runSchedc(["export", "--engine", "deepspeed", "--world-size", "0", schedule, "-o", scratch.path]).status, 2)
    }

    // MARK: run --engine torch

    /// Stands in for schedc_torch.py: prints its environment and arguments, records its pid,
    /// then either fails (rank FAKE_FAIL_RANK), waits to be killed (the others then), or — rank
    /// 0 of a good run — writes the metrics of the plan's single-batch phases.
    static let fakeRank = """
        import json, os, sys, time
        args = sys.argv[1:]
        out = args[args.index("--out") + 1]
        rank = int(os.environ["RANK"])
        print("env " + " ".join("%s=%s" % (k, os.environ[k]) for k in
              ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")))
        print("args " + " ".join(args))
        sys.stderr.write("warning from rank %d\\n" % rank)
        open(os.path.join(out, "pid.rank%d" % rank), "w").write(str(os.getpid()))
        if os.environ.get("FAKE_WAIT_FOR_TERM"):
            import signal
            def stop(number, frame):
                open(os.path.join(out, "term.rank%d" % rank), "w").write(str(number))
                sys.exit(1)
            signal.signal(signal.SIGTERM, stop)
            open(os.path.join(out, "ready.rank%d" % rank), "w").write("")
            time.sleep(120)
        fail = os.environ.get("FAKE_FAIL_RANK")
        if fail is not None:
            if fail == str(rank):
                time.sleep(0.5)
                sys.exit(3)
            time.sleep(120)
        if rank == 0:
            plan = json.load(open(args[args.index("--plan") + 1]))
            n, updates = plan["dataset_size"], 0
            for e in range(plan["epochs"]):
                phase = [p for p in plan["phases"] if p["start_sample"] <= e * n][-1]
                updates += -(-n // phase["batch"])
                line = {"epoch": e + 1, "updates": updates, "samples": (e + 1) * n, "lr": phase["lr"],
                        "batch": phase["batch"], "momentum": phase["momentum"], "train_loss": 1.0 / (e + 1),
                        "test_loss": 1.2 / (e + 1), "test_accuracy": 0.5 + 0.1 * e, "seconds": 1.5 * (e + 1),
                        "phase": plan["phases"].index(phase), "train_accuracy": 0.6, "epoch_seconds": 1.5,
                        "engine": "torch", "world_size": int(os.environ["WORLD_SIZE"])}
                with open(os.path.join(out, "metrics.jsonl"), "a") as f:
                    f.write(json.dumps(line) + "\\n")
            json.dump({"final_weights_sha256": "ab" * 32}, open(os.path.join(out, "torch-summary.json"), "w"))

        """

    func testTorchRunStartsTheRanksAndWritesARunDirectory() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let fake = try write(Self.fakeRank, "fake_rank.py")
        let out = scratch.appendingPathComponent("run").path
        let result = try runSchedc(["run", "--engine", "torch", "--nproc", "2", "--threads", "2", schedule, "--out", out],
                                   environment: ["SCHEDC_TORCH_RANK_SCRIPT": fake])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)

        // Each rank's environment, behind its prefix; one free port for both.
        var ports: Set<String> = []
        for rank in 0..<2 {
            let line = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("[rank \(rank)] env ") }, result.stdout)
            XCTAssertTrue(line.contains("RANK=\(rank) WORLD_SIZE=2 LOCAL_RANK=\(rank) MASTER_ADDR=127.0.0.1 MASTER_PORT="), String(line))
            ports.insert(String(line.split(separator: "=").last!))
            let args = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("[rank \(rank)] args ") })
            XCTAssertTrue(args.contains("train --plan \(out)/plan.json --out \(out) --initial-weights \(out)/initial-weights.json --threads 1"),
                          String(args))
            XCTAssertTrue(result.stderr.contains("[rank \(rank)] warning from rank \(rank)\n"), result.stderr)
        }
        XCTAssertEqual(ports.count, 1)
        XCTAssertGreaterThan(Int(ports.first!) ?? 0, 0)

        // The run directory: the embedded runtime's files, engine "torch", the summary from the metrics.
        let record = try json(out + "/run.json")
        XCTAssertEqual(record["engine"] as? String, "torch")
        XCTAssertEqual(try json(out + "/torch-launch.json")["python"] as? String, "/usr/bin/python3", "the interpreter, for --resume")
        XCTAssertEqual(record["status"] as? String, "finished")
        for file in ["plan.json", "schedule.sched", "metrics.jsonl", "summary.json", "curves-epochs.svg", "curves-updates.svg",
                     "schedc_torch.py", "initial-weights.json", "initial-weights.bin"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let summary = try json(out + "/summary.json")
        XCTAssertEqual(summary["updates"] as? Int, 15)
        XCTAssertEqual(summary["final_weights_sha256"] as? String, String(repeating: "ab", count: 32))
        XCTAssertTrue(result.stdout.contains("15 updates (as planned)"), result.stdout)

        // `schedc compare` reads it beside an embedded run.
        let embedded = scratch.appendingPathComponent("embedded").path
        XCTAssertEqual(try runSchedc(["run", "--quiet", "--threads", "1", schedule, "--out", embedded]).status, 0)
        let compared = try runSchedc(["compare", embedded, out, "--out", scratch.appendingPathComponent("cmp").path])
        XCTAssertEqual(compared.status, 0, compared.stderr)
    }

    func testOneFailingRankStopsTheOthers() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let fake = try write(Self.fakeRank, "fake_rank.py")
        let out = scratch.appendingPathComponent("failing").path
        let started = Date()
        let result = try runSchedc(["run", "--engine", "torch", "--nproc", "3", schedule, "--out", out],
                                   environment: ["SCHEDC_TORCH_RANK_SCRIPT": fake, "FAKE_FAIL_RANK": "1"])
        XCTAssertEqual(result.status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "the others sleep 120 s unless stopped")
        XCTAssertTrue(result.stderr.contains("rank 1 exited with status 3; the other ranks were stopped"), result.stderr)
        for rank in [0, 2] {
            let pid = try XCTUnwrap(Int32(try String(contentsOfFile: "\(out)/pid.rank\(rank)", encoding: .utf8)))
            XCTAssertNotEqual(kill(pid, 0), 0, "rank \(rank) is gone")
        }
        let record = try json(out + "/run.json")
        XCTAssertEqual(record["status"] as? String, "failed")
        XCTAssertEqual(record["error"] as? String, "rank 1 exited with status 3; the other ranks were stopped")
    }

    /// Ctrl-C reaches schedc (the ranks have their own process group); every rank gets SIGTERM,
    /// the module's orderly stop, and the run is marked interrupted.
    func testInterruptIsPassedOnAsSIGTERM() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let fake = try write(Self.fakeRank, "fake_rank.py")
        let out = scratch.appendingPathComponent("interrupted").path
        let process = Process()
        process.executableURL = schedcExecutable
        process.arguments = ["run", "--engine", "torch", "--nproc", "2", schedule, "--out", out]
        var environment = ProcessInfo.processInfo.environment
        environment["SCHEDC_TORCH_RANK_SCRIPT"] = fake
        environment["FAKE_WAIT_FOR_TERM"] = "1"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !(0..<2).allSatisfy({ FileManager.default.fileExists(atPath: "\(out)/ready.rank\($0)") }) {
            usleep(50_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        for rank in 0..<2 {
            XCTAssertEqual(try? String(contentsOfFile: "\(out)/term.rank\(rank)", encoding: .utf8), String(SIGTERM), "rank \(rank)")
        }
        XCTAssertEqual(try json(out + "/run.json")["status"] as? String, "interrupted")
    }

    func testClusterOptionsPrintTorchrunCommands() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let out = scratch.appendingPathComponent("cluster").path
        let result = try runSchedc(["run", "--engine", "torch", "--nproc", "4", "--nnodes", "2", "--rdzv-endpoint", "head:29400",
                                    schedule, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        for node in 0..<2 {
            XCTAssertTrue(result.stdout.contains("torchrun --nnodes 2 --node-rank \(node) --nproc-per-node 4 --rdzv-backend c10d "
                                                 + "--rdzv-endpoint head:29400"), result.stdout)
        }
        XCTAssertTrue(result.stdout.contains("\(out)/schedc_torch.py train --plan \(out)/plan.json --out \(out)"), result.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/initial-weights.bin"))

        let one = try runSchedc(["run", "--engine", "torch", "--nnodes", "2", "--node-rank", "1", "--master-addr", "10.0.0.1",
                                 schedule, "--out", out + "-1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stdout.contains("--node-rank 1 --nproc-per-node 1 --master-addr 10.0.0.1 --master-port 29500"), one.stdout)
        XCTAssertFalse(one.stdout.contains("--node-rank 0"), one.stdout)
    }

    func testEngineOptionUsageErrors() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let nproc = try runSchedc(["run", "--nproc", "2", schedule])
        XCTAssertEqual(nproc.status, 2)
        XCTAssertTrue(nproc.stderr.contains("'--nproc' needs --engine torch"), nproc.stderr)
        let megatron = try runSchedc(["run", "--engine", "megatron", schedule])
        XCTAssertEqual(megatron.status, 2)
        XCTAssertTrue(megatron.stderr.contains("schedc export --engine megatron"), megatron.stderr)
        let python = try runSchedc(["run", "--python", "/usr/bin/python3", schedule])
        XCTAssertEqual(python.status, 2)
        XCTAssertTrue(python.stderr.contains("'--python' needs --engine torch"), python.stderr)
        let missing = try runSchedc(["run", "--engine", "torch", "--python", scratch.appendingPathComponent("no-python").path, schedule,
                                     "--out", scratch.appendingPathComponent("never").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("option '--python' needs an executable Python interpreter"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("never").path), "nothing made")
    }

    // MARK: docs

    /// docs/engines.md's lint example prints what the page shows (the page shows its first lines).
    func testEnginesDocumentationLintExample() throws {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/engines.md"), encoding: .utf8)
        let command = "$ schedc lint --engine megatron --world-size 2 Samples/quickstart.sched"
        let block = try XCTUnwrap(fencedBlocks("console", in: page).first { $0.hasPrefix(command + "\n") }, "docs/engines.md lost the example")
        let result = try runSchedc(Array(command.split(separator: " ").dropFirst(2).map(String.init)))
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix(String(block.dropFirst(command.count + 1))),
                      "docs/engines.md shows:\n\(block)schedc prints:\n\(result.stderr)")
    }

    // MARK: run --log-updates

    /// The embedded runtime's per-update log: one line per update, on the plan's clock.
    func testLogUpdatesFollowsThePlansClock() throws {
        let schedule = try write(Self.tiny, "tiny.sched")
        let out = scratch.appendingPathComponent("embedded").path
        let result = try runSchedc(["run", "--log-updates", "--quiet", "--threads", "1", schedule, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try jsonLines(out + "/updates.jsonl")
        XCTAssertEqual(lines.count, 15)
        var consumed = 0
        for (index, line) in lines.enumerated() {
            XCTAssertEqual(line["update"] as? Int, index)
            XCTAssertEqual(line["samples"] as? Int, consumed)
            let batch = index < 10 ? 100 : 200
            XCTAssertEqual(line["batch"] as? Int, batch)
            XCTAssertEqual(line["epoch"] as? Int, index < 10 ? 0 : 1)
            XCTAssertEqual(line["lr"] as? Double, 0.1)
            XCTAssertEqual(line["momentum"] as? Double, 0.9)
            XCTAssertEqual(line["weight_decay"] as? Double, 0.0005)
            XCTAssertEqual(line["allreduce_seconds"] as? Int, 0)
            XCTAssertGreaterThan(line["loss"] as? Double ?? 0, 0)
            XCTAssertGreaterThanOrEqual(line["seconds"] as? Double ?? -1, 0)
            consumed += batch
        }
    }
}
