import ScheduleLanguage
import SchedulePlanner

/// A JSON value with ordered object keys, so output is stable and reads in a sensible order.
indirect enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null

    /// Pretty-printed with two-space indentation; objects and arrays holding only scalars
    /// (positions, ranges' ends) stay on one line.
    func rendered(indent: Int = 0) -> String {
        switch self {
        case .string(let s): return JSONScalar.quote(s)
        case .integer(let i): return String(i)
        case .number(let d): return JSONScalar.number(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy(\.isInline) { return "[" + items.map { $0.rendered() }.joined(separator: ", ") + "]" }
            let inner = String(repeating: " ", count: indent + 2)
            return "[\n" + items.map { inner + $0.rendered(indent: indent + 2) }.joined(separator: ",\n")
                + "\n" + String(repeating: " ", count: indent) + "]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            if isInline {
                return "{" + members.map { JSONScalar.quote($0.0) + ": " + $0.1.rendered() }.joined(separator: ", ") + "}"
            }
            let inner = String(repeating: " ", count: indent + 2)
            return "{\n" + members.map { inner + JSONScalar.quote($0.0) + ": " + $0.1.rendered(indent: indent + 2) }
                .joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "}"
        }
    }

    /// Scalars, and small objects of scalars.
    private var isInline: Bool {
        switch self {
        case .object(let members): return members.count <= 2 && members.allSatisfy { $0.1.isScalar }
        case .array: return false
        default: return true
        }
    }

    private var isScalar: Bool {
        switch self {
        case .object, .array: return false
        default: return true
        }
    }
}

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

    static func document(_ files: [(source: SourceFile, diagnostics: [Diagnostic])]) -> String {
        let value = JSONValue.object([
            ("version", .integer(version)),
            ("files", .array(files.map { file in
                .object([
                    ("path", .string(file.source.path)),
                    ("diagnostics", .array(file.diagnostics.map { diagnostic($0, in: file.source) })),
                ])
            })),
        ])
        return value.rendered() + "\n"
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
            ("severity", .integer(diagnostic.severity.rawValue)),
            ("code", .string(diagnostic.code)),
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
        let (line, character) = source.lspPosition(of: offset)
        return .object([("line", .integer(line)), ("character", .integer(character))])
    }
}
