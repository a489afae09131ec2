/// Parsing the next version of a text: the lines an edit did not touch keep their statements
/// and syntax errors from the tree of the version before (moved by the edit's length when they
/// come after it), and only the lines around the edit are parsed again. Statements end at the
/// end of their line and a line parses the same wherever it stands, so the tree is the one
/// `parse(_:)` gives (tested on random edits).
extension Parser {
    public static func parse(_ source: SourceFile, reusing previous: SyntaxTree?) -> SyntaxTree {
        guard let previous else { return parse(source) }
        return reparse(source, reusing: previous).tree
    }

    /// The tree, and the bytes of the new text whose lines were parsed again.
    static func reparse(_ source: SourceFile, reusing previous: SyntaxTree) -> (tree: SyntaxTree, reparsed: Range<Int>) {
        let old = previous.source.bytes, new = source.bytes
        let region = ChangedRegion(old: old, new: new)
        guard let region else {
            let reuse = StatementReuse(prefixCount: previous.statements.count, suffixStart: previous.statements.count,
                                       oldSuffixStart: previous.statements.count, oldSuffixOffset: old.count, delta: 0)
            return (SyntaxTree(source: source, tokens: previous.tokens, statements: previous.statements, diagnostics: previous.diagnostics,
                               reuse: reuse), 0..<0)
        }
        // Lines ending before the byte ahead of the edit are reused as they are; a margin of
        // one byte keeps a "\r" of the old text from pairing with a changed "\n".
        let reparseStart = region.start == 0 ? 0 : source.lineStarts[source.lineIndex(containing: region.start - 1)]
        // Lines starting after the edit's last new byte are reused, moved by `delta`.
        let endLine = source.lineIndex(containing: region.newEnd) + 1
        let reparseEnd = endLine < source.lineStarts.count && source.lineStarts[endLine] > region.newEnd
            ? source.lineStarts[endLine] : new.count + 1
        let delta = new.count - old.count
        // The same for tokens: only the lines parsed again are lexed again.
        var tokens: [Token] = []
        tokens.reserveCapacity(previous.tokens.count + 16)
        tokens += previous.tokens[..<firstToken(in: previous.tokens, atOrAfter: reparseStart)]
        tokens += Lexer.tokenize(source, lines: reparseStart..<reparseEnd)
        if reparseEnd <= new.count {
            for var token in previous.tokens[firstToken(in: previous.tokens, atOrAfter: reparseEnd - delta)...] {
                token.shift(by: delta)
                tokens.append(token)
            }
        }

        var statements: [Statement] = []
        statements.reserveCapacity(previous.statements.count + 8)
        var diagnostics: [Diagnostic] = []
        for statement in previous.statements {
            guard statement.range.start < reparseStart else { break }
            statements.append(statement)
        }
        let prefixCount = statements.count
        for diagnostic in previous.diagnostics {
            guard diagnostic.range.start < reparseStart else { break }
            diagnostics.append(diagnostic)
        }
        var parser = Parser(source: source, tokens: tokens)
        parser.index = firstToken(in: tokens, atOrAfter: reparseStart)
        let endToken = reparseEnd > new.count ? tokens.count : firstToken(in: tokens, atOrAfter: reparseEnd)
        parser.parseLines(into: &statements, untilToken: endToken)
        diagnostics += parser.diagnostics
        let suffixStart = statements.count
        var oldSuffixStart = previous.statements.count
        if reparseEnd <= new.count {
            let oldStart = reparseEnd - delta
            let firstStatement = partitionPoint(previous.statements.count) { previous.statements[$0].range.start >= oldStart }
            oldSuffixStart = firstStatement
            for statement in previous.statements[firstStatement...] { statements.append(statement.shifted(by: delta)) }
            let firstDiagnostic = partitionPoint(previous.diagnostics.count) { previous.diagnostics[$0].range.start >= oldStart }
            for diagnostic in previous.diagnostics[firstDiagnostic...] { diagnostics.append(diagnostic.shifted(by: delta)) }
        }
        let reuse = StatementReuse(prefixCount: prefixCount, suffixStart: suffixStart, oldSuffixStart: oldSuffixStart,
                                   oldSuffixOffset: min(reparseEnd, new.count + 1) - delta, delta: delta)
        return (SyntaxTree(source: source, tokens: tokens, statements: statements, diagnostics: diagnostics, reuse: reuse),
                reparseStart..<min(reparseEnd, new.count))
    }

    /// The index of the first token whose line part (trivia included) starts at or after `offset`.
    private static func firstToken(in tokens: [Token], atOrAfter offset: Int) -> Int {
        partitionPoint(tokens.count) { tokens[$0].leadingTrivia.start >= offset }
    }

    /// The first index in 0..<count where `isAfter` holds, for a predicate false then true.
    private static func partitionPoint(_ count: Int, _ isAfter: (Int) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// Where two versions of a text differ: the bytes `start..<oldEnd` of the old one became
/// `start..<newEnd` of the new one; before and after, the two are the same.
public struct ChangedRegion: Hashable, Sendable {
    public let start: Int
    public let oldEnd: Int
    public let newEnd: Int

    /// nil when the texts are the same.
    public init?(old: [UInt8], new: [UInt8]) {
        let shorter = min(old.count, new.count)
        var prefix = 0
        old.withUnsafeBufferPointer { a in
            new.withUnsafeBufferPointer { b in
                while prefix < shorter, a[prefix] == b[prefix] { prefix += 1 }
            }
        }
        if prefix == old.count, prefix == new.count { return nil }
        var suffix = 0
        old.withUnsafeBufferPointer { a in
            new.withUnsafeBufferPointer { b in
                while suffix < shorter - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
            }
        }
        start = prefix
        oldEnd = old.count - suffix
        newEnd = new.count - suffix
    }
}

/// How a tree parsed reusing an earlier one relates to it: its first `prefixCount` statements
/// are the earlier tree's, unchanged; its statements from `suffixStart` on are the earlier
/// tree's from `oldSuffixStart` on, moved by `delta` bytes; those between were parsed anew.
/// In the earlier text, offsets from `oldSuffixOffset` on moved by `delta`, those before did not.
struct StatementReuse: Sendable {
    let prefixCount: Int
    let suffixStart: Int
    let oldSuffixStart: Int
    let oldSuffixOffset: Int
    let delta: Int

    /// The earlier tree's index of statement `index` of this one, if it was reused.
    func oldIndex(of index: Int) -> Int? {
        if index < prefixCount { return index }
        if index >= suffixStart { return index - suffixStart + oldSuffixStart }
        return nil
    }

    /// An offset of the earlier text outside the edit, in this one.
    func moved(_ offset: Int) -> Int { offset >= oldSuffixOffset ? offset + delta : offset }

    func moved(_ range: SourceRange) -> SourceRange {
        range.start >= oldSuffixOffset ? range.shifted(by: delta) : range
    }
}
