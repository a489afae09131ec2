import ScheduleLanguage

/// Static warnings about the policy and batch growth (S203, S204, S206, S208): they need to
/// know whether and how the policy grows B, which is the planner's knowledge, but not the
/// plan itself. The analysis core runs them with the front end's static lints (S2xx).
public enum PolicyLints {
    public static func diagnostics(for program: CheckedProgram, in source: SourceFile) -> [Diagnostic] {
        var lints = Lints(program: program, source: source)
        lints.policyThatCannotGrow()
        lints.hybridDegenerate()
        lints.ungrownGhostBatchNorm()
        lints.adabatchFactor()
        return lints.diagnostics
    }
}

private struct Lints {
    let program: CheckedProgram
    let source: SourceFile
    var diagnostics: [Diagnostic] = []

    mutating func warn(_ code: DiagnosticCode, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [],
                       fixIts: [Diagnostic.FixIt] = []) {
        diagnostics.append(.warning(code, message, at: range, notes: notes, fixIts: fixIts))
    }

    /// Noise events that lower the noise (what the policy lowers by growing B or decaying ε).
    var noiseDecays: Int {
        program.events.filter { $0.target == .noise && $0.operation.factor < 1 }.count
    }

    /// The program's policy, as the planner knows it (whether it grows B, its spelling).
    var policy: Policy { Policy(program.policy) }

    /// Whether anything in the schedule can make B larger than its initial value.
    var batchCanGrow: Bool {
        if policy.growsBatch, noiseDecays > 0, program.batchSize < program.maxBatchSize { return true }
        if let adaptive = program.adaptive, adaptive.upTo > program.batchSize { return true }
        return program.events.contains { event in
            if event.keepNoise { return true }
            guard event.target == .batch else { return false }
            switch event.operation {
            case .set(let b): return b > Double(program.batchSize)
            default: return event.operation.factor > 1
            }
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

    /// S203: a batch-growing policy with B already at B_max: every decay becomes an lr decay.
    mutating func policyThatCannotGrow() {
        guard policy.growsBatch, noiseDecays > 0, program.batchSize >= program.maxBatchSize,
              !program.events.contains(where: { $0.target == .batch || $0.keepNoise }),
              let at = range(of: "policy") ?? range(of: "batch") else { return }
        warn(.policyCannotGrowBatch, "policy \(policy) can never grow the batch: batch already equals max_batch (\(program.maxBatchSize))",
             at: at, notes: [.init("every noise decay will decay the learning rate instead, as decay_lr does")],
             fixIts: replacePolicy(with: "decay_lr"))
    }

    /// S206: hybrid(0) is decay_lr; hybrid(k) with k ≥ the number of decays is increase_batch.
    mutating func hybridDegenerate() {
        guard case .hybrid(let k) = program.policy, let policy = range(of: "policy") else { return }
        let decays = noiseDecays
        if k == 0 {
            warn(.degenerateHybrid, "hybrid(0) never grows the batch: it behaves as decay_lr", at: policy, fixIts: replacePolicy(with: "decay_lr"))
        } else if decays > 0, k >= decays {
            warn(.degenerateHybrid, "hybrid(\(k)) grows the batch at all \(decays) noise decay\(decays == 1 ? "" : "s"): it behaves as increase_batch",
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
        // A ghost batch divides every pass too (S111), so the micro batch as well as the batch.
        let passes = program.microBatchSize.map { gcd(program.batchSize, $0) } ?? program.batchSize
        var ghost = min(128, passes)
        while ghost > 1, passes % ghost != 0 { ghost -= 1 }
        let (offset, prefix) = source.lineInsertion(after: batch)
        warn(.batchNormNotGhosted, "the batch grows but batch norm is not ghosted: its statistics will change with the batch size", at: batch,
             notes: [.init("Smith et al. 2018 use ghost batch norm (ghost batches of 128) so that growing B leaves batch norm unchanged, which the equivalence to decaying the learning rate needs")],
             fixIts: [.insert(prefix + SettingCatalog.line("ghost_batch", String(ghost)) + "\n", at: offset, "add 'ghost_batch \(ghost)'")])
    }

    /// S208: AdaBatch saw poor convergence when the batch grew 8× per step.
    mutating func adabatchFactor() {
        guard case .adabatch(let r) = program.policy, r >= 8, let policy = range(of: "policy") else { return }
        warn(.adabatchFactorTooLarge, "adabatch(\(NumberLiteral.describe(r))) grows the batch \(NumberLiteral.describe(r))× per decay", at: policy,
             notes: [.init("Devarakonda et al. 2017 saw poor convergence growing the batch 8× per step (too much, too early); 2× is their default")])
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
