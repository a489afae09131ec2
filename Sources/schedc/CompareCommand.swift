import Foundation
import ScheduleLanguage
import SchedulePlanner
import ScheduleRunner

enum CompareCommand: Subcommand {
    static let name = "compare"
    static let summary = "run several schedules and draw the paper's figure"
    static let help = """
    USAGE: schedc compare [options] INPUT INPUT...

    Compares schedules the way Smith et al. (2018) do: test accuracy against epochs (the
    curves should match) and against updates (growing the batch needs far fewer), training
    loss against epochs, and a table of final accuracy, updates, wall time and the speed-up
    against the first INPUT (its wall time ÷ this one's, its updates ÷ this one's).

    Each INPUT is a .sched file, which is run first (as `schedc run` would, each into its own
    run directory OUT/NAME), or a run directory of an earlier run, which is read. Every file
    is compiled and planned before anything trains, so a mistake in the last one costs
    nothing. A run that fails (its loss diverges) is reported and the others go on.

    Writes OUT/comparison.md (the table) and OUT/comparison.svg (the figure: against epochs
    on the left, against updates on the right) and prints the table.

    OPTIONS:
      --out DIR            where the comparison and the new runs go (default:
                           runs/compare-YYYYMMDD-HHMMSS)
      --data DIR, --threads N, --seed N, --epochs-scale F, --subset N,
      --max-batch N, --micro-batch N, --policy P
                           as in `schedc run`, for every INPUT that is a file (the same
                           quick trial for all of them)
      --quiet              print nothing but errors and the table
      -h, --help           show this help

    EXAMPLES:
      schedc compare Samples/fashion_mnist/decaying_lr.sched Samples/fashion_mnist/increasing_batch.sched
      schedc compare a.sched b.sched --epochs-scale 0.1 --subset 5000 --out /tmp/trial
      schedc compare runs/decaying_lr-20261125-093000 runs/increasing_batch-20261125-101500

    EXIT STATUS:
      0    every run finished and the comparison is written
      1    errors in a file, a schedule that cannot be run, or a run that failed (the
           comparison is still written with the runs that have metrics)
      2    usage or I/O problem: bad option, unreadable input, data set not found
      130  interrupted (Ctrl-C): the run in progress can be resumed with `schedc run
           --resume`, then compared by passing the run directories

    Documentation: docs/running.md ("schedc compare").
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: RunOptions.flags, options: RunOptions.options.union(["--out"]))
        let options = try RunOptions(parsed)
        guard parsed.positionals.count >= 2 else {
            throw CLIError("compare needs at least two schedules or run directories, got \(parsed.positionals.count)")
        }
        let output = parsed.value("--out") ?? RunDirectory.defaultPath(schedule: "compare")

        // Compile and plan every file first; read every directory.
        enum Input {
            case schedule(CompiledSchedule, path: String)
            case directory(String)
        }
        var inputs: [Input] = []
        var failed = false
        for path in parsed.positionals {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                inputs.append(.directory(path))
                continue
            }
            switch try ScheduleCompilation.compile(try SourceLoading.load(path), options: options, command: "compare",
                                                       memoryLimit: MachineMemory.limit()) {
            case .compiled(let schedule): inputs.append(.schedule(schedule, path: path))
            case .failed: failed = true
            }
        }
        if failed { return ExitCode.failure }
        for case .schedule(let schedule, let path) in inputs {
            let specification = RunSpecification(plan: schedule.plan, scheduleText: nil,
                                                  threads: options.threads)
            do {
                _ = try specification.modelArchitecture()
                _ = try specification.loadableDataset()
            } catch let error as RunError {
                printError("schedc compare: \(path): \(error.coded)")
                return ExitCode.failure
            }
        }
        var outputIsDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &outputIsDirectory), !outputIsDirectory.boolValue {
            throw CLIError("\(output): exists and is not a directory")
        }

        // Run the files, each into OUT/NAME.
        var directories: [String] = []
        var status = ExitCode.success
        var usedNames: Set<String> = []
        for input in inputs {
            switch input {
            case .directory(let path):
                directories.append(path)
            case .schedule(let schedule, let path):
                var name = schedule.program.name, suffix = 2
                while usedNames.contains(name) || FileManager.default.fileExists(atPath: (output as NSString).appendingPathComponent(name)) {
                    name = "\(schedule.program.name)-\(suffix)"
                    suffix += 1
                }
                usedNames.insert(name)
                let directory = (output as NSString).appendingPathComponent(name)
                let specification = RunSpecification(plan: schedule.plan,
                                                      scheduleText: schedule.source.text, sourcePath: path,
                                                      overrides: schedule.overrides, threads: options.threads,
                                                      dataDirectory: options.dataDirectory,
                                                      replan: AdaptiveWiring.replanner(schedule))
                let display = ProgressDisplay(mode: ProgressDisplay.mode(quiet: options.quiet))
                let result = RunCommand.execute(display, printSummary: !options.quiet, command: "compare") {
                    let run = try TrainingRun.start(specification, in: directory, data: .locate, schedcVersion: schedcVersion)
                    if !options.quiet { writeStandardOutput("schedc compare: \(path) → \(directory)\n") }
                    return run
                }
                switch result {
                case ExitCode.success:
                    directories.append(directory)
                case 130:
                    writeStandardOutput("then compare the run directories: schedc compare DIR DIR...\n")
                    return 130
                case ExitCode.failure:
                    status = ExitCode.failure
                    if FileManager.default.fileExists(atPath: directory) { directories.append(directory) }
                default:
                    return result
                }
            }
        }

        // Read them all and write the comparison.
        var runs: [ComparedRun] = []
        for path in directories {
            do {
                runs.append(try ComparedRun.read(path))
            } catch let error as RunError {
                throw CLIError(error.description)
            }
        }
        runs = RunComparison.uniqueLabels(runs)
        let table = RunComparison.markdownTable(runs)
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw CLIError("\(output): cannot create the directory (\(error.localizedDescription))")
        }
        let markdown = "# Comparison\n\n" + table + "\nRuns (speed-ups against the first):\n\n"
            + runs.map { "- \($0.label): `\($0.directory)`\n" }.joined() + "\n![comparison](comparison.svg)\n"
        try AtomicFile.replace((output as NSString).appendingPathComponent("comparison.md"), with: markdown)
        try AtomicFile.replace((output as NSString).appendingPathComponent("comparison.svg"), with: RunComparison.svg(runs))
        writeStandardOutput((options.quiet ? "" : "\n") + table)
        if !options.quiet {
            writeStandardOutput("wrote \((output as NSString).appendingPathComponent("comparison.md")) and comparison.svg\n")
        }
        return status
    }
}
