import Foundation
import ScheduleLanguage

/// A subcommand of `schedc`. Each lives in its own file and owns its `--help` text.
protocol Subcommand {
    static var name: String { get }
    /// One line for the top-level `schedc --help`.
    static var summary: String { get }
    /// The full `schedc NAME --help` text.
    static var help: String { get }
    /// Returns the process exit code. Throw `CLIError` for usage (exit 2) and I/O problems (exit 2).
    static func run(_ arguments: [String]) throws -> Int32
}

/// A subcommand's static members, captured as values. (Calling static requirements through
/// an existential metatype, `[Subcommand.Type]`, crashes Swift 6.3.1's SIL generation.)
struct SubcommandEntry {
    let name: String
    let summary: String
    let help: String
    let run: ([String]) throws -> Int32

    init<Command: Subcommand>(_ command: Command.Type) {
        name = Command.name
        summary = Command.summary
        help = Command.help
        run = Command.run
    }
}

/// Exit codes, the same for every subcommand.
enum ExitCode {
    static let success: Int32 = 0
    /// Errors in the input (diagnostics), a failed `--check`, a failed run.
    static let failure: Int32 = 1
    /// Usage or I/O problems: unknown flags, missing or unreadable files, bad encodings.
    static let usage: Int32 = 2
}

/// A problem with how schedc was called or with the files it was given: exit 2, a clear message.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

enum SchedcCLI {
    static let subcommands: [SubcommandEntry] = [
        SubcommandEntry(CheckCommand.self), SubcommandEntry(LintCommand.self), SubcommandEntry(FormatCommand.self),
        SubcommandEntry(PlanCommand.self), SubcommandEntry(RunCommand.self), SubcommandEntry(ExportCommand.self),
        SubcommandEntry(CompareCommand.self), SubcommandEntry(BenchCommand.self), SubcommandEntry(LSPCommand.self),
    ]

    static var help: String {
        var text = """
        schedc — a compiler for training schedules

        USAGE: schedc <command> [options] [arguments]

        COMMANDS:

        """
        for command in subcommands {
            text += "  " + command.name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        text += """

        Run `schedc <command> --help` for a command's options.
        Documentation: docs/ in the schedc repository (README.md starts there).
        """
        return text
    }

    static func main(_ arguments: [String]) -> Int32 {
        guard let first = arguments.first else {
            printError(help)
            return ExitCode.usage
        }
        if first == "--help" || first == "-h" || first == "help" {
            print(help)
            return ExitCode.success
        }
        if first == "--version" {
            print("schedc \(schedcVersion)")
            return ExitCode.success
        }
        guard let command = subcommands.first(where: { $0.name == first }) else {
            let names = subcommands.map(\.name)
            var message = "schedc: unknown command '\(first)'"
            if let suggestion = Suggestion.closest(to: first, in: names) { message += "; did you mean '\(suggestion)'?" }
            printError(message + "\nRun `schedc --help` for the list of commands.")
            return ExitCode.usage
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(command.help)
            return ExitCode.success
        }
        return runReportingErrors(name: command.name, run: command.run, arguments: rest)
    }
}

/// Runs a subcommand; a thrown error becomes a one-line message and exit code 2.
private func runReportingErrors(name: String, run: ([String]) throws -> Int32, arguments: [String]) -> Int32 {
    do {
        return try run(arguments)
    } catch {
        let message = (error as? CLIError)?.description ?? "\(error)"
        printError("schedc \(name): \(message)")
        return ExitCode.usage
    }
}

let schedcVersion = "0.1.0"

/// Writes to standard error, newline-terminated.
func printError(_ text: String) {
    writeStandardError(text + "\n")
}
