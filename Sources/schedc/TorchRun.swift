import Foundation
import JSONSupport
import ScheduleEngines
import ScheduleLanguage
import SchedulePlanner
import ScheduleRunner

/// `schedc run --engine torch [--nproc N] FILE`: the plan on PyTorch DDP, N ranks on this
/// machine, into a run directory like the embedded runtime's (so `schedc compare` reads both).
/// With multi-node options it writes the run's files and prints the torchrun command for each
/// node instead (schedc does not reach other machines).
enum TorchRun {
    static let options: Set<String> = ["--engine", "--nproc", "--python", "--nnodes", "--node-rank", "--rdzv-endpoint", "--master-addr",
                                       "--master-port"]
    static let clusterOptions = ["--nnodes", "--node-rank", "--rdzv-endpoint", "--master-addr", "--master-port"]
    /// The interpreter the ranks run under unless `--python` names another: Debian's
    /// python3-torch installs for it, which may not be the python3 first on PATH.
    static let defaultPython = "/usr/bin/python3"
    /// Test-only: a script run instead of the exported module (the launcher's tests).
    static let rankScriptVariable = "SCHEDC_TORCH_RANK_SCRIPT"
    /// What a torch run directory remembers about how its ranks were started, for --resume.
    static let launchFile = "torch-launch.json"

    static let help = """
      --engine E           embedded (default) or torch (pytorch): run the plan on PyTorch
                           DDP; megatron and deepspeed take `schedc export`
      --nproc N            torch: ranks on this machine (default 1; gloo on CPUs, nccl with
                           CUDA); --threads is shared among them
      --python PATH        torch: the interpreter the ranks run under, one that imports
                           torch 1.13 or 2.x (default /usr/bin/python3, Debian's python3-torch;
                           e.g. a virtual environment's bin/python); kept for --resume
      --nnodes M, --node-rank K, --rdzv-endpoint HOST:PORT, --master-addr A, --master-port P
                           torch on several machines: write the run's files and print the
                           torchrun command to start on each node (docs/engines.md)
      --log-updates        write updates.jsonl: one line per update (clock, B, ε, m, loss)
    """

    static func start(path: String, parsed: ParsedArguments, options: RunOptions) throws -> Int32 {
        let nproc = try parsed.integer("--nproc", default: 1, in: 1...256)!
        let python = try interpreter(parsed.value("--python"))
        let source = try SourceLoading.load(path)
        let plan: Plan, scheduleText: String?, overrides: [String]
        if PlanFile.isPlan(source) {
            // A plan file (the realised plan of an adaptive run among them) runs as written.
            try RunCommand.refuseScheduleOptions(options, forPlanFile: path)
            guard let read = ExportCommand.planFile(source, target: EngineTarget(engine: .pytorch, worldSize: nproc), command: "run")
            else { return ExitCode.failure }
            (plan, scheduleText, overrides) = (read, nil, [])
        } else {
            let outcome = try ScheduleCompilation.compile(source, options: options, command: "run")
            guard case .compiled(let schedule) = outcome else {
                if case .failed(let status) = outcome { return status }
                return ExitCode.failure
            }
            if schedule.plan.adaptive != nil {
                printError("schedc run: " + AdaptiveWiring.otherEngineRefusal(path, engine: "PyTorch DDP"))
                return ExitCode.failure
            }
            let limits = EngineLimits.diagnostics(for: schedule.plan, program: schedule.program,
                                                  target: EngineTarget(engine: .pytorch, worldSize: nproc))
            if !limits.isEmpty { DiagnosticsDriver.emit([(schedule.source, limits)], json: false) }
            if limits.contains(where: { $0.severity == .error }) { return ExitCode.failure }
            (plan, scheduleText, overrides) = (schedule.plan, schedule.source.text, schedule.overrides)
        }
        let specification = RunSpecification(plan: plan, scheduleText: scheduleText,
                                              sourcePath: path, overrides: overrides, threads: options.threads,
                                              dataDirectory: options.dataDirectory)
        let data: LoadedRunData
        do {
            _ = try specification.modelArchitecture()
            _ = try specification.loadableDataset()
            data = try specification.loadData(.locate)
        } catch let error as RunError {
            return RunCommand.report(error)
        }
        let placement = RunDirectory.placement(out: parsed.value("--out"), schedule: plan.schedule)
        let directory: RunDirectory
        do {
            directory = try EngineRun.create(specification, in: placement, engine: .pytorch, data: data, schedcVersion: schedcVersion)
        } catch let error as RunError {
            return RunCommand.report(error)
        }
        try AtomicFile.replace(ExportCommand.join(directory.path, PythonModule.fileName), with: try moduleText())
        try ExportCommand.writeInitialWeights(plan: plan, data: data, to: directory.path)
        let threads = max(1, options.threads / nproc)
        let launch = Launch(worldSize: nproc, threadsPerRank: threads, dataDirectory: data.directory.map(absolute),
                            python: python)
        try AtomicFile.replace(ExportCommand.join(directory.path, launchFile), with: launch.json)

        if clusterOptions.contains(where: { parsed.value($0) != nil }) {
            writeStandardOutput(try clusterCommands(parsed: parsed, directory: directory, launch: launch))
            return ExitCode.success
        }
        if !options.quiet {
            writeStandardOutput("schedc run: \(path) → \(directory.path) (PyTorch DDP, \(nproc) rank\(nproc == 1 ? "" : "s"), "
                                + "\(threads) thread\(threads == 1 ? "" : "s") each)\n")
        }
        return train(directory: directory, plan: plan, launch: launch, resume: false, quiet: options.quiet)
    }

    /// `schedc run --resume DIR` of a torch run: the same ranks again, with --resume.
    static func resume(_ directory: RunDirectory, options: RunOptions) throws -> Int32 {
        var launch = try Launch(text: try String(contentsOfFile: ExportCommand.join(directory.path, launchFile), encoding: .utf8),
                                origin: ExportCommand.join(directory.path, launchFile))
        if let data = options.dataDirectory { launch.dataDirectory = absolute(data) }
        let plan: Plan
        do {
            plan = try JSONDecoder().decode(Plan.self, from: Data(try directory.readPlanText().utf8))
            try EngineRun.markResumed(directory)
        } catch let error as RunError {
            return RunCommand.report(error)
        } catch {
            throw CLIError("\(directory.planPath): \(error)")
        }
        if !options.quiet { writeStandardOutput("schedc run: resuming \(directory.path) (PyTorch DDP, \(launch.worldSize) ranks)\n") }
        return train(directory: directory, plan: plan, launch: launch, resume: true, quiet: options.quiet)
    }

    /// Starts the ranks, waits, and finishes the run directory.
    static func train(directory: RunDirectory, plan: Plan, launch: Launch, resume: Bool, quiet: Bool) -> Int32 {
        let script = ProcessInfo.processInfo.environment[rankScriptVariable]
            ?? ExportCommand.join(directory.path, PythonModule.fileName)
        var arguments = [script, "train", "--plan", directory.planPath, "--out", directory.path,
                         "--initial-weights", ExportCommand.join(directory.path, ExportCommand.weightsName + ".json"),
                         "--threads", String(launch.threadsPerRank)]
        if let data = launch.dataDirectory { arguments += ["--data", data] }
        if resume { arguments.append("--resume") }
        let launcher = RankLauncher(executable: launch.python, arguments: arguments, worldSize: launch.worldSize,
                                    environment: ["OMP_NUM_THREADS": String(launch.threadsPerRank)])
        let outcome: RankLauncher.Outcome
        do {
            outcome = try launcher.run()
        } catch {
            try? EngineRun.markStopped(directory, status: .failed, error: "\(error)")
            printError("schedc run: \(error)")
            return ExitCode.failure
        }
        if outcome.interrupted {
            try? EngineRun.markStopped(directory, status: .interrupted, error: nil)
            writeStandardOutput("interrupted; the ranks' last checkpoint is intact\nresume with: schedc run --resume \(directory.path)\n")
            return 130
        }
        if let rank = outcome.firstFailure {
            let message = "rank \(rank) exited with status \(outcome.statuses[rank]); the other ranks were stopped"
            try? EngineRun.markStopped(directory, status: .failed, error: message)
            printError("schedc run: \(message) (resume with: schedc run --resume \(directory.path))")
            return ExitCode.failure
        }
        do {
            let summary = try EngineRun.finish(directory, plan: plan, finalWeightsSHA256: engineDigest(directory),
                                               phaseSeconds: phaseSeconds(directory, plan: plan))
            writeStandardOutput(RunReport.summary(summary))
            return ExitCode.success
        } catch let error as RunError {
            try? EngineRun.markStopped(directory, status: .failed, error: error.description)
            return RunCommand.report(error)
        } catch {
            printError("schedc run: \(error)")
            return ExitCode.failure
        }
    }

    /// The torchrun command for each node of a cluster run.
    static func clusterCommands(parsed: ParsedArguments, directory: RunDirectory, launch: Launch) throws -> String {
        let nodes = try parsed.integer("--nnodes", default: 1)!
        var rendezvous: String
        if let endpoint = parsed.value("--rdzv-endpoint") {
            rendezvous = "--rdzv-backend c10d --rdzv-endpoint \(endpoint)"
        } else if let address = parsed.value("--master-addr") {
            rendezvous = "--master-addr \(address) --master-port \(try parsed.integer("--master-port", default: 29500, in: 1...65535)!)"
        } else {
            throw CLIError("a run on several machines needs where they meet: --rdzv-endpoint HOST:PORT or --master-addr HOST")
        }
        var ranks = Array(0..<nodes)
        if parsed.value("--node-rank") != nil { ranks = [try parsed.integer("--node-rank", in: 0...max(0, nodes - 1))!] }
        let module = ExportCommand.join(directory.path, PythonModule.fileName)
        var text = "schedc run: the run's files are in \(directory.path); copy the directory to every node (same path), then run:\n"
        for rank in ranks {
            text += "  # node \(rank)\n  torchrun --nnodes \(nodes) --node-rank \(rank) --nproc-per-node \(launch.worldSize) \(rendezvous) \\\n"
                + "    \(module) train --plan \(directory.planPath) --out \(directory.path) \\\n"
                + "    --initial-weights \(ExportCommand.join(directory.path, ExportCommand.weightsName + ".json"))\n"
        }
        return text + "(torchrun of torch 2.x; Debian's torch 1.13 torchrun fails on Python 3.11 — docs/engines.md)\n"
    }

    static func moduleText() throws -> String {
        do {
            return try PythonModule.source()
        } catch let error as PythonModuleError {
            throw CLIError(error.message)
        }
    }

    /// torch-summary.json's digest of the final weights ("" when the engine wrote none).
    static func engineDigest(_ directory: RunDirectory) -> String {
        let path = ExportCommand.join(directory.path, "torch-summary.json")
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "" }
        return object["final_weights_sha256"] as? String ?? ""
    }

    /// Training seconds per phase, from updates.jsonl's per-update "seconds" (zeros without it).
    static func phaseSeconds(_ directory: RunDirectory, plan: Plan) -> [Double] {
        var seconds = [Double](repeating: 0, count: plan.phases.count)
        let path = ExportCommand.join(directory.path, UpdateLog.fileName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return seconds }
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let update = object["update"] as? Int, let time = object["seconds"] as? Double,
                  let phase = plan.phaseIndex(atUpdate: update) else { continue }
            seconds[phase] += time
        }
        return seconds
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    /// How the ranks were started (torch-launch.json), so --resume starts the same ones.
    /// `--python PATH` as an absolute path to an executable, or the default interpreter.
    static func interpreter(_ path: String?) throws -> String {
        guard let path else { return defaultPython }
        let resolved = absolute(path)
        guard FileManager.default.isExecutableFile(atPath: resolved) else {
            throw CLIError("option '--python' needs an executable Python interpreter; '\(path)' is not one")
        }
        return resolved
    }

    struct Launch {
        var worldSize: Int
        var threadsPerRank: Int
        var dataDirectory: String?
        /// The ranks' interpreter.
        var python: String

        init(worldSize: Int, threadsPerRank: Int, dataDirectory: String?, python: String) {
            self.worldSize = worldSize
            self.threadsPerRank = threadsPerRank
            self.dataDirectory = dataDirectory
            self.python = python
        }

        var json: String {
            JSONValue.object([("world_size", .int(worldSize)), ("threads_per_rank", .int(threadsPerRank)),
                              ("data_directory", dataDirectory.map { .string($0) } ?? .null),
                              ("python", .string(python))]).pretty() + "\n"
        }

        init(text: String, origin: String) throws {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let world = object["world_size"] as? Int, world >= 1,
                  let threads = object["threads_per_rank"] as? Int, threads >= 1 else {
                throw CLIError("\(origin): not the launch record of a torch run")
            }
            worldSize = world
            threadsPerRank = threads
            dataDirectory = object["data_directory"] as? String
            guard let python = object["python"] as? String else { throw CLIError("\(origin): not the launch record of a torch run") }
            self.python = python
        }
    }
}
