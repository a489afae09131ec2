/// Turns a syntax tree into a `CheckedProgram`, enforcing the static semantics of
/// docs/language.md (S1xx). It checks every statement the parser could make sense of, so a
/// file with several mistakes gets one diagnostic per mistake; the program is built only when
/// there are no errors at all (syntax errors included).
struct Checker {
    let tree: SyntaxTree
    var source: SourceFile { tree.source }
    var diagnostics: [Diagnostic] = []
    /// The first statement of each known setting (complete or not).
    var written: [String: SettingSyntax] = [:]
    var values = SettingValues()
    /// Settings an S101 fix-it proposes (a misspelt required setting is not also "missing").
    var suggestedSettings: Set<String> = []
    /// Events ready for the program, in source order (expanded); see `CheckerEvents.swift`.
    var events: [CheckedEvent] = []

    /// What each event statement's check concluded (see `StatementChecks`).
    var statementResults: [StatementCheck?] = []
    /// The previous version's, when its settings are these.
    var previousChecks: StatementChecks?

    static func check(_ tree: SyntaxTree) -> (program: CheckedProgram?, diagnostics: [Diagnostic]) {
        let result = check(tree, reusing: nil)
        return (result.program, result.diagnostics)
    }

    static func check(_ tree: SyntaxTree, reusing previous: StatementChecks?)
        -> (program: CheckedProgram?, diagnostics: [Diagnostic], checks: StatementChecks) {
        var checker = Checker(tree: tree)
        let settings = settingStatements(of: tree)
        if let previous, tree.reuse != nil, canReuse(previous, settings: settings) { checker.previousChecks = previous }
        checker.statementResults = Array(repeating: nil, count: tree.statements.count)
        checker.collectSettings()
        checker.reportMissingSettings()
        checker.evaluateSettings()
        checker.checkSettingRelations()
        checker.checkAdaptiveRelations()
        checker.checkEvents()
        let program = checker.hasErrors ? nil : checker.buildProgram()
        return (program, checker.diagnostics, StatementChecks(settings: settings, results: checker.statementResults, events: checker.events))
    }

    var hasErrors: Bool {
        tree.hasSyntaxErrors || diagnostics.contains { $0.severity == .error }
    }

    mutating func error(_ code: DiagnosticCode, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [],
                        fixIts: [Diagnostic.FixIt] = []) {
        diagnostics.append(.error(code, message, at: range, notes: notes, fixIts: fixIts))
    }

    // MARK: - Settings present

    mutating func collectSettings() {
        for statement in tree.statements {
            guard case .setting(let setting) = statement else { continue }
            let name = setting.name.text
            guard SettingCatalog.spec(name) != nil else {
                reportUnknownSetting(setting)
                continue
            }
            if let first = written[name] {
                error(.duplicateSetting, "'\(name)' is set twice", at: setting.name.range,
                      notes: [.init("first set here", range: first.range)],
                      fixIts: [.remove(source.lineRemovalRange(containing: setting.range), "remove this line")])
                continue
            }
            written[name] = setting
        }
    }

    mutating func reportUnknownSetting(_ setting: SettingSyntax) {
        let name = setting.name.text
        var notes: [Diagnostic.Note] = []
        var fixIts: [Diagnostic.FixIt] = []
        if name == "momentum" || name == "nesterov" || name == "beta1" || name == "beta2" {
            notes = [.init("momentum is an option of the optimizer, e.g. 'optimizer sgd(momentum: 0.9)'")]
        } else if let suggestion = SettingCatalog.suggestion(for: name) {
            // Replace the name and the spaces after it, keeping values aligned.
            var replaced = setting.name.range
            var replacement = suggestion
            if let value = setting.values.first, source.slice(SourceRange(start: replaced.end, end: value.range.start))
                .allSatisfy({ $0 == " " }) {
                replaced = SourceRange(start: replaced.start, end: value.range.start)
                replacement = SettingCatalog.line(suggestion, "")
            }
            fixIts = [.replace(replaced, with: replacement, "did you mean '\(suggestion)'?")]
            // The fix-it supplies the setting: no "missing setting" for it as well.
            suggestedSettings.insert(suggestion)
        } else {
            notes = [.init("the settings are \(SettingCatalog.names.joined(separator: ", "))")]
        }
        error(.unknownSetting, "unknown setting '\(name)'", at: setting.name.range, notes: notes, fixIts: fixIts)
    }

    /// One S103 per required setting that is not written at all, with a fix-it inserting a line.
    mutating func reportMissingSettings() {
        for spec in SettingCatalog.all where spec.isRequired && written[spec.name] == nil && !suggestedSettings.contains(spec.name) {
            let value = spec.name == "schedule" ? scheduleNameFromPath() : spec.placeholder
            let line = SettingCatalog.line(spec.name, value)
            let (offset, text) = insertionPoint(forMissing: spec.name, line: line)
            error(.missingRequiredSetting, "missing required setting '\(spec.name)'", at: .at(offset),
                  notes: [.init("'\(spec.name)' takes \(spec.expects)")],
                  fixIts: [.insert(text, at: offset, "add '\(spec.name) \(value)' (a placeholder: check the value)")])
        }
    }

    /// Where a missing setting's line goes: `schedule` before the first statement, the others
    /// after the last setting (or before the first event). Returns the offset and the text to
    /// insert (with a leading newline when the file does not end in one).
    func insertionPoint(forMissing name: String, line: String) -> (Int, String) {
        let settings = tree.statements.compactMap { statement -> SettingSyntax? in
            if case .setting(let s) = statement { return s } else { return nil }
        }
        if name == "schedule" || settings.isEmpty {
            if let first = tree.statements.first {
                return (source.lineStarts[source.lineIndex(containing: first.range.start)], line + "\n")
            }
        } else if let last = settings.last {
            let lineIndex = source.lineIndex(containing: last.range.start)
            if lineIndex + 1 < source.lineStarts.count {
                return (source.lineStarts[lineIndex + 1], line + "\n")
            }
        }
        let end = source.bytes.count
        let needsNewline = end > 0 && source.bytes[end - 1] != UInt8(ascii: "\n") && source.bytes[end - 1] != UInt8(ascii: "\r")
        return (end, (needsNewline ? "\n" : "") + line + "\n")
    }

    /// `schedule` placeholder: the file's name made into a name (`increasing-batch.sched` →
    /// `increasing_batch`), or `my_schedule`.
    func scheduleNameFromPath() -> String {
        var stem = source.path.split(separator: "/").last.map(String.init) ?? ""
        if stem.hasSuffix(".sched") { stem.removeLast(".sched".count) }
        let name = String(stem.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        guard let first = name.first, first.isLetter, !source.path.hasPrefix("<") else { return "my_schedule" }
        return name
    }

    // MARK: - Building the program

    func buildProgram() -> CheckedProgram? {
        guard let name = values.name, let dataset = values.dataset, let epochs = values.epochs,
              let lr = values.lr, let batch = values.batch else { return nil }
        var ranges: [String: SourceRange] = [:]
        for (key, setting) in written { ranges[key] = setting.range }
        return CheckedProgram(
            name: name, dataset: dataset, model: values.model, epochs: epochs,
            optimizer: values.optimizer ?? OptimizerSpec(kind: .sgd, momentum: 0),
            learningRate: lr, batchSize: batch, maxBatchSize: values.maxBatch ?? dataset.trainingSize,
            microBatchSize: values.micro, ghostBatchSize: values.ghost, policy: values.policy ?? .increaseBatch,
            warmup: values.warmup, seed: values.seed ?? 0, weightDecay: values.weightDecay ?? 0,
            events: orderedEvents(epochs: epochs), settingRanges: ranges, adaptive: values.adaptive)
    }
}

/// Setting values that passed their checks (nil: not written, or invalid and reported).
struct SettingValues {
    var name: String?
    var dataset: DatasetSpec?
    var model: ModelSpec?
    var epochs: Int?
    var optimizer: OptimizerSpec?
    var lr: Double?
    var batch: Int?
    var maxBatch: Int?
    var micro: Int?
    var ghost: Int?
    var policy: LoweringPolicy?
    var warmup: Warmup?
    var seed: UInt64?
    var weightDecay: Double?
    /// `adapt batch(...)` as written (each argument checked), then with the relations checked.
    var adaptiveArguments: Checker.AdaptiveArguments?
    var adaptive: AdaptiveSpec?
}

extension SourceFile {
    /// The whole line holding `range` (its start), terminator included: what "remove this
    /// line" deletes.
    func lineRemovalRange(containing range: SourceRange) -> SourceRange {
        let line = lineIndex(containing: range.start)
        let end = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
        return SourceRange(start: lineStarts[line], end: end)
    }
}
