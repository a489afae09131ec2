enum BenchCommand: Subcommand {
    static let name = "bench"
    static let summary = "measure the kernels and training throughput"
    static let help = "USAGE: schedc bench (not built yet)"
    static func run(_ arguments: [String]) throws -> Int32 {
        throw CLIError("'bench' is not built yet")
    }
}
