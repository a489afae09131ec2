/// Shorthands for building diagnostics at the places that emit them (each message is written
/// next to the check that produces it; codes are listed and explained in docs/language.md).
extension Diagnostic {
    public static func error(_ code: DiagnosticCode, _ message: String, at range: SourceRange, notes: [Note] = [],
                             fixIts: [FixIt] = []) -> Diagnostic {
        Diagnostic(code: code, severity: .error, message: message, range: range, notes: notes, fixIts: fixIts)
    }

    public static func warning(_ code: DiagnosticCode, _ message: String, at range: SourceRange, notes: [Note] = [],
                               fixIts: [FixIt] = []) -> Diagnostic {
        Diagnostic(code: code, severity: .warning, message: message, range: range, notes: notes, fixIts: fixIts)
    }
}

extension Diagnostic.FixIt {
    public static func replace(_ range: SourceRange, with text: String, _ message: String) -> Diagnostic.FixIt {
        Diagnostic.FixIt(message, edits: [TextEdit(range: range, newText: text)])
    }

    public static func insert(_ text: String, at offset: Int, _ message: String) -> Diagnostic.FixIt {
        Diagnostic.FixIt(message, edits: [TextEdit(range: .at(offset), newText: text)])
    }

    public static func remove(_ range: SourceRange, _ message: String) -> Diagnostic.FixIt {
        Diagnostic.FixIt(message, edits: [TextEdit(range: range, newText: "")])
    }
}

extension Array where Element == Diagnostic {
    /// Sorted by position (start, then end), errors before warnings at the same place, then by
    /// code; stable for equal keys so emission order breaks the remaining ties.
    public func sortedByPosition() -> [Diagnostic] {
        // Indices are sorted, not diagnostics (each holds strings and arrays), and a list in
        // order already (the common case) is returned as it is.
        withUnsafeBufferPointer { diagnostics in
            func precedes(_ a: Int, _ b: Int) -> Bool {
                let x = diagnostics[a], y = diagnostics[b]
                if x.range.start != y.range.start { return x.range.start < y.range.start }
                if x.range.end != y.range.end { return x.range.end < y.range.end }
                if x.severity != y.severity { return x.severity < y.severity }
                if x.code != y.code { return x.code < y.code }
                return a < b
            }
            if diagnostics.indices.dropFirst().allSatisfy({ precedes($0 - 1, $0) }) { return self }
            return diagnostics.indices.sorted(by: precedes).map { diagnostics[$0] }
        }
    }
}
