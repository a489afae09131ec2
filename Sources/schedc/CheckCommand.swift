import ScheduleAnalysis

enum CheckCommand: Subcommand {
    static let name = "check"
    static let summary = "check .sched files for errors"
    static let help = """
    USAGE: schedc check [options] FILE...

    Parses and checks each .sched file and reports its errors: syntax (S0xx) and semantic
    (S1xx) errors, with the source line, the range underlined, notes and fix-its.
    Warnings are not shown; `schedc lint` adds them. '-' reads standard input.

    OPTIONS:
      --format text|json      text (default): compiler-style messages on standard error;
                              json: one LSP-shaped JSON document on standard output
      --warnings-as-errors    accepted for symmetry with lint (check shows no warnings)
      --memory SIZE|machine   also estimate the plan's memory on the embedded runtime and
                              report S308 when it needs more than SIZE (8G, 512M) or this
                              machine's memory
      --error-limit N         text output shows at most N errors per file, then how many more
                              (default 20; 0 shows all; JSON always has every one)
      --timing                print each file's size and compile time on standard error
      -h, --help              show this help

    Colour is used when standard error is a terminal and NO_COLOR is not set.

    EXIT STATUS:
      0  no errors
      1  errors found
      2  usage or I/O problem (missing file, unreadable, not UTF-8)

    Codes and examples: docs/language.md.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try DiagnosticsDriver.parseOptions(arguments, command: name)
        return DiagnosticsDriver.run(options, analysis: .check)
    }
}
