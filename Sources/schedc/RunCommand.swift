import Foundation
import ScheduleEngines
import ScheduleLanguage
import SchedulePlanner
import ScheduleRunner

enum RunCommand: Subcommand {
    static let name = "run"
    static let summary = "train a network under a compiled schedule"
    static let help = """
    USAGE: schedc run [options] FILE
           schedc run [--out DIR] [--data DIR] [--threads N] [--quiet] PLAN.json
           schedc run --engine torch [--nproc N] [options] FILE
           schedc run --resume DIR [--data DIR] [--quiet]

    Compiles FILE, plans it, and trains the schedule's model on its data set exactly as the
    plan says: the batch changes at phase boundaries, ε and m per update (warm-up applied),
    gradients accumulated when a batch exceeds micro_batch, ghost batch norm. The test set is
    evaluated after every epoch. The updates performed must equal the plan's total.

    Errors in FILE are reported as `schedc check` reports them, and nothing is trained. The
    file must name a model and a data set schedc can load (fashion_mnist, mnist, cifar10).

    A plan written by `schedc plan --format json` (a .json file, or a file starting with `{`)
    runs as it is: the same run as the schedule it was planned from. Options that change the
    schedule (--seed, --epochs-scale, --subset, --max-batch, --micro-batch, --policy) would
    change the plan, so they are refused; apply them when planning.

    Everything goes into a run directory (default runs/NAME-YYYYMMDD-HHMMSS):
    schedule.sched (as compiled, overrides included; not for a plan file), plan.json, run.json,
    metrics.jsonl (one line per epoch), checkpoint.bin (replaced atomically after every epoch),
    curves-epochs.svg and curves-updates.svg, and summary.json at the end.

    A schedule with `adapt batch(...)` measures the gradient noise at its checks and grows
    the batch as the rule says, planning again from each growth on; its directory also gets
    adaptive.jsonl (every check) and, at the end, realised-plan.json: the plan the run
    followed, which `schedc run` repeats exactly and other engines can take. Its plan JSON
    still adapts and cannot run by itself (docs/adaptive.md).

    Progress goes to standard output: on a terminal a line per epoch and a progress bar
    (phase, epoch, B, ε, loss, samples/s, ETA); elsewhere one plain line per epoch. Then a
    summary: final test accuracy, updates (as planned), wall time, time per phase.

    OPTIONS:
      --out DIR            the run directory (must not exist, or be empty)
      --resume DIR         continue the run in DIR from its last checkpoint: the result is
                           bit-identical to an uninterrupted run. Takes no FILE; --data and
                           --quiet may be given, the rest comes from DIR
      --data DIR           read the data set from DIR (default: $SCHEDC_DATA_DIR, then the
                           system package, then the subset shipped in Samples/data)
      --threads N          worker threads (default: one per core)
      --seed N             as if the file said `seed N`
      --epochs-scale F     a quick trial: epochs × F (rounded, at least 1); every epoch-
                           and step-timed event and the warm-up move with it, percentages
                           stay as they are (docs/running.md)
      --subset N           train on the first N training examples (N changes: the schedule
                           is checked and planned again, so max_batch > N is an error)
      --max-batch N, --micro-batch N, --policy P
                           as in `schedc plan`: plan as if the file said so
      --quiet              print nothing but errors and the final summary
    \(TorchRun.help)
      -h, --help           show this help

    Schedule overrides are written into the source and checked by the checker's own rules;
    one that breaks a rule shows the rewritten line and exits with status 2.

    Ctrl-C (or SIGTERM) stops the run at the next update and says how to resume it; the
    last checkpoint is intact. A second Ctrl-C stops at once.

    EXAMPLES:
      schedc run Samples/quickstart.sched
      schedc run Samples/quickstart.sched --epochs-scale 0.25 --out /tmp/trial
      schedc run Samples/fashion_mnist/increasing_batch.sched --data ~/data --threads 2
      schedc run --resume runs/quickstart-20261125-093000

    EXIT STATUS:
      0    trained to the end (or --resume of a run that had already finished)
      1    errors in FILE, a plan file that cannot be read (not a plan, an unknown version,
           invalid), a schedule that cannot be run (no model, no loader for its data set),
           or a failed run (the loss diverged; an internal error)
      2    usage or I/O problem: bad option, unreadable file, data set not found, run
           directory in use or not empty, damaged checkpoint, an override that breaks a rule
      130  interrupted (Ctrl-C, SIGTERM); resume with --resume DIR

    Documentation: docs/running.md; other engines: docs/engines.md.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: RunOptions.flags.union(["--log-updates"]),
                                         options: RunOptions.options.union(["--out", "--resume"]).union(TorchRun.options))
        let options = try RunOptions(parsed)
        let engine = try parsed.value("--engine").map { name -> Engine in
            guard let engine = Engine(name: name), engine == .embedded || engine == .pytorch else {
                throw CLIError("option '--engine' takes embedded or torch (pytorch), not '\(name)'"
                               + (Engine(name: name) != nil ? "; `schedc export --engine \(name)` writes the plan for it" : ""))
            }
            return engine
        } ?? .embedded
        if engine == .embedded, let option = TorchRun.options.subtracting(["--engine"]).sorted().first(where: { parsed.value($0) != nil }) {
            throw CLIError("'\(option)' needs --engine torch")
        }
        let logUpdates = parsed.has("--log-updates")
        if let directory = parsed.value("--resume") {
            let allowed: Set<String> = ["--resume", "--data", "--quiet", "--log-updates"]
            let given = Set(parsed.options.keys).union(parsed.flags).subtracting(allowed)
            if let option = given.sorted().first {
                throw CLIError("'\(option)' cannot be combined with --resume: a resumed run keeps the schedule and settings recorded in its directory")
            }
            guard parsed.positionals.isEmpty else {
                throw CLIError("--resume takes the run directory, not a file: schedc run --resume DIR")
            }
            return try resume(directory, options: options, logUpdates: logUpdates)
        }
        guard let path = parsed.positionals.first else {
            throw CLIError("no input file; usage: schedc run FILE (or --resume DIR)")
        }
        guard parsed.positionals.count == 1 else {
            throw CLIError("run takes one file, got \(parsed.positionals.count); `schedc compare` runs several")
        }
        if engine == .pytorch {
            if logUpdates { throw CLIError("'--log-updates' is for the embedded runtime; the torch ranks always write updates.jsonl") }
            return try TorchRun.start(path: path, parsed: parsed, options: options)
        }
        let source = try SourceLoading.load(path)
        if PlanFile.isPlan(source) {
            return try runPlan(source, options: options, out: parsed.value("--out"), logUpdates: logUpdates)
        }
        let outcome = try ScheduleCompilation.compile(source, options: options, command: "run", memoryLimit: MachineMemory.limit())
        guard case .compiled(let schedule) = outcome else {
            if case .failed(let status) = outcome { return status }
            return ExitCode.failure
        }
        let specification = RunSpecification(plan: schedule.plan, scheduleText: schedule.source.text, sourcePath: path,
                                              overrides: schedule.overrides, threads: options.threads,
                                              dataDirectory: options.dataDirectory, replan: AdaptiveWiring.replanner(schedule))
        return start(specification, out: parsed.value("--out"), options: options, logUpdates: logUpdates)
    }

    /// A plan file runs as written: an option that would change the schedule is refused.
    static func refuseScheduleOptions(_ options: RunOptions, forPlanFile path: String) throws {
        if let option = options.scheduleOptionNames.first {
            throw CLIError("\(path): '\(option)' cannot be applied to a plan file: it would change the plan; "
                           + "give it to `schedc plan --format json` instead (or run the .sched file with it)")
        }
    }

    /// `schedc run PLAN.json`: the plan as written, no overrides.
    static func runPlan(_ source: SourceFile, options: RunOptions, out: String?, logUpdates: Bool) throws -> Int32 {
        try refuseScheduleOptions(options, forPlanFile: source.path)
        let plan: Plan
        do {
            plan = try Plan(jsonText: source.text)
        } catch let error as PlanReadError {
            printError("schedc run: \(source.path): \(codedPlanRefusal(error))")
            return ExitCode.failure
        }
        let specification = RunSpecification(plan: plan, scheduleText: nil, sourcePath: source.path, threads: options.threads,
                                              dataDirectory: options.dataDirectory)
        return start(specification, out: out, options: options, logUpdates: logUpdates)
    }

    /// Checks the specification can run, then starts it in `out` (or the default directory).
    static func start(_ specification: RunSpecification, out: String?, options: RunOptions, logUpdates: Bool) -> Int32 {
        let path = specification.sourcePath ?? specification.plan.schedule
        do {
            _ = try specification.modelArchitecture()
            _ = try specification.loadableDataset()
        } catch {
            printError("schedc run: \(path): \((error as? RunError)?.coded ?? "\(error)")")
            return ExitCode.failure
        }
        // A plan file has no source to point into; a schedule was checked when it was compiled.
        if let limit = MachineMemory.limit(), let diagnostic = specification.plan.memoryDiagnostic(program: nil, limit: limit) {
            printError("schedc run: \(path): \(diagnostic.message) [\(diagnostic.code)]")
            return ExitCode.failure
        }
        let placement = RunDirectory.placement(out: out, schedule: specification.plan.schedule)
        return execute(ProgressDisplay(mode: ProgressDisplay.mode(quiet: options.quiet)), logUpdates: logUpdates) {
            if !options.quiet, !specification.overrides.isEmpty {
                writeStandardOutput("command-line overrides: \(specification.overrides.joined(separator: ", "))\n")
            }
            let run = try TrainingRun.start(specification, in: placement, data: .locate, schedcVersion: schedcVersion)
            if !options.quiet { writeStandardOutput("schedc run: \(path) → \(run.directory.path)\n") }
            return run
        }
    }

    static func resume(_ path: String, options: RunOptions, logUpdates: Bool = false) throws -> Int32 {
        let directory: RunDirectory
        let record: RunRecord
        do {
            directory = try RunDirectory.open(path)
            record = try directory.readRecord()
        } catch let error as RunError {
            return report(error)
        }
        if record.status == .finished {
            writeStandardOutput("\(path): the run has already finished (\(record.epochs) of \(English.count(record.epochs, "epoch"))); nothing to resume\n")
            if let text = try? String(contentsOfFile: directory.summaryPath, encoding: .utf8),
               let summary = try? RunSummary(text: text, origin: directory.summaryPath, directory: path) {
                writeStandardOutput(RunReport.summary(summary))
            }
            return ExitCode.success
        }
        if record.engine == .pytorch {
            if logUpdates { throw CLIError("'--log-updates' is for the embedded runtime; the torch ranks always write updates.jsonl") }
            return try TorchRun.resume(directory, options: options)
        }
        let specification: RunSpecification
        if FileManager.default.fileExists(atPath: directory.schedulePath) {
            // The directory's schedule, overrides already written in: compiled as it is.
            let text: String
            do {
                text = try directory.readScheduleText()
            } catch let error as RunError {
                return report(error)
            }
            var plain = options
            plain.seed = nil
            plain.epochsScale = nil
            plain.subset = nil
            plain.settings = []
            let outcome = try ScheduleCompilation.compile(SourceFile(path: directory.schedulePath, text: text), options: plain,
                                                          command: "resume", memoryLimit: MachineMemory.limit())
            guard case .compiled(let schedule) = outcome else {
                if case .failed(let status) = outcome { return status }
                return ExitCode.failure
            }
            specification = RunSpecification(plan: schedule.plan, scheduleText: text, sourcePath: record.source,
                                              overrides: record.overrides, threads: record.threads,
                                              dataDirectory: options.dataDirectory ?? record.dataOption,
                                              replan: AdaptiveWiring.replanner(schedule))
        } else {
            // A run of a plan file has no schedule.sched: its plan.json is all there is.
            let plan: Plan
            do {
                plan = try Plan(jsonText: try directory.readPlanText())
            } catch let error as RunError {
                return report(error)
            } catch {
                printError("schedc run: \(directory.planPath): \(codedPlanRefusal(error))")
                return ExitCode.failure
            }
            specification = RunSpecification(plan: plan, scheduleText: nil, sourcePath: record.source,
                                             overrides: record.overrides, threads: record.threads,
                                             dataDirectory: options.dataDirectory ?? record.dataOption)
        }
        return execute(ProgressDisplay(mode: ProgressDisplay.mode(quiet: options.quiet)), logUpdates: logUpdates) {
            let run = try TrainingRun.resume(specification, in: directory, data: .locate)
            for notice in run.notices { printError("schedc run: note: \(notice)") }
            if !options.quiet { writeStandardOutput("schedc run: resuming \(path)\n") }
            return run
        }
    }

    /// Makes the run (`open`), trains it with the display and Ctrl-C handling, prints the
    /// summary or how to resume; returns the exit status.
    /// `command` names the subcommand in messages ("compare" trains through here too).
    static func execute(_ display: ProgressDisplay, printSummary: Bool = true, logUpdates: Bool = false,
                        command: String = "run", open: () throws -> TrainingRun) -> Int32 {
        let run: TrainingRun
        do {
            run = try open()
        } catch let error as RunError {
            return report(error, command: command)
        } catch {
            printError("schedc \(command): \(error)")
            return ExitCode.usage
        }
        let directory = run.directory.path
        var observer = display.handle
        if logUpdates {
            do {
                let log = try UpdateLog(directory: directory, startUpdate: run.currentPlan.updates(beforeEpoch: run.startEpoch),
                                        weightDecay: run.specification.plan.optimizer.weightDecay)
                observer = { event in log.record(event); display.handle(event) }
            } catch {
                printError("schedc \(command): \(error)")
                return ExitCode.usage
            }
        }
        let interrupt = InterruptSignal(message: "schedc \(command): stopping after this update (Ctrl-C again stops at once)")
        interrupt.install()
        defer { interrupt.uninstall() }
        do {
            let outcome = try run.run(observer: observer, shouldStop: { interrupt.isRaised })
            display.finish()
            switch outcome {
            case .finished(let summary):
                if printSummary { writeStandardOutput(RunReport.summary(summary)) }
                return ExitCode.success
            case .interrupted(let checkpointEpochs, let epoch, let update):
                let kept = checkpointEpochs > 0 ? "the checkpoint of epoch \(checkpointEpochs) is intact"
                    : "no epoch had finished, so it will start again from the beginning"
                writeStandardOutput("interrupted in epoch \(epoch + 1) at update \(update); \(kept)\n"
                                    + "resume with: schedc run --resume \(directory)\n")
                return 130
            }
        } catch let error as RunError {
            display.finish()
            return report(error, command: command)
        } catch {
            display.finish()
            printError("schedc \(command): \(error)")
            return ExitCode.failure
        }
    }

    /// Prints a run error and maps it to an exit status.
    static func report(_ error: RunError, command: String = "run") -> Int32 {
        printError("schedc \(command): \(error.coded)")
        switch error.kind {
        case .notRunnable, .diverged, .internalError: return ExitCode.failure
        case .io, .checkpoint: return ExitCode.usage
        }
    }
}

/// Telling a plan file from a schedule: a `.json` name, or text that starts with `{` (no
/// schedule does: every statement starts with a word).
enum PlanFile {
    static func isPlan(_ source: SourceFile) -> Bool {
        source.path.hasSuffix(".json") || source.text.first(where: { !$0.isWhitespace }) == "{"
    }
}
