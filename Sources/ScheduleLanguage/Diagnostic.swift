/// Diagnostics are typed values: a stable code, a severity, a primary range, notes and fix-its.
/// Every stage (lexer, parser, checker, planner lints) reports through this one type; only the
/// CLI renders them (human text or LSP-shaped JSON).
public struct Diagnostic: Hashable, Sendable {
    public enum Severity: Int, Hashable, Sendable, Comparable {
        // Raw values are LSP's DiagnosticSeverity.
        case error = 1, warning = 2, information = 3, hint = 4
        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
    }

    /// A secondary message, optionally pointing at another place in the file.
    public struct Note: Hashable, Sendable {
        public var message: String
        public var range: SourceRange?
        public init(_ message: String, range: SourceRange? = nil) {
            self.message = message
            self.range = range
        }
    }

    /// Fix-its carry the one edit type every stage and front end shares.
    public typealias TextEdit = ScheduleLanguage.TextEdit

    /// A suggested fix: a message (shown after `help:`) and at least one edit.
    public struct FixIt: Hashable, Sendable {
        public var message: String
        public var edits: [TextEdit]
        public init(_ message: String, edits: [TextEdit]) {
            precondition(!edits.isEmpty, "a fix-it carries at least one edit")
            self.message = message
            self.edits = edits
        }
    }

    /// Stable code ("S101" as its raw value); its entry is in `DiagnosticCode.catalog`.
    public var code: DiagnosticCode
    public var severity: Severity
    /// Lowercase, no trailing period.
    public var message: String
    public var range: SourceRange
    public var notes: [Note]
    public var fixIts: [FixIt]

    public init(code: DiagnosticCode, severity: Severity, message: String, range: SourceRange,
                notes: [Note] = [], fixIts: [FixIt] = []) {
        self.code = code
        self.severity = severity
        self.message = message
        self.range = range
        self.notes = notes
        self.fixIts = fixIts
    }
}
