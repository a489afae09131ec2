import Foundation
import JSONSupport
import ScheduleAnalysis
import ScheduleEngines
import ScheduleLanguage
import SchedulePlanner
import ScheduleRunner

enum ExportCommand: Subcommand {
    static let name = "export"
    static let summary = "write a plan for PyTorch DDP, Megatron-LM or DeepSpeed"
    static let help = """
    USAGE: schedc export --engine pytorch|megatron|deepspeed [options] FILE -o DIR

    FILE is a .sched file (compiled and planned) or a plan file (`schedc plan --format json`,
    or the realised-plan.json an adaptive run writes). Checks that the engine can run every
    update of the plan exactly (the same S4xx diagnostics `schedc lint --engine` reports; for
    a plan file, per phase; errors refuse the export), and writes what the engine needs.
    Every engine keeps the plan's clock: the batch, ε, m and weight decay of an update are a
    function of the samples consumed before it.

      pytorch    DIR/plan.json, DIR/schedc_torch.py (the PyTorch module: sampler, clock,
                 hook, rank entry point), DIR/initial-weights.json + .bin (the exact weights
                 `schedc run` starts from) and DIR/README.txt (how to launch it)
      megatron   prints Megatron-LM's arguments (--step-batch-size-schedule in samples, and
                 --rampup-batch-size when the plan is exactly a linear ramp); with -o also
                 DIR/megatron-args.txt, DIR/plan.json and the module for the lr hook
      deepspeed  DIR/ds_config.json (the first update's batch), DIR/batch_schedule.json
                 (the updates at which to call engine.set_train_batch_size), DIR/plan.json,
                 DIR/schedc_torch.py (the hook that sets ε and m) and DIR/README.txt

    OPTIONS:
      --engine E           pytorch (or torch), megatron, deepspeed
      -o, --out DIR        the directory to write (created; files in it are replaced)
      --world-size W       data-parallel ranks the engine runs on (default 1)
      --micro-batch M      per-rank micro batch (megatron, deepspeed; default: the largest
                           that divides every update and fits the plan's micro_batch)
      --data DIR           where the data set is (pytorch: the weights need its shape)
      -h, --help           show this help

    EXIT STATUS:
      0  written
      1  errors in FILE, or a plan the engine cannot run (S4xx errors, shown)
      2  usage or I/O problem

    Documentation: docs/engines.md.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: [],
                                         options: ["--engine", "-o", "--out", "--world-size", "--micro-batch", "--data"])
        guard let engineName = parsed.value("--engine") else {
            throw CLIError("which engine? --engine pytorch, megatron or deepspeed")
        }
        guard let engine = Engine(name: engineName), engine != .embedded else {
            throw CLIError("option '--engine' takes pytorch (torch), megatron or deepspeed, not '\(engineName)'"
                           + (engineName == "embedded" ? " (the embedded runtime runs the .sched file itself: schedc run)" : ""))
        }
        let target = EngineTarget(engine: engine, worldSize: try parsed.integer("--world-size", default: 1)!,
                                  microBatch: try parsed.integer("--micro-batch"))
        guard let path = parsed.positionals.first, parsed.positionals.count == 1 else {
            throw CLIError("export takes one file: schedc export --engine \(engineName) FILE -o DIR")
        }
        let out = parsed.value("--out") ?? parsed.value("-o")
        if out == nil, engine != .megatron {
            throw CLIError("where to? -o DIR (the \(engineName) export writes several files)")
        }
        let plan: Plan, scheduleText: String?
        let source = try SourceLoading.load(path)
        if PlanFile.isPlan(source) {
            guard let read = planFile(source, target: target, command: "export") else { return ExitCode.failure }
            plan = read
            scheduleText = nil
        } else {
            // The file's errors and planning error, then what the engine cannot run (S4xx): the
            // diagnostics `schedc lint --engine` reports, warnings aside.
            let analysis = Analysis(Document(source), options: AnalysisOptions(depth: .plan, lints: false, engine: target))
            guard analysis.program != nil, let planned = analysis.plan else {
                DiagnosticsDriver.emit([(analysis.source, analysis.errors)], json: false)
                return ExitCode.failure
            }
            if planned.adaptive != nil {
                printError("schedc export: " + AdaptiveWiring.otherEngineRefusal(path, engine: EngineLimits.displayName(engine)))
                return ExitCode.failure
            }
            let diagnostics = analysis.diagnostics
            if !diagnostics.isEmpty { DiagnosticsDriver.emit([(analysis.source, diagnostics)], json: false) }
            if diagnostics.contains(where: { $0.severity == .error }) {
                printError("schedc export: \(path): \(EngineLimits.displayName(engine)) cannot run this plan exactly; nothing written")
                return ExitCode.failure
            }
            plan = planned
            scheduleText = analysis.source.text
        }

        switch engine {
        case .embedded:
            return ExitCode.usage  // refused with a message above
        case .pytorch:
            let data = try loadData(plan: plan, scheduleText: scheduleText, path: path, dataDirectory: parsed.value("--data"))
            try writeTorchBundle(plan: plan, data: data, to: out!, schedule: path)
            writeStandardOutput("schedc export: \(path) → \(out!) (plan.json, schedc_torch.py, initial weights, README.txt)\n")
        case .megatron:
            let arguments = MegatronArguments(plan: plan, target: target)
            var text = arguments.commandLine.joined(separator: " \\\n  ") + "\n"
            if let rampup = arguments.rampupArgument {
                text += "# Megatron-LM before --step-batch-size-schedule: \(rampup) instead of --step-batch-size-schedule\n"
            }
            writeStandardOutput(text)
            writeStandardOutput(hookNote(plan: plan, engine: engine))
            if let out {
                try makeDirectory(out)
                try AtomicFile.replace(join(out, "megatron-args.txt"), with: text)
                try writePlanAndModule(plan: plan, to: out)
            }
        case .deepspeed:
            let schedule = DeepSpeedSchedule(plan: plan, target: target)
            try makeDirectory(out!)
            try AtomicFile.replace(join(out!, "ds_config.json"), with: schedule.configText)
            try AtomicFile.replace(join(out!, "batch_schedule.json"), with: schedule.scheduleText)
            try writePlanAndModule(plan: plan, to: out!)
            try AtomicFile.replace(join(out!, "README.txt"), with: deepSpeedReadme(schedule: schedule, plan: plan, schedulePath: path))
            writeStandardOutput("schedc export: \(path) → \(out!) (ds_config.json, batch_schedule.json: "
                                + "\(schedule.changes.count - 1) batch changes; plan.json, schedc_torch.py)\n")
            writeStandardOutput(hookNote(plan: plan, engine: engine))
        }
        return ExitCode.success
    }

    /// A plan file for `target` (a realised adaptive plan among them), or nil once it is refused
    /// with the reason printed: unreadable, still adaptive, or what the engine cannot run —
    /// said per phase, with the S4xx code `schedc lint --engine` gives, as there is no source
    /// line to point at.
    static func planFile(_ source: SourceFile, target: EngineTarget, command: String) -> Plan? {
        let path = source.path, name = EngineLimits.displayName(target.engine)
        let plan: Plan
        do {
            plan = try Plan(jsonText: source.text)
        } catch {
            printError("schedc \(command): \(path): \(codedPlanRefusal(error))")
            return nil
        }
        if plan.adaptive != nil {
            printError("schedc \(command): " + AdaptiveWiring.otherEngineRefusal(path, engine: name))
            return nil
        }
        let findings = EngineLimits.findings(for: plan, target: target)
        for finding in findings {
            let phase = finding.phase.map { "phase \($0 + 1): " } ?? ""
            printError("schedc \(command): \(path): \(finding.severity == .error ? "error" : "warning"): \(phase)\(finding.message) "
                       + "[\(finding.code.rawValue)]" + finding.notes.map { "\n  note: \($0)" }.joined())
        }
        if findings.contains(where: { $0.severity == .error }) {
            printError("schedc \(command): \(path): \(name) cannot run this plan exactly; nothing written")
            return nil
        }
        return plan
    }

    /// The data set, loaded as a run loads it (its shape fixes the model's).
    static func loadData(plan: Plan, scheduleText: String?, path: String, dataDirectory: String?) throws -> LoadedRunData {
        let specification = RunSpecification(plan: plan, scheduleText: scheduleText, threads: 1,
                                              dataDirectory: dataDirectory)
        do {
            _ = try specification.modelArchitecture()
            return try specification.loadData(.locate)
        } catch let error as RunError {
            throw CLIError("\(path): \(error.coded)")
        }
    }

    /// plan.json, schedc_torch.py, the initial weights and README.txt in `directory`.
    static func writeTorchBundle(plan: Plan, data: LoadedRunData, to directory: String,
                                 schedule: String) throws {
        try makeDirectory(directory)
        try writePlanAndModule(plan: plan, to: directory)
        try writeInitialWeights(plan: plan, data: data, to: directory)
        try AtomicFile.replace(join(directory, "README.txt"), with: torchReadme(plan: plan, schedulePath: schedule))
    }

    static let weightsName = "initial-weights"

    /// The weights the embedded runtime's run of this plan starts from.
    static func writeInitialWeights(plan: Plan, data: LoadedRunData, to directory: String) throws {
        let specification = RunSpecification(plan: plan, scheduleText: nil, threads: 1)
        let model = specification.makeModel(try specification.modelArchitecture(), data: data)
        let tensors = model.stateTensors.map { WeightsTensor(name: $0.name, shape: $0.shape, values: $0.values) }
        let encoded = WeightsFile.encode(tensors, model: plan.model, seed: plan.seed, dataName: weightsName + ".bin")
        let binary = join(directory, weightsName + ".bin")
        do {
            try Data(encoded.data).write(to: URL(fileURLWithPath: binary), options: .atomic)
        } catch {
            throw CLIError("\(binary): cannot write the weights (\(error.localizedDescription))")
        }
        try AtomicFile.replace(join(directory, weightsName + ".json"), with: encoded.index)
    }

    static func writePlanAndModule(plan: Plan, to directory: String) throws {
        try AtomicFile.replace(join(directory, "plan.json"), with: plan.jsonText())
        let module: String
        do {
            module = try PythonModule.source()
        } catch let error as PythonModuleError {
            throw CLIError(error.message)
        }
        try AtomicFile.replace(join(directory, PythonModule.fileName), with: module)
    }

    /// What the engine's own schedulers cannot do and the hook does.
    static func hookNote(plan: Plan, engine: Engine) -> String {
        let rates = Set(plan.phases.map(\.learningRate)), momenta = Set(plan.phases.map(\.momentum))
        guard rates.count > 1 || momenta.count > 1 || plan.warmup != nil else {
            return "ε \(JSONScalar.number(plan.phases[0].learningRate)) and m \(JSONScalar.number(plan.phases[0].momentum)) "
                + "are constant: the engine's constant schedule is exact.\n"
        }
        var what: [String] = []
        if rates.count > 1 { what.append("ε takes \(rates.count) values") }
        if momenta.count > 1 { what.append("m takes \(momenta.count) values") }
        if let warmup = plan.warmup { what.append("a warm-up over \(warmup.updates) updates") }
        let scheduler = engine == .megatron ? "Megatron-LM's OptimizerParamScheduler (decay styles, warm-up in samples)"
            : "DeepSpeed's schedulers (WarmupLR, WarmupDecayLR, OneCycle)"
        return """
        the plan's \(what.joined(separator: ", ")): \(scheduler) cannot express that;
        set them before each update with the exported hook (schedc_torch.py, beside plan.json):
          clock = schedc_torch.Clock(schedc_torch.Plan.load("plan.json"))
          h = clock.at(consumed_samples)
          schedc_torch.apply_hyperparameters(optimizer, h["lr"], h["momentum"], h["weight_decay"])

        """
    }

    static func torchReadme(plan: Plan, schedulePath: String) -> String {
        """
        \(plan.schedule): exported by schedc for PyTorch DDP (torch 1.13 or 2.x, standard library otherwise)

        plan.json               the plan: \(English.count(plan.totalUpdates, "update")) over \(English.count(plan.epochs, "epoch")) of \(plan.datasetSize) examples
        schedc_torch.py         sampler, clock, lr/momentum hook, models, and the rank entry point
        initial-weights.json    the weights `schedc run` starts from (values in initial-weights.bin)

        One machine, N processes (schedc starts the ranks itself and writes a run directory):
          schedc run --engine torch --nproc N \(schedulePath)

        Or by hand, rank by rank (what schedc run --engine torch does):
          RANK=r WORLD_SIZE=N LOCAL_RANK=r MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 \\
            /usr/bin/python3 schedc_torch.py train --plan plan.json --out run \\
            --initial-weights initial-weights.json

        Several machines, through torchrun (torch 2.x) on each node:
          torchrun --nnodes M --node-rank K --nproc-per-node N --rdzv-endpoint HOST:29500 \\
            schedc_torch.py train --plan plan.json --out run --initial-weights initial-weights.json

        Resume after a crash: the same command with --resume (it continues from the consumed samples).
        Documentation: docs/engines.md in the schedc repository.

        """
    }

    static func deepSpeedReadme(schedule: DeepSpeedSchedule, plan: Plan, schedulePath: String) -> String {
        """
        \(plan.schedule): exported by schedc for DeepSpeed (\(schedule.worldSize) ranks, micro batch \(schedule.microBatch) per rank)

        ds_config.json        train_batch_size of update 0; micro batch × accumulation × world size
        batch_schedule.json   before update u of each entry: engine.set_train_batch_size(train_batch_size)
                              (DeepSpeed changes the batch through gradient accumulation steps only)
        plan.json             the plan (\(plan.totalUpdates) updates)
        schedc_torch.py       the clock and the hook that sets ε, m and weight decay before each update

        The data order: epoch e reads the examples in schedc's shuffle of (seed, e); every
        epoch ends with an update of the examples left (batch_schedule.json lists it).

        Documentation: docs/engines.md in the schedc repository.

        """
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CLIError("\(path): cannot create the directory (\(error.localizedDescription))")
        }
    }

    static func join(_ directory: String, _ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
}
