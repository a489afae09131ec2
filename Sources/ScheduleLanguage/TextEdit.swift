/// Replace the text in `range` with `newText` (an insertion when the range is empty, a deletion
/// when `newText` is empty). Ranges are UTF-8 byte offsets into the text the edit was made
/// for, like every `SourceRange`; `SourceFile.position(of:in:)` converts them for editors.
public struct TextEdit: Hashable, Sendable {
    public var range: SourceRange
    public var newText: String

    public init(range: SourceRange, newText: String) {
        self.range = range
        self.newText = newText
    }
}

/// Why a set of edits cannot be applied. Applying edits never traps: a bad set is refused
/// whole, and the text is left as it was.
public enum TextEditError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The edit's range ends past the end of the text.
    case outOfRange(TextEdit, textLength: Int)
    /// The edit's range starts or ends inside a character's UTF-8 bytes.
    case splitsCharacter(TextEdit)
    /// Two edits touch the same text (an insertion strictly inside a replaced range counts).
    case overlap(TextEdit, TextEdit)

    public var description: String {
        switch self {
        case .outOfRange(let edit, let length):
            return "edit \(edit.range.start)..<\(edit.range.end) is outside the text (\(length) bytes)"
        case .splitsCharacter(let edit):
            return "edit \(edit.range.start)..<\(edit.range.end) splits a character"
        case .overlap(let a, let b):
            return "edits \(a.range.start)..<\(a.range.end) and \(b.range.start)..<\(b.range.end) overlap"
        }
    }
}

/// The result of applying edits: the new text, and where each edit's new text landed in it
/// (what a renderer underlines and an editor selects).
public struct EditedText: Hashable, Sendable {
    public let text: String
    /// For each edit, in the order the edits were given: the byte range of its `newText` in `text`.
    public let insertedRanges: [SourceRange]
}

extension TextEdit {
    /// Applies `edits` to `text` at once: every range refers to the original text, as in an
    /// LSP `WorkspaceEdit`. Edits are applied in position order; insertions at the same offset
    /// keep the order given. Ranges must lie in the text, on character boundaries, and not
    /// overlap (touching is fine: an insertion at either end of a replaced range).
    ///
    ///     let fixed = try TextEdit.apply([TextEdit(range: SourceRange(start: 0, end: 2), newText: "lr")], to: text).text
    public static func apply(_ edits: [TextEdit], to text: String) throws(TextEditError) -> EditedText {
        let bytes = Array(text.utf8)
        func isBoundary(_ offset: Int) -> Bool {
            offset == bytes.count || bytes[offset] & 0xC0 != 0x80 // not a UTF-8 continuation byte
        }
        for edit in edits {
            guard edit.range.start >= 0, edit.range.end <= bytes.count else {
                throw .outOfRange(edit, textLength: bytes.count)
            }
            guard isBoundary(edit.range.start), isBoundary(edit.range.end) else { throw .splitsCharacter(edit) }
        }
        // Stable: equal ranges keep the order given.
        let order = edits.indices.sorted { (edits[$0].range, $0) < (edits[$1].range, $1) }
        for (a, b) in zip(order, order.dropFirst()) where edits[b].range.start < edits[a].range.end {
            throw .overlap(edits[a], edits[b])
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + edits.reduce(0) { $0 + $1.newText.utf8.count })
        var inserted = [SourceRange](repeating: .at(0), count: edits.count)
        var cursor = 0
        for index in order {
            let edit = edits[index]
            output += bytes[cursor..<edit.range.start]
            let start = output.count
            output += edit.newText.utf8
            inserted[index] = SourceRange(start: start, end: output.count)
            cursor = edit.range.end
        }
        output += bytes[cursor...]
        return EditedText(text: String(decoding: output, as: UTF8.self), insertedRanges: inserted)
    }
}
