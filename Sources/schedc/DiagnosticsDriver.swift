import Foundation
import ScheduleAnalysis
import ScheduleLanguage
import ScheduleRunner

/// What `check` and `lint` share: read each file, analyse it, print its diagnostics (text on
/// standard error, or one JSON document on standard output) and choose the exit code. What
/// each command reports is the analysis core's; this file only reads, times and renders.
enum DiagnosticsDriver {
    struct Options {
        var paths: [String]
        var json: Bool
        var warningsAsErrors: Bool
        var timing: Bool
        /// Errors printed per file in text output; nil prints them all.
        var errorLimit: Int?
        /// `--memory SIZE|machine`: report S308 for a plan over this many bytes.
        var memoryLimit: Int?
    }

    static let flags: Set<String> = ["--warnings-as-errors", "--timing"]
    static let options: Set<String> = ["--format", "--error-limit", "--memory"]

    static func parseOptions(_ arguments: [String], command: String) throws -> Options {
        let parsed = try ParsedArguments(arguments, flags: flags, options: options)
        let format = try parsed.choice("--format", among: ["text", "json"], default: "text")
        guard !parsed.positionals.isEmpty else {
            throw CLIError("no input files; usage: schedc \(command) FILE... (or '-' for standard input)")
        }
        let limit = try parsed.integer("--error-limit", default: DiagnosticRenderer.defaultErrorLimit, in: 0...Int.max)
        var memoryLimit: Int?
        if let text = parsed.value("--memory") {
            guard let bytes = text == "machine" ? MachineMemory.limit() : MachineMemory.parseSize(text) else {
                throw CLIError("option '--memory' takes a size such as 8G, 512M or 2000000k, or 'machine', not '\(text)'")
            }
            memoryLimit = bytes
        }
        return Options(paths: parsed.positionals, json: format == "json",
                       warningsAsErrors: parsed.has("--warnings-as-errors"), timing: parsed.has("--timing"),
                       errorLimit: limit == 0 ? nil : limit, memoryLimit: memoryLimit)
    }

    /// Analyses each file with `analysis` (`.check` or `.lint`) and reports every diagnostic
    /// the analysis gives. Returns the exit code.
    static func run(_ options: Options, analysis: AnalysisOptions) -> Int32 {
        var analysisOptions = analysis
        if let memoryLimit = options.memoryLimit {
            // The estimate needs the plan, which `check` does not otherwise make.
            analysisOptions.memoryLimit = memoryLimit
            analysisOptions.depth = max(analysisOptions.depth, .plan)
        }
        var reports: [(source: SourceFile, diagnostics: [Diagnostic])] = []
        var entries: [DiagnosticJSON.FileEntry] = []
        var ioFailed = false
        for path in options.paths {
            let document: Document
            do {
                document = try SourceLoading.document(path)
            } catch {
                printError("schedc: \(error)")
                entries.append(.unreadable(path: path, error: "\(error)"))
                ioFailed = true
                continue
            }
            let started = DispatchTime.now().uptimeNanoseconds
            let analysis = Analysis(document, options: analysisOptions)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            if options.timing {
                printError(String(format: "schedc: %@: %d lines, %.2f ms", document.path, analysis.source.textLineCount, elapsed))
            }
            reports.append((analysis.source, analysis.diagnostics))
            entries.append(.analysed(analysis.source, analysis.diagnostics))
        }

        if options.json {
            writeStandardOutput(DiagnosticJSON.document(entries: entries))
        } else {
            emit(reports, json: false, errorLimit: options.errorLimit)
        }
        let all = reports.flatMap(\.diagnostics)
        let errors = all.filter { $0.severity == .error }.count
        let warnings = all.filter { $0.severity == .warning }.count
        if ioFailed { return ExitCode.usage }
        if errors > 0 || (options.warningsAsErrors && warnings > 0) { return ExitCode.failure }
        return ExitCode.success
    }

    /// Prints the diagnostics as `check` and `lint` do: text (rendered, then "found 2 errors")
    /// on standard error, or one JSON document on standard output. `schedc plan` reports a
    /// file's errors through here too. Text shows at most `errorLimit` errors per file (nil: all).
    static func emit(_ reports: [(source: SourceFile, diagnostics: [Diagnostic])], json: Bool,
                     errorLimit: Int? = DiagnosticRenderer.defaultErrorLimit) {
        if json {
            writeStandardOutput(DiagnosticJSON.document(reports))
            return
        }
        let all = reports.flatMap(\.diagnostics)
        let renderer = DiagnosticRenderer(colour: Terminal.usesColour(.standardError))
        for report in reports where !report.diagnostics.isEmpty {
            renderer.render(report.diagnostics, in: report.source, errorLimit: errorLimit, write: writeStandardError)
        }
        if let summary = DiagnosticRenderer.summary(errors: all.filter { $0.severity == .error }.count,
                                                    warnings: all.filter { $0.severity == .warning }.count) {
            writeStandardError(summary + "\n")
        }
    }
}
