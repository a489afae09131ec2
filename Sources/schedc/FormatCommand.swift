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
                    try AtomicFile.rewriteSource(path, with: formatted)
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
    /// Replaces `path` with `text` atomically (a temporary file renamed over it), keeping the
    /// old file's mode; `owner` (uid, gid) is given to the new file when set.
    static func replace(_ path: String, with text: String, owner: (uid: uid_t, gid: gid_t)? = nil) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".schedc-fmt-\(getpid())"
        var status = stat()
        let mode: mode_t = stat(path, &status) == 0 ? status.st_mode & 0o7777 : 0o644
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CLIError("\(path): cannot write a temporary file in \(directory) (\(String(cString: strerror(errno))))")
        }
        var failure = writeAll(descriptor, text)
        // The mode exactly (open's is cut by the umask), and the owner before the rename so
        // the file is never visible with another one.
        if failure == nil, let owner, fchown(descriptor, owner.uid, owner.gid) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil, fchmod(descriptor, mode) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw CLIError("\(path): cannot replace the file (\(failure)); it is unchanged")
        }
    }

    /// Rewrites a source file in place of the user's: through a symbolic link (the link stays,
    /// its target changes), keeping owner, group and mode. A file with several hard links, or
    /// one whose owner this process cannot give a new file (formatting another user's file as
    /// root works; as that file's group member it does not), is overwritten in place so it
    /// keeps its inode; every other file is replaced atomically.
    static func rewriteSource(_ path: String, with text: String) throws {
        var target = path
        if let resolved = realpath(path, nil) {
            target = String(cString: resolved)
            free(resolved)
        }
        var status = stat()
        guard stat(target, &status) == 0 else { return try replace(target, with: text) }
        let sameOwner = status.st_uid == geteuid() && status.st_gid == getegid()
        if status.st_nlink > 1 || (!sameOwner && geteuid() != 0) {
            return try overwrite(target, with: text, reportedAs: path)
        }
        try replace(target, with: text, owner: sameOwner ? nil : (status.st_uid, status.st_gid))
    }

    /// Writes `text` into the existing file (same inode, owner and mode). Not atomic: used only
    /// where a rename would break a link or lose the owner.
    private static func overwrite(_ path: String, with text: String, reportedAs name: String) throws {
        let descriptor = open(path, O_WRONLY | O_TRUNC)
        guard descriptor >= 0 else { throw CLIError("\(name): cannot write the file (\(String(cString: strerror(errno))))") }
        var failure = writeAll(descriptor, text)
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if let failure { throw CLIError("\(name): cannot write the file (\(failure))") }
    }

    /// Writes all of `text`; the error's description on failure.
    private static func writeAll(_ descriptor: Int32, _ text: String) -> String? {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            written += count
        }
        return nil
    }
}
