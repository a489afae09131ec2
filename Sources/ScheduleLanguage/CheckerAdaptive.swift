/// Checks of `adapt batch(...)`: its arguments (S104–S108, S112, S123) and its relations to
/// the batch settings (S113, S124, S125). The warnings that need the whole program (S210, S211)
/// are static lints (ScheduleLints).
extension Checker {
    static let adaptUsage = "write e.g. 'adapt batch(every: 50 steps)'; the other arguments have defaults"

    /// The arguments of `adapt batch(...)`, each checked on its own; `upToWritten` stays nil when not
    /// written (it defaults to max_batch, known only once every setting is read). Kept when an
    /// argument is wrong too (`isValid` false), so the relations of the others are still checked.
    struct AdaptiveArguments {
        var spec: AdaptiveSpec
        var every: AdaptiveSpec.Span?
        var upToWritten: Int?
        /// Each written argument's value (with its unit), without the label: what fix-its replace.
        var valueRanges: [AdaptiveSpec.Argument: SourceRange] = [:]
        var isValid = true
    }

    mutating func evaluateAdaptive(_ setting: SettingSyntax) -> AdaptiveArguments? {
        let expects = SettingCatalog.spec("adapt")!.expects
        guard let value = singleValue(setting, expects: expects) else { return nil }
        guard case .name(let target, let arguments) = value else {
            error(.wrongKindOfValue, "'adapt' takes \(expects), found \(quote(value))", at: value.range)
            return nil
        }
        guard target.text == "batch" else {
            let suggestion = Suggestion.closest(to: target.text, in: ["batch"])
                ?? ["batch_size": "batch", "batchsize": "batch", "bs": "batch"][target.text.lowercased()]
            error(.unknownName, "'\(target.text)' cannot adapt: only the batch does", at: target.range,
                  notes: [.init("the batch grows when the measured noise scale says so: 'adapt batch(every: 50 steps)'")],
                  fixIts: suggestion.map { [.replace(target.range, with: $0, "did you mean '\($0)'?")] } ?? [])
            return nil
        }
        let parameters = AdaptiveSpec.Argument.allCases
        // Every argument is labelled: `adapt batch(50 steps, 0.9)` says nothing a reader can check.
        var positional = false
        for (position, argument) in (arguments?.arguments ?? []).enumerated() where argument.label == nil {
            let fixIts: [Diagnostic.FixIt] = position < parameters.count
                ? [.insert("\(parameters[position].rawValue): ", at: argument.range.start, "label it '\(parameters[position].rawValue):'")]
                : []
            error(.arguments, "the arguments of 'adapt batch' are labelled, e.g. 'every: 50 steps'", at: argument.range,
                  notes: [.init("'adapt batch' takes \(parameters.map { "'\($0.rawValue)'" }.joined(separator: ", "))")],
                  fixIts: fixIts)
            positional = true
        }
        guard !positional else { return nil }
        let callee = NameSyntax(text: "adapt batch", range: target.range)
        guard bindArguments(arguments, of: callee, parameters: parameters.map(\.rawValue), required: [AdaptiveSpec.Argument.every.rawValue],
                            usage: Checker.adaptUsage) != nil else { return nil }
        var written: [AdaptiveSpec.Argument: ArgumentSyntax] = [:]
        for argument in arguments?.arguments ?? [] {
            if let label = argument.label, let parameter = AdaptiveSpec.Argument(rawValue: label.text) { written[parameter] = argument }
        }

        var ok = true
        var result = AdaptiveArguments(spec: AdaptiveSpec(every: .steps(1), upTo: 0, range: setting.range))
        for parameter in parameters {
            guard let argument = written[parameter] else { continue }
            result.spec.argumentRanges[parameter] = argument.range
            result.valueRanges[parameter] = argument.unit.map { argument.value.range.union($0.range) } ?? argument.value.range
            let subject = "'\(parameter.rawValue)'"
            if parameter.isSpan {
                guard let span = span(argument, subject) else { ok = false; continue }
                if parameter == .every { result.every = span } else { result.spec.gap = span }
                continue
            }
            guard unitless(argument, subject) else { ok = false; continue }
            switch parameter {
            case .smoothing:
                if let s = real(argument.value, subject, atLeast: 0, below: 1) { result.spec.smoothing = s } else { ok = false }
            case .above:
                if let k = real(argument.value, subject, greaterThan: 0) { result.spec.above = k } else { ok = false }
            case .checks:
                if let n = integer(argument.value, subject, atLeast: 1) { result.spec.checks = n } else { ok = false }
            case .grow:
                if let f = growthFactor(argument.value) { result.spec.grow = f } else { ok = false }
            case .upTo:
                if let b = integer(argument.value, subject, atLeast: 1) { result.upToWritten = b } else { ok = false }
            case .keep:
                if let keep = keepValue(argument.value) { result.spec.keep = keep } else { ok = false }
            case .every, .gap:
                break
            }
        }
        if let every = result.every { result.spec.every = every }
        result.isValid = ok && result.every != nil
        return result
    }

    /// `50 steps` (a whole number ≥ 1) or `0.5 epochs` (> 0).
    mutating func span(_ argument: ArgumentSyntax, _ subject: String) -> AdaptiveSpec.Span? {
        guard let number = number(argument.value, subject, expects: "a length such as '50 steps' or '1 epoch'") else { return nil }
        guard let unit = argument.unit else {
            let guess = number.isIntegerLiteral ? "steps" : "epochs"
            error(.units, "\(subject) needs a unit: 'steps' or 'epochs'", at: .at(number.range.end),
                  notes: [.init("a span is a number of updates ('50 steps') or of epochs ('0.5 epochs')")],
                  fixIts: [.insert(" \(guess)", at: number.range.end, "insert '\(guess)'")])
            return nil
        }
        switch unit.unit {
        case .epoch:
            return real(number, subject, greaterThan: 0).map { .epochs($0) }
        case .step:
            guard let steps = wholeSteps(number, "\(subject) in steps") else { return nil }
            guard steps >= 1 else {
                error(.outOfRange, "\(subject) must be at least 1 step, found \(steps)", at: number.range)
                return nil
            }
            return .steps(steps)
        }
    }

    /// A plain number: a unit after it (`smoothing: 0.9 steps`) is a mistake.
    mutating func unitless(_ argument: ArgumentSyntax, _ subject: String) -> Bool {
        guard let unit = argument.unit else { return true }
        error(.units, "\(subject) takes a plain number, not a span", at: unit.range,
              notes: [.init("only 'every' and 'gap' are spans ('50 steps', '1 epoch')")],
              fixIts: [.remove(SourceRange(start: argument.value.range.end, end: unit.range.end), "remove the unit")])
        return false
    }

    /// `grow:` a factor above 1 (S123 otherwise: the batch would not grow).
    mutating func growthFactor(_ value: ValueSyntax) -> Double? {
        guard let number = number(value, "'grow'") else { return nil }
        guard number.value.isFinite else {
            error(.outOfRange, "'grow' must be a finite number, found '\(source.slice(number.range))' (too large)", at: number.range)
            return nil
        }
        guard number.value > 1 else {
            error(.adaptiveGrowthNotAboveOne, "'grow' must be greater than 1, found \(NumberLiteral.describe(number.value))",
                  at: number.range,
                  notes: [.init("a growth multiplies the batch by this factor; the batch of an adaptive run only grows")],
                  fixIts: [.replace(number.range, with: "2", "use 2 (the default)")])
            return nil
        }
        return number.value
    }

    /// `keep: lr` or `keep: noise`.
    mutating func keepValue(_ value: ValueSyntax) -> AdaptiveSpec.Keep? {
        let names = AdaptiveSpec.Keep.allCases.map(\.rawValue)
        guard case .name(let name, nil) = value else {
            error(.wrongKindOfValue, "'keep' takes 'lr' or 'noise', found \(quote(value))", at: value.range)
            return nil
        }
        guard let keep = AdaptiveSpec.Keep(rawValue: name.text) else {
            let suggestion = Suggestion.closest(to: name.text, in: names)
                ?? ["learning_rate": "lr", "eta": "lr", "epsilon": "lr", "noise_scale": "noise", "g": "noise"][name.text.lowercased()]
            error(.unknownName, "'keep' takes 'lr' or 'noise', found '\(name.text)'", at: name.range,
                  notes: [.init("'keep: lr' keeps ε, so the noise falls as the batch grows; 'keep: noise' grows ε with the batch")],
                  fixIts: suggestion.map { [.replace(name.range, with: $0, "did you mean '\($0)'?")] } ?? [])
            return nil
        }
        return keep
    }

    // MARK: - Relations

    /// `up_to` within [batch, max_batch] (S124), a measurement inside the run (S113), and
    /// passes to estimate from (S125). Sets `values.adaptive` when all hold.
    mutating func checkAdaptiveRelations() {
        guard let arguments = values.adaptiveArguments, let batch = values.batch, let size = values.dataset?.trainingSize else { return }
        let maxBatch = values.maxBatch ?? size
        var spec = arguments.spec
        var ok = arguments.isValid
        if let upTo = arguments.upToWritten, let valueRange = arguments.valueRanges[.upTo] {
            if upTo < batch {
                error(.adaptiveBoundOutsideBatches, "up_to \(upTo) is below the initial batch \(batch)", at: valueRange,
                      notes: [.init("an adaptive batch grows from 'batch' up to 'up_to'", range: written["batch"]?.range)],
                      fixIts: [.replace(valueRange, with: String(maxBatch), "use \(maxBatch) (max_batch)"),
                               .replace(valueRange, with: String(batch), "use \(batch) (the batch never grows)")])
                ok = false
            } else if upTo > maxBatch {
                let limit = values.maxBatch != nil ? "max_batch \(maxBatch)" : "the data set (N = \(size); max_batch defaults to it)"
                error(.adaptiveBoundOutsideBatches, "up_to \(upTo) is larger than \(limit)", at: valueRange,
                      notes: [.init("no batch may exceed max_batch, the largest batch the hardware takes", range: written["max_batch"]?.range)],
                      fixIts: [.replace(valueRange, with: String(maxBatch), "use \(maxBatch)")])
                ok = false
            }
            spec.upTo = upTo
        } else {
            spec.upTo = maxBatch
        }
        if case .epochs(let e)? = arguments.every, let epochs = values.epochs, e >= Double(epochs),
           let range = arguments.valueRanges[.every] {
            error(.outsideTheRun, "'every: \(NumberLiteral.describe(e)) epochs' measures nothing within the run (\(English.count(epochs, "epoch")))",
                  at: range, notes: [.init("epochs is set here", range: written["epochs"]?.range)])
            ok = false
        }
        if !checkPassesToEstimateFrom(batch: batch, range: spec.range) { ok = false }
        if ok { values.adaptive = spec }
    }

    /// S125: B_simple is estimated from two batch sizes, the passes of an update and the whole
    /// update, so every update needs at least two passes: `micro_batch` below `batch`.
    mutating func checkPassesToEstimateFrom(batch: Int, range: SourceRange) -> Bool {
        if let micro = values.micro, micro < batch { return true }
        let why = Diagnostic.Note("B_simple = tr(Σ)/|G|² is estimated from the gradient norms at two batch sizes: each pass of an update and the whole update (McCandlish et al. 2018, appendix A); 'micro_batch' below 'batch' splits every update into passes")
        var fixIts: [Diagnostic.FixIt] = []
        var notes = [why]
        if let micro = Checker.estimationMicroBatch(batch: batch, ghostBatch: values.ghost) {
            if let microRange = valueRange("micro_batch") {
                fixIts = [.replace(microRange, with: String(micro), "use micro_batch \(micro)")]
            } else if let batchSetting = written["batch"] {
                let (offset, prefix) = source.lineInsertion(after: batchSetting.range)
                fixIts = [.insert(prefix + SettingCatalog.line("micro_batch", String(micro)) + "\n", at: offset,
                                  "add 'micro_batch \(micro)' (passes of \(micro))")]
            }
        } else if batch < 2 * (values.ghost ?? 1) {
            notes.append(.init(values.ghost.map { "a batch of \(batch) holds fewer than two ghost batches of \($0)" }
                               ?? "a batch of 1 cannot be split into passes"))
        }
        if let micro = values.micro {
            notes.append(.init("micro_batch \(micro) holds the whole batch", range: written["micro_batch"]?.range))
        }
        let passes = values.micro == nil ? "without 'micro_batch'" : "with micro_batch \(values.micro!)"
        error(.nothingToEstimateFrom, "'adapt batch' has nothing to measure the noise from: \(passes) each update of \(batch) is one pass",
              at: range, notes: notes, fixIts: fixIts)
        return false
    }

    /// The largest pass size that splits `batch` into at least two equal passes of whole ghost
    /// batches: batch / p for the smallest prime p dividing batch / ghost_batch.
    static func estimationMicroBatch(batch: Int, ghostBatch: Int?) -> Int? {
        let unit = ghostBatch ?? 1
        guard unit >= 1, batch % unit == 0 else { return nil }
        let pieces = batch / unit
        guard pieces >= 2 else { return nil }
        // Trial division, bounded so that a huge prime batch costs no time (no fix-it then).
        var p = 2
        while p <= pieces / p, pieces % p != 0 {
            p += 1
            if p > 1 << 16 { return nil }
        }
        if pieces % p != 0 { p = pieces }
        return unit * (pieces / p)
    }
}
