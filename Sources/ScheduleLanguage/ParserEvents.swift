/// Event statements: `at ...: action` and `every ...: action`.
extension Parser {
    static let unitWords: [String: TimeUnit] = ["epoch": .epoch, "epochs": .epoch, "step": .step, "steps": .step]

    func unitWord(_ token: Token) -> TimeUnit? {
        token.kind == .identifier ? Parser.unitWords[text(token)] : nil
    }

    /// `at epoch 60, 120: ...`, `at step 1000: ...`, `at 25%, 50%: ...`.
    mutating func parseAt() -> Statement {
        let at = advance()
        var unit: UnitSyntax?
        var isComplete = true
        var isPercent = false
        if current.kind == .identifier {
            let word = current
            if let known = unitWord(word) {
                unit = UnitSyntax(unit: known, range: word.range)
            } else {
                let guess = Suggestion.closest(to: text(word), in: ["epoch", "step"])
                report(.error(.timeUnit, "unknown time unit '\(text(word))'", at: word.range,
                              notes: [.init("times are written 'at epoch 60', 'at step 1000' or 'at 50%'")],
                              fixIts: guess.map { [.replace(word.range, with: $0, "use '\($0)'")] } ?? []))
                unit = UnitSyntax(unit: guess == "step" ? .step : .epoch, range: word.range)
                isComplete = false
            }
            advance()
        } else if current.kind == .number, peek(1).kind == .percent {
            isPercent = true
        } else if current.kind == .number {
            let number = current
            report(.error(.timeUnit, "expected a time unit before '\(text(number))'", at: number.range,
                          notes: [.init("write 'at epoch \(text(number))' for epochs or 'at step \(text(number))' for updates")],
                          fixIts: [.insert("epoch ", at: number.range.start, "insert 'epoch'")]))
            unit = UnitSyntax(unit: .epoch, range: .at(number.range.start))
            isComplete = false
        } else {
            reportUnexpected(.missingTimeOrNumber, expected: "a time after 'at' (e.g. 'at epoch 60')")
            skipToLineEnd()
            return .invalid(SourceRange(start: at.range.start, end: previousEnd))
        }

        var times: [TimeSyntax] = []
        var progress = LoopProgress()
        while progress.advanced(to: index) {
            guard let time = parseTime(percent: isPercent) else {
                return .at(AtEventSyntax(unit: unit, times: times, action: nil, isComplete: false,
                                         range: SourceRange(start: at.range.start, end: previousEnd)))
            }
            times.append(time)
            if current.kind == .comma {
                advance()
            } else if current.kind == .number {
                reportMissingComma(between: "times")
            } else {
                break
            }
        }
        guard parseColon() else {
            return .at(AtEventSyntax(unit: unit, times: times, action: nil, isComplete: false,
                                     range: SourceRange(start: at.range.start, end: previousEnd)))
        }
        let action = parseAction()
        return .at(AtEventSyntax(unit: unit, times: times, action: action, isComplete: isComplete && action != nil,
                                 range: SourceRange(start: at.range.start, end: previousEnd)))
    }

    /// One time: a number, followed by '%' in a percentage list.
    mutating func parseTime(percent: Bool) -> TimeSyntax? {
        guard current.kind == .number else {
            reportUnexpected(.missingTimeOrNumber, expected: percent ? "a percentage (e.g. '50%')" : "a time")
            return nil
        }
        let number = parseNumber(minus: nil)
        guard percent else { return TimeSyntax(number: number, isPercent: false, range: number.range) }
        if current.kind == .percent {
            let sign = advance()
            return TimeSyntax(number: number, isPercent: true, range: number.range.union(sign.range))
        }
        report(.error(.missingTimeOrNumber, "expected '%' after '\(number.literal)'", at: .at(number.range.end),
                      notes: [.init("the times of one 'at' are all percentages or all in one unit")],
                      fixIts: [.insert("%", at: number.range.end, "insert '%'")]))
        return TimeSyntax(number: number, isPercent: true, range: number.range)
    }

    /// `every 20 epochs [from 20] [until 100]: ...`.
    mutating func parseEvery() -> Statement {
        let every = advance()
        guard current.kind == .number else {
            reportUnexpected(.missingTimeOrNumber, expected: "an interval after 'every' (e.g. 'every 20 epochs')")
            skipToLineEnd()
            return .invalid(SourceRange(start: every.range.start, end: previousEnd))
        }
        let interval = parseNumber(minus: nil)
        var isComplete = true
        let unit: UnitSyntax
        if let known = unitWord(current) {
            unit = UnitSyntax(unit: known, range: advance().range)
        } else if current.kind == .identifier, !isWord(current, "from"), !isWord(current, "until") {
            let word = advance()
            let guess = Suggestion.closest(to: text(word), in: ["epochs", "steps"])
            report(.error(.timeUnit, "unknown time unit '\(text(word))'", at: word.range,
                          notes: [.init("intervals are written 'every 20 epochs' or 'every 500 steps'")],
                          fixIts: guess.map { [.replace(word.range, with: $0, "use '\($0)'")] } ?? []))
            unit = UnitSyntax(unit: guess == "steps" ? .step : .epoch, range: word.range)
            isComplete = false
        } else {
            report(.error(.timeUnit, "expected a time unit after 'every \(interval.literal)'", at: .at(interval.range.end),
                          notes: [.init("intervals are written 'every 20 epochs' or 'every 500 steps'")],
                          fixIts: [.insert(" epochs", at: interval.range.end, "insert 'epochs'")]))
            unit = UnitSyntax(unit: .epoch, range: .at(interval.range.end))
            isComplete = false
        }
        var from: NumberSyntax?
        var until: NumberSyntax?
        for (keyword, slot) in [("from", 0), ("until", 1)] {
            guard current.kind == .identifier, text(current) == keyword else { continue }
            advance()
            guard current.kind == .number else {
                reportUnexpected(.missingTimeOrNumber, expected: "a time after '\(keyword)'")
                return .every(EveryEventSyntax(interval: interval, unit: unit, from: from, until: until,
                                               clauseRange: SourceRange(start: every.range.start, end: previousEnd),
                                               action: nil, isComplete: false,
                                               range: SourceRange(start: every.range.start, end: previousEnd)))
            }
            let number = parseNumber(minus: nil)
            if slot == 0 { from = number } else { until = number }
        }
        let clauseRange = SourceRange(start: every.range.start, end: previousEnd)
        guard parseColon() else {
            return .every(EveryEventSyntax(interval: interval, unit: unit, from: from, until: until, clauseRange: clauseRange,
                                           action: nil, isComplete: false,
                                           range: SourceRange(start: every.range.start, end: previousEnd)))
        }
        let action = parseAction()
        return .every(EveryEventSyntax(interval: interval, unit: unit, from: from, until: until, clauseRange: clauseRange,
                                       action: action, isComplete: isComplete && action != nil,
                                       range: SourceRange(start: every.range.start, end: previousEnd)))
    }

    /// The ':' between an event's times and its action. When it is missing but an action
    /// follows, reports it with a fix-it and carries on; otherwise returns false.
    mutating func parseColon() -> Bool {
        if current.kind == .colon {
            advance()
            return true
        }
        if current.kind == .identifier, [.equals, .starEquals, .slashEquals, .star, .slash].contains(peek(1).kind) {
            report(.error(.missingColon, "expected ':' before the event's action", at: .at(previousEnd),
                          fixIts: [.insert(":", at: previousEnd, "insert ':'")]))
            return true
        }
        reportUnexpected(.missingColon, expected: "':' and what the event changes (e.g. ': noise /= 5')")
        return false
    }

    /// `target op number [, keep noise]`, or nil after reporting why not.
    mutating func parseAction() -> ActionSyntax? {
        guard current.kind == .identifier else {
            reportUnexpected(.missingTarget, expected: "what the event changes ('noise', 'lr', 'batch' or 'momentum')")
            return nil
        }
        let target = nameSyntax(advance())
        let operation: AssignmentOperator
        var operatorRange = current.range
        switch current.kind {
        case .equals:
            operation = .assign
            advance()
        case .starEquals:
            operation = .multiply
            advance()
        case .slashEquals:
            operation = .divide
            advance()
        case .star, .slash:
            let symbol = advance()
            let isStar = symbol.kind == .star
            operation = isStar ? .multiply : .divide
            let fixed = isStar ? "*=" : "/="
            if current.kind == .equals {
                let equals = advance()
                operatorRange = symbol.range.union(equals.range)
                report(.error(.wrongOperator, "write '\(fixed)' without a space", at: operatorRange,
                              fixIts: [.replace(operatorRange, with: fixed, "write '\(fixed)'")]))
            } else {
                report(.error(.wrongOperator, "expected '\(fixed)', found '\(text(symbol))'", at: symbol.range,
                              notes: [.init("an event sets ('='), multiplies ('*=') or divides ('/=') its target")],
                              fixIts: [.replace(symbol.range, with: fixed, "write '\(fixed)'")]))
            }
        case .plus where peek(1).kind == .equals, .minus where peek(1).kind == .equals:
            let symbol = text(current)
            report(.error(.wrongOperator, "'\(symbol)=' is not an operator here", at: current.range.union(peek(1).range),
                          notes: [.init("an event sets ('='), multiplies ('*=') or divides ('/=') its target")]))
            return nil
        case .number where target.text != "noise":
            report(.error(.wrongOperator, "expected an operator between '\(target.text)' and '\(text(current))'", at: .at(target.range.end),
                          notes: [.init("an event sets ('='), multiplies ('*=') or divides ('/=') its target")],
                          fixIts: [.insert(" =", at: target.range.end, "insert '='")]))
            return nil
        default:
            reportUnexpected(.wrongOperator, expected: "'=', '*=' or '/=' after '\(target.text)'")
            return nil
        }
        var minus: Token?
        if current.kind == .minus, peek(1).kind == .number { minus = advance() }
        guard current.kind == .number else {
            reportUnexpected(.missingTimeOrNumber, expected: "a number after '\(operation.rawValue)'")
            return nil
        }
        let value = parseNumber(minus: minus)
        var keepNoise: SourceRange?
        if current.kind == .comma {
            let comma = advance()
            if isWord(current, "keep") {
                let keep = advance()
                if isWord(current, "noise") {
                    keepNoise = comma.range.union(advance().range)
                } else if current.kind == .identifier, Suggestion.closest(to: text(current), in: ["noise"]) != nil {
                    report(.error(.afterComma, "expected 'noise' after 'keep', found '\(text(current))'", at: current.range,
                                  fixIts: [.replace(current.range, with: "noise", "write 'keep noise'")]))
                    keepNoise = comma.range.union(advance().range)
                } else {
                    report(.error(.afterComma, "expected 'noise' after 'keep'", at: current.isLineEnd ? .at(keep.range.end) : current.range,
                                  fixIts: current.isLineEnd ? [.insert(" noise", at: keep.range.end, "write 'keep noise'")] : []))
                    return nil
                }
            } else {
                report(.error(.afterComma, "expected 'keep noise' after ','",
                              at: current.isLineEnd ? .at(comma.range.end) : current.range,
                              notes: [.init("an event changes one target; write another event for a second change")]))
                return nil
            }
        }
        return ActionSyntax(target: target, operation: operation, operatorRange: operatorRange, value: value,
                            keepNoise: keepNoise, range: target.range.union(SourceRange(start: target.range.end, end: previousEnd)))
    }
}
