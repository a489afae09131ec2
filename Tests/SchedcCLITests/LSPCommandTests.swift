import Foundation
import XCTest

/// `schedc lsp` as a process: LSP on standard input and output, logs on standard error, and
/// LSP's exit codes. (The protocol itself is tested in LanguageServerTests.)
final class LSPCommandTests: XCTestCase {
    func frame(_ json: String) -> String { "Content-Length: \(json.utf8.count)\r\n\r\n\(json)" }

    func testASessionOverStandardInputAndOutput() throws {
        let text = "schedule s\\ndata cifar10\\nepochs 200\\nlr 0.1\\nbatch 128\\nlrr 2\\n"
        let input = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"test"}}}"#,
            #"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a.sched","languageId":"sched","version":1,"text":"\#(text)"}}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#,
            #"{"jsonrpc":"2.0","method":"exit"}"#,
        ].map(frame).joined()
        let result = try runSchedc(["lsp"], stdin: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("Content-Length: "), result.stdout)
        XCTAssertTrue(result.stdout.contains(#""code":"S101""#), result.stdout)
        XCTAssertTrue(result.stdout.contains(#"docs/language.md#s101-unknown-setting"#), result.stdout)
        XCTAssertTrue(result.stdout.contains(#"{"id":2,"jsonrpc":"2.0","result":null}"#), result.stdout)
        XCTAssertTrue(result.stderr.contains("client test"), "logs go to standard error: \(result.stderr)")
    }

    func testExitWithoutShutdownOrClosedInputIsOne() throws {
        XCTAssertEqual(try runSchedc(["lsp"], stdin: frame(#"{"jsonrpc":"2.0","method":"exit"}"#)).status, 1)
        XCTAssertEqual(try runSchedc(["lsp"], stdin: "").status, 1)
        XCTAssertEqual(try runSchedc(["lsp", "extra"]).status, 2)
        XCTAssertTrue(try runSchedc(["lsp", "--help"]).stdout.contains("USAGE: schedc lsp"))
    }
}
