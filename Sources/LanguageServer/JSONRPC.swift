import Foundation

/// A request's `id`: JSON-RPC allows a number or a string.
public enum RequestID: Hashable, Sendable, Codable, CustomStringConvertible {
    case number(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .number(let value): return "\(value)"
        case .string(let value): return "\"\(value)\""
        }
    }
}

/// JSON-RPC's and LSP's error codes.
public enum ErrorCode: Int, Hashable, Sendable, Codable {
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case internalError = -32603
    /// LSP: a request other than `initialize` before `initialize`.
    case serverNotInitialized = -32002
    /// LSP: any request after `shutdown`.
    case invalidRequestAfterShutdown = -32099
    /// LSP: the client cancelled the request.
    case requestCancelled = -32800
}

public struct ResponseError: Error, Hashable, Sendable, Codable {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// What kind of JSON-RPC message a body is, read leniently so a bad message can still be
/// answered with its `id` where it has one.
public struct IncomingMessage: Sendable {
    public enum Kind: Sendable, Hashable {
        case request(RequestID, method: String)
        case notification(method: String)
        /// A reply to a request the server sent (the server sends none that need an answer).
        case response(RequestID?)
        /// Valid JSON that is not a JSON-RPC 2.0 message; `id` when one could be read.
        case invalid(RequestID?, reason: String)
        /// Not JSON at all.
        case unparsable(reason: String)
    }

    public let kind: Kind
    /// The whole body, decoded again with the method's typed parameters.
    public let body: Data
    /// For notifications about a document (`didChange`, `didClose`): its URI, so the queue can
    /// tell that a newer change is already waiting.
    public let documentURI: String?
    /// For `$/cancelRequest`: the request to cancel.
    public let cancelledID: RequestID?

    public var method: String? {
        switch kind {
        case .request(_, let method), .notification(let method): return method
        default: return nil
        }
    }

    public init(body: Data) {
        self.body = body
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: body)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            kind = .invalid(nil, reason: "a message is a JSON object")
            documentURI = nil
            cancelledID = nil
            return
        } catch {
            kind = .unparsable(reason: "not JSON")
            documentURI = nil
            cancelledID = nil
            return
        }
        documentURI = envelope.params?.textDocument?.uri
        cancelledID = envelope.method == "$/cancelRequest" ? envelope.params?.id : nil
        if envelope.jsonrpc != "2.0" {
            kind = .invalid(envelope.id, reason: "'jsonrpc' must be \"2.0\"")
        } else if envelope.methodIsMalformed {
            kind = .invalid(envelope.id, reason: "'method' must be a string")
        } else if envelope.idIsMalformed {
            kind = .invalid(nil, reason: "'id' must be a number or a string")
        } else if let method = envelope.method {
            kind = envelope.id.map { .request($0, method: method) } ?? .notification(method: method)
        } else if envelope.isResponse {
            kind = .response(envelope.id)
        } else {
            kind = .invalid(envelope.id, reason: "a message has a 'method' or a 'result' or 'error'")
        }
    }

    /// The members every message may have, each read without failing the whole decode.
    private struct Envelope: Decodable {
        var jsonrpc: String?
        var id: RequestID?
        var idIsMalformed = false
        var method: String?
        var methodIsMalformed = false
        var isResponse = false
        var params: Params?

        struct Params: Decodable {
            struct TextDocument: Decodable { var uri: String? }
            var textDocument: TextDocument?
            var id: RequestID?
        }

        enum CodingKeys: String, CodingKey { case jsonrpc, id, method, params, result, error }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            jsonrpc = try? c.decodeIfPresent(String.self, forKey: .jsonrpc)
            if c.contains(.id), !((try? c.decodeNil(forKey: .id)) ?? false) {
                id = try? c.decode(RequestID.self, forKey: .id)
                idIsMalformed = id == nil
            }
            if c.contains(.method) {
                method = try? c.decode(String.self, forKey: .method)
                methodIsMalformed = method == nil
            }
            isResponse = c.contains(.result) || c.contains(.error)
            params = try? c.decodeIfPresent(Params.self, forKey: .params)
        }
    }
}

/// `{"jsonrpc": "2.0", "id": ..., "result": ...}` or `... "error": {...}`; `id` is null when
/// the request's could not be read.
struct ResponseMessage<Result: Encodable>: Encodable {
    var id: RequestID?
    var outcome: Swift.Result<Result, ResponseError>

    enum CodingKeys: String, CodingKey { case jsonrpc, id, result, error }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("2.0", forKey: .jsonrpc)
        try c.encode(id, forKey: .id)
        switch outcome {
        case .success(let result): try c.encode(result, forKey: .result)
        case .failure(let error): try c.encode(error, forKey: .error)
        }
    }
}

struct NotificationMessage<Params: Encodable>: Encodable {
    var jsonrpc = "2.0"
    var method: String
    var params: Params
}

/// The `params` of a message, decoded with the method's type.
struct ParamsEnvelope<Params: Decodable>: Decodable {
    var params: Params
}

/// JSON-RPC's `null` result (shutdown's, for instance).
struct NullResult: Encodable {
    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encodeNil()
    }
}
