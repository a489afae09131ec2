import Benchmarks
import Foundation
import JSONSupport
import ScheduleAnalysis
import ScheduleLanguage
import ScheduleRunner

/// `schedc bench check`: how fast the front end checks and formats a large schedule.
/// (The `bench` command dispatches here: `bench check` → `BenchCheck.run`.)
enum BenchCheck {
    static let help = """
    USAGE: schedc bench check [--lines N] [--runs R] [--format text|json] [--write FILE]

    Generates a clean schedule of N lines (default 10000: the settings, then events with
    comments, blank lines and a few 'every' statements), then times R runs (default 20) of
    the analysis core up to the checked program (lex, parse, check, static lints; no plan) and of the
    formatter on it, and prints the fastest and the median run. Build with `-c release` for
    figures worth quoting (docs/language.md, "Performance").

    OPTIONS:
      --lines N         size of the generated schedule (default 10000)
      --runs R          timed runs of each stage (default 20)
      --format F        text (default) or json
      --write FILE      also write the generated schedule to FILE (to time `schedc check` on it)
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: [], options: ["--lines", "--runs", "--format", "--write"])
        guard parsed.positionals.isEmpty else { throw CLIError("unexpected argument '\(parsed.positionals[0])'") }
        let lines = try parsed.integer("--lines", default: 10_000, in: 20...10_000_000)!
        let runs = try parsed.integer("--runs", default: 20, in: 1...10_000)!
        let json = try parsed.choice("--format", among: ["text", "json"], default: "text") == "json"
        let text = FrontEndBenchmark.schedule(lines: lines)
        if let path = parsed.value("--write") {
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("\(path): cannot write the schedule (\(error.localizedDescription))")
            }
        }
        let source = SourceFile(path: "bench.sched", text: text)
        let document = Document(source)
        let frontEnd = AnalysisOptions(depth: .semantics, lints: true)
        let result = Analysis(document, options: frontEnd)
        guard result.program != nil, result.diagnostics.isEmpty else {
            throw CLIError("internal error: the generated schedule is not clean (\(result.diagnostics.first?.message ?? ""))")
        }
        let compile = FrontEndBenchmark.measure(runs) { _ = Analysis(document, options: frontEnd) }
        let format = FrontEndBenchmark.measure(runs) { _ = try? ScheduleFormatter.format(source) }
        let events = result.program!.events.count
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        if json {
            let document = JSONValue.object([
                ("lines", .int(source.textLineCount)), ("bytes", .int(source.bytes.count)), ("events", .int(events)),
                ("runs", .int(runs)), ("build", .string(build)),
                ("compile_ms", .object([("min", .number(compile.min)), ("median", .number(compile.median))])),
                ("format_ms", .object([("min", .number(format.min)), ("median", .number(format.median))])),
            ])
            print(document.pretty(inlineSmallObjects: true), terminator: "")
        } else {
            print("front end on a \(source.textLineCount)-line schedule (\(source.bytes.count) bytes, \(events) events), \(runs) runs, \(build) build")
            print(String(format: "  check (lex, parse, check, lint)  min %8.2f ms   median %8.2f ms   %.0f lines/s",
                         compile.min, compile.median, Double(source.textLineCount) / (compile.median / 1000)))
            print(String(format: "  format                           min %8.2f ms   median %8.2f ms", format.min, format.median))
        }
        return ExitCode.success
    }
}
