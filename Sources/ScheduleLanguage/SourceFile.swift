/// One source file: its path (as the user named it), its text, and a line table that turns
/// UTF-8 byte offsets (what `SourceRange` stores) into positions for people and editors.
///
/// - Human positions are 1-based lines and 1-based *display* columns: a tab advances to the
///   next tab stop (every 8 columns: 1, 9, 17, ...), East Asian wide characters and emoji take
///   two columns, combining marks none, every other character one. The diagnostic renderer
///   expands tabs the same way, so carets sit under the text they point at whatever the line
///   contains.
/// - Editor positions are 0-based lines and 0-based offsets within the line in UTF-8, UTF-16
///   (the Language Server Protocol's default) or UTF-32 code units: `position(of:in:)` and
///   `offset(of:in:)` in Position.swift.
///
/// Lines end at "\n", "\r\n" or a lone "\r" (the lexer and LSP agree on this).
public struct SourceFile: Sendable {
    public let path: String
    public let text: String
    /// The text's UTF-8 bytes; every `SourceRange` indexes into these.
    public let bytes: [UInt8]
    /// Byte offset at which each line starts; `lineStarts[0] == 0`.
    public let lineStarts: [Int]
    /// True when every byte is ASCII and none is a tab: then a byte offset within a line is also
    /// its display column and its UTF-16 and UTF-32 offset, and positions need no scan of the
    /// line (which made a diagnostic per event on one long line quadratic).
    public let isPlainASCII: Bool

    public static let tabWidth = 8

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        let bytes = Array(text.utf8)
        self.bytes = bytes
        var starts = [0]
        var index = 0
        var plain = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x80 || byte == UInt8(ascii: "\t") { plain = false }
            if byte == UInt8(ascii: "\n") {
                starts.append(index + 1)
            } else if byte == UInt8(ascii: "\r") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
                starts.append(index + 1)
            }
            index += 1
        }
        lineStarts = starts
        isPlainASCII = plain
    }

    /// Whether a line starts at `offset`.
    public func isLineStart(_ offset: Int) -> Bool {
        offset >= 0 && offset <= bytes.count && lineStarts[lineIndex(containing: offset)] == offset
    }

    /// Lines in the line table: a final line terminator starts one more, empty, line.
    public var lineCount: Int { lineStarts.count }

    /// Lines as an editor or `wc -l` counts them (a final line terminator ends the last line).
    public var textLineCount: Int {
        lineStarts.count - (lineStarts.last == bytes.count && !bytes.isEmpty ? 1 : 0)
    }

    /// The 0-based index of the line holding `offset` (offsets past the end clamp to the last line).
    public func lineIndex(containing offset: Int) -> Int {
        let offset = max(0, min(offset, bytes.count))
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// `lineIndex(containing:)`, trying line `hint` and the one after it before searching.
    public func lineIndex(containing offset: Int, near hint: Int) -> Int {
        let offset = max(0, min(offset, bytes.count))
        if hint >= 0, hint < lineStarts.count, lineStarts[hint] <= offset {
            if hint + 1 == lineStarts.count || offset < lineStarts[hint + 1] { return hint }
            if hint + 2 == lineStarts.count || offset < lineStarts[hint + 2] { return hint + 1 }
        }
        return lineIndex(containing: offset)
    }

    /// Byte range of line `index` (0-based) without its terminator.
    public func lineContentRange(_ index: Int) -> SourceRange {
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] : bytes.count
        while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return SourceRange(start: start, end: end)
    }

    /// The text of line `index` (0-based) without its terminator.
    public func lineText(_ index: Int) -> String {
        slice(lineContentRange(index))
    }

    /// The source text in `range` (offsets clamped to the file and to scalar boundaries).
    public func slice(_ range: SourceRange) -> String {
        let start = scalarBoundary(atOrBefore: range.start)
        let end = max(start, scalarBoundary(atOrBefore: range.end))
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// 1-based line and 1-based display column of `offset` (see the type's documentation).
    public func location(of offset: Int) -> (line: Int, column: Int) {
        let offset = scalarBoundary(atOrBefore: offset)
        let line = lineIndex(containing: offset)
        if isPlainASCII { return (line + 1, offset - lineStarts[line] + 1) }
        let prefix = String(decoding: bytes[lineStarts[line]..<max(lineStarts[line], offset)], as: UTF8.self)
        return (line + 1, SourceFile.displayWidth(of: prefix) + 1)
    }

    /// The offset clamped into the file and moved back to the first byte of its Unicode scalar.
    public func scalarBoundary(atOrBefore offset: Int) -> Int {
        var offset = max(0, min(offset, bytes.count))
        // UTF-8 continuation bytes are 0b10xxxxxx.
        while offset > 0, offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset -= 1 }
        return offset
    }

    // MARK: - Display width

    /// Columns `text` takes on a terminal, starting at column 1, with tabs expanded to the
    /// next multiple of `tabWidth`.
    public static func displayWidth(of text: String) -> Int {
        var width = 0
        for character in text {
            width = advance(width, over: character)
        }
        return width
    }

    /// The display column (0-based) after `character` when it starts at `column` (0-based).
    public static func advance(_ column: Int, over character: Character) -> Int {
        if character == "\t" { return (column / tabWidth + 1) * tabWidth }
        return column + width(of: character)
    }

    /// Columns one character takes: 0 for a lone combining mark or a zero-width character,
    /// 2 for East Asian wide/fullwidth characters and emoji, otherwise 1.
    public static func width(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let value = first.value
        if value < 0x300 { return 1 } // ASCII and Latin: the common case
        if first.properties.generalCategory == .nonspacingMark
            || first.properties.generalCategory == .enclosingMark
            || value == 0x200B || value == 0x200C || value == 0x200D || value == 0xFEFF {
            return 0
        }
        if isWide(value) { return 2 }
        if character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 } // emoji presentation
        return 1
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges, and the emoji blocks terminals draw wide.
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
             0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
             0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF,
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F,
             0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
