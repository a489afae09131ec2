import JSONSupport
import ScheduleLanguage

/// The `--format json` document (docs/language.md, "Machine-readable output"):
///
///     {"version": 1, "files": [{"path": "a.sched", "diagnostics": [LSP Diagnostic...]}]}
///
/// Each diagnostic has LSP's shape: `range` (0-based lines, UTF-16 characters), `severity`
/// (1 error, 2 warning, 3 information, 4 hint), `code`, `source: "schedc"`, `message`,
/// `relatedInformation` (the notes, at their place or at the diagnostic's), and `data.fixes`:
/// each fix-it's `title` and its `edits` (LSP TextEdits: `range`, `newText`).
enum DiagnosticJSON {
    static let version = 1

    /// One file of the document: analysed, or named on the command line but not read.
    enum FileEntry {
        case analysed(SourceFile, [Diagnostic])
        /// A missing, unreadable or non-UTF-8 file: listed with `"error"` and no diagnostics,
        /// so the document still has every file given, in order.
        case unreadable(path: String, error: String)
    }

    static func document(_ files: [(source: SourceFile, diagnostics: [Diagnostic])]) -> String {
        document(entries: files.map { .analysed($0.source, $0.diagnostics) })
    }

    static func document(entries: [FileEntry]) -> String {
        let value = JSONValue.object([
            ("version", .int(version)),
            ("files", .array(entries.map { entry in
                switch entry {
                case .analysed(let source, let diagnostics):
                    return .object([
                        ("path", .string(source.path)),
                        ("diagnostics", .array(diagnostics.map { diagnostic($0, in: source) })),
                    ])
                case .unreadable(let path, let error):
                    return .object([("path", .string(path)), ("error", .string(error)), ("diagnostics", .array([]))])
                }
            })),
        ])
        return value.pretty(inlineSmallObjects: true)
    }

    static func diagnostic(_ diagnostic: Diagnostic, in source: SourceFile) -> JSONValue {
        let uri = SourceLoading.uri(for: source.path)
        let related: [JSONValue] = diagnostic.notes.map { note in
            .object([
                ("location", .object([("uri", .string(uri)), ("range", range(note.range ?? diagnostic.range, in: source))])),
                ("message", .string(note.message)),
            ])
        }
        let fixes: [JSONValue] = diagnostic.fixIts.map { fixIt in
            .object([
                ("title", .string(fixIt.message)),
                ("edits", .array(fixIt.edits.map { edit in
                    .object([("range", range(edit.range, in: source)), ("newText", .string(edit.newText))])
                })),
            ])
        }
        var members: [(String, JSONValue)] = [
            ("range", range(diagnostic.range, in: source)),
            ("severity", .int(diagnostic.severity.rawValue)),
            ("code", .string(diagnostic.code.rawValue)),
            ("source", .string("schedc")),
            ("message", .string(diagnostic.message)),
        ]
        if !related.isEmpty { members.append(("relatedInformation", .array(related))) }
        if !fixes.isEmpty { members.append(("data", .object([("fixes", .array(fixes))]))) }
        return .object(members)
    }

    static func range(_ range: SourceRange, in source: SourceFile) -> JSONValue {
        .object([("start", position(range.start, in: source)), ("end", position(range.end, in: source))])
    }

    static func position(_ offset: Int, in source: SourceFile) -> JSONValue {
        let position = source.position(of: offset, in: .utf16)
        return .object([("line", .int(position.line)), ("character", .int(position.character))])
    }
}
