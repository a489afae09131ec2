import Foundation
import JSONSupport
import LanguageServer
import TestSupport
import XCTest

/// The base protocol: framing, JSON-RPC errors, the lifecycle, cancellation and stale versions.
final class FramingTests: XCTestCase {
    func frame(_ json: String) -> [UInt8] { Array("Content-Length: \(json.utf8.count)\r\n\r\n\(json)".utf8) }

    func messages(_ bytes: [UInt8], pieces: Int = 1) -> [FramedItem] {
        var framer = MessageFramer()
        var items: [FramedItem] = []
        let size = max(1, bytes.count / pieces)
        var start = 0
        while start < bytes.count {
            framer.append(Array(bytes[start..<min(bytes.count, start + size)]))
            while let item = framer.next() { items.append(item) }
            start += size
        }
        return items
    }

    func testSplitAndConcatenatedMessages() {
        let a = #"{"jsonrpc":"2.0","id":1,"method":"a"}"#, b = #"{"jsonrpc":"2.0","method":"é界😀"}"#
        let stream = frame(a) + frame(b) + frame(a)
        let expected: [FramedItem] = [.message(Data(a.utf8)), .message(Data(b.utf8)), .message(Data(a.utf8))]
        XCTAssertEqual(messages(stream), expected, "concatenated in one read")
        XCTAssertEqual(messages(stream, pieces: stream.count), expected, "one byte per read")
        XCTAssertEqual(messages(stream, pieces: 7), expected, "split anywhere")
    }

    func testHeadersOtherThanContentLengthAreIgnored() {
        let body = #"{"jsonrpc":"2.0","method":"x"}"#
        let bytes = Array("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        XCTAssertEqual(messages(bytes), [.message(Data(body.utf8))])
    }

    func testBadHeadersAreReportedAndTheNextMessageIsRead() {
        let good = #"{"jsonrpc":"2.0","method":"x"}"#
        let cases: [(String, FramingError)] = [
            ("Content-Type: text\r\n\r\n", .missingContentLength),
            ("Content-Length: many\r\n\r\n", .invalidContentLength("many")),
            ("Content-Length: -3\r\n\r\n", .invalidContentLength("-3")),
            ("garbage\r\n\r\n", .malformedHeaderLine("garbage")),
        ]
        for (header, error) in cases {
            XCTAssertEqual(messages(Array(header.utf8) + frame(good)), [.error(error), .message(Data(good.utf8))], header)
        }
        var framer = MessageFramer()
        framer.append([UInt8](repeating: UInt8(ascii: "x"), count: 9000))
        XCTAssertEqual(framer.next(), .error(.headerTooLong))
        framer.append(frame(good))
        XCTAssertEqual(framer.next(), .message(Data(good.utf8)))
    }
}

final class ProtocolTests: XCTestCase {
    let uri = "file:///schedules/a.sched"
    let clean = """
    schedule s
    data cifar10
    epochs 200
    lr 0.1
    batch 128
    max_batch 5120
    optimizer sgd(momentum: 0.9)
    at epoch 60, 120, 160: noise /= 5

    """

    func errorCode(_ response: ParsedJSON) -> Int? { response["error"]?["code"]?.intValue }

    func testInitializeNegotiatesThePositionEncoding() {
        let cases: [([String]?, String)] = [
            (["utf-16", "utf-8"], "utf-8"), (["utf-16"], "utf-16"), (nil, "utf-16"), ([], "utf-16"),
            (["utf-32"], "utf-32"), (["utf-32", "utf-16"], "utf-16"), (["latin-1"], "utf-16"),
        ]
        for (offered, chosen) in cases {
            let session = Session()
            var capabilities: [String: Any] = [:]
            if let offered { capabilities["general"] = ["positionEncodings": offered] }
            let result = session.result("initialize", ["capabilities": capabilities])
            XCTAssertEqual(result["capabilities"]?["positionEncoding"]?.stringValue, chosen, "\(offered ?? [])")
            XCTAssertEqual(result["capabilities"]?["textDocumentSync"]?["change"]?.intValue, 2)
            XCTAssertEqual(result["serverInfo"]?["name"]?.stringValue, "schedc")
        }
    }

    func testRequestsBeforeInitializeAndUnknownMethods() {
        let session = Session()
        XCTAssertEqual(errorCode(session.request("textDocument/hover", Session.at(uri, 0, 0))), -32002)
        XCTAssertNotNil(session.result("initialize", ["capabilities": [:]])["capabilities"])
        XCTAssertEqual(errorCode(session.request("initialize", ["capabilities": [:]])), -32600, "initialize twice")
        XCTAssertEqual(errorCode(session.request("textDocument/rename", [:])), -32601)
        XCTAssertEqual(errorCode(session.request("textDocument/hover", ["textDocument": 3])), -32602)
        XCTAssertEqual(errorCode(session.request("textDocument/hover", Session.at("file:///not-open.sched", 0, 0))), -32602)
        XCTAssertTrue(session.notify("workspace/somethingNew", [:]).isEmpty, "unknown notifications are ignored")
    }

    func testMalformedMessagesAreAnsweredAndTheServerGoesOn() {
        let session = Session(encodings: nil)
        let bodies: [(String, Int)] = [
            ("{not json", -32700), ("[1, 2]", -32600), (#"{"id": 7, "method": "shutdown"}"#, -32600),
            (#"{"jsonrpc": "2.0", "id": 8, "method": 3}"#, -32600), (#"{"jsonrpc": "2.0", "id": {}, "method": "x"}"#, -32600),
            (#"{"jsonrpc": "2.0"}"#, -32600), ("", -32700),
        ]
        for (body, code) in bodies {
            session.write(Array("Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
            let output = session.flush()
            XCTAssertEqual(output.count, 1, body)
            XCTAssertEqual(output.first.flatMap(errorCode), code, body)
        }
        XCTAssertEqual(errorCode(session.request("x")), -32601)
        session.write(Array("Content-Length: x\r\n\r\n".utf8))
        XCTAssertEqual(session.flush().first.flatMap(errorCode), -32700, "bad framing")
        XCTAssertEqual(session.open(uri, clean), [], "still serving")
    }

    func testShutdownThenExitIsZeroExitAloneIsOne() {
        let session = Session(encodings: nil)
        XCTAssertEqual(session.request("shutdown")["result"], .null)
        XCTAssertEqual(errorCode(session.request("textDocument/hover", Session.at(uri, 0, 0))), -32600, "after shutdown")
        session.notify("exit", nil)
        XCTAssertEqual(session.server.exitCode, 0)

        let abrupt = Session(encodings: nil)
        abrupt.notify("exit", nil)
        XCTAssertEqual(abrupt.server.exitCode, 1)

        // The real loop: the input ends without exit.
        let queue = MessageQueue()
        queue.close()
        XCTAssertEqual(LanguageServer(configuration: .init(documentation: "x", version: "t"), send: { _ in }, log: { _ in }).run(queue), 1)
    }

    func testCancelledRequestsAreAnsweredWithRequestCancelled() {
        let session = Session(encodings: nil)
        session.open(uri, clean)
        let cancelled = session.queueRequest("textDocument/hover", Session.at(uri, 7, 30))
        let kept = session.queueRequest("textDocument/hover", Session.at(uri, 7, 30))
        session.queueNotification("$/cancelRequest", ["id": cancelled])
        session.queueNotification("$/cancelRequest", ["id": 999]) // unknown: ignored
        let output = session.flush()
        XCTAssertEqual(output.count, 2)
        XCTAssertEqual(output.first { $0["id"]?.intValue == cancelled }.flatMap(errorCode), -32800)
        XCTAssertNotNil(output.first { $0["id"]?.intValue == kept }?["result"]?["contents"])
    }

    func testDiagnosticsOfAStaleVersionAreDropped() {
        let session = Session(encodings: nil)
        session.open(uri, clean)
        for version in 2...4 {
            session.queueNotification("textDocument/didChange", ["textDocument": ["uri": uri, "version": version],
                                                                 "contentChanges": [["text": clean.replacingOccurrences(of: "lr 0.1", with: "lr \(version)")]]])
        }
        let published = session.flush().filter { $0["method"]?.stringValue == "textDocument/publishDiagnostics" }
        XCTAssertEqual(published.map { $0["params"]?["version"]?.intValue }, [4], "only the newest version is analysed")
        XCTAssertEqual(session.server.documents[uri]?.version, 4)
        XCTAssertEqual(session.server.droppedDiagnostics, 2)
    }

    /// A notification has no answer: one the server cannot act on is reported to the user.
    func testAChangeToADocumentNotOpenIsReportedWithLogMessage() {
        let session = Session(encodings: nil)
        session.open(uri, "é")
        let output = session.notify("textDocument/didChange", ["textDocument": ["uri": "file:///other.sched", "version": 2],
                                                               "contentChanges": [["text": "x"]]])
        XCTAssertEqual(output.first?["method"]?.stringValue, "window/logMessage")
        XCTAssertEqual(output.first?["params"]?["type"]?.intValue, 1)
        XCTAssertTrue(session.logs.contains { $0.contains("not open") })
        XCTAssertEqual(session.server.documents[uri]?.text, "é", "the open document is untouched")
        // Positions past the end of a line or the text mean its end, as LSP says.
        session.change(uri, version: 3, [["range": Session.range(0, 9, 7, 0), "text": "!"]])
        XCTAssertEqual(session.server.documents[uri]?.text, "é!")
    }

    /// ≥ 1 000 random messages, framed and not: the server answers what it can and keeps serving.
    func testRandomGarbageDoesNotStopTheServer() {
        var random = TestRandom(seed: 12)
        let session = Session(encodings: ["utf-8"])
        session.open(uri, clean)
        let methods = ["initialize", "shutdown", "textDocument/hover", "textDocument/didChange", "textDocument/didOpen",
                       "textDocument/completion", "textDocument/formatting", "textDocument/codeAction", "textDocument/inlayHint",
                       "textDocument/semanticTokens/full", "textDocument/documentSymbol", "textDocument/foldingRange",
                       "$/cancelRequest", "nope"]
        func randomValue(_ depth: Int) -> Any {
            switch random.below(depth > 2 ? 4 : 7) {
            case 0: return random.int(-5...400)
            case 1: return random.pick(["", "é界😀", uri, "\u{0}", "{"])
            case 2: return random.bool()
            case 3: return NSNull()
            case 4: return (0..<random.below(4)).map { _ in randomValue(depth + 1) }
            default:
                let keys = ["textDocument", "uri", "position", "line", "character", "range", "start", "end", "text",
                            "contentChanges", "version", "id", "capabilities", "context"]
                var object: [String: Any] = [:]
                for _ in 0..<random.below(5) { object[random.pick(keys)] = randomValue(depth + 1) }
                return object
            }
        }
        for index in 0..<1200 {
            switch random.below(4) {
            case 0: // random bytes, sometimes with a header
                var bytes = (0..<random.below(60)).map { _ in UInt8(random.below(256)) }
                if random.bool() { bytes = Array("Content-Length: \(bytes.count)\r\n\r\n".utf8) + bytes }
                session.write(bytes)
            case 1: // a well-framed message of random shape
                var message: [String: Any] = ["jsonrpc": random.chance(0.9) ? "2.0" : "1.0", "method": methods[random.below(methods.count)]]
                if random.bool() { message["id"] = random.bool() ? index : "s\(index)" as Any }
                message["params"] = randomValue(0)
                if methods.contains(message["method"] as! String), random.chance(0.5) {
                    message["params"] = ["textDocument": ["uri": uri, "version": index + 2], "position": Session.position(random.int(-2...12), random.int(-2...80)),
                                         "range": Session.range(random.int(-1...9), random.int(0...40), random.int(-1...9), random.int(0...40)),
                                         "contentChanges": [["range": Session.range(random.int(0...9), random.int(0...40), random.int(0...9), random.int(0...40)),
                                                             "text": random.pick(["é", "\n", "界😀", "at epoch 5: noise /= 2\n", ""])]]]
                }
                if message["method"] as? String == "shutdown" || message["method"] as? String == "exit" { message["method"] = "nope" }
                session.write(message: message)
            case 2: // a truncated frame, completed by garbage that may or may not end it
                session.write(Array("Content-Length: 30\r\n\r\n{\"jsonrpc\":".utf8))
                session.write((0..<random.below(40)).map { _ in UInt8(random.below(128)) })
            default: // valid JSON that is not a message
                session.write(message: [randomValue(2)])
            }
            session.flush()
        }
        // Flush any half-read frame with a long enough tail, then check the server still serves.
        session.write([UInt8](repeating: UInt8(ascii: " "), count: 100) + Array("\r\n\r\n".utf8))
        session.flush()
        XCTAssertNil(session.server.exitCode)
        let hover = session.request("textDocument/hover", Session.at("file:///fresh.sched", 0, 0))
        XCTAssertEqual(hover["error"]?["code"]?.intValue, -32602, "the server still answers")
        XCTAssertEqual(session.open("file:///fresh.sched", clean), [])
    }
}
