/// Static warnings (S2xx) on a checked program, grounded in the papers (Smith et al. 2018).
/// They need no plan and know nothing of how a policy grows B: the lints that do (S203, S204,
/// S206, S208) are the planner's `PolicyLints`. `schedc check` hides warnings, `schedc lint`
/// shows them.
public enum ScheduleLints {
    public static func diagnose(_ program: CheckedProgram, in source: SourceFile) -> [Diagnostic] {
        var lints = Lints(program: program, source: source)
        lints.run()
        return lints.diagnostics
    }
}

private struct Lints {
    let program: CheckedProgram
    let source: SourceFile
    var diagnostics: [Diagnostic] = []

    var size: Int { program.dataset.trainingSize }

    mutating func warn(_ code: DiagnosticCode, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [],
                       fixIts: [Diagnostic.FixIt] = []) {
        diagnostics.append(.warning(code, message, at: range, notes: notes, fixIts: fixIts))
    }

    func range(of setting: String) -> SourceRange? { program.settingRanges[setting] }

    mutating func run() {
        largeInitialBatch()
        noiseEvents()
        microBatch()
        adaptive()
    }

    /// S210: a trigger below 1; S211: a noise estimate under Adam.
    mutating func adaptive() {
        guard let adaptive = program.adaptive else { return }
        if adaptive.above < 1 {
            let range = adaptive.argumentRanges[.above] ?? adaptive.range
            warn(.adaptiveTriggerBelowOne, "'above: \(NumberLiteral.describe(adaptive.above))' grows the batch past the measured noise scale", at: range,
                 notes: [.init("a check is positive when B_simple > k × B; with k < 1 a batch already larger than B_simple keeps growing, where more examples per update save few updates (McCandlish et al. 2018), and checks near B_simple ≈ k × B flip between positive and negative as the estimate wobbles")])
        }
        if program.optimizer.kind == .adam {
            warn(.adaptiveUnderAdam, "the noise scale that 'adapt batch' measures assumes SGD; under adam it is only a guide",
                 at: range(of: "optimizer") ?? adaptive.range,
                 notes: [.init("B_simple = tr(Σ)/|G|² is the batch at which SGD's gradient noise stops mattering (McCandlish et al. 2018); Adam divides each coordinate by its own running scale, which changes where that is", range: adaptive.range)])
        }
    }

    /// S201: the papers grow B up to about N/10, not start above it.
    mutating func largeInitialBatch() {
        guard program.batchSize > size / 10, let batch = range(of: "batch") else { return }
        warn(.largeInitialBatch, "the initial batch (\(program.batchSize)) is more than a tenth of the training set (N = \(size))", at: batch,
             notes: [.init("Smith et al. 2018 grow the batch up to about N/10 and decay the learning rate beyond it; larger batches lose test accuracy")])
    }

    /// S202: a noise event that raises the noise; S209: an event with a factor of 1.
    mutating func noiseEvents() {
        var seen: Set<SourceRange> = []
        for event in program.events where !seen.contains(event.range) {
            let f = event.operation.factor
            var isMultiplicative = true
            if case .set = event.operation { isMultiplicative = false }
            if event.target == .noise, f > 1 {
                seen.insert(event.range)
                warn(.noiseRaised, "this event raises the noise scale (× \(NumberLiteral.describe(f)))", at: event.range,
                     notes: [.init("a schedule anneals the noise: noise events usually divide it ('noise /= 5')")])
            } else if isMultiplicative, f == 1 {
                seen.insert(event.range)
                warn(.eventWithoutEffect, "this event has no effect (a factor of 1)", at: event.range)
            }
        }
    }

    /// S205: micro_batch does not divide the batch; S207: micro_batch at least max_batch.
    mutating func microBatch() {
        guard let micro = program.microBatchSize, let microRange = range(of: "micro_batch") else { return }
        if micro >= program.maxBatchSize {
            warn(.microBatchNeverUsed, "micro_batch \(micro) is at least max_batch \(program.maxBatchSize): gradients are never accumulated", at: microRange,
                 fixIts: [.remove(source.lineRemovalRange(containing: microRange), "remove this line")])
            return
        }
        let batch = program.batchSize
        if batch > micro, batch % micro != 0 {
            let passes = batch / micro + (batch % micro == 0 ? 0 : 1)
            warn(.microBatchDoesNotDivideBatch, "batch \(batch) is not a multiple of micro_batch \(micro): its \(passes) passes cannot all be full", at: microRange,
                 notes: [.init("a batch larger than micro_batch runs as ceil(B / micro_batch) passes whose gradients are summed into one update; the planner splits the remainder across the passes (docs/planner.md)")])
        }
    }
}

extension EventOperation {
    /// The factor a multiplicative operation applies (1 for `=`).
    public var factor: Double {
        switch self {
        case .multiply(let f): return f
        case .divide(let f): return 1 / f
        case .set: return 1
        }
    }
}

extension SourceFile {
    /// Where a new line goes after the line holding `range`: the start of the next line, or the
    /// end of the file (then the inserted text needs a leading newline, returned as `prefix`).
    public func lineInsertion(after range: SourceRange) -> (offset: Int, prefix: String) {
        let line = lineIndex(containing: range.start)
        if line + 1 < lineStarts.count { return (lineStarts[line + 1], "") }
        return (bytes.count, "\n")
    }
}
