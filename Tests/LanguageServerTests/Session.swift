import Foundation
import JSONSupport
import LanguageServer
import XCTest

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A transcript with the server: messages go in as bytes through the same framer the real
/// transport uses, everything queued is served by `flush()`, and what the server wrote comes
/// back decoded. One helper for every test, so a case is a few lines of messages and checks.
final class Session {
    let queue = MessageQueue()
    private(set) var server: LanguageServer!
    private var framer = MessageFramer()
    private var outputFramer = MessageFramer()
    /// Every message the server wrote, in order.
    private(set) var received: [ParsedJSON] = []
    private(set) var logs: [String] = []
    private var nextID = 1
    static let documentation = "https://example.invalid/docs/language.md"

    init() {
        server = LanguageServer(configuration: .init(documentation: Session.documentation, version: "test"),
                                send: { [unowned self] data in
                                    outputFramer.append(data)
                                    while let item = outputFramer.next() {
                                        guard case .message(let body) = item else { return XCTFail("server wrote a bad frame: \(item)") }
                                        guard let value = try? JSONDecoder().decode(ParsedJSON.self, from: body) else {
                                            return XCTFail("server wrote invalid JSON")
                                        }
                                        received.append(value)
                                    }
                                },
                                log: { [unowned self] in logs.append($0) })
    }

    /// A session after `initialize` (offering `encodings`) and `initialized`.
    convenience init(encodings: [String]?) {
        self.init()
        var capabilities: [String: Any] = [:]
        if let encodings { capabilities["general"] = ["positionEncodings": encodings] }
        let reply = request("initialize", ["processId": NSNull(), "capabilities": capabilities])
        XCTAssertNotNil(reply["result"])
        notify("initialized", [:])
    }

    /// Raw bytes, as a client might write them.
    func write(_ bytes: [UInt8]) {
        framer.append(bytes)
        while let item = framer.next() { queue.push(item) }
    }

    func write(message: Any) {
        let body = try! JSONSerialization.data(withJSONObject: message)
        write(Array(MessageFramer.frame(body)))
    }

    /// Serves everything queued; returns what the server wrote meanwhile.
    @discardableResult
    func flush() -> [ParsedJSON] {
        let before = received.count
        while server.exitCode == nil, let item = queue.popAvailable() {
            server.handle(item, queue: queue)
        }
        return Array(received[before...])
    }

    /// Queues a request without serving it (to cancel it, or to batch changes).
    @discardableResult
    func queueRequest(_ method: String, _ params: Any? = nil) -> Int {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["jsonrpc": "2.0", "id": id, "method": method]
        if let params { message["params"] = params }
        write(message: message)
        return id
    }

    /// Sends a request, serves it, and returns its response.
    func request(_ method: String, _ params: Any? = nil, file: StaticString = #filePath, line: UInt = #line) -> ParsedJSON {
        let id = queueRequest(method, params)
        let output = flush()
        guard let response = output.first(where: { $0["id"]?.intValue == id }) else {
            XCTFail("no response to \(method)", file: file, line: line)
            return .null
        }
        return response
    }

    /// The result of a request that must succeed.
    func result(_ method: String, _ params: Any? = nil, file: StaticString = #filePath, line: UInt = #line) -> ParsedJSON {
        let response = request(method, params, file: file, line: line)
        if let error = response["error"] { XCTFail("\(method) failed: \(error)", file: file, line: line) }
        return response["result"] ?? .null
    }

    func queueNotification(_ method: String, _ params: Any?) {
        var message: [String: Any] = ["jsonrpc": "2.0", "method": method]
        if let params { message["params"] = params }
        write(message: message)
    }

    @discardableResult
    func notify(_ method: String, _ params: Any?) -> [ParsedJSON] {
        queueNotification(method, params)
        return flush()
    }

    // MARK: - Documents

    /// Opens a document; returns the diagnostics published for it.
    @discardableResult
    func open(_ uri: String, _ text: String, version: Int = 1) -> [ParsedJSON] {
        let output = notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "sched", "version": version, "text": text]])
        return Session.diagnostics(in: output, for: uri) ?? []
    }

    /// Sends one didChange; returns the diagnostics published for it (nil when none were).
    @discardableResult
    func change(_ uri: String, version: Int, _ changes: [[String: Any]]) -> [ParsedJSON]? {
        let output = notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": version], "contentChanges": changes])
        return Session.diagnostics(in: output, for: uri)
    }

    static func diagnostics(in output: [ParsedJSON], for uri: String) -> [ParsedJSON]? {
        output.last { $0["method"]?.stringValue == "textDocument/publishDiagnostics" && $0["params"]?["uri"]?.stringValue == uri }?["params"]?["diagnostics"]?.arrayValue
    }

    static func position(_ line: Int, _ character: Int) -> [String: Any] { ["line": line, "character": character] }

    static func range(_ l1: Int, _ c1: Int, _ l2: Int, _ c2: Int) -> [String: Any] {
        ["start": position(l1, c1), "end": position(l2, c2)]
    }

    static func at(_ uri: String, _ line: Int, _ character: Int) -> [String: Any] {
        ["textDocument": ["uri": uri], "position": position(line, character)]
    }
}

extension ParsedJSON {
    var objectValue: [String: ParsedJSON]? {
        if case .object(let members) = self { return members }
        return nil
    }
}
