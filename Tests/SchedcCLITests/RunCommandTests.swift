import Foundation
import XCTest

/// `schedc run` end to end, through the built executable, on the Fashion-MNIST subset shipped
/// in the repository (tiny schedules: a few hundred milliseconds each): progress lines, the
/// summary, --quiet, the run directory, overrides, errors and exit codes, resuming after
/// SIGINT and SIGKILL with bit-identical final weights, and the progress bar on a terminal.
final class RunCommandTests: XCTestCase {
    /// A small MLP on 1000 examples; the batch grows at epoch 1 and 2.
    static let tiny = """
        schedule tiny
        data fashion_mnist(subset: 1000)
        model mlp(hidden: [32])
        epochs 3
        optimizer sgd(momentum: 0.9)
        lr 0.05
        batch 50
        max_batch 200
        seed 4
        at epoch 1, 2: noise /= 2

        """

    /// A CNN long enough (6 epochs of 2000 examples, ~0.3 s each) to be killed mid-epoch.
    static let killable = """
        schedule killable
        data fashion_mnist(subset: 2000)
        model cnn
        epochs 6
        optimizer sgd(momentum: 0.9)
        lr 0.05
        batch 32
        max_batch 256
        micro_batch 64
        ghost_batch 32
        warmup 20 steps
        seed 5
        at epoch 2, 4: noise /= 2

        """

    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-run-tests-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func write(_ text: String, _ name: String = "schedule.sched") throws -> String {
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

    func testPlainProgressLinesAndSummary() throws {
        let file = try write(Self.tiny)
        let out = path("run")
        let result = try runSchedc(["run", file, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        XCTAssertFalse(result.stdout.contains("\r"), "no bar when standard output is not a terminal")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "schedc run: \(file) → \(out)")
        XCTAssertEqual(lines[1], "tiny: 3 epochs, 35 updates planned, \(ProcessInfo.processInfo.activeProcessorCount) threads")
        XCTAssertTrue(lines[2].hasPrefix("  data: fashion_mnist: 1000 training and 2000 test images from "), lines[2])
        for (index, epoch) in [(3, 1), (4, 2), (5, 3)] {
            XCTAssertTrue(lines[index].hasPrefix("epoch \(epoch)/3  phase \(epoch)  B \([50, 100, 200][epoch - 1])  ε 0.05  m 0.9  train loss "),
                          lines[index])
            XCTAssertTrue(lines[index].contains(" test accuracy "), lines[index])
        }
        XCTAssertTrue(lines[6].hasPrefix("finished tiny in "), lines[6])
        XCTAssertTrue(lines[6].hasSuffix("35 updates (as planned)"), lines[6])
        XCTAssertEqual(lines[7].split(separator: " ").map(String.init), ["phase", "epochs", "B", "ε", "m", "updates", "time"])
        XCTAssertEqual(lines[8].split(separator: " ").prefix(6).map(String.init), ["1", "0–1", "50", "0.05", "0.9", "20"], lines[8])
        XCTAssertTrue(lines[11].hasPrefix("  evaluation"), lines[11])
        XCTAssertEqual(lines[12], "  run directory: \(out)")
        XCTAssertEqual(lines.count, 13)

        for name in ["schedule.sched", "plan.json", "run.json", "metrics.jsonl", "checkpoint.bin", "curves-epochs.svg",
                     "curves-updates.svg", "summary.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), name)
        }
        XCTAssertEqual(try read(out + "/schedule.sched"), Self.tiny)
        let plan = try runSchedc(["plan", "--format", "json", file])
        XCTAssertEqual(try read(out + "/plan.json"), plan.stdout, "plan.json is what `schedc plan --format json` prints")
        let metrics = try read(out + "/metrics.jsonl").split(separator: "\n")
        XCTAssertEqual(metrics.count, 3)
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(metrics[2].utf8)) as? [String: Any])
        XCTAssertEqual(last["updates"] as? Int, 35)
        XCTAssertEqual(last["samples"] as? Int, 3000)
        let accuracy = try XCTUnwrap(last["test_accuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.6, "an MLP on 1000 Fashion-MNIST images, 3 epochs")
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try read(out + "/run.json").utf8)) as? [String: Any])
        XCTAssertEqual(record["status"] as? String, "finished")
        XCTAssertEqual(record["schedc_version"] as? String, try runSchedc(["--version"]).stdout.dropFirst("schedc ".count).trimmingCharacters(in: .newlines))
        XCTAssertEqual(record["source"] as? String, file)
    }

    func testQuietPrintsOnlyTheSummary() throws {
        let out = path("quiet")
        let result = try runSchedc(["run", "--quiet", try write(Self.tiny), "--out", out, "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let lines = result.stdout.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("finished tiny in "), result.stdout)
        XCTAssertEqual(lines.count, 7, result.stdout)
        XCTAssertEqual(lines.last.map(String.init), "  run directory: \(out)")
        let record = try read(out + "/run.json")
        XCTAssertTrue(record.contains("\"threads\": 1,"), record)
    }

    /// Errors in the file: exactly what `schedc check` prints, exit 1, nothing created.
    func testScheduleErrorsAreReportedAsCheckReportsThem() throws {
        let file = try write(Self.tiny.replacingOccurrences(of: "lr 0.05", with: "lerning_rate 0.05").replacingOccurrences(of: "batch 50", with: "batch 500"))
        let out = path("never")
        let run = try runSchedc(["run", file, "--out", out])
        let check = try runSchedc(["check", file])
        XCTAssertEqual(check.status, 1)
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, check.stderr)
        XCTAssertTrue(run.stderr.contains("[S101]") && run.stderr.contains("[S109]"), run.stderr)
        XCTAssertEqual(run.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testSchedulesThatCannotRun() throws {
        let noModel = try write(Self.tiny.replacingOccurrences(of: "model mlp(hidden: [32])\n", with: ""), "no_model.sched")
        var result = try runSchedc(["run", noModel, "--out", path("a")])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "schedc run: \(noModel): schedule 'tiny' names no model, so it can be planned but not run: add a 'model' setting (mlp, cnn or wrn(16, 4)) [S501]\n")
        let size = try write(Self.tiny.replacingOccurrences(of: "fashion_mnist(subset: 1000)", with: "size 1000"), "size.sched")
        result = try runSchedc(["run", size, "--out", path("b")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("says 'data size 1000', which plans for any data set but cannot be run"), result.stderr)
        XCTAssertTrue(result.stderr.hasSuffix(" [S502]\n"), result.stderr)
        let imagenet = try write(Self.tiny.replacingOccurrences(of: "fashion_mnist(subset: 1000)", with: "imagenet(subset: 1000)"), "imagenet.sched")
        result = try runSchedc(["run", imagenet, "--out", path("c")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("trains on imagenet, which schedc can plan but not load"), result.stderr)
        XCTAssertTrue(result.stderr.hasSuffix(" [S502]\n"), result.stderr)
        for name in ["a", "b", "c"] { XCTAssertFalse(FileManager.default.fileExists(atPath: path(name))) }
    }

    func testUsageAndIOErrors() throws {
        let file = try write(Self.tiny)
        let cases: [([String], String)] = [
            (["run"], "schedc run: no input file; usage: schedc run FILE (or --resume DIR)\n"),
            (["run", file, file], "schedc run: run takes one file, got 2; `schedc compare` runs several\n"),
            (["run", file, "--threads", "0"], "schedc run: option '--threads' needs an integer in 1...256, not '0'\n"),
            (["run", file, "--epochs-scale", "-1"], "schedc run: option '--epochs-scale' needs a number greater than 0 and at most 1000 (0.1 runs a tenth of the epochs), not '-1'\n"),
            (["run", file, "--seed", "x"], "schedc run: option '--seed' needs a whole number ≥ 0, not 'x'\n"),
            (["run", file, "--seed", "1", "--seed=2"], "schedc run: option '--seed' is given twice ('1' and '2'); give it once\n"),
            (["run", file, "--epoch-scale", "2"], "schedc run: unknown option '--epoch-scale'; did you mean '--epochs-scale'?\n"),
            (["run", "--resume", path("x"), "--seed", "3"], "schedc run: '--seed' cannot be combined with --resume: a resumed run keeps the schedule and settings recorded in its directory\n"),
            (["run", "--resume", path("x"), file], "schedc run: --resume takes the run directory, not a file: schedc run --resume DIR\n"),
            (["run", "--resume", path("missing")], "schedc run: \(path("missing")): no such run directory\n"),
            (["run", file, "--data", path("nodata"), "--out", path("d")], "schedc run: \(path("nodata")): the --data directory does not exist [S503]\n"),
            (["run", path("missing.sched")], "schedc run: \(path("missing.sched")): no such file\n"),
        ]
        for (arguments, stderr) in cases {
            let result = try runSchedc(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertEqual(result.stderr, stderr, "\(arguments)")
            XCTAssertEqual(result.stdout, "", "\(arguments)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("d")))
        // An occupied --out directory.
        try FileManager.default.createDirectory(atPath: path("full"), withIntermediateDirectories: true)
        try "x".write(toFile: path("full") + "/x", atomically: true, encoding: .utf8)
        let full = try runSchedc(["run", file, "--out", path("full")])
        XCTAssertEqual(full.status, 2)
        XCTAssertEqual(full.stderr, "schedc run: \(path("full")): the directory is not empty; choose another directory\n")
    }

    /// --subset changes N, so the schedule is checked again: max_batch 200 > N = 100 is the
    /// checker's S110, shown on the rewritten line, and a usage error.
    func testSubsetIsCheckedByTheCheckersRules() throws {
        let file = try write(Self.tiny)
        let result = try runSchedc(["run", file, "--subset", "100", "--out", path("s")])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("error: max_batch 200 is larger than the data set (N = 100) [S110]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("data fashion_mnist(subset: 100)  # --subset 100 → fashion_mnist(subset: 100) (the file says fashion_mnist(subset: 1000))"), result.stderr)
        XCTAssertTrue(result.stderr.hasSuffix("schedc run: \(file): cannot run with '--subset': the result breaks the rules above\n"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("s")))
    }

    /// --epochs-scale, --subset and --seed are written into the run's schedule.sched.
    func testQuickTrialOverridesAreWrittenIntoTheSchedule() throws {
        let file = try write(Self.killable)
        let out = path("trial")
        let result = try runSchedc(["run", file, "--epochs-scale", "0.5", "--subset", "600", "--seed", "9", "--out", out, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let schedule = try read(out + "/schedule.sched")
        XCTAssertTrue(schedule.contains("epochs 3  # --epochs-scale 0.5 → 3 (the file says 6)\n"), schedule)
        XCTAssertTrue(schedule.contains("warmup 10 steps  # --epochs-scale 0.5 → 10 steps (the file says 20 steps)\n"), schedule)
        XCTAssertTrue(schedule.contains("seed 9  # --seed 9 (the file says 5)\n"), schedule)
        XCTAssertTrue(schedule.contains("at epoch 1, 2: noise /= 2\n"), schedule)
        let plan = try runSchedc(["plan", "--format", "json", out + "/schedule.sched"])
        XCTAssertEqual(try read(out + "/plan.json"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("\"epochs\": 3,") && plan.stdout.contains("\"dataset_size\": 600,"))
        let record = try read(out + "/run.json")
        XCTAssertTrue(record.contains("\"overrides\": [\"epochs 3 (the file says 6)\", \"warmup 10 steps (the file says 20 steps)\", "
                                      + "\"data fashion_mnist(subset: 600) (the file says fashion_mnist(subset: 2000))\", "
                                      + "\"seed 9 (the file says 5)\", \"event times × 0.5 (--epochs-scale)\"]"), record)
        XCTAssertTrue(record.contains("\"seed\": \"9\""), record)
        // Not quiet: the overrides are announced first.
        let loud = try runSchedc(["run", file, "--epochs-scale", "0.17", "--subset", "300", "--out", path("loud")])
        XCTAssertEqual(loud.status, 0, loud.stderr)
        XCTAssertTrue(loud.stdout.hasPrefix("command-line overrides: epochs 1 (the file says 6), warmup 3 steps (the file says 20 steps), "), loud.stdout)
        XCTAssertTrue(try read(path("loud") + "/schedule.sched").contains("at epoch 0.333333333333, 0.666666666667: noise /= 2"))
    }

    /// plan's overrides run too: a smaller B_max, micro-batches (accumulation), another policy.
    func testPlanOverridesRun() throws {
        let out = path("plan-overrides")
        let result = try runSchedc(["run", try write(Self.tiny), "--max-batch", "100", "--micro-batch", "30",
                                    "--policy", "decay_lr", "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("command-line overrides: max_batch 100 (the file says 200), "
                                              + "micro_batch 30 (not in the file), policy decay_lr (not in the file)\n"), result.stdout)
        let schedule = try read(out + "/schedule.sched")
        XCTAssertTrue(schedule.contains("max_batch 100  # --max-batch 100 (the file says 200)\n"), schedule)
        XCTAssertTrue(schedule.contains("micro_batch 30  # --micro-batch 30 (not in the file)\n"), schedule)
        let plan = try read(out + "/plan.json")
        XCTAssertTrue(plan.contains("\"pass_sizes\": [25, 25]"), "B 50 in passes of at most 30: \(plan)")
        XCTAssertTrue(result.stdout.contains("60 updates (as planned)"), "decay_lr keeps B 50: 3 × 20 updates")
    }

    /// `schedc plan --format json FILE > p.json && schedc run p.json` trains the same run, bit for
    /// bit, as `schedc run FILE`; the plan file's run directory holds no schedule.sched.
    func testAPlanFileRunsTheSameRunAsItsSchedule() throws {
        let file = try write(Self.tiny.replacingOccurrences(of: "seed 4", with: "seed 4\nmicro_batch 40\nwarmup 5 steps"))
        let planned = try runSchedc(["plan", "--format", "json", file])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let planFile = try write(planned.stdout, "tiny.json")
        let fromSchedule = path("from-schedule"), fromPlan = path("from-plan")
        let a = try runSchedc(["run", file, "--out", fromSchedule, "--quiet"])
        XCTAssertEqual(a.status, 0, a.stderr)
        let b = try runSchedc(["run", planFile, "--out", fromPlan, "--quiet", "--threads", "1"])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(try summaryDigest(fromPlan), try summaryDigest(fromSchedule))
        XCTAssertEqual(try read(fromPlan + "/plan.json"), planned.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fromPlan + "/schedule.sched"))
        XCTAssertTrue(try read(fromPlan + "/run.json").contains("\"source\": \"\(planFile)\""))
        // Detected by content too, whatever the name.
        let unnamed = try write(planned.stdout, "plan.txt")
        XCTAssertEqual(try runSchedc(["run", unnamed, "--out", path("unnamed"), "--quiet"]).status, 0)
    }

    /// A run of a plan file stops on Ctrl-C and resumes from its plan.json to the same weights.
    func testAPlanFileRunResumes() throws {
        let planned = try runSchedc(["plan", "--format", "json", try write(Self.killable)])
        let planFile = try write(planned.stdout, "killable.json")
        let reference = path("reference"), out = path("interrupted")
        XCTAssertEqual(try runSchedc(["run", planFile, "--out", reference, "--quiet"]).status, 0)
        let process = try startSchedc(["run", planFile, "--out", out, "--quiet"])
        try waitFor(lines: 2, in: out + "/metrics.jsonl", while: process)
        kill(process.processIdentifier, SIGINT)
        _ = try finish(process)
        XCTAssertEqual(process.terminationStatus, 130)
        let resumed = try runSchedc(["run", "--resume", out, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.hasPrefix("finished killable in "), resumed.stdout)
        XCTAssertEqual(try summaryDigest(out), try summaryDigest(reference))
    }

    /// Overrides would change the plan; bad and other-version files are clear errors.
    func testPlanFileErrors() throws {
        let planned = try runSchedc(["plan", "--format", "json", try write(Self.tiny)]).stdout
        let planFile = try write(planned, "tiny.json")
        for option in [["--epochs-scale", "0.5"], ["--seed", "2"], ["--max-batch", "100"], ["--subset", "500"]] {
            let result = try runSchedc(["run", planFile] + option)
            XCTAssertEqual(result.status, 2, option[0])
            XCTAssertEqual(result.stderr, "schedc run: \(planFile): '\(option[0])' cannot be applied to a plan file: it would change "
                           + "the plan; give it to `schedc plan --format json` instead (or run the .sched file with it)\n")
        }
        let newer = try write(planned.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 7"), "newer.json")
        var result = try runSchedc(["run", newer])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "schedc run: \(newer): plan version 7 is not supported: this schedc reads plan version 1 "
                       + "(plan the schedule again with this schedc) [S505]\n")
        let broken = try write(planned.replacingOccurrences(of: "\"total_updates\": ", with: "\"total_updates\": 1"), "broken.json")
        result = try runSchedc(["run", broken])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "schedc run: \(broken): not a valid plan: total_updates does not match the phases [S505]\n")
        let garbage = try write("{ not json", "garbage.json")
        result = try runSchedc(["run", garbage])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "schedc run: \(garbage): not valid JSON [S505]\n")
    }

    /// --epochs-scale moves every time with the run: epoch times and an epoch warm-up exactly,
    /// step times and step intervals rounded to whole updates; percentages stay as written.
    func testEpochsScaleMovesEveryKindOfTime() throws {
        let file = try write("""
            schedule times
            data fashion_mnist(subset: 600)
            model mlp(hidden: [16])
            epochs 8
            optimizer sgd(momentum: 0.9)
            lr 0.05
            batch 30
            warmup 1 epochs
            at 50%: lr /= 2
            at step 45: momentum = 0.8
            every 2 epochs from 2 until 7: noise /= 2
            every 25 steps from 150 until 240: lr *= 0.9

            """)
        let out = path("times")
        let result = try runSchedc(["run", file, "--epochs-scale", "0.5", "--out", out, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let schedule = try read(out + "/schedule.sched")
        for line in ["epochs 4  # --epochs-scale 0.5 → 4 (the file says 8)", "warmup 0.5 epochs  # --epochs-scale 0.5 → 0.5 epochs (the file says 1 epochs)",
                     "at 50%: lr /= 2", "at step 23: momentum = 0.8", "every 1 epochs from 1 until 3.5: noise /= 2",
                     "every 13 steps from 75 until 120: lr *= 0.9"] {
            XCTAssertTrue(schedule.contains(line + "\n"), "\(line)\n---\n\(schedule)")
        }
    }

    func testResumingAFinishedRunSaysSo() throws {
        let out = path("done")
        XCTAssertEqual(try runSchedc(["run", try write(Self.tiny), "--out", out, "--quiet"]).status, 0)
        let result = try runSchedc(["run", "--resume", out])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.hasPrefix("\(out): the run has already finished (3 of 3 epochs); nothing to resume\nfinished tiny in "), result.stdout)

        let one = path("done-one")
        let oneEpoch = Self.tiny.replacingOccurrences(of: "epochs 3", with: "epochs 1").replacingOccurrences(of: "at epoch 1, 2: noise /= 2\n", with: "")
        XCTAssertEqual(try runSchedc(["run", try write(oneEpoch, "one.sched"), "--out", one, "--quiet"]).status, 0)
        let again = try runSchedc(["run", "--resume", one])
        XCTAssertTrue(again.stdout.hasPrefix("\(one): the run has already finished (1 of 1 epoch); nothing to resume\n"), again.stdout)
    }

    func testDamagedCheckpointIsAClearError() throws {
        let out = path("damaged")
        XCTAssertEqual(try runSchedc(["run", try write(Self.tiny), "--out", out, "--quiet"]).status, 0)
        let record = try read(out + "/run.json").replacingOccurrences(of: "\"status\": \"finished\"", with: "\"status\": \"interrupted\"")
        try record.write(toFile: out + "/run.json", atomically: true, encoding: .utf8)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/checkpoint.bin"))
        try bytes.prefix(1000).write(to: URL(fileURLWithPath: out + "/checkpoint.bin"))
        let result = try runSchedc(["run", "--resume", out])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "schedc run: \(out)/checkpoint.bin: the checkpoint is damaged: its SHA-256 does not match its contents (truncated or corrupt)\n")
    }

    /// The issue's test: SIGKILL a real run in the middle of an epoch, resume it, and compare
    /// the final weights bit for bit with a run that was never interrupted.
    func testKilledMidEpochAndResumedEndsBitIdentical() throws {
        let file = try write(Self.killable)
        let reference = path("reference")
        let plain = try runSchedc(["run", file, "--out", reference, "--quiet"])
        XCTAssertEqual(plain.status, 0, plain.stderr)

        let killed = path("killed")
        let process = try startSchedc(["run", file, "--out", killed, "--quiet"])
        // Wait for the first epoch's line and checkpoint, then kill 60 ms into the second
        // epoch (an epoch takes 250 ms or more).
        try waitFor(lines: 1, in: killed + "/metrics.jsonl", while: process)
        while !FileManager.default.fileExists(atPath: killed + "/checkpoint.bin"), process.isRunning { usleep(2_000) }
        usleep(60_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try read(killed + "/metrics.jsonl").split(separator: "\n").count, 1, "killed in the second epoch")
        // The checkpoint's epochs completed: a u64 at byte 44 (docs/running.md).
        let header = try Data(contentsOf: URL(fileURLWithPath: killed + "/checkpoint.bin")).prefix(52)
        XCTAssertEqual(header.suffix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }, 1)
        XCTAssertTrue(try read(killed + "/run.json").contains("\"status\": \"running\""), "a killed process cannot say so")
        XCTAssertFalse(FileManager.default.fileExists(atPath: killed + "/summary.json"))

        let resumed = try runSchedc(["run", "--resume", killed])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("killable: resuming after epoch 1 of 6, "), resumed.stdout)
        XCTAssertEqual(try summaryDigest(killed), try summaryDigest(reference), "final weights differ after SIGKILL and resume")
        // The checkpoint tensors too, byte for byte (the header holds wall times, which differ).
        let a = try Data(contentsOf: URL(fileURLWithPath: killed + "/checkpoint.bin"))
        let b = try Data(contentsOf: URL(fileURLWithPath: reference + "/checkpoint.bin"))
        XCTAssertEqual(a.count, b.count)
        XCTAssertEqual(a.subdata(in: 200..<(a.count - 32)), b.subdata(in: 200..<(b.count - 32)))
        // metrics.jsonl: one line per epoch, the same numbers except the wall times.
        func withoutTimes(_ directory: String) throws -> [String] {
            try read(directory + "/metrics.jsonl").split(separator: "\n").map {
                $0.split(separator: ",").filter { !$0.contains("seconds") }.joined(separator: ",")
            }
        }
        XCTAssertEqual(try withoutTimes(killed), try withoutTimes(reference))
    }

    func testCtrlCStopsCleanlyAndSaysHowToResume() throws {
        let file = try write(Self.killable)
        let out = path("interrupted")
        let process = try startSchedc(["run", file, "--out", out])
        try waitFor(lines: 2, in: out + "/metrics.jsonl", while: process)
        kill(process.processIdentifier, SIGINT)
        let (stdout, stderr) = try finish(process)
        XCTAssertEqual(process.terminationStatus, 130)
        XCTAssertEqual(stderr, "\nschedc run: stopping after this update (Ctrl-C again stops at once)\n")
        XCTAssertTrue(stdout.hasSuffix("resume with: schedc run --resume \(out)\n"), stdout)
        XCTAssertTrue(stdout.contains("; the checkpoint of epoch "), stdout)
        XCTAssertTrue(try read(out + "/run.json").contains("\"status\": \"interrupted\""))
        let resumed = try runSchedc(["run", "--resume", out, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.hasPrefix("finished killable in "), resumed.stdout)
        XCTAssertTrue(try read(out + "/run.json").contains("\"resumes\": 1"))
    }

    /// On a terminal (util-linux's script(1) gives one) the bar is redrawn in place.
    func testProgressBarOnATerminal() throws {
        let out = path("tty")
        // About a second of training (3 epochs of 2000 CNN examples): several redraws.
        let command = "stty cols 132; \(schedcExecutable.path) run \(try write(Self.killable)) --epochs-scale 0.5 --out \(out)"
        let (status, text) = try runUnderTerminal(command)
        XCTAssertEqual(status, 0, text)
        let redraws = text.components(separatedBy: "\r\u{1B}[Kphase ").count - 1
        XCTAssertGreaterThanOrEqual(redraws, 2, text)
        XCTAssertTrue(text.contains("samples/s  ETA "), text)
        XCTAssertTrue(text.contains("\r\u{1B}[Kepoch 3/3  phase "), "epoch lines clear the bar first: \(text)")
        XCTAssertTrue(text.contains("finished killable in "))
    }

    func testHelpNamesEveryOption() throws {
        let help = try runSchedc(["run", "--help"])
        XCTAssertEqual(help.status, 0)
        for option in ["--out", "--resume", "--data", "--threads", "--seed", "--epochs-scale", "--subset", "--max-batch",
                       "--micro-batch", "--policy", "--quiet", "EXIT STATUS", "docs/running.md"] {
            XCTAssertTrue(help.stdout.contains(option), option)
        }
    }

    // MARK: - Running schedc in the background

    func startSchedc(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = schedcExecutable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Polls `file` until it has `lines` complete lines (fails after 60 s or if the process ends).
    func waitFor(lines: Int, in file: String, while process: Process) throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text.filter({ $0 == "\n" }).count >= lines { return }
            guard process.isRunning else {
                XCTFail("schedc ended before \(file) had \(lines) lines")
                throw CocoaError(.fileReadUnknown)
            }
            usleep(5_000)
        }
        process.terminate()
        XCTFail("timed out waiting for \(file)")
        throw CocoaError(.fileReadUnknown)
    }

    func finish(_ process: Process) throws -> (String, String) {
        let out = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        let err = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
