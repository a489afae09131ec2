enum FormatCommand: Subcommand {
    static let name = "fmt"
    static let summary = "rewrite .sched files in canonical style"
    static let help = "USAGE: schedc fmt (not built yet)"
    static func run(_ arguments: [String]) throws -> Int32 {
        throw CLIError("'fmt' is not built yet")
    }
}
