import Foundation
import LanguageServer

/// `schedc lsp`: the language server on standard input and output (docs/editors.md).
enum LSPCommand: Subcommand {
    static let name = "lsp"
    static let summary = "run the language server (LSP over standard input/output)"
    static let help = """
    USAGE: schedc lsp [--docs URL]

    Speaks the Language Server Protocol (3.17, JSON-RPC with Content-Length framing) on
    standard input and output, for editors: diagnostics as you type (what `schedc lint`
    reports, with fix-its as quick fixes), hover with the plan each event lowers to, inlay
    hints, completion, formatting (`schedc fmt`), document symbols, semantic tokens and
    folding. Logs go to standard error. Set-up for Neovim, Helix, VS Code, Emacs and Sublime
    Text: docs/editors.md.

    OPTIONS:
      --docs URL     where diagnostic codes link to: docs/language.md as a URL (default: the
                     docs/language.md of the schedc checkout this executable was built in)
      -h, --help     show this help

    EXIT STATUS:
      0  the client sent shutdown, then exit
      1  exit without shutdown, or the input ended first
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: [], options: ["--docs"])
        guard parsed.positionals.isEmpty else { throw CLIError("unexpected argument '\(parsed.positionals[0])'") }
        let documentation = parsed.value("--docs") ?? defaultDocumentation()
        let configuration = LanguageServer.Configuration(documentation: documentation, version: schedcVersion)
        ServerMemory.keepFreedMemory()
        return StdioTransport.run(configuration: configuration, log: { printError("schedc lsp: " + $0) })
    }

    /// docs/language.md of the checkout above the executable (`.build/debug/schedc`), as a file URL;
    /// the repository's relative path when the executable was moved elsewhere.
    static func defaultDocumentation() -> String {
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("docs/language.md")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.absoluteString }
            directory.deleteLastPathComponent()
        }
        return "docs/language.md"
    }
}
