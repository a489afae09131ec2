import ScheduleAnalysis

enum LintCommand: Subcommand {
    static let name = "lint"
    static let summary = "check .sched files and report warnings too"
    static let help = """
    USAGE: schedc lint [options] FILE...

    Everything `schedc check` reports, plus warnings: the static lints grounded in the papers
    (S2xx: a large initial batch, a noise event that raises the noise, a policy that can never
    grow the batch, batch norm not ghosted while the batch grows, ...) and the plan-based lints
    (S3xx: the batch grown past ~N/10, momentum losing too many epochs after a change of the
    noise, ...; see docs/planner.md). '-' reads standard input.

    OPTIONS:
      --format text|json      text (default): compiler-style messages on standard error;
                              json: one LSP-shaped JSON document on standard output
      --warnings-as-errors    exit 1 when there are warnings, even without errors
      --memory SIZE|machine   also estimate the plan's memory on the embedded runtime and
                              report S308 when it needs more than SIZE (8G, 512M) or this
                              machine's memory
      --error-limit N         text output shows at most N errors per file, then how many more
                              (default 20; 0 shows all; JSON always has every one)
      --timing                print each file's size and compile time on standard error
    \(EngineLintOptions.help)
      -h, --help              show this help

    EXIT STATUS:
      0  no errors (warnings alone give 0 unless --warnings-as-errors)
      1  errors found, or warnings with --warnings-as-errors
      2  usage or I/O problem (missing file, unreadable, not UTF-8)

    Codes and examples: docs/language.md.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let engine = try EngineLintOptions.extract(arguments)
        let options = try DiagnosticsDriver.parseOptions(engine.rest, command: name)
        var analysis = AnalysisOptions.lint
        analysis.engine = engine.target
        return DiagnosticsDriver.run(options, analysis: analysis)
    }
}
