import Foundation

/// Why a piece of the byte stream is not a message. The framer drops the offending header block
/// (or the whole buffer when no header ever ends) and goes on with the bytes after it.
public enum FramingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A header line without `:` (e.g. stray bytes before `Content-Length`).
    case malformedHeaderLine(String)
    /// A header block without `Content-Length`.
    case missingContentLength
    /// `Content-Length` that is not a whole number in range.
    case invalidContentLength(String)
    /// More header bytes than any client sends without ending the block ("\r\n\r\n").
    case headerTooLong

    public var description: String {
        switch self {
        case .malformedHeaderLine(let line): return "malformed header line '\(line)'"
        case .missingContentLength: return "header without Content-Length"
        case .invalidContentLength(let value): return "invalid Content-Length '\(value)'"
        case .headerTooLong: return "header longer than \(MessageFramer.maximumHeaderLength) bytes"
        }
    }
}

/// One item cut from the byte stream: a message body, or the reason some bytes were dropped.
public enum FramedItem: Hashable, Sendable {
    case message(Data)
    case error(FramingError)
}

/// LSP's base protocol: `Content-Length: N\r\n` (and optionally `Content-Type`), a blank line,
/// then N bytes of JSON. Bytes arrive in arbitrary pieces (a message split across reads, several
/// in one read); `append` buffers them and `next` returns each complete item once.
public struct MessageFramer: Sendable {
    static let maximumHeaderLength = 8 * 1024
    /// A body larger than this is refused as a bad header rather than awaited forever.
    static let maximumContentLength = 256 * 1024 * 1024

    private var buffer: [UInt8] = []
    /// Where the unconsumed bytes start (compacted lazily, so a long stream stays linear).
    private var start = 0
    /// The body length of a header already read, while its body is incomplete.
    private var pendingLength: Int?

    public init() {}

    public mutating func append(_ data: Data) {
        buffer.append(contentsOf: data)
    }

    public mutating func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete item, or nil when more bytes are needed.
    public mutating func next() -> FramedItem? {
        if let length = pendingLength {
            guard buffer.count - start >= length else { return nil }
            let body = Data(buffer[start..<(start + length)])
            consume(length)
            pendingLength = nil
            return .message(body)
        }
        guard let end = headerEnd() else {
            if buffer.count - start > MessageFramer.maximumHeaderLength {
                consume(buffer.count - start)
                return .error(.headerTooLong)
            }
            return nil
        }
        let header = String(decoding: buffer[start..<end], as: UTF8.self)
        consume(end + 4 - start)
        switch MessageFramer.contentLength(ofHeader: header) {
        case .failure(let error):
            return .error(error)
        case .success(let length):
            pendingLength = length
            return next()
        }
    }

    /// The offset of the "\r\n\r\n" ending the header at `start`.
    private func headerEnd() -> Int? {
        var index = start
        while index + 3 < buffer.count {
            if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }

    private mutating func consume(_ count: Int) {
        start += count
        if start > 64 * 1024, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }

    static func contentLength(ofHeader header: String) -> Result<Int, FramingError> {
        var length: Int?
        for line in header.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { return .failure(.malformedHeaderLine(String(line.prefix(80)))) }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard name.lowercased() == "content-length" else { continue } // Content-Type and others are ignored
            guard let number = Int(value), number >= 0, number <= maximumContentLength else {
                return .failure(.invalidContentLength(String(value.prefix(40))))
            }
            length = number
        }
        guard let length else { return .failure(.missingContentLength) }
        return .success(length)
    }

    /// `body` with its header, ready to write.
    public static func frame(_ body: Data) -> Data {
        var data = Data("Content-Length: \(body.count)\r\n\r\n".utf8)
        data.append(body)
        return data
    }

    /// `body` with its header, ready to write, copied once (a publication can be megabytes).
    static func frame(bytes body: [UInt8]) -> Data {
        let header = "Content-Length: \(body.count)\r\n\r\n".utf8
        var data = Data(capacity: header.count + body.count)
        data.append(contentsOf: header)
        body.withUnsafeBufferPointer { data.append($0) }
        return data
    }
}
