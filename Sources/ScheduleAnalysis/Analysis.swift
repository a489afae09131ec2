import ScheduleEngines
import ScheduleLanguage
import SchedulePlanner

/// A document as a front end hands it over: the command line after reading a file (and
/// applying any command-line overrides to its text), or an editor after applying its changes.
public struct Document: Hashable, Sendable {
    /// How diagnostics name the document ("a.sched", "<stdin>").
    public var path: String
    public var text: String
    /// The editor's version of the text (LSP's `version`); 0 for a file read from disk. The
    /// analysis carries it through unchanged, so a server can drop results for stale versions.
    public var version: Int

    public init(path: String, text: String, version: Int = 0) {
        self.path = path
        self.text = text
        self.version = version
    }

    /// A source file's text as a document (e.g. one that command-line overrides rewrote).
    public init(_ source: SourceFile, version: Int = 0) {
        self.init(path: source.path, text: source.text, version: version)
    }
}

/// How far to analyse a document, and whether to run the lints.
public struct AnalysisOptions: Hashable, Sendable {
    /// Each depth includes the ones before it (the order of the cases).
    public enum Depth: Hashable, Sendable, Comparable {
        /// Tokens, syntax tree and syntax errors (S0xx): what the formatter needs.
        case syntax
        /// Names, types and ranges checked (S1xx): the checked program.
        case semantics
        /// The checked program lowered to a plan (S300 when it cannot be).
        case plan
    }

    public var depth: Depth
    /// The static lints (S2xx) from `semantics` on, the plan-based lints (S3xx) at `plan`.
    public var lints: Bool
    /// At depth `plan`: also what this engine cannot run of the plan (S4xx).
    public var engine: EngineTarget?
    /// At depth `plan`: the memory, in bytes, the plan must fit on the embedded runtime (S308
    /// otherwise). The caller says how much (the core reads no machine state); nil checks nothing.
    public var memoryLimit: Int?

    public init(depth: Depth, lints: Bool, engine: EngineTarget? = nil, memoryLimit: Int? = nil) {
        self.depth = depth
        self.lints = lints
        self.engine = engine
        self.memoryLimit = memoryLimit
    }

    /// `schedc check`: errors only, no plan.
    public static let check = AnalysisOptions(depth: .semantics, lints: false)
    /// `schedc lint` and an editor: everything.
    public static let lint = AnalysisOptions(depth: .plan, lints: true)
    /// `schedc plan` and `schedc run`: the plan, no warnings.
    public static let plan = AnalysisOptions(depth: .plan, lints: false)
    /// `schedc fmt`: the syntax tree.
    public static let format = AnalysisOptions(depth: .syntax, lints: false)
}

/// Everything schedc knows about one version of a document: plain values, computed by one
/// pure function of the document and the options (no I/O, no state kept between calls), so a
/// front end may call it again on every edit and keep or drop results as it likes.
///
///     let analysis = Analysis(Document(path: "a.sched", text: text), options: .lint)
///     for diagnostic in analysis.diagnostics { ... }        // sorted by position
///     if let plan = analysis.plan { print(plan.table()) }   // nil when there are errors
///
/// Diagnostics are the syntax errors (S0xx), then, if the tree can be checked, the semantic
/// errors (S1xx); with lints, the static lints (S2xx) of a program without errors; at depth
/// `plan`, the planning error (S300) or, with lints, the plan-based lints (S3xx); with an
/// engine, what that engine cannot run of the plan (S4xx).
public struct Analysis: Sendable {
    public let document: Document
    public let options: AnalysisOptions
    public let source: SourceFile
    public let syntax: SyntaxTree
    /// Every diagnostic, sorted by position.
    public let diagnostics: [Diagnostic]
    /// The checked program; nil when the front end reports an error (S0xx, S1xx) or the depth
    /// is `syntax`. A program the planner cannot lower (S300) is still here.
    public let program: CheckedProgram?
    /// The plan; nil when there is an error (S300 included) or the depth is below `plan`.
    public let plan: Plan?
    /// The front end's result (nil at depth `syntax`) and the lowering's memo (nil without a
    /// plan), which the next version's analysis reuses.
    private let compilation: CompilationResult?
    private let loweringMemo: LoweringMemo?
    private let planLintMemo: PlanLintMemo?

    /// Every token, trivia (comments, line ends) included.
    public var tokens: [Token] { syntax.tokens }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The document in canonical style (docs/language.md), or nil when it has syntax errors.
    public var formatted: String? {
        syntax.hasSyntaxErrors ? nil : ScheduleFormatter.format(syntax)
    }

    /// The edits that format the document (none when it is formatted already), or nil when it
    /// has syntax errors: what an editor's "format document" applies.
    public var formattingEdits: [TextEdit]? { ScheduleFormatter.edits(toFormat: syntax) }

    /// `previous`, the analysis of an earlier version of the document (an editor's last one),
    /// lets the analysis reuse what the edit since did not touch; the result is the same as
    /// without it (tested).
    public init(_ document: Document, options: AnalysisOptions = .lint, reusing previous: Analysis? = nil) {
        self.document = document
        self.options = options
        source = SourceFile(path: document.path, text: document.text)
        guard options.depth >= .semantics else {
            syntax = Parser.parse(source, reusing: previous?.syntax)
            compilation = nil
            loweringMemo = nil
            planLintMemo = nil
            diagnostics = syntax.diagnostics
            program = nil
            plan = nil
            return
        }
        let compiled = ScheduleCompiler.compile(source, lints: options.lints,
                                                reusing: previous?.compilation ?? previous.map { CompilationResult(syntaxOnly: $0.syntax) })
        compilation = compiled
        syntax = compiled.syntax
        var diagnostics = compiled.diagnostics
        var plan: Plan?
        var memo: LoweringMemo?
        var lintMemo: PlanLintMemo?
        if let program = compiled.program {
            if options.lints { diagnostics += PolicyLints.diagnostics(for: program, in: source) }
            if options.depth >= .plan {
                do {
                    let (lowered, loweredMemo) = try Planner.plan(program, reusing: previous?.loweringMemo)
                    plan = lowered
                    memo = loweredMemo
                    if options.lints {
                        let lints = PlanLints.diagnostics(for: lowered, program: program, reusing: previous?.planLintMemo)
                        diagnostics += lints.diagnostics
                        lintMemo = lints.memo
                    }
                    if let limit = options.memoryLimit, let memory = lowered.memoryDiagnostic(program: program, limit: limit) {
                        diagnostics.append(memory)
                    }
                    if let engine = options.engine {
                        diagnostics += EngineLimits.diagnostics(for: lowered, program: program, target: engine)
                    }
                } catch let error as PlanningError {
                    diagnostics.append(error.diagnostic)
                } catch {
                    diagnostics.append(Diagnostic(code: .cannotBePlanned, severity: .error, message: "cannot plan: \(error)", range: .at(0)))
                }
            }
        }
        self.diagnostics = diagnostics.sortedByPosition()
        self.plan = plan
        loweringMemo = memo
        planLintMemo = lintMemo
        program = compiled.program
    }
}
