/// The front end: source text in, checked program and diagnostics out.
///
///     let result = ScheduleCompiler.compile(SourceFile(path: "a.sched", text: text))
///     if let program = result.program { ... }   // nil when there are errors
///
/// `diagnostics` holds syntax errors (S0xx), semantic errors (S1xx) and, when the file has no
/// errors and `lints` is set, the language's static lint warnings (S2xx); sorted by position.
/// The analysis core (ScheduleAnalysis) calls this and adds what needs the planner: the
/// policy lints, the plan and its lints (S3xx).
public enum ScheduleCompiler {
    /// `reusing` the result for the version before (an editor's last analysis) parses and
    /// checks again only the statements an edit touched; the result is the same either way.
    public static func compile(_ source: SourceFile, lints: Bool = true, reusing previous: CompilationResult? = nil) -> CompilationResult {
        let syntax = Parser.parse(source, reusing: previous?.syntax)
        let (program, semantic, checks) = Checker.check(syntax, reusing: previous?.statementChecks)
        var diagnostics = syntax.diagnostics + semantic
        if lints, let program {
            diagnostics += ScheduleLints.diagnose(program, in: source)
        }
        return CompilationResult(source: source, syntax: syntax, program: program,
                                 diagnostics: diagnostics.sortedByPosition(), statementChecks: checks)
    }
}

public struct CompilationResult: Sendable {
    public let source: SourceFile
    public let syntax: SyntaxTree
    /// The checked program; nil when there is any error.
    public let program: CheckedProgram?
    /// Every diagnostic, sorted by position.
    public let diagnostics: [Diagnostic]
    /// What the checker concluded per statement, for the next version's compile to reuse.
    public let statementChecks: StatementChecks

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

extension CompilationResult {
    /// An earlier version known only by its syntax tree (an analysis that stopped at syntax):
    /// its statements can be reused, nothing checked can.
    public init(syntaxOnly syntax: SyntaxTree) {
        self.init(source: syntax.source, syntax: syntax, program: nil, diagnostics: syntax.diagnostics, statementChecks: .none)
    }
}
