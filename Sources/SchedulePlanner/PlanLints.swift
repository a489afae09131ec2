import ScheduleLanguage

/// Warnings that need the plan (the front end cannot see them: they depend on the policy, on
/// B_max and on where step-timed events land). Each points at the event that causes it;
/// findings of one statement (`at epoch 60, 120, 160: ...`, an `every`) become one diagnostic.
///
/// - S301: B grows past ~N/10 (threshold 1.25·N/10, so the paper's own B_max of 5120 for
///   N = 50 000 passes; Smith et al. grow B only to about N/10).
/// - S302: after a change of g, momentum needs ≈ B/(N(1 − m)) epochs to catch up; warned when
///   that is more than 10 % of the epochs until the next change of g (or the end).
/// - S303 (information): a noise decay the policy would lower by growing B, with B already at
///   max_batch — the paper's recipe from there on, so it informs rather than warns; not
///   reported when the batch starts at max_batch (`PolicyLints`' S203 covers that).
/// - S304: an explicit batch outside 1...max_batch, clamped.
/// - S305: a keep-noise change whose batch had to be capped, so ε differs from what was written.
/// - S306: an event (or the warm-up's end, or the first check of `adapt batch`) at or after
///   the end of the run.
/// - S307: a change makes B a batch that is not a multiple of ghost_batch, so every update
///   ends with a partial ghost batch (its batch-norm statistics come from fewer examples).
public enum PlanLints {
    public static let largeBatchShare = 1.25 / 10
    public static let momentumLagShare = 0.10

    public static func diagnostics(for plan: Plan, program: CheckedProgram) -> [Diagnostic] {
        diagnostics(for: plan, program: program, reusing: nil).diagnostics
    }

    /// The diagnostics, taking the words of momentum-lag findings (a long schedule has one per
    /// noise change) from `previous`, the memo of an earlier version's lints, where the same
    /// numbers recur; and this version's memo. The same diagnostics either way.
    ///
    /// From `parallelFrom` changes on, they are linted in two halves at once (the same result;
    /// tests pass 1 and `Int.max` to compare).
    public static func diagnostics(for plan: Plan, program: CheckedProgram, reusing previous: PlanLintMemo?,
                                   parallelFrom: Int = parallelChanges) -> (diagnostics: [Diagnostic], memo: PlanLintMemo) {
        let linter = ChangeLinter(plan: plan, program: program, previous: previous)
        // A long schedule's changes are linted in two halves at once (each change's findings
        // depend on the plan alone), joined in order: the same findings as one pass.
        let results = TwoHalves.map(plan.changes.count, parallelFrom: parallelFrom) { linter.lint($0) }
        var findings = results[0].findings
        for part in results.dropFirst() { findings += part.findings }
        let memo = PlanLintMemo(momentumLag: results.map(\.words))
        // A step interval the checker could not compare with the run's length.
        if let adaptive = program.adaptive, case .steps(let steps) = adaptive.every, steps >= plan.totalUpdates {
            findings.append(Finding(code: .eventAfterEnd, range: adaptive.argumentRanges[.every] ?? adaptive.range, short: "",
                                    message: "'adapt batch' would first measure at step \(steps), after the run ends (\(English.count(plan.totalUpdates, "update"))); the batch never grows"))
        }
        return (group(findings, parallelFrom: parallelFrom), memo)
    }

    /// Changes from which the lints run on two threads: below, starting a second one costs more than it saves.
    public static let parallelChanges = 4096

    /// What every change's lints read: the plan, the program, and where g changes.
    private struct ChangeLinter {
        let plan: Plan
        let program: CheckedProgram
        let previous: PlanLintMemo?
        let n: Double
        let largeBatch: Double
        /// Indices into the plan's changes (not copies: a change carries several strings) of
        /// the applied changes that move the noise.
        let noiseChanges: [Int]
        /// The last noise change of each sample that has one: looked up per change, by sample,
        /// so a long schedule is not quadratic to lint.
        let lastNoiseChange: [Int: Int]
        let noiseSamplesAscending: Bool

        init(plan: Plan, program: CheckedProgram, previous: PlanLintMemo?) {
            self.plan = plan
            self.program = program
            self.previous = previous
            n = Double(plan.datasetSize)
            largeBatch = largeBatchShare * n
            let changes = plan.changes
            let datasetSize = plan.datasetSize
            noiseChanges = changes.indices.filter {
                changes[$0].limit != .afterEnd && Self.changesNoise(changes[$0], datasetSize: datasetSize)
            }
            var last: [Int: Int] = [:]
            last.reserveCapacity(noiseChanges.count)
            for index in noiseChanges { last[changes[index].sample] = index }
            lastNoiseChange = last
            noiseSamplesAscending = zip(noiseChanges, noiseChanges.dropFirst()).allSatisfy { changes[$0].sample <= changes[$1].sample }
        }

        static func changesNoise(_ change: PlanChange, datasetSize: Int) -> Bool {
            let before = change.before.noiseScale(datasetSize: datasetSize)
            return abs(change.after.noiseScale(datasetSize: datasetSize) - before) > 1e-9 * before
        }

        /// The epoch of the first noise change after sample `sample` (a binary search: the planner applies changes in time order).
        func firstNoiseChangeEpoch(after sample: Int) -> Double? {
            let changes = plan.changes
            guard noiseSamplesAscending else { return noiseChanges.first { changes[$0].sample > sample }.map { changes[$0].epoch } }
            var low = 0, high = noiseChanges.count
            while low < high {
                let middle = (low + high) / 2
                if changes[noiseChanges[middle]].sample > sample { high = middle } else { low = middle + 1 }
            }
            return low < noiseChanges.count ? changes[noiseChanges[low]].epoch : nil
        }

        /// The findings of the changes in `indices`, in order, and the words this made or reused.
        func lint(_ indices: Range<Int>) -> (findings: [Finding], words: PlanLintMemo.Words) {
            var words: PlanLintMemo.Words = [:]
            words.reserveCapacity((previous?.count ?? 0) * indices.count / max(1, plan.changes.count))
            var findings: [Finding] = []
            // Momentum and lag repeat across a long schedule's findings: each formatted once.
            var formatted: [Double: String] = [:]
            func format(_ value: Double) -> String {
                if let text = formatted[value] { return text }
                let text = formatNumber(value)
                formatted[value] = text
                return text
            }
            let changes = plan.changes
            for changeIndex in indices {
                let change = changes[changeIndex]
                let event = change.eventIndex.flatMap { program.events.indices.contains($0) ? program.events[$0] : nil }
                // Changes without an event: the warm-up's end, or the growths of an adaptive run.
                let range = event?.range ?? (change.reason == .adaptive ? program.adaptive?.range : nil) ?? program.range(ofSetting: "warmup")
                // Formatted only for a change that has a finding (most have none).
                var at: String { "at epoch \(formatNumber(change.epoch))" }

                if change.limit == .afterEnd {
                    if event == nil {
                        findings.append(Finding(code: .eventAfterEnd, range: range, short: "",
                                                message: "warm-up lasts past the end of the run; ε ramps over all \(plan.totalUpdates) updates"))
                    } else {
                        findings.append(Finding(code: .eventAfterEnd, range: range, short: "at \(change.at)",
                                                message: "'at \(change.at): \(change.event)' takes effect after the run ends (\(English.count(plan.epochs, "epoch")), \(English.count(plan.totalUpdates, "update"))); it changes nothing"))
                    }
                    continue
                }

                if Double(change.after.batch) > largeBatch, Double(change.before.batch) <= largeBatch {
                    findings.append(Finding(code: .batchPastTenthOfDataSet, range: range, short: at,
                                            message: "batch grows to \(change.after.batch) \(at), past ~N/10 (N = \(plan.datasetSize))",
                                            notes: ["Smith et al. (2018) grow B to about N/10 and decay ε after that; lowering max_batch does the same"]))
                }

                if let ghost = program.ghostBatchSize, change.after.batch != change.before.batch,
                   change.after.batch % ghost != 0 {
                    var notes = ["ghost batch norm takes statistics over groups of \(ghost) examples; the last group of each update has only \(change.after.batch % ghost)"]
                    var noteRanges: [SourceRange?] = [nil]
                    if change.after.batch == plan.maxBatch {
                        let below = plan.maxBatch / ghost * ghost
                        notes.append("max_batch \(plan.maxBatch) is not a multiple of ghost_batch \(ghost)" + (below > 0 ? "; \(below) is" : ""))
                        noteRanges.append(program.settingRanges["max_batch"])
                    }
                    findings.append(Finding(code: .partialGhostBatch, range: range, short: at,
                                            message: "batch \(change.after.batch) \(at) is not a multiple of ghost_batch \(ghost)",
                                            notes: notes, noteRanges: noteRanges))
                }

                if change.limit == .noGrowth, program.batchSize < program.maxBatchSize {
                    findings.append(Finding(code: .decayCannotGrowBatch, range: range, short: at,
                                            message: "noise decay \(at) cannot grow the batch: it is already at max_batch \(plan.maxBatch)",
                                            notes: ["ε takes the whole factor, so this decay needs as many updates as under decay_lr"]))
                }

                if let event, change.limit == .clamped || change.limit == .maxBatch {
                    if event.target == .batch {
                        findings.append(Finding(code: .explicitBatchClamped, range: range, short: at,
                                                message: "\(change.note ?? "batch clamped") \(at)"))
                    } else if event.keepNoise {
                        findings.append(Finding(code: .keepNoiseCapped, range: range, short: at,
                                                message: "'\(change.event)' cannot hold the noise with the batch alone: \(change.note ?? "batch limited")"))
                    }
                }

                // Momentum catching up after a change of g: judged once per update, with the state
                // after the last change there.
                if Self.changesNoise(change, datasetSize: plan.datasetSize), lastNoiseChange[change.sample] == changeIndex,
                   change.after.momentum > 0 {
                    let until = firstNoiseChangeEpoch(after: change.sample) ?? Double(plan.epochs)
                    let span = until - change.epoch
                    let lost = Double(change.after.batch) / (n * (1 - change.after.momentum))
                    if span > 0, lost > momentumLagShare * span {
                        let share = Int((100 * lost / span).rounded())
                        let key = PlanLintMemo.MomentumLag(epoch: change.epoch, momentum: change.after.momentum,
                                                           lost: (lost * 100).rounded() / 100, share: share, span: span)
                        let made = words[key] ?? previous?.momentumLag(key) ?? {
                            let at = at
                            return (short: "\(at) (\(share)%)",
                                    message: "momentum \(format(key.momentum)) loses about \(format(key.lost)) epochs catching up after the noise change \(at), \(share)% of the \(formatNumber(span)) epochs until the next one")
                        }()
                        words[key] = made
                        findings.append(Finding(code: .momentumLag, range: range, short: made.short, message: made.message,
                                                notes: PlanLints.momentumLagNotes))
                    }
                }
            }
            return (findings, words)
        }
    }

    static let momentumLagNotes = ["after each change of g the momentum accumulator lags for about B/(N(1 − m)) epochs (Smith et al. 2018, appendix); add epochs or lower momentum"]

    struct Finding {
        var code: DiagnosticCode
        var range: SourceRange
        /// What tells this finding apart from others on the same statement ("at epoch 160").
        var short: String
        var message: String
        var notes: [String] = []
        /// Where each note points (nil: nowhere in particular); parallel to `notes` when given.
        var noteRanges: [SourceRange?] = []
    }

    /// One diagnostic per (code, statement): the first finding's message, the others as a note.
    private static func group(_ findings: [Finding], parallelFrom: Int) -> [Diagnostic] {
        // Sorted by range then code, a group's findings are neighbours (a long schedule has
        // thousands of findings in nearly this order already, nearly all alone in their group).
        let keys = findings.map { (start: $0.range.start, code: $0.code, end: $0.range.end) }
        let sorted = findings.indices.sorted { a, b in (keys[a].start, keys[a].code, keys[a].end, a) < (keys[b].start, keys[b].code, keys[b].end, b) }
        // Groups as runs of `sorted`, each a chain of finding indices (no array per group).
        var heads: [Int] = []
        var next = [Int](repeating: -1, count: findings.count)
        heads.reserveCapacity(findings.count)
        for (position, index) in sorted.enumerated() {
            if position > 0, case let previous = sorted[position - 1],
               keys[previous].start == keys[index].start, keys[previous].code == keys[index].code, keys[previous].end == keys[index].end {
                next[previous] = index
            } else {
                heads.append(index)
            }
        }
        // By position then code; ties keep the order of first findings (what a stable sort of
        // the groups gives).
        let order = heads.sorted { a, b in (keys[a].start, keys[a].code, a) < (keys[b].start, keys[b].code, b) }
        func diagnostic(_ head: Int) -> Diagnostic {
            let first = findings[head]
            var notes = first.notes.enumerated().map { index, note in
                Diagnostic.Note(note, range: index < first.noteRanges.count ? first.noteRanges[index] : nil)
            }
            var others: [String] = []
            var other = next[head]
            while other >= 0 {
                if !findings[other].short.isEmpty { others.append(findings[other].short) }
                other = next[other]
            }
            if !others.isEmpty { notes.insert(Diagnostic.Note("also " + others.joined(separator: ", ")), at: 0) }
            return Diagnostic(code: first.code, severity: first.code.defaultSeverity, message: first.message, range: first.range, notes: notes)
        }
        // Made in two halves at once for a long list, like the findings.
        return TwoHalves.elements(order.count, parallelFrom: parallelFrom, state: {}) { _, index in diagnostic(order[index]) }
    }
}

/// The words of an earlier version's plan lints, by the numbers they were made from.
public struct PlanLintMemo: Sendable {
    /// A momentum-lag finding's numbers (S302): its words depend on nothing else.
    struct MomentumLag: Hashable, Sendable {
        var epoch: Double
        var momentum: Double
        var lost: Double
        var share: Int
        var span: Double
    }

    typealias Words = [MomentumLag: (short: String, message: String)]
    /// One table per part of the plan linted at once (kept apart: merging cost more than looking in each).
    var parts: [Words] = []

    init(momentumLag parts: [Words] = []) { self.parts = parts }

    var count: Int { parts.reduce(0) { $0 + $1.count } }

    func momentumLag(_ key: MomentumLag) -> (short: String, message: String)? {
        for part in parts { if let words = part[key] { return words } }
        return nil
    }
}

extension Planner {
    /// The plan lints of `program` under its policy; a program that cannot be planned gives its
    /// S300 error instead.
    public static func diagnostics(for program: CheckedProgram) -> [Diagnostic] {
        do {
            return PlanLints.diagnostics(for: try plan(program), program: program)
        } catch let error as PlanningError {
            return [error.diagnostic]
        } catch {
            return [Diagnostic(code: PlanningError.code, severity: .error, message: "cannot plan: \(error)", range: .at(0))]
        }
    }
}
