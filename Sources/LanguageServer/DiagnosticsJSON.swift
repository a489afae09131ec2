import Foundation
import ScheduleLanguage

/// publishDiagnostics written by hand: a long schedule can carry thousands of diagnostics,
/// and Foundation's JSONEncoder took a third of the time from a keystroke to its diagnostics.
/// The bytes are what JSONEncoder writes with `.sortedKeys` and `.withoutEscapingSlashes`
/// (tested), so clients see one format whichever path wrote a message.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) {
        guard value >= 0 else {
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        // Digits written in place, most significant first (positions are written by the thousand).
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy their bytes at once.
        let copied = value.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if copied == true {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0..<0x20:
                raw("\\u00")
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func position(_ position: LSPPosition) {
        raw("{\"character\":")
        int(position.character)
        raw(",\"line\":")
        int(position.line)
        raw("}")
    }

    mutating func range(_ range: LSPRange) {
        raw("{\"end\":")
        position(range.end)
        raw(",\"start\":")
        position(range.start)
        raw("}")
    }

    mutating func edit(_ edit: LSPTextEdit) {
        raw("{\"newText\":")
        string(edit.newText)
        raw(",\"range\":")
        range(edit.range)
        raw("}")
    }

    mutating func array<Element>(_ elements: [Element], _ write: (inout JSONWriter, Element) -> Void) {
        raw("[")
        for (index, element) in elements.enumerated() {
            if index > 0 { raw(",") }
            write(&self, element)
        }
        raw("]")
    }

    mutating func diagnostic(_ diagnostic: LSPDiagnostic) {
        raw("{\"code\":")
        string(diagnostic.code)
        if let description = diagnostic.codeDescription {
            raw(",\"codeDescription\":{\"href\":")
            string(description.href)
            raw("}")
        }
        if let data = diagnostic.data {
            raw(",\"data\":{\"fixes\":")
            array(data.fixes) { writer, fix in
                writer.raw("{\"edits\":")
                writer.array(fix.edits) { $0.edit($1) }
                writer.raw(",\"title\":")
                writer.string(fix.title)
                writer.raw("}")
            }
            raw("}")
        }
        raw(",\"message\":")
        string(diagnostic.message)
        raw(",\"range\":")
        range(diagnostic.range)
        if let related = diagnostic.relatedInformation {
            raw(",\"relatedInformation\":")
            array(related) { writer, information in
                writer.raw("{\"location\":{\"range\":")
                writer.range(information.location.range)
                writer.raw(",\"uri\":")
                writer.string(information.location.uri)
                writer.raw("},\"message\":")
                writer.string(information.message)
                writer.raw("}")
            }
        }
        raw(",\"severity\":")
        int(diagnostic.severity)
        raw(",\"source\":")
        string(diagnostic.source)
        raw("}")
    }

    /// The whole `textDocument/publishDiagnostics` notification.
    static func publishDiagnostics(_ params: PublishDiagnosticsParams) -> [UInt8] {
        publishDiagnostics(params, reusing: nil).message
    }

    /// The notification, copying the bytes of each diagnostic that `previous` (the document's
    /// last publication) already wrote; and what this one wrote, for the next. An edit leaves
    /// most diagnostics as they were (those on other lines keep their line and column), and a
    /// diagnostic's JSON depends on nothing but the diagnostic.
    /// From `parallelFrom` diagnostics on, written in two halves at once (the same bytes).
    static func publishDiagnostics(_ params: PublishDiagnosticsParams, reusing previous: EncodedDiagnostics?,
                                   parallelFrom: Int = parallelDiagnostics) -> (message: [UInt8], encoded: EncodedDiagnostics) {
        let diagnostics = params.diagnostics
        let count = diagnostics.count
        // A long list is written in two halves at once, the second appended to the first.
        let pieces = TwoHalves.map(count, parallelFrom: parallelFrom) { indices -> (writer: JSONWriter, ranges: [Range<Int>], reused: Int) in
            var writer = JSONWriter(capacity: 256 + 512 * indices.count)
            if indices.lowerBound == 0 {
                writer.raw("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{\"diagnostics\":[")
            }
            // Each half looks for its first diagnostic where the old list has it if the count is unchanged.
            var matcher = previous.map { EncodedDiagnostics.Matcher($0, from: $0.diagnostics.count * indices.lowerBound / max(1, count)) }
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(indices.count)
            var reused = 0
            for index in indices {
                if index > 0 { writer.raw(",") }
                let start = writer.bytes.count
                if let bytes = matcher?.bytes(of: diagnostics[index]) {
                    writer.bytes.append(contentsOf: bytes)
                    reused += 1
                } else {
                    writer.diagnostic(diagnostics[index])
                }
                ranges.append(start..<writer.bytes.count)
            }
            return (writer, ranges, reused)
        }
        var writer = pieces[0].writer
        var ranges = pieces[0].ranges
        var reused = pieces[0].reused
        for piece in pieces.dropFirst() {
            let base = writer.bytes.count
            writer.bytes.append(contentsOf: piece.writer.bytes)
            ranges += piece.ranges.map { ($0.lowerBound + base)..<($0.upperBound + base) }
            reused += piece.reused
        }
        writer.raw("],\"uri\":")
        writer.string(params.uri)
        if let version = params.version {
            writer.raw(",\"version\":")
            writer.int(version)
        }
        writer.raw("}}")
        return (writer.bytes, EncodedDiagnostics(diagnostics: diagnostics, message: writer.bytes, ranges: ranges, reused: reused))
    }

    /// Diagnostics from which a publication is written on two threads.
    static let parallelDiagnostics = 2048
}

/// One publication's diagnostics and where each one's JSON lies in its message.
struct EncodedDiagnostics: Sendable {
    let diagnostics: [LSPDiagnostic]
    let message: [UInt8]
    let ranges: [Range<Int>]
    /// How many diagnostics were copied from the publication before.
    let reused: Int

    /// Finds a new publication's diagnostics among the old ones: first in step (an edit
    /// changes, adds or removes few diagnostics, and both lists are sorted by position), and
    /// by value once two in a row are not where the step expects them.
    struct Matcher {
        let previous: EncodedDiagnostics
        var next = 0
        var misses = 0
        var byValue: [LSPDiagnostic: Int]?

        init(_ previous: EncodedDiagnostics, from first: Int = 0) {
            self.previous = previous
            next = first
        }

        mutating func bytes(of diagnostic: LSPDiagnostic) -> ArraySlice<UInt8>? {
            let old = previous.diagnostics
            var found: Int?
            if next < old.count, old[next] == diagnostic {
                found = next
            } else if next + 1 < old.count, old[next + 1] == diagnostic {
                found = next + 1 // one changed or removed
            } else if misses > 0 || byValue != nil {
                if byValue == nil {
                    var index: [LSPDiagnostic: Int] = [:]
                    index.reserveCapacity(old.count)
                    for (position, value) in old.enumerated() where index[value] == nil { index[value] = position }
                    byValue = index
                }
                found = byValue![diagnostic]
            }
            guard let found else {
                misses += 1
                return nil
            }
            misses = 0
            next = found + 1
            return previous.message[previous.ranges[found]]
        }
    }
}
