import Foundation
import ScheduleLanguage

/// `schedc bench <benchmark>`: measures the kernels and the training runtime. Each benchmark
/// has its own entry point taking the arguments after its name.
enum BenchCommand: Subcommand {
    static let name = "bench"
    static let summary = "measure GEMM, training throughput, the FMA peak, front-end and language-server speed"

    struct Benchmark {
        let name: String
        let usage: String
        let run: ([String]) throws -> Int32
    }

    static let benchmarks: [Benchmark] = [
        Benchmark(name: "gemm", usage: BenchGEMM.usage, run: BenchGEMM.run),
        Benchmark(name: "check", usage: "schedc bench check [options]  front-end compile/format time on a generated schedule (docs/language.md)", run: BenchCheck.run),
        Benchmark(name: "train", usage: BenchTrain.usage, run: BenchTrain.run),
        Benchmark(name: "lsp", usage: BenchLSP.usage, run: BenchLSP.run),
        Benchmark(name: "peak", usage: BenchPeak.usage, run: BenchPeak.run),
    ]

    static var help: String {
        """
        USAGE: schedc bench <benchmark> [options]

        Long measurements, printed as text or JSON; nothing is written to disk.

        BENCHMARKS:
        \(benchmarks.map { "  " + $0.usage }.joined(separator: "\n\n"))
        """
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        guard let name = arguments.first else {
            throw CLIError("missing benchmark: \(benchmarks.map(\.name).joined(separator: " or "))")
        }
        guard let benchmark = benchmarks.first(where: { $0.name == name }) else {
            var message = "unknown benchmark '\(name)'"
            if let suggestion = Suggestion.closest(to: name, in: benchmarks.map(\.name)) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw CLIError(message)
        }
        return try benchmark.run(Array(arguments.dropFirst()))
    }
}
