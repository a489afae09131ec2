import Foundation
import ScheduleAnalysis
import ScheduleLanguage

/// The language server: owns the lifecycle, the negotiated position encoding, the open
/// documents and their versions, and cancellation; every LSP method is one small handler that
/// converts positions, asks the features (which work in byte offsets on an `Analysis`) and
/// converts back. It writes only through `send` (framed messages) and `log` (never stdout).
public final class LanguageServer {
    public struct Configuration: Sendable {
        /// docs/language.md as a URI; `codeDescription.href` is this plus `#` and the code's anchor.
        public var documentation: String
        public var version: String

        public init(documentation: String, version: String) {
            self.documentation = documentation
            self.version = version
        }
    }

    enum Lifecycle { case uninitialized, running, shutDown }

    let configuration: Configuration
    private let links: CodeLinks
    private let send: (Data) -> Void
    private let log: (String) -> Void
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()
    private(set) var lifecycle = Lifecycle.uninitialized
    public private(set) var encoding = PositionEncoding.utf16
    public private(set) var documents: [String: OpenDocument] = [:]
    /// Each open document's last published diagnostics with their JSON, reused by the next.
    private var publishedDiagnostics: [String: EncodedDiagnostics] = [:]
    /// Set by `exit`: 0 after `shutdown`, 1 otherwise.
    public private(set) var exitCode: Int32?
    /// Versions whose diagnostics were not published because a newer change was waiting.
    public private(set) var droppedDiagnostics = 0

    public init(configuration: Configuration, send: @escaping (Data) -> Void, log: @escaping (String) -> Void) {
        self.configuration = configuration
        links = CodeLinks(documentation: configuration.documentation)
        self.send = send
        self.log = log
        encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys] // deterministic transcripts
    }

    /// Serves until `exit` or the end of the input; returns the process's exit code (1 when the
    /// input ends without `exit`, as LSP asks for a server whose client went away).
    public func run(_ queue: MessageQueue) -> Int32 {
        while exitCode == nil, let item = queue.pop() {
            handle(item, queue: queue)
        }
        return exitCode ?? 1
    }

    /// Handles one item; `queue` (the messages read ahead) tells about cancellations and newer changes.
    public func handle(_ item: MessageQueue.Item, queue: MessageQueue) {
        // What the item replaced is freed after its answer is out.
        defer { reclaimReplacedVersions() }
        switch item {
        case .framingError(let error):
            log("bad message framing: \(error)")
            respond(nil, Result<NullResult, ResponseError>.failure(ResponseError(.parseError, "bad message framing: \(error)")))
        case .message(let message):
            switch message.kind {
            case .unparsable(let reason):
                log("dropped a message: \(reason)")
                respond(nil, Result<NullResult, ResponseError>.failure(ResponseError(.parseError, reason)))
            case .invalid(let id, let reason):
                log("invalid message: \(reason)")
                respond(id, Result<NullResult, ResponseError>.failure(ResponseError(.invalidRequest, reason)))
            case .response:
                break // the server sends no requests whose answers it waits for
            case .notification(let method):
                notification(method, message.body, queue: queue)
            case .request(let id, let method):
                if queue.takeCancellation(of: id) {
                    respond(id, Result<NullResult, ResponseError>.failure(ResponseError(.requestCancelled, "\(method) was cancelled")))
                    return
                }
                request(id, method, message.body)
            }
        }
    }

    // MARK: - Dispatch

    private func request(_ id: RequestID, _ method: String, _ body: Data) {
        switch lifecycle {
        case .uninitialized where method != "initialize":
            respond(id, Result<NullResult, ResponseError>.failure(ResponseError(.serverNotInitialized, "\(method) before initialize")))
            return
        case .running where method == "initialize":
            respond(id, Result<NullResult, ResponseError>.failure(ResponseError(.invalidRequest, "initialize sent twice")))
            return
        case .shutDown:
            respond(id, Result<NullResult, ResponseError>.failure(ResponseError(.invalidRequest, "\(method) after shutdown")))
            return
        default:
            break
        }
        switch method {
        case "initialize": answer(id, body, initialize)
        case "shutdown":
            lifecycle = .shutDown
            respond(id, Result<NullResult, ResponseError>.success(NullResult()))
        case "textDocument/hover": answer(id, body, hover)
        case "textDocument/inlayHint": answer(id, body, inlayHints)
        case "textDocument/completion": answer(id, body, completion)
        case "textDocument/formatting": answer(id, body, formatting)
        case "textDocument/codeAction": answer(id, body, codeActions)
        case "textDocument/documentSymbol": answer(id, body, documentSymbols)
        case "textDocument/semanticTokens/full": answer(id, body, semanticTokens)
        case "textDocument/foldingRange": answer(id, body, foldingRanges)
        default:
            respond(id, Result<NullResult, ResponseError>.failure(ResponseError(.methodNotFound, "unknown method \(method)")))
        }
    }

    private func notification(_ method: String, _ body: Data, queue: MessageQueue) {
        if method == "exit" {
            exitCode = lifecycle == .shutDown ? 0 : 1
            return
        }
        guard lifecycle == .running else {
            log("ignored \(method): the server is \(lifecycle == .uninitialized ? "not initialized" : "shut down")")
            return
        }
        do {
            switch method {
            case "textDocument/didOpen":
                let params = try decode(DidOpenTextDocumentParams.self, body)
                let item = params.textDocument
                documents[item.uri] = OpenDocument(uri: item.uri, version: item.version, text: item.text)
                publishDiagnostics(item.uri, queue: queue)
            case "textDocument/didChange":
                let params = try decode(DidChangeTextDocumentParams.self, body)
                let uri = params.textDocument.uri
                guard var document = documents[uri] else { throw ResponseError(.invalidParams, "\(uri) is not open") }
                do {
                    try document.apply(params.contentChanges, version: params.textDocument.version, encoding: encoding)
                } catch {
                    throw ResponseError(.invalidParams, "\(uri) version \(params.textDocument.version): \(error)")
                }
                documents[uri] = document
                publishDiagnostics(uri, queue: queue)
            case "textDocument/didClose":
                let params = try decode(DidCloseTextDocumentParams.self, body)
                if let closed = documents.removeValue(forKey: params.textDocument.uri) { ServerMemory.release(closed) }
                if let published = publishedDiagnostics.removeValue(forKey: params.textDocument.uri) { ServerMemory.release(published) }
                notify("textDocument/publishDiagnostics", PublishDiagnosticsParams(uri: params.textDocument.uri, diagnostics: []))
            case "initialized", "$/cancelRequest", "$/setTrace", "workspace/didChangeConfiguration", "textDocument/didSave":
                break
            default:
                log("ignored notification \(method)")
            }
        } catch {
            // A notification has no answer: say so where the user can see it.
            let message = "\(method): \((error as? ResponseError)?.message ?? "\(error)")"
            log(message)
            notify("window/logMessage", LogMessageParams(type: 1, message: message))
        }
    }

    /// Decodes the request's parameters, runs `handler`, and sends its result or error.
    private func answer<Params: Decodable, Result: Encodable>(_ id: RequestID, _ body: Data, _ handler: (Params) throws -> Result) {
        do {
            let params = try decode(Params.self, body)
            respond(id, Swift.Result<Result, ResponseError>.success(try handler(params)))
        } catch let error as ResponseError {
            respond(id, Swift.Result<Result, ResponseError>.failure(error))
        } catch {
            respond(id, Swift.Result<Result, ResponseError>.failure(ResponseError(.internalError, "\(error)")))
        }
    }

    private func decode<Params: Decodable>(_ type: Params.Type, _ body: Data) throws -> Params {
        do {
            return try decoder.decode(ParamsEnvelope<Params>.self, from: body).params
        } catch {
            throw ResponseError(.invalidParams, "invalid params: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        @unknown default:
            return "\(error)"
        }
    }

    private func respond<Result: Encodable>(_ id: RequestID?, _ outcome: Swift.Result<Result, ResponseError>) {
        write(ResponseMessage(id: id, outcome: outcome))
    }

    private func notify<Params: Encodable>(_ method: String, _ params: Params) {
        write(NotificationMessage(method: method, params: params))
    }

    private func write<Message: Encodable>(_ message: Message) {
        do {
            send(MessageFramer.frame(try encoder.encode(message)))
        } catch {
            log("cannot encode a message: \(error)")
        }
    }

    // MARK: - Lifecycle

    private func initialize(_ params: InitializeParams) -> InitializeResult {
        encoding = Self.negotiate(params.capabilities?.general?.positionEncodings)
        lifecycle = .running
        if let client = params.clientInfo { log("client \(client.name) \(client.version ?? ""), positions in \(encoding.rawValue)") }
        return InitializeResult(
            capabilities: .init(positionEncoding: encoding.rawValue,
                                completionProvider: .init(triggerCharacters: Completion.triggerCharacters),
                                codeActionProvider: .init(codeActionKinds: [CodeActions.quickFixKind, CodeActions.formatKind]),
                                semanticTokensProvider: .init(legend: SemanticTokenType.legend)),
            serverInfo: .init(name: "schedc", version: configuration.version))
    }

    /// UTF-8 when the client offers it (no conversion at all), else UTF-16, LSP's default
    /// (which every client must support), unless the client offers only UTF-32.
    static func negotiate(_ offered: [String]?) -> PositionEncoding {
        let offered = (offered ?? []).compactMap(PositionEncoding.init(rawValue:))
        if offered.contains(.utf8) { return .utf8 }
        if offered.isEmpty || offered.contains(.utf16) { return .utf16 }
        return offered.contains(.utf32) ? .utf32 : .utf16
    }

    // MARK: - Documents

    /// The current analysis of `uri` (computed once per version and kept).
    private func analysis(_ uri: String) throws -> (Analysis, PlanContext) {
        guard var document = documents[uri] else { throw ResponseError(.invalidParams, "\(uri) is not open") }
        let analysis = document.analysis()
        documents[uri] = document
        return (analysis, PlanContext(current: analysis, lastPlanned: document.lastPlanned))
    }

    /// Hands the analyses replaced by new versions to the background queue that frees them.
    private func reclaimReplacedVersions() {
        for uri in documents.keys {
            let retired = documents[uri]!.takeRetired()
            if !retired.isEmpty { ServerMemory.release(retired) }
        }
    }

    /// Publishes the diagnostics of the document's current version, unless a newer change is
    /// already waiting (that version's diagnostics would be stale on arrival).
    private func publishDiagnostics(_ uri: String, queue: MessageQueue) {
        guard let version = documents[uri]?.version else { return }
        if queue.hasPendingChange(to: uri) {
            droppedDiagnostics += 1
            return
        }
        guard let (analysis, _) = try? analysis(uri) else { return }
        let diagnostics = Diagnostics.lsp(analysis, uri: uri, links: links,
                                          converter: PositionConverter(source: analysis.source, encoding: encoding))
        // A change read while this version was analysed makes its diagnostics stale too.
        if queue.hasPendingChange(to: uri) {
            droppedDiagnostics += 1
            return
        }
        let (message, encoded) = JSONWriter.publishDiagnostics(PublishDiagnosticsParams(uri: uri, version: version, diagnostics: diagnostics),
                                                               reusing: publishedDiagnostics[uri])
        if let replaced = publishedDiagnostics.updateValue(encoded, forKey: uri) { ServerMemory.release(replaced) }
        send(MessageFramer.frame(bytes: message))
    }

    // MARK: - Features: one thin handler each

    private func hover(_ params: TextDocumentPositionParams) throws -> Hover? {
        let (analysis, plans) = try analysis(params.textDocument.uri)
        let converter = PositionConverter(source: analysis.source, encoding: encoding)
        guard let info = HoverInfo.at(converter.offset(params.position), in: analysis, plans: plans) else { return nil }
        return Hover(contents: MarkupContent(value: info.markdown), range: converter.range(info.range))
    }

    private func inlayHints(_ params: InlayHintParams) throws -> [InlayHint] {
        let (analysis, plans) = try analysis(params.textDocument.uri)
        let converter = PositionConverter(source: analysis.source, encoding: encoding)
        let range = converter.sourceRange(params.range)
        return InlayHints.hints(plans).filter { $0.offset >= range.start && $0.offset <= range.end }.map {
            InlayHint(position: converter.position($0.offset), label: $0.label, paddingLeft: true, tooltip: $0.tooltip)
        }
    }

    private func completion(_ params: TextDocumentPositionParams) throws -> CompletionList {
        let (analysis, _) = try analysis(params.textDocument.uri)
        let converter = PositionConverter(source: analysis.source, encoding: encoding)
        return CompletionList(items: Completion.items(at: converter.offset(params.position), in: analysis))
    }

    private func formatting(_ params: DocumentFormattingParams) throws -> [LSPTextEdit]? {
        let (analysis, _) = try analysis(params.textDocument.uri)
        let converter = PositionConverter(source: analysis.source, encoding: encoding)
        // nil (no edits) while the file has syntax errors: formatting a guess could lose text.
        return analysis.formattingEdits?.map(converter.edit)
    }

    private func codeActions(_ params: CodeActionParams) throws -> [CodeAction] {
        let uri = params.textDocument.uri
        let (analysis, _) = try analysis(uri)
        let converter = PositionConverter(source: analysis.source, encoding: encoding)
        return CodeActions.actions(in: converter.sourceRange(params.range), only: params.context?.only, analysis: analysis, uri: uri,
                                   links: links, converter: converter)
    }

    private func documentSymbols(_ params: DocumentFormattingParams) throws -> [DocumentSymbol] {
        let (analysis, plans) = try analysis(params.textDocument.uri)
        let converter = PositionConverter(source: analysis.source, encoding: encoding)
        return Symbols.symbols(analysis, plans: plans).map { $0.lsp(converter) }
    }

    private func semanticTokens(_ params: DocumentFormattingParams) throws -> SemanticTokens {
        let (analysis, _) = try analysis(params.textDocument.uri)
        return SemanticTokens(data: SemanticTokenType.encode(SemanticTokenType.tokens(analysis),
                                                             converter: PositionConverter(source: analysis.source, encoding: encoding)))
    }

    private func foldingRanges(_ params: DocumentFormattingParams) throws -> [FoldingRange] {
        let (analysis, _) = try analysis(params.textDocument.uri)
        return Folding.commentBlocks(analysis).map { FoldingRange(startLine: $0.lowerBound, endLine: $0.upperBound, kind: "comment") }
    }
}
