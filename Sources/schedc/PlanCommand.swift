enum PlanCommand: Subcommand {
    static let name = "plan"
    static let summary = "lower a schedule to concrete phases under B_max"
    static let help = "USAGE: schedc plan (not built yet)"
    static func run(_ arguments: [String]) throws -> Int32 {
        throw CLIError("'plan' is not built yet")
    }
}
