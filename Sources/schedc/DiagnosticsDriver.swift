import Foundation
import ScheduleLanguage

/// A source of extra diagnostics run on a checked program by `schedc lint` (the planner's
/// plan-based lints, S3xx, plug in here — see `LintCommand.extraLintSources`).
typealias LintSource = (CheckedProgram, SourceFile) -> [Diagnostic]

/// What `check` and `lint` share: read each file, compile it, keep the diagnostics the
/// command shows, print them (text on standard error, or one JSON document on standard
/// output) and choose the exit code.
enum DiagnosticsDriver {
    struct Options {
        var paths: [String]
        var json: Bool
        var warningsAsErrors: Bool
        var timing: Bool
    }

    static let flags: Set<String> = ["--warnings-as-errors", "--timing"]
    static let options: Set<String> = ["--format"]

    static func parseOptions(_ arguments: [String], command: String) throws -> Options {
        let parsed = try ParsedArguments(arguments, flags: flags, options: options)
        let format = try parsed.choice("--format", among: ["text", "json"], default: "text")
        guard !parsed.positionals.isEmpty else {
            throw CLIError("no input files; usage: schedc \(command) FILE... (or '-' for standard input)")
        }
        return Options(paths: parsed.positionals, json: format == "json",
                       warningsAsErrors: parsed.has("--warnings-as-errors"), timing: parsed.has("--timing"))
    }

    /// Runs the command; `showWarnings` is false for `check`. Returns the exit code.
    static func run(_ options: Options, showWarnings: Bool, lintSources: [LintSource]) -> Int32 {
        var reports: [(source: SourceFile, diagnostics: [Diagnostic])] = []
        var ioFailed = false
        for path in options.paths {
            let source: SourceFile
            do {
                source = try SourceLoading.load(path)
            } catch {
                printError("schedc: \(error)")
                ioFailed = true
                continue
            }
            let started = DispatchTime.now().uptimeNanoseconds
            let result = ScheduleCompiler.compile(source)
            var diagnostics = result.diagnostics
            if showWarnings, let program = result.program {
                for lint in lintSources { diagnostics += lint(program, source) }
                diagnostics = diagnostics.sortedByPosition()
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            if options.timing {
                printError(String(format: "schedc: %@: %d lines, %.2f ms", source.path, source.textLineCount, elapsed))
            }
            if !showWarnings { diagnostics = diagnostics.filter { $0.severity == .error } }
            reports.append((source, diagnostics))
        }

        emit(reports, json: options.json)
        let all = reports.flatMap(\.diagnostics)
        let errors = all.filter { $0.severity == .error }.count
        let warnings = all.filter { $0.severity == .warning }.count
        if ioFailed { return ExitCode.usage }
        if errors > 0 || (options.warningsAsErrors && warnings > 0) { return ExitCode.failure }
        return ExitCode.success
    }

    /// Prints the diagnostics as `check` and `lint` do: text (rendered, then "found 2 errors")
    /// on standard error, or one JSON document on standard output. `schedc plan` reports a
    /// file's errors through here too.
    static func emit(_ reports: [(source: SourceFile, diagnostics: [Diagnostic])], json: Bool) {
        if json {
            writeStandardOutput(DiagnosticJSON.document(reports))
            return
        }
        let all = reports.flatMap(\.diagnostics)
        let renderer = DiagnosticRenderer(colour: Terminal.usesColour(.standardError))
        for report in reports where !report.diagnostics.isEmpty {
            writeStandardError(renderer.render(report.diagnostics, in: report.source))
        }
        if let summary = DiagnosticRenderer.summary(errors: all.filter { $0.severity == .error }.count,
                                                    warnings: all.filter { $0.severity == .warning }.count) {
            writeStandardError(summary + "\n")
        }
    }
}
