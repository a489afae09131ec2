enum CheckCommand: Subcommand {
    static let name = "check"
    static let summary = "check .sched files for errors"
    static let help = "USAGE: schedc check (not built yet)"
    static func run(_ arguments: [String]) throws -> Int32 {
        throw CLIError("'check' is not built yet")
    }
}
