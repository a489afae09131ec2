import Foundation
import ScheduleAnalysis
import SchedulePlanner

enum PlanCommand: Subcommand {
    static let name = "plan"
    static let summary = "lower a schedule to concrete phases under B_max"
    static let help = """
    USAGE: schedc plan [options] FILE

    Compiles FILE and lowers its schedule to concrete phases under max_batch (B_max): for
    each phase the epochs and steps it covers, the batch size B, micro-batch × accumulation,
    the learning rate ε, the momentum m, the noise scale g = εN/(B(1 − m)) and its updates;
    then the total number of updates and, for every event, what it changed and what limited
    it ("B capped at max_batch 5120; ε ÷ 3.125 instead"). '-' reads standard input.
    For a schedule with `adapt batch(...)` the table is the run in which the batch never
    grows, followed by the rule and when the batch can grow at the earliest.

    Errors in FILE are reported exactly as `schedc check` reports them, and nothing is
    planned. Warnings are not shown: `schedc lint FILE` reports them, the plan-based ones
    (S3xx: batch past ~N/10, momentum lag, ...) included.

    OPTIONS:
      --format text|json   text (default): the table on standard output;
                           json: the plan as one JSON object on standard output
                           (docs/plan-json.md); with errors, the diagnostics document
                           of `schedc check --format json` instead
      --svg OUT.svg        also draw B, ε and g against epochs (log scales) into OUT.svg;
                           the file is replaced atomically and its path printed on
                           standard error
      --max-batch N        plan as if the file said `max_batch N`: how the schedule
                           lowers on your hardware's largest batch
      --micro-batch N      plan as if the file said `micro_batch N` (the largest batch
                           one pass holds; larger batches accumulate gradients)
      --policy P           plan as if the file said `policy P`: increase_batch, decay_lr,
                           hybrid(K) or adabatch(R)
      -h, --help           show this help

    An override is checked by the same rules as the file (batch ≤ max_batch ≤ N, ghost_batch
    divides micro_batch, a known policy, ...). If it breaks one, the diagnostics show the
    line as the override rewrote it, marked with the option, and the exit status is 2.

    EXAMPLES:
      schedc plan Samples/cifar10/increasing_batch.sched
      schedc plan Samples/cifar10/increasing_batch.sched --max-batch 1024
      schedc plan Samples/cifar10/decaying_lr.sched --policy 'hybrid(2)'
      schedc plan Samples/cifar10/adabatch.sched --format json > adabatch.json
      schedc plan Samples/cifar10/increased_lr.sched --svg increased_lr.svg

    EXIT STATUS:
      0  planned
      1  errors in FILE, or a schedule the planner cannot lower (S300)
      2  usage or I/O problem: missing or unreadable file, bad option, an override that
         breaks a rule, the SVG cannot be written

    Documentation: docs/planner.md ("schedc plan") and docs/plan-json.md.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: [],
                                         options: Set(["--format", "--svg"] + SettingOverride.options.map(\.option)))
        let json = try parsed.choice("--format", among: ["text", "json"], default: "text") == "json"
        let overrides = try SettingOverride.parse(parsed)
        guard let path = parsed.positionals.first else {
            throw CLIError("no input file; usage: schedc plan FILE (or '-' for standard input)")
        }
        guard parsed.positionals.count == 1 else {
            throw CLIError("plan takes one file, got \(parsed.positionals.count); run it once per file")
        }
        let svgPath = parsed.value("--svg")
        if let svgPath, svgPath.isEmpty || svgPath == SourceLoading.standardInputPath {
            throw CLIError("option '--svg' needs a file path to write the chart to (standard output holds the plan)")
        }
        var isDirectory: ObjCBool = false
        if let svgPath, FileManager.default.fileExists(atPath: svgPath, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CLIError("\(svgPath): is a directory; '--svg' needs the path of the .svg file to write")
        }

        // With overrides, the file itself is only checked; the overridden text is planned.
        let document = try SourceLoading.document(path)
        let original = Analysis(document, options: overrides.isEmpty ? .plan : .check)
        guard original.program != nil else {
            DiagnosticsDriver.emit([(original.source, original.errors)], json: json)
            return ExitCode.failure
        }
        var analysis = original
        if !overrides.isEmpty {
            analysis = Analysis(Document(SettingOverride.apply(overrides, to: original.syntax)), options: .plan)
            guard analysis.program != nil else {
                DiagnosticsDriver.emit([(analysis.source, analysis.errors)], json: json)
                let options = overrides.map { "'\($0.commandLine)'" }.joined(separator: ", ")
                throw CLIError("\(document.path): cannot plan with \(options): the result breaks the rules above")
            }
        }
        guard let plan = analysis.plan else {
            DiagnosticsDriver.emit([(analysis.source, analysis.errors)], json: json)  // the planner's S300
            return ExitCode.failure
        }

        // The chart first: when it cannot be written, nothing else is printed.
        if let svgPath {
            try AtomicFile.replace(svgPath, with: PlanChart.svg(for: plan))
            printError("schedc plan: wrote the chart to \(svgPath)")
        }
        if json {
            writeStandardOutput(plan.jsonText())
        } else {
            if !overrides.isEmpty {
                writeStandardOutput("command-line overrides: \(SettingOverride.describe(overrides, in: original.syntax))\n")
            }
            // An adaptive schedule's plan is a range: when its batch can grow at the earliest.
            let bounds = try analysis.program.flatMap(Planner.adaptiveBounds)
            writeStandardOutput(plan.table(bounds: bounds))
        }
        return ExitCode.success
    }
}
