import Foundation
import ScheduleAnalysis

enum FormatCommand: Subcommand {
    static let name = "fmt"
    static let summary = "rewrite .sched files in canonical style"
    static let help = """
    USAGE: schedc fmt [--check] [FILE...]

    Rewrites each FILE in canonical style (docs/language.md, "Canonical style"): one
    statement per line, aligned setting values, normalised spacing and numbers, every comment
    kept. Files are replaced atomically and only when they change. With no FILE (or '-'),
    reads standard input and writes the formatted text to standard output.

    A file with syntax errors is never touched: its errors are printed and the exit status
    is 1 (other files are still formatted).

    OPTIONS:
      --check       write nothing; list the files that are not formatted (standard output)
                    and exit 1 if there are any
      -h, --help    show this help

    EXIT STATUS:
      0  formatted (or, with --check, already formatted)
      1  syntax errors, or with --check: some file would change
      2  usage or I/O problem (missing file, unreadable, not UTF-8, cannot write)
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: ["--check"], options: [])
        let checkOnly = parsed.has("--check")
        let paths = parsed.positionals.isEmpty ? [SourceLoading.standardInputPath] : parsed.positionals
        var status = ExitCode.success
        func worsen(_ code: Int32) { status = max(status, code) } // usage (2) > failure (1) > success (0)
        let renderer = DiagnosticRenderer(colour: Terminal.usesColour(.standardError))
        for path in paths {
            let document: Document
            do {
                document = try SourceLoading.document(path)
            } catch {
                printError("schedc: \(error)")
                worsen(ExitCode.usage)
                continue
            }
            let analysis = Analysis(document, options: .format)
            guard let formatted = analysis.formatted else {
                renderer.render(analysis.diagnostics, in: analysis.source, errorLimit: DiagnosticRenderer.defaultErrorLimit,
                                write: writeStandardError)
                printError("schedc: \(document.path): not formatted: fix the syntax errors first")
                worsen(ExitCode.failure)
                continue
            }
            let isStandardInput = path == SourceLoading.standardInputPath
            if checkOnly {
                if formatted != document.text {
                    print(document.path)
                    worsen(ExitCode.failure)
                }
            } else if isStandardInput {
                writeStandardOutput(formatted)
            } else if formatted != document.text {
                do {
                    try AtomicFile.replace(path, with: formatted)
                } catch {
                    printError("schedc: \(error)")
                    worsen(ExitCode.usage)
                }
            }
        }
        return status
    }
}

/// Replacing a file without ever leaving it half-written: write a temporary file in the same
/// directory (same permissions), flush it to disk, then rename it over the original.
enum AtomicFile {
    static func replace(_ path: String, with text: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".schedc-fmt-\(getpid())"
        var status = stat()
        let mode: mode_t = stat(path, &status) == 0 ? status.st_mode & 0o7777 : 0o644
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else {
            throw CLIError("\(path): cannot write a temporary file in \(directory) (\(String(cString: strerror(errno))))")
        }
        let bytes = Array(text.utf8)
        var written = 0
        var failure: String?
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                break
            }
            written += count
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw CLIError("\(path): cannot replace the file (\(failure)); it is unchanged")
        }
    }
}
