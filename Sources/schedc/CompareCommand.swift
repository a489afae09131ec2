enum CompareCommand: Subcommand {
    static let name = "compare"
    static let summary = "run several schedules and draw the paper's figure"
    static let help = "USAGE: schedc compare (not built yet)"
    static func run(_ arguments: [String]) throws -> Int32 {
        throw CLIError("'compare' is not built yet")
    }
}
