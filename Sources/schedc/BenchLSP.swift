import Benchmarks
import Foundation
import JSONSupport

/// `schedc bench lsp`: the language server's latency on generated schedules (docs/editors.md).
enum BenchLSP {
    static let usage = """
    schedc bench lsp [--lines LIST] [--runs R] [--edit-at LIST] [--format text|json]
        language-server latency: didChange → publishDiagnostics and hover, p50 and p99 over R
        runs (default 200) on generated schedules of each size in LIST (default 1000,10000);
        in process (framing, JSON, analysis, conversion), not the pipe; also the CPU time of
        each change (what a shared machine does not inflate). The edit types a digit after an
        `lr` event's number and deletes it, at each of --edit-at's places: start (every phase
        after it changes), middle, end (default start,middle,end). Build with -c release.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: [], options: ["--lines", "--runs", "--edit-at", "--format"])
        guard parsed.positionals.isEmpty else { throw CLIError("unexpected argument '\(parsed.positionals[0])'") }
        let sizes = try (parsed.value("--lines") ?? "1000,10000").split(separator: ",").map { text -> Int in
            guard let lines = Int(text), (20...1_000_000).contains(lines) else { throw CLIError("--lines: '\(text)' is not a size in 20...1000000") }
            return lines
        }
        let runs = try parsed.integer("--runs", default: 200, in: 1...100_000)!
        let positions = try (parsed.value("--edit-at") ?? "start,middle,end").split(separator: ",").map { text in
            guard let position = LanguageServerBenchmark.EditPosition(rawValue: String(text)) else {
                throw CLIError("--edit-at: '\(text)' is not one of start, middle, end")
            }
            return position
        }
        let json = try parsed.choice("--format", among: ["text", "json"], default: "text") == "json"
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        var results: [JSONValue] = []
        if !json { print("language server, \(runs) runs per size, \(build) build (milliseconds)") }
        for lines in sizes {
            for position in positions {
                let latencies: LanguageServerBenchmark.Latencies
                do {
                    latencies = try LanguageServerBenchmark.measure(lines: lines, runs: runs, editing: position)
                } catch {
                    throw CLIError("internal error: \(error)")
                }
                let p = LanguageServerBenchmark.Latencies.percentile
                if json {
                    results.append(.object([
                        ("lines", .int(lines)), ("edit_at", .string(position.rawValue)), ("runs", .int(runs)), ("build", .string(build)),
                        ("change_ms", .object([("p50", .number(p(latencies.change, 0.5))), ("p99", .number(p(latencies.change, 0.99)))])),
                        ("hover_ms", .object([("p50", .number(p(latencies.hover, 0.5))), ("p99", .number(p(latencies.hover, 0.99)))])),
                        ("change_cpu_ms", .object([("p50", .number(p(latencies.changeCPU, 0.5))), ("p99", .number(p(latencies.changeCPU, 0.99)))])),
                    ]))
                } else {
                    let place = position.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
                    print(String(format: "  %6d lines  ", lines) + place + String(
                        format: "  didChange → publishDiagnostics  p50 %7.2f  p99 %7.2f   hover  p50 %6.2f  p99 %6.2f   change CPU  p50 %7.2f  p99 %7.2f",
                        p(latencies.change, 0.5), p(latencies.change, 0.99), p(latencies.hover, 0.5), p(latencies.hover, 0.99),
                        p(latencies.changeCPU, 0.5), p(latencies.changeCPU, 0.99)))
                }
            }
        }
        if json { print(JSONValue.array(results).pretty(inlineSmallObjects: true), terminator: "") }
        return ExitCode.success
    }
}
