enum RunCommand: Subcommand {
    static let name = "run"
    static let summary = "train a network under a compiled schedule"
    static let help = "USAGE: schedc run (not built yet)"
    static func run(_ arguments: [String]) throws -> Int32 {
        throw CLIError("'run' is not built yet")
    }
}
