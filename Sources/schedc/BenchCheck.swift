import Benchmarks
import Foundation
import JSONSupport
import ScheduleAnalysis
import ScheduleLanguage
import SchedulePlanner
import ScheduleRunner

/// `schedc bench check`: how fast the front end checks and formats a large schedule.
/// (The `bench` command dispatches here: `bench check` → `BenchCheck.run`.)
enum BenchCheck {
    static let help = """
    USAGE: schedc bench check [--lines N] [--runs R] [--format text|json] [--write FILE]
           schedc bench check --complexity [--sizes N,N,...] [--runs R] [--format text|json]

    Generates a clean schedule of N lines (default 10000: the settings, then events with
    comments, blank lines and a few 'every' statements), then times R runs (default 20) of
    the analysis core up to the checked program (lex, parse, check, static lints; no plan) and of the
    formatter on it, and prints the fastest and the median run. Build with `-c release` for
    figures worth quoting (docs/language.md, "Performance").

    With --complexity it measures how the time grows instead: check, plan and format at each
    size (default 10000, 20000 and 40000) of two inputs — a schedule of that many lines, and a
    short one whose 'every' statements expand to that many events — and prints the growth per
    doubling (2.0 is linear; docs/performance.md, "Front end").

    OPTIONS:
      --complexity      time the stages at several sizes and print the growth per doubling
      --sizes N,N,...   the sizes for --complexity, each at least 20 (default 10000,20000,40000)
      --lines N         size of the generated schedule (default 10000)
      --runs R          timed runs of each stage (default 20)
      --format F        text (default) or json
      --write FILE      also write the generated schedule to FILE (to time `schedc check` on it)
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: ["--complexity"], options: ["--lines", "--runs", "--format", "--write", "--sizes"])
        guard parsed.positionals.isEmpty else { throw CLIError("unexpected argument '\(parsed.positionals[0])'") }
        if parsed.has("--complexity") { return try complexity(parsed) }
        if parsed.value("--sizes") != nil { throw CLIError("'--sizes' is for --complexity") }
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

    /// One size of one input, timed: the fastest of the rounds of each stage, in milliseconds
    /// (the least disturbed by other work on the machine, which only ever adds time).
    struct Measurement {
        let input: FrontEndInput
        let size: Int
        let lines: Int
        let events: Int
        let checkMilliseconds: Double
        let planMilliseconds: Double
        let formatMilliseconds: Double
    }

    /// What grows in a complexity series: the file's lines, or the events of a short file.
    enum FrontEndInput: String, CaseIterable {
        case lines
        case events

        func schedule(size: Int) -> String {
            switch self {
            case .lines: return FrontEndBenchmark.schedule(lines: size)
            case .events: return FrontEndBenchmark.schedule(events: size)
            }
        }
    }

    /// `--complexity`: check (the analysis core to the checked program, errors only, as
    /// `schedc check`), plan (the planner on that program) and format, at every size of both
    /// inputs; the growth per doubling is the time at 2n over the time at n.
    static func complexity(_ parsed: ParsedArguments) throws -> Int32 {
        if parsed.value("--lines") != nil || parsed.value("--write") != nil {
            throw CLIError("'--lines' and '--write' are for one size; --complexity takes '--sizes'")
        }
        let runs = try parsed.integer("--runs", default: 5, in: 1...10_000)!
        let json = try parsed.choice("--format", among: ["text", "json"], default: "text") == "json"
        var sizes = FrontEndBenchmark.complexitySizes
        if let text = parsed.value("--sizes") {
            sizes = try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
                guard let size = Int(item), (20...FrontEndBenchmark.maximumEvents).contains(size) else {
                    throw CLIError("option '--sizes' needs sizes from 20 to \(FrontEndBenchmark.maximumEvents), separated by commas, not '\(text)'")
                }
                return size
            }
        }
        // Round robin: every run times every size once, so load from other work on the machine
        // falls on all sizes alike rather than on the one being timed when it comes.
        var cases: [Case] = []
        for input in FrontEndInput.allCases {
            for size in sizes { cases.append(try Case(input, size: size)) }
        }
        for _ in 0..<runs {
            for index in cases.indices { cases[index].time() }
        }
        let measurements = cases.map(\.measurement)
        if json {
            let records = measurements.map { item in
                JSONValue.object([
                    ("input", .string(item.input.rawValue)), ("size", .int(item.size)), ("lines", .int(item.lines)),
                    ("events", .int(item.events)), ("runs", .int(runs)), ("build", .string(build)),
                    ("check_ms", .number(item.checkMilliseconds)), ("plan_ms", .number(item.planMilliseconds)),
                    ("format_ms", .number(item.formatMilliseconds)),
                ])
            }
            print(JSONValue.array(records).pretty(inlineSmallObjects: true), terminator: "")
            return ExitCode.success
        }
        print("front-end growth, fastest of \(runs) rounds, \(build) build (×2.0 per doubling is linear)")
        for input in FrontEndInput.allCases {
            let series = measurements.filter { $0.input == input }
            print(input == .lines ? "a schedule of N lines (an event on most lines)" : "a short schedule whose 'every' statements make N events")
            print("       N   lines  events    check ms     plan ms   format ms")
            for item in series {
                print(String(format: "%8d %7d %7d %11.2f %11.2f %11.2f", item.size, item.lines, item.events,
                             item.checkMilliseconds, item.planMilliseconds, item.formatMilliseconds))
            }
            // Each step, then (with more than two sizes) the whole range, which evens out a
            // step disturbed by other work on the machine.
            var steps = Array(zip(series, series.dropFirst()))
            if series.count > 2, let first = series.first, let last = series.last { steps.append((first, last)) }
            for (smaller, larger) in steps {
                let scale = Double(larger.size) / Double(smaller.size)
                func growth(_ time: (Measurement) -> Double) -> String {
                    // Per doubling: the ratio of the times scaled to a factor of 2 in size.
                    String(format: "×%.2f", pow(time(larger) / max(time(smaller), 1e-9), log(2) / log(scale)))
                }
                print("  \(smaller.size) → \(larger.size), per doubling: check \(growth(\.checkMilliseconds))  "
                      + "plan \(growth(\.planMilliseconds))  format \(growth(\.formatMilliseconds))")
            }
        }
        return ExitCode.success
    }

    static var build: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    /// One size of one input: its program, and the fastest time of each stage so far.
    struct Case {
        let input: FrontEndInput
        let size: Int
        let source: SourceFile
        let document: Document
        let program: CheckedProgram
        var check = Double.infinity, plan = Double.infinity, format = Double.infinity

        init(_ input: FrontEndInput, size: Int) throws {
            self.input = input
            self.size = size
            source = SourceFile(path: "bench.sched", text: input.schedule(size: size))
            document = Document(source)
            let checked = Analysis(document, options: .check)
            guard let program = checked.program, checked.diagnostics.isEmpty else {
                throw CLIError("internal error: the generated schedule is not clean (\(checked.diagnostics.first?.message ?? ""))")
            }
            guard (try? Planner.plan(program)) != nil else { throw CLIError("internal error: the generated schedule does not plan") }
            self.program = program
        }

        mutating func time() {
            let (document, program, source) = (self.document, self.program, self.source)
            check = min(check, FrontEndBenchmark.measure(1) { _ = Analysis(document, options: .check) }.min)
            plan = min(plan, FrontEndBenchmark.measure(1) { _ = try? Planner.plan(program) }.min)
            format = min(format, FrontEndBenchmark.measure(1) { _ = try? ScheduleFormatter.format(source) }.min)
        }

        var measurement: Measurement {
            Measurement(input: input, size: size, lines: source.textLineCount, events: program.events.count,
                        checkMilliseconds: check, planMilliseconds: plan, formatMilliseconds: format)
        }
    }
}
