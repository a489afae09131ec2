/// Checks of each setting's value (S104–S108, S112, S121) and of the relations between
/// settings (S109–S111, S113).
extension Checker {
    mutating func evaluateSettings() {
        for spec in SettingCatalog.all {
            guard let setting = written[spec.name], setting.isComplete else { continue }
            let subject = "'\(spec.name)'"
            switch spec.name {
            case "schedule":
                guard let value = singleValue(setting, expects: spec.expects) else { break }
                if case .name(let name, nil) = value {
                    values.name = name.text
                } else {
                    error(.wrongKindOfValue, "'schedule' takes a name, found \(quote(value))", at: value.range)
                }
            case "data": values.dataset = evaluateData(setting)
            case "model": values.model = singleValue(setting, expects: spec.expects).flatMap { evaluateModel($0) }
            case "epochs": values.epochs = singleValue(setting, expects: spec.expects).flatMap { integer($0, subject, atLeast: 1) }
            case "optimizer": values.optimizer = singleValue(setting, expects: spec.expects).flatMap { evaluateOptimizer($0) }
            case "lr": values.lr = singleValue(setting, expects: spec.expects).flatMap { real($0, subject, greaterThan: 0) }
            case "batch": values.batch = singleValue(setting, expects: spec.expects).flatMap { integer($0, subject, atLeast: 1) }
            case "max_batch": values.maxBatch = singleValue(setting, expects: spec.expects).flatMap { integer($0, subject, atLeast: 1) }
            case "micro_batch": values.micro = singleValue(setting, expects: spec.expects).flatMap { integer($0, subject, atLeast: 1) }
            case "ghost_batch": values.ghost = singleValue(setting, expects: spec.expects).flatMap { integer($0, subject, atLeast: 1) }
            case "policy": values.policy = singleValue(setting, expects: spec.expects).flatMap { evaluatePolicy($0) }
            case "warmup": values.warmup = evaluateWarmup(setting)
            case "seed": values.seed = singleValue(setting, expects: spec.expects).flatMap { integer($0, subject, atLeast: 0) }.map { UInt64($0) }
            case "weight_decay": values.weightDecay = singleValue(setting, expects: spec.expects).flatMap { real($0, subject, atLeast: 0) }
            case "adapt": values.adaptiveArguments = evaluateAdaptive(setting)
            default: break
            }
        }
    }

    /// `data NAME`, `data NAME(subset: K)`, `data size N`.
    mutating func evaluateData(_ setting: SettingSyntax) -> DatasetSpec? {
        let expects = SettingCatalog.spec("data")!.expects
        if case .name(let size, nil) = setting.values[0], size.text == "size" {
            guard setting.values.count >= 2 else {
                error(.wrongKindOfValue, "'data size' needs the number of training examples", at: size.range,
                      notes: [.init("e.g. 'data size 50000'")])
                return nil
            }
            guard setting.values.count == 2 else {
                let extra = SourceRange(start: setting.values[1].range.end, end: setting.values.last!.range.end)
                error(.wrongKindOfValue, "'data size' takes one number", at: setting.values[2].range.union(extra),
                      fixIts: [.remove(extra, "remove the extra values")])
                return nil
            }
            guard let size = integer(setting.values[1], "the data set size", atLeast: 1) else { return nil }
            return DatasetSpec(known: nil, trainingSize: size)
        }
        guard let value = singleValue(setting, expects: expects) else { return nil }
        guard case .name(let name, let arguments) = value else {
            error(.wrongKindOfValue, "'data' takes \(expects), found \(quote(value))", at: value.range)
            return nil
        }
        guard let known = KnownDataset(rawValue: name.text) else {
            let names = KnownDataset.allCases.map(\.rawValue)
            let suggestion = Suggestion.closest(to: name.text, in: names)
                ?? ["fashion": "fashion_mnist", "fashionmnist": "fashion_mnist", "cifar": "cifar10"][name.text.lowercased()]
            error(.unknownName, "unknown data set '\(name.text)'", at: name.range,
                  notes: [.init("known data sets: \(names.joined(separator: ", ")); write 'data size N' for any other")],
                  fixIts: suggestion.map { [.replace(name.range, with: $0, "did you mean '\($0)'?")] } ?? [])
            return nil
        }
        guard let bound = bindArguments(arguments, of: name, parameters: ["subset"]) else { return nil }
        var subset: Int?
        if let value = bound["subset"] {
            guard let k = integer(value, "'subset'", atLeast: 1) else { return nil }
            guard k <= known.trainingSize else {
                error(.outOfRange, "a subset of \(k) examples is larger than \(known.rawValue)'s training set", at: value.range,
                      notes: [.init("\(known.rawValue) has \(known.trainingSize) training examples")])
                return nil
            }
            subset = k
        }
        return DatasetSpec(known: known, trainingSize: subset ?? known.trainingSize, subset: subset)
    }

    /// `cnn`, `mlp(hidden: [512, 512])`, `wrn(16, 4)`.
    mutating func evaluateModel(_ value: ValueSyntax) -> ModelSpec? {
        guard case .name(let name, let arguments) = value else {
            error(.wrongKindOfValue, "'model' takes \(SettingCatalog.spec("model")!.expects), found \(quote(value))", at: value.range)
            return nil
        }
        switch name.text {
        case "cnn":
            guard bindArguments(arguments, of: name, parameters: []) != nil else { return nil }
            return .cnn
        case "mlp":
            guard let bound = bindArguments(arguments, of: name, parameters: ["hidden"]) else { return nil }
            guard let hidden = bound["hidden"] else { return .mlp(hidden: [512, 512]) }
            guard case .list(let list) = hidden else {
                error(.wrongKindOfValue, "'hidden' takes a list of layer widths, found \(quote(hidden))", at: hidden.range,
                      notes: [.init("e.g. 'mlp(hidden: [512, 512])'")])
                return nil
            }
            var widths: [Int] = []
            for element in list.elements {
                guard let width = integer(element, "a layer width", atLeast: 1) else { return nil }
                widths.append(width)
            }
            return .mlp(hidden: widths)
        case "wrn":
            guard let bound = bindArguments(arguments, of: name, parameters: ["depth", "width"], required: ["depth", "width"],
                                                usage: "write e.g. 'wrn(16, 4)'"),
                  let depthValue = bound["depth"], let widthValue = bound["width"] else { return nil }
            let depth = integer(depthValue, "the wrn depth", atLeast: 1)
            let width = integer(widthValue, "the wrn width", atLeast: 1)
            guard let depth, let width else { return nil }
            guard depth >= 10, (depth - 4) % 6 == 0 else {
                var fixIts: [Diagnostic.FixIt] = []
                if depth < 10_000 {
                    let nearest = 6 * max(1, Int((Double(depth - 4) / 6).rounded())) + 4
                    fixIts = [.replace(depthValue.range, with: String(nearest), "use \(nearest)")]
                }
                error(.wideResNetDepth, "a wide ResNet's depth must be 6n + 4 (10, 16, 22, 28, ...), found \(depth)", at: depthValue.range,
                      notes: [.init("wrn(depth, width) stacks 3 groups of n residual blocks of 2 convolutions, plus 4 layers (Zagoruyko & Komodakis 2016)")],
                      fixIts: fixIts)
                return nil
            }
            return .wrn(depth: depth, width: width)
        default:
            let suggestion = Suggestion.closest(to: name.text, in: ["cnn", "mlp", "wrn"])
                ?? ["resnet": "wrn", "wide_resnet": "wrn", "wideresnet": "wrn", "conv": "cnn", "convnet": "cnn"][name.text.lowercased()]
            error(.unknownName, "unknown model '\(name.text)'", at: name.range,
                  notes: [.init("the models are cnn, mlp(hidden: [...]) and wrn(DEPTH, WIDTH)")],
                  fixIts: suggestion.map { [.replace(name.range, with: $0, "did you mean '\($0)'?")] } ?? [])
            return nil
        }
    }

    /// `sgd`, `sgd(momentum: M)`, `nesterov(momentum: M)`, `adam(beta1:, beta2:, epsilon:)`.
    mutating func evaluateOptimizer(_ value: ValueSyntax) -> OptimizerSpec? {
        guard case .name(let name, let arguments) = value else {
            error(.wrongKindOfValue, "'optimizer' takes \(SettingCatalog.spec("optimizer")!.expects), found \(quote(value))", at: value.range)
            return nil
        }
        switch name.text {
        case "sgd", "nesterov":
            guard let bound = bindArguments(arguments, of: name, parameters: ["momentum"]) else { return nil }
            var momentum = name.text == "sgd" ? 0 : 0.9
            if let value = bound["momentum"] {
                guard let m = real(value, "'momentum'", atLeast: 0, below: 1) else { return nil }
                momentum = m
            }
            return OptimizerSpec(kind: name.text == "sgd" ? .sgd : .nesterov, momentum: momentum)
        case "adam":
            guard let bound = bindArguments(arguments, of: name, parameters: ["beta1", "beta2", "epsilon"]) else { return nil }
            var spec = OptimizerSpec(kind: .adam)
            var ok = true
            if let value = bound["beta1"] {
                if let b = real(value, "'beta1'", atLeast: 0, below: 1) { spec.beta1 = b } else { ok = false }
            }
            if let value = bound["beta2"] {
                if let b = real(value, "'beta2'", atLeast: 0, below: 1) { spec.beta2 = b } else { ok = false }
            }
            if let value = bound["epsilon"] {
                if let e = real(value, "'epsilon'", greaterThan: 0) { spec.epsilon = e } else { ok = false }
            }
            return ok ? spec : nil
        default:
            let suggestion = Suggestion.closest(to: name.text, in: OptimizerSpec.Kind.allCases.map(\.rawValue))
                ?? ["momentum": "sgd", "adamw": "adam"][name.text.lowercased()]
            error(.unknownName, "unknown optimizer '\(name.text)'", at: name.range,
                  notes: [.init("the optimizers are sgd, nesterov and adam; momentum is an option: 'sgd(momentum: 0.9)'")],
                  fixIts: suggestion.map { [.replace(name.range, with: $0, "did you mean '\($0)'?")] } ?? [])
            return nil
        }
    }

    /// `increase_batch`, `decay_lr`, `hybrid(K)`, `adabatch(R)`.
    mutating func evaluatePolicy(_ value: ValueSyntax) -> LoweringPolicy? {
        guard case .name(let name, let arguments) = value else {
            error(.wrongKindOfValue, "'policy' takes \(SettingCatalog.spec("policy")!.expects), found \(quote(value))", at: value.range)
            return nil
        }
        switch name.text {
        case "increase_batch":
            return bindArguments(arguments, of: name, parameters: []) == nil ? nil : .increaseBatch
        case "decay_lr":
            return bindArguments(arguments, of: name, parameters: []) == nil ? nil : .decayLearningRate
        case "hybrid":
            guard let bound = bindArguments(arguments, of: name, parameters: ["k"], required: ["k"],
                                                usage: "in hybrid(K) the first K noise decays grow the batch and later ones decay lr, e.g. 'hybrid(1)'"),
                  let k = bound["k"].flatMap({ integer($0, "the number of batch-growing decays", atLeast: 0) }) else { return nil }
            return .hybrid(k: k)
        case "adabatch":
            guard let bound = bindArguments(arguments, of: name, parameters: ["r"]) else { return nil }
            guard let value = bound["r"] else { return .adabatch(r: 2) }
            return real(value, "the AdaBatch growth factor", greaterThan: 1).map { .adabatch(r: $0) }
        default:
            let names = ["increase_batch", "decay_lr", "hybrid", "adabatch"]
            let suggestion = Suggestion.closest(to: name.text, in: names)
                ?? ["increasing_batch": "increase_batch", "grow_batch": "increase_batch", "decay": "decay_lr",
                    "lr_decay": "decay_lr", "decaying_lr": "decay_lr", "decay_learning_rate": "decay_lr"][name.text.lowercased()]
            error(.unknownName, "unknown policy '\(name.text)'", at: name.range,
                  notes: [.init("the policies are increase_batch, decay_lr, hybrid(K) and adabatch(R)")],
                  fixIts: suggestion.map { [.replace(name.range, with: $0, "did you mean '\($0)'?")] } ?? [])
            return nil
        }
    }

    /// `warmup 5 epochs`, `warmup 500 steps`.
    mutating func evaluateWarmup(_ setting: SettingSyntax) -> Warmup? {
        guard let number = number(setting.values[0], "'warmup'", expects: "a length such as '5 epochs'") else { return nil }
        guard setting.values.count >= 2 else {
            error(.units, "'warmup' needs a unit: 'epochs' or 'steps'", at: .at(number.range.end),
                  fixIts: [.insert(" epochs", at: number.range.end, "insert 'epochs'")])
            return nil
        }
        guard setting.values.count == 2 else {
            let extra = SourceRange(start: setting.values[1].range.end, end: setting.values.last!.range.end)
            error(.wrongKindOfValue, "'warmup' takes a length and a unit", at: setting.values[2].range.union(extra),
                  fixIts: [.remove(extra, "remove the extra values")])
            return nil
        }
        guard case .name(let unitName, nil) = setting.values[1], let unit = Parser.unitWords[unitName.text] else {
            let written = setting.values[1]
            var fixIts: [Diagnostic.FixIt] = []
            if case .name(let name, nil) = written, let guess = Suggestion.closest(to: name.text, in: ["epochs", "steps"]) {
                fixIts = [.replace(name.range, with: guess, "did you mean '\(guess)'?")]
            }
            error(.units, "unknown warm-up unit \(quote(written))", at: written.range,
                  notes: [.init("a warm-up lasts some 'epochs' or some 'steps' (updates)")], fixIts: fixIts)
            return nil
        }
        switch unit {
        case .epoch:
            return real(number, "the warm-up length", greaterThan: 0).map { Warmup(length: $0, unit: .epoch) }
        case .step:
            guard let steps = wholeSteps(number, "a warm-up in steps") else { return nil }
            guard steps >= 1 else {
                error(.outOfRange, "the warm-up length must be positive, found 0", at: number.range)
                return nil
            }
            return Warmup(length: Double(steps), unit: .step)
        }
    }

    /// A step count: a whole number (S112 otherwise — an epoch may be fractional, a step not).
    mutating func wholeSteps(_ number: NumberSyntax, _ subject: String) -> Int? {
        guard number.isIntegerLiteral else {
            error(.units, "\(subject) is a whole number of updates, found '\(number.literal)'", at: number.range,
                  notes: [.init("an epoch may be fractional, a step cannot; write the time in epochs instead")])
            return nil
        }
        guard let value = number.integerValue else {
            error(.outOfRange, "\(subject) is too large (at most \(Int.max)), found '\(number.literal)'", at: number.range)
            return nil
        }
        return value
    }

    // MARK: - Relations between settings

    func valueRange(_ name: String) -> SourceRange? {
        guard let setting = written[name] else { return nil }
        return setting.values.last.map { setting.values[0].range.union($0.range) } ?? setting.range
    }

    mutating func checkSettingRelations() {
        let size = values.dataset?.trainingSize
        if let batch = values.batch, let batchRange = valueRange("batch") {
            if let maxBatch = values.maxBatch, batch > maxBatch {
                error(.batchLargerThanMaxBatch, "batch \(batch) is larger than max_batch \(maxBatch)", at: batchRange,
                      notes: [.init("max_batch, the largest batch the hardware takes, is set here", range: written["max_batch"]?.range)])
            } else if written["max_batch"] == nil, let size, batch > size {
                error(.batchLargerThanMaxBatch, "batch \(batch) is larger than the data set (N = \(size))", at: batchRange,
                      notes: [.init("max_batch defaults to N; a batch cannot hold more than the whole training set")])
            }
        }
        if let maxBatch = values.maxBatch, let size, maxBatch > size, let range = valueRange("max_batch") {
            error(.maxBatchLargerThanDataSet, "max_batch \(maxBatch) is larger than the data set (N = \(size))", at: range,
                  notes: [.init("the data set is set here", range: written["data"]?.range)],
                  fixIts: [.replace(range, with: String(size), "use \(size)")])
        }
        if let ghost = values.ghost, let ghostRange = valueRange("ghost_batch") {
            let why = Diagnostic.Note("ghost batch norm takes statistics over consecutive groups of ghost_batch examples, so every batch and every pass must hold a whole number of them")
            if let batch = values.batch, batch % ghost != 0 {
                var fixIts: [Diagnostic.FixIt] = []
                if ghost <= 1 << 20 { // the search below is linear in ghost_batch
                    let divisor = largestDivisor(of: batch, atMost: ghost)
                    fixIts = [.replace(ghostRange, with: String(divisor), "use \(divisor)")]
                }
                error(.ghostBatchDoesNotDivide, "ghost_batch \(ghost) does not divide batch \(batch)", at: ghostRange,
                      notes: [why, .init("batch is set here", range: written["batch"]?.range)], fixIts: fixIts)
            }
            if let micro = values.micro, micro % ghost != 0 {
                error(.ghostBatchDoesNotDivide, "ghost_batch \(ghost) does not divide micro_batch \(micro)", at: ghostRange,
                      notes: [why, .init("micro_batch is set here", range: written["micro_batch"]?.range)])
            }
        }
        if let warmup = values.warmup, warmup.unit == .epoch, let epochs = values.epochs, warmup.length >= Double(epochs),
           let range = valueRange("warmup") {
            error(.outsideTheRun, "the warm-up (\(NumberLiteral.describe(warmup.length)) epochs) does not end within the run (\(English.count(epochs, "epoch")))",
                  at: range, notes: [.init("epochs is set here", range: written["epochs"]?.range)])
        }
    }

    func largestDivisor(of value: Int, atMost limit: Int) -> Int {
        var candidate = min(limit, value)
        while candidate > 1, value % candidate != 0 { candidate -= 1 }
        return max(candidate, 1)
    }
}
