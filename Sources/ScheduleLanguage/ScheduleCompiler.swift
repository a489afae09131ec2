/// The front end's entry point: source text in, checked program and diagnostics out.
///
///     let result = ScheduleCompiler.compile(SourceFile(path: "a.sched", text: text))
///     if let program = result.program { ... }   // nil when there are errors
///
/// `diagnostics` holds syntax errors (S0xx), semantic errors (S1xx) and, when the file has no
/// errors, the static lint warnings (S2xx); sorted by position. `schedc check` shows only the
/// errors, `schedc lint` all of them plus the planner's lints (S3xx).
public enum ScheduleCompiler {
    public static func compile(_ source: SourceFile) -> CompilationResult {
        let syntax = Parser.parse(source)
        let (program, semantic) = Checker.check(syntax)
        var diagnostics = syntax.diagnostics + semantic
        if let program {
            diagnostics += ScheduleLints.diagnose(program, in: source)
        }
        return CompilationResult(source: source, syntax: syntax, program: program,
                                 diagnostics: diagnostics.sortedByPosition())
    }

    /// Only the syntax tree (what the formatter needs).
    public static func parse(_ source: SourceFile) -> SyntaxTree {
        Parser.parse(source)
    }
}

public struct CompilationResult: Sendable {
    public let source: SourceFile
    public let syntax: SyntaxTree
    /// The checked program; nil when there is any error.
    public let program: CheckedProgram?
    /// Every diagnostic, sorted by position.
    public let diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
    public var hasErrors: Bool { program == nil }
}
