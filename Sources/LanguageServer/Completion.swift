import ScheduleAnalysis
import ScheduleLanguage

/// Completion from the text of the line before the cursor: setting names (with their
/// documentation) and the event snippets at the start of a line; a setting's values (data sets,
/// models, optimizers and policies, and their arguments inside parentheses); units after `at`
/// and `every N`; targets after `:`, the operators a target allows, and `, keep noise`.
enum Completion {
    static let triggerCharacters = [" ", ":", "(", ","]

    enum ItemKind: Int {
        case property = 10, value = 12, keyword = 14, snippet = 15, enumMember = 20, `operator` = 24
    }

    static func items(at offset: Int, in analysis: Analysis) -> [CompletionItem] {
        let source = analysis.source
        let line = source.lineIndex(containing: offset)
        let prefix = source.slice(SourceRange(start: source.lineStarts[line], end: max(source.lineStarts[line], offset)))
        guard !prefix.contains("#") else { return [] }
        let words = prefix.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let atWordStart = prefix.isEmpty || prefix.last == " " || prefix.last == "\t"
        // Words before the one being typed.
        let done = atWordStart ? words : Array(words.dropLast())
        guard let first = done.first else { return lineStarts(present: analysis) }
        switch first {
        case "at", "every":
            if let colon = prefix.firstIndex(of: ":") {
                return action(String(prefix[prefix.index(after: colon)...]))
            }
            if first == "at" {
                return done.count == 1 ? units(plural: false) : []
            }
            // every N unit [from N] [until N]
            if done.count == 2 { return units(plural: true) }
            if done.count >= 3, let last = done.last, Double(last) != nil || TimeUnit(word: last) != nil {
                return ["from", "until"].filter { !done.contains($0) }.map { keyword($0, "the first or last time of the repetition") }
            }
            return []
        default:
            guard SettingCatalog.spec(first) != nil else { return [] }
            return values(of: first, before: String(prefix.drop(while: { $0 == " " || $0 == "\t" }).dropFirst(first.count)), done: done)
        }
    }

    /// Setting names not yet written (then the others), and the `at` and `every` snippets.
    static func lineStarts(present analysis: Analysis) -> [CompletionItem] {
        let written = Set(analysis.syntax.statements.compactMap { statement -> String? in
            if case .setting(let setting) = statement { return setting.name.text }
            return nil
        })
        var items = SettingCatalog.all.map { spec in
            CompletionItem(label: spec.name, kind: ItemKind.property.rawValue, detail: spec.expects,
                           documentation: SettingDocumentation.named(spec.name).map { MarkupContent(value: $0.markdown) },
                           insertText: SettingCatalog.line(spec.name, "").trimmingTrailingBlanks() + " ", insertTextFormat: 1,
                           sortText: (written.contains(spec.name) ? "2" : "1") + spec.name)
        }
        items.append(CompletionItem(label: "at", kind: ItemKind.snippet.rawValue, detail: "an event at given times",
                                    documentation: MarkupContent(value: "`at epoch 60, 120: noise /= 5` — also `at step 1000` and `at 50%`"),
                                    insertText: "at ${1|epoch,step|} ${2:60}: ${3|noise,lr,batch,momentum|} ${4|/=,*=,=|} ${5:5}",
                                    insertTextFormat: 2, sortText: "0at"))
        items.append(CompletionItem(label: "every", kind: ItemKind.snippet.rawValue, detail: "a repeated event",
                                    documentation: MarkupContent(value: "`every 20 epochs from 20 until 100: noise /= 2`"),
                                    insertText: "every ${1:20} ${2|epochs,steps|}: ${3|noise,lr,batch,momentum|} ${4|/=,*=,=|} ${5:2}",
                                    insertTextFormat: 2, sortText: "0every"))
        return items
    }

    static func units(plural: Bool) -> [CompletionItem] {
        [keyword(plural ? "epochs" : "epoch", "times in epochs (passes over the data set)"),
         keyword(plural ? "steps" : "step", "times in steps (parameter updates)")]
    }

    static func keyword(_ word: String, _ detail: String) -> CompletionItem {
        CompletionItem(label: word, kind: ItemKind.keyword.rawValue, detail: detail)
    }

    /// After the `:` of an event: the target, then its operators, then `, keep noise`.
    static func action(_ text: String) -> [CompletionItem] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let atWordStart = text.isEmpty || text.last == " " || text.last == "\t"
        let done = atWordStart ? words : Array(words.dropLast())
        switch done.count {
        case 0:
            let targets: [(EventTarget, String)] = [
                (.noise, "the noise scale g = εN / (B(1 − m)); the policy lowers it to B and ε"),
                (.lr, "the learning rate ε, directly"), (.batch, "the batch size B, directly"),
                (.momentum, "the momentum m, directly"),
            ]
            return targets.map { CompletionItem(label: $0.0.rawValue, kind: ItemKind.enumMember.rawValue, detail: $0.1) }
        case 1:
            guard let target = EventTarget(rawValue: done[0]) else { return [] }
            let operators: [AssignmentOperator]
            switch target {
            case .noise: operators = [.divide, .multiply]
            case .momentum: operators = [.assign]
            case .lr, .batch: operators = [.assign, .multiply, .divide]
            }
            return operators.map { CompletionItem(label: $0.rawValue, kind: ItemKind.operator.rawValue, detail: "\(target.rawValue) \($0.rawValue) VALUE") }
        default:
            guard done.count >= 3, done[0] == "lr" || done[0] == "momentum", !text.contains("keep") else { return [] }
            return [CompletionItem(label: ", keep noise", kind: ItemKind.keyword.rawValue,
                                   detail: "rescale B so the noise scale g stays put", insertText: ", keep noise")]
        }
    }

    /// Values of setting `name`; `text` is what follows the name on the line.
    static func values(of name: String, before text: String, done: [String]) -> [CompletionItem] {
        if name == "adapt", let open = text.lastIndex(of: "("), !text[open...].contains(")") {
            return adaptiveArguments(String(text[text.index(after: open)...]))
        }
        // Inside an argument list: the labels it takes.
        if let open = text.lastIndex(of: "("), !text[open...].contains(")") {
            let callee = text[..<open].split(whereSeparator: { $0 == " " || $0 == "\t" }).last.map(String.init) ?? ""
            let labels: [String]
            switch callee {
            case "sgd", "nesterov": labels = ["momentum"]
            case "adam": labels = ["beta1", "beta2", "epsilon"]
            case "mlp": labels = ["hidden"]
            case "wrn": labels = ["depth", "width"]
            default: labels = KnownDataset(rawValue: callee) != nil ? ["subset"] : []
            }
            let written = text[open...]
            return labels.filter { !written.contains($0 + ":") }.map {
                CompletionItem(label: $0 + ":", kind: ItemKind.property.rawValue, detail: "argument of \(callee)", insertText: $0 + ": ")
            }
        }
        guard done.count == 1 else {
            if name == "warmup", done.count == 2 { return units(plural: true) }
            return []
        }
        func value(_ label: String, _ detail: String, kind: ItemKind = .enumMember) -> CompletionItem {
            CompletionItem(label: label, kind: kind.rawValue, detail: detail)
        }
        switch name {
        case "data":
            return KnownDataset.allCases.map { value($0.rawValue, "\($0.trainingSize) training examples") }
                + [value("size", "`size N`: plan for any data set of N examples", kind: .keyword)]
        case "model":
            return [value("cnn", "the convolutional network"), value("mlp(hidden: [512, 512])", "a multi-layer perceptron"),
                    value("wrn(16, 4)", "a wide ResNet (depth 6n + 4, width)")]
        case "optimizer":
            return [value("sgd(momentum: 0.9)", "SGD with momentum"), value("nesterov(momentum: 0.9)", "Nesterov momentum"),
                    value("adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)", "Adam (m = 0 in the noise scale)"), value("sgd", "plain SGD (m = 0)")]
        case "policy":
            return [value("increase_batch", "grow B; ε takes the rest past max_batch"), value("decay_lr", "decay ε only, B fixed"),
                    value("hybrid(1)", "grow B at the first K decays, then decay ε"), value("adabatch(2)", "grow B by at most R per decay")]
        case "warmup":
            return [value("5 epochs", "warm-up length in epochs", kind: .value), value("500 steps", "warm-up length in steps", kind: .value)]
        case "adapt":
            return [CompletionItem(label: "batch(every: ...)", kind: ItemKind.snippet.rawValue,
                                   detail: "grow the batch when the measured noise scale says so",
                                   insertText: "batch(every: ${1:50} ${2|steps,epochs|}${3:, above: 2, checks: 3, grow: 2})", insertTextFormat: 2)]
        default:
            guard let spec = SettingCatalog.spec(name) else { return [] }
            return [value(spec.placeholder, spec.expects, kind: .value)]
        }
    }
}

extension Completion {
    /// Inside `adapt batch(`: the labels not yet written; a unit after the number of a span;
    /// `lr` or `noise` after `keep:`. `text` is what follows the '('.
    static func adaptiveArguments(_ text: String) -> [CompletionItem] {
        func trimmed(_ text: Substring) -> String { String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
        let current = text.split(separator: ",", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        if let colon = current.firstIndex(of: ":") {
            let label = trimmed(current[..<colon])
            let words = current[current.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            let atWordStart = current.last == " " || current.last == "\t"
            guard let parameter = AdaptiveSpec.Argument(rawValue: label) else { return [] }
            if parameter == .keep, words.isEmpty || (words.count == 1 && !atWordStart) {
                return [CompletionItem(label: "lr", kind: ItemKind.enumMember.rawValue, detail: "keep ε: the noise falls as the batch grows"),
                        CompletionItem(label: "noise", kind: ItemKind.enumMember.rawValue, detail: "keep the noise scale: ε grows with the batch")]
            }
            if parameter.isSpan, atWordStart, words.count == 1, Double(words[0]) != nil { return units(plural: words[0] != "1") }
            return []
        }
        let written = Set(text.split(separator: ",").compactMap { $0.split(separator: ":").first.map(trimmed) })
        return AdaptiveSpec.Argument.allCases.filter { !written.contains($0.rawValue) }.map {
            CompletionItem(label: $0.rawValue + ":", kind: ItemKind.property.rawValue, detail: $0.summary, insertText: $0.rawValue + ": ",
                           sortText: ($0 == .every ? "0" : "1") + $0.rawValue)
        }
    }
}

extension String {
    func trimmingTrailingBlanks() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
