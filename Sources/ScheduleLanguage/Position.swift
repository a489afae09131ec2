/// The unit an editor counts a position's `character` in (LSP's `PositionEncodingKind`):
/// UTF-16 code units is LSP's default, UTF-8 bytes and UTF-32 (Unicode scalars) the others.
/// "é" is 2, 1, 1 units; "界" 3, 1, 1; "😀" 4, 2, 1.
public enum PositionEncoding: String, CaseIterable, Hashable, Sendable {
    case utf8 = "utf-8"
    case utf16 = "utf-16"
    case utf32 = "utf-32"

    /// Code units `scalar` takes in this encoding.
    func width(of scalar: Unicode.Scalar) -> Int {
        switch self {
        case .utf8: return UTF8.width(scalar)
        case .utf16: return UTF16.width(scalar)
        case .utf32: return 1
        }
    }
}

/// A place in a document as an editor names it: a 0-based line and a 0-based `character`
/// counted in some `PositionEncoding`'s code units from the start of the line.
public struct Position: Hashable, Sendable, Comparable {
    public var line: Int
    public var character: Int

    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    public static func < (a: Position, b: Position) -> Bool { (a.line, a.character) < (b.line, b.character) }
}

extension SourceFile {
    /// The position of byte `offset` (clamped into the file and back to the start of its
    /// character). Lines end at "\n", "\r\n" or "\r", as in the line table.
    public func position(of offset: Int, in encoding: PositionEncoding) -> Position {
        position(of: offset, in: encoding, nearLine: -1)
    }

    /// `position(of:in:)`, looking for the line at `hint` and the one after first: positions
    /// converted in order (a sorted list of diagnostics) are mostly there.
    public func position(of offset: Int, in encoding: PositionEncoding, nearLine hint: Int) -> Position {
        let offset = scalarBoundary(atOrBefore: offset)
        let line = lineIndex(containing: offset, near: hint)
        if isPlainASCII { return Position(line: line, character: offset - lineStarts[line]) }
        let start = lineStarts[line]
        if encoding == .utf8 { return Position(line: line, character: max(0, offset - start)) }
        // Counted on the bytes (the text is valid UTF-8): each scalar starts with a non-continuation
        // byte, and a 4-byte one (lead 0xF0...) is two UTF-16 units.
        var character = 0
        var index = start
        while index < offset {
            let byte = bytes[index]
            if byte & 0xC0 != 0x80 { character += encoding == .utf16 && byte >= 0xF0 ? 2 : 1 }
            index += 1
        }
        return Position(line: line, character: character)
    }

    /// The byte offset of `position`, the way LSP resolves positions that are not exact: a
    /// `character` past the end of the line means the end of the line (before its terminator);
    /// a negative line or character means the start of the file or line; a line past the last
    /// means the end of the file; a `character` inside a character (between the two UTF-16
    /// units of an emoji, or inside a UTF-8 sequence) means that character's start.
    public func offset(of position: Position, in encoding: PositionEncoding) -> Int {
        guard position.line >= 0 else { return 0 }
        guard position.line < lineStarts.count else { return bytes.count }
        let content = lineContentRange(position.line)
        var remaining = max(0, position.character)
        var offset = content.start
        for scalar in slice(content).unicodeScalars {
            let width = encoding.width(of: scalar)
            if remaining < width { break }
            remaining -= width
            offset += UTF8.width(scalar)
        }
        return offset
    }

    /// `range` as a pair of positions.
    public func positions(of range: SourceRange, in encoding: PositionEncoding) -> (start: Position, end: Position) {
        (position(of: range.start, in: encoding), position(of: range.end, in: encoding))
    }
}
