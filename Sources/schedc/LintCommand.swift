enum LintCommand: Subcommand {
    static let name = "lint"
    static let summary = "check .sched files and report warnings too"
    static let help = "USAGE: schedc lint (not built yet)"
    static func run(_ arguments: [String]) throws -> Int32 {
        throw CLIError("'lint' is not built yet")
    }
}
