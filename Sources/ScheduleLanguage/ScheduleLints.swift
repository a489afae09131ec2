/// Static warnings (S2xx) on a checked program, grounded in the papers (Smith et al. 2018,
/// AdaBatch 2017). They need no plan; the planner adds plan-based lints (S3xx) of its own.
/// `schedc check` hides warnings, `schedc lint` shows them.
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

    mutating func warn(_ code: String, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [],
                       fixIts: [Diagnostic.FixIt] = []) {
        diagnostics.append(.warning(code, message, at: range, notes: notes, fixIts: fixIts))
    }

    /// Noise events that lower the noise (what the policy lowers by growing B or decaying ε).
    var noiseDecays: Int {
        program.events.filter { $0.target == .noise && factor(of: $0.operation) < 1 }.count
    }

    /// The factor a multiplicative operation applies (1 for `=`).
    func factor(of operation: EventOperation) -> Double {
        switch operation {
        case .multiply(let f): return f
        case .divide(let f): return 1 / f
        case .set: return 1
        }
    }

    var policyGrowsBatch: Bool {
        switch program.policy {
        case .increaseBatch, .adabatch: return true
        case .hybrid(let k): return k > 0
        case .decayLearningRate: return false
        }
    }

    /// Whether anything in the schedule can make B larger than its initial value.
    var batchCanGrow: Bool {
        if policyGrowsBatch, noiseDecays > 0, program.batchSize < program.maxBatchSize { return true }
        return program.events.contains { event in
            if event.keepNoise { return true }
            guard event.target == .batch else { return false }
            switch event.operation {
            case .set(let b): return b > Double(program.batchSize)
            default: return factor(of: event.operation) > 1
            }
        }
    }

    var policyDescription: String {
        switch program.policy {
        case .increaseBatch: return "increase_batch"
        case .decayLearningRate: return "decay_lr"
        case .hybrid(let k): return "hybrid(\(k))"
        case .adabatch(let r): return "adabatch(\(NumberLiteral.describe(r)))"
        }
    }

    func range(of setting: String) -> SourceRange? { program.settingRanges[setting] }

    /// A fix-it writing `policy NAME` in place of the policy line (or adding one).
    func replacePolicy(with policy: String) -> [Diagnostic.FixIt] {
        let line = SettingCatalog.line("policy", policy)
        if let existing = range(of: "policy") {
            return [.replace(existing, with: line, "use '\(policy)'")]
        }
        guard let batch = range(of: "batch") else { return [] }
        let (offset, prefix) = source.lineInsertion(after: batch)
        return [.insert(prefix + line + "\n", at: offset, "add 'policy \(policy)'")]
    }

    mutating func run() {
        largeInitialBatch()
        noiseEvents()
        policyThatCannotGrow()
        hybridDegenerate()
        ungrownGhostBatchNorm()
        microBatch()
        adabatchFactor()
    }

    /// S201: the papers grow B up to about N/10, not start above it.
    mutating func largeInitialBatch() {
        guard program.batchSize > size / 10, let batch = range(of: "batch") else { return }
        warn("S201", "the initial batch (\(program.batchSize)) is more than a tenth of the training set (N = \(size))", at: batch,
             notes: [.init("Smith et al. 2018 grow the batch up to about N/10 and decay the learning rate beyond it; larger batches lose test accuracy")])
    }

    /// S202: a noise event that raises the noise; S209: an event with a factor of 1.
    mutating func noiseEvents() {
        var seen: Set<SourceRange> = []
        for event in program.events where !seen.contains(event.range) {
            let f = factor(of: event.operation)
            var isMultiplicative = true
            if case .set = event.operation { isMultiplicative = false }
            if event.target == .noise, f > 1 {
                seen.insert(event.range)
                warn("S202", "this event raises the noise scale (× \(NumberLiteral.describe(f)))", at: event.range,
                     notes: [.init("a schedule anneals the noise: noise events usually divide it ('noise /= 5')")])
            } else if isMultiplicative, f == 1 {
                seen.insert(event.range)
                warn("S209", "this event has no effect (a factor of 1)", at: event.range)
            }
        }
    }

    /// S203: a batch-growing policy with B already at B_max: every decay becomes an lr decay.
    mutating func policyThatCannotGrow() {
        guard policyGrowsBatch, noiseDecays > 0, program.batchSize >= program.maxBatchSize,
              !program.events.contains(where: { $0.target == .batch || $0.keepNoise }) else { return }
        let at = range(of: "policy") ?? range(of: "batch")!
        warn("S203", "policy \(policyDescription) can never grow the batch: batch already equals max_batch (\(program.maxBatchSize))",
             at: at, notes: [.init("every noise decay will decay the learning rate instead, as decay_lr does")],
             fixIts: replacePolicy(with: "decay_lr"))
    }

    /// S206: hybrid(0) is decay_lr; hybrid(k) with k ≥ the number of decays is increase_batch.
    mutating func hybridDegenerate() {
        guard case .hybrid(let k) = program.policy, let policy = range(of: "policy") else { return }
        let decays = noiseDecays
        if k == 0 {
            warn("S206", "hybrid(0) never grows the batch: it behaves as decay_lr", at: policy, fixIts: replacePolicy(with: "decay_lr"))
        } else if decays > 0, k >= decays {
            warn("S206", "hybrid(\(k)) grows the batch at all \(decays) noise decay\(decays == 1 ? "" : "s"): it behaves as increase_batch",
                 at: policy, fixIts: replacePolicy(with: "increase_batch"))
        }
    }

    /// S204: the batch grows under a model with batch norm, without ghost batch norm.
    mutating func ungrownGhostBatchNorm() {
        guard program.ghostBatchSize == nil, batchCanGrow, let model = program.model, let batch = range(of: "batch") else { return }
        switch model {
        case .cnn, .wrn: break
        case .mlp: return
        }
        var ghost = min(128, program.batchSize)
        while ghost > 1, program.batchSize % ghost != 0 { ghost -= 1 }
        let (offset, prefix) = source.lineInsertion(after: batch)
        warn("S204", "the batch grows but batch norm is not ghosted: its statistics will change with the batch size", at: batch,
             notes: [.init("Smith et al. 2018 use ghost batch norm (ghost batches of 128) so that growing B leaves batch norm unchanged, which the equivalence to decaying the learning rate needs")],
             fixIts: [.insert(prefix + SettingCatalog.line("ghost_batch", String(ghost)) + "\n", at: offset, "add 'ghost_batch \(ghost)'")])
    }

    /// S205: micro_batch does not divide the batch; S207: micro_batch at least max_batch.
    mutating func microBatch() {
        guard let micro = program.microBatchSize, let microRange = range(of: "micro_batch") else { return }
        if micro >= program.maxBatchSize {
            warn("S207", "micro_batch \(micro) is at least max_batch \(program.maxBatchSize): gradients are never accumulated", at: microRange,
                 fixIts: [.remove(source.lineRemovalRange(containing: microRange), "remove this line")])
            return
        }
        let batch = program.batchSize
        if batch > micro, batch % micro != 0 {
            let passes = batch / micro + (batch % micro == 0 ? 0 : 1)
            warn("S205", "batch \(batch) is not a multiple of micro_batch \(micro): its \(passes) passes cannot all be full", at: microRange,
                 notes: [.init("a batch larger than micro_batch runs as ceil(B / micro_batch) passes whose gradients are summed into one update; the planner splits the remainder across the passes (docs/planner.md)")])
        }
    }

    /// S208: AdaBatch saw poor convergence when the batch grew 8× per step.
    mutating func adabatchFactor() {
        guard case .adabatch(let r) = program.policy, r >= 8, let policy = range(of: "policy") else { return }
        warn("S208", "adabatch(\(NumberLiteral.describe(r))) grows the batch \(NumberLiteral.describe(r))× per decay", at: policy,
             notes: [.init("Devarakonda et al. 2017 saw poor convergence growing the batch 8× per step (too much, too early); 2× is their default")])
    }
}

extension SourceFile {
    /// Where a new line goes after the line holding `range`: the start of the next line, or the
    /// end of the file (then the inserted text needs a leading newline, returned as `prefix`).
    func lineInsertion(after range: SourceRange) -> (offset: Int, prefix: String) {
        let line = lineIndex(containing: range.start)
        if line + 1 < lineStarts.count { return (lineStarts[line + 1], "") }
        return (bytes.count, "\n")
    }
}
