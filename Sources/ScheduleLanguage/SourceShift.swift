/// Moving what a stage made for one version of a text to the next version, where an edit
/// before it moved its bytes by `delta` (the incremental parse reuses the statements after an
/// edit this way). Every source range inside moves; nothing else changes.
extension SourceRange {
    public func shifted(by delta: Int) -> SourceRange { SourceRange(start: start + delta, end: end + delta) }
}

extension TextEdit {
    public func shifted(by delta: Int) -> TextEdit { TextEdit(range: range.shifted(by: delta), newText: newText) }
}

extension Diagnostic {
    public func shifted(by delta: Int) -> Diagnostic {
        guard delta != 0 else { return self }
        return movingRanges { $0.shifted(by: delta) }
    }

    /// The diagnostic with `move` applied to every range in it (its own, its notes' and its
    /// fix-its' edits').
    func movingRanges(_ move: (SourceRange) -> SourceRange) -> Diagnostic {
        var moved = self
        moved.range = move(range)
        if notes.contains(where: { $0.range != nil }) {
            moved.notes = notes.map { Note($0.message, range: $0.range.map(move)) }
        }
        moved.fixIts = fixIts.map { FixIt($0.message, edits: $0.edits.map { TextEdit(range: move($0.range), newText: $0.newText) }) }
        return moved
    }
}

extension Statement {
    public func shifted(by delta: Int) -> Statement {
        guard delta != 0 else { return self }
        switch self {
        case .setting(let s): return .setting(s.shifted(by: delta))
        case .at(let e): return .at(e.shifted(by: delta))
        case .every(let e): return .every(e.shifted(by: delta))
        case .invalid(let r): return .invalid(r.shifted(by: delta))
        }
    }
}

extension NameSyntax {
    func shifted(by delta: Int) -> NameSyntax { NameSyntax(text: text, range: range.shifted(by: delta)) }
}

extension NumberSyntax {
    func shifted(by delta: Int) -> NumberSyntax {
        var moved = self
        moved.range = range.shifted(by: delta)
        return moved
    }
}

extension ValueSyntax {
    func shifted(by delta: Int) -> ValueSyntax {
        switch self {
        case .number(let n): return .number(n.shifted(by: delta))
        case .name(let name, let arguments): return .name(name.shifted(by: delta), arguments: arguments?.shifted(by: delta))
        case .list(let l): return .list(ListSyntax(elements: l.elements.map { $0.shifted(by: delta) }, range: l.range.shifted(by: delta)))
        }
    }
}

extension ArgumentListSyntax {
    func shifted(by delta: Int) -> ArgumentListSyntax {
        ArgumentListSyntax(arguments: arguments.map { argument in
            ArgumentSyntax(label: argument.label?.shifted(by: delta), value: argument.value.shifted(by: delta),
                           range: argument.range.shifted(by: delta), unit: argument.unit?.shifted(by: delta))
        }, range: range.shifted(by: delta))
    }
}

extension UnitSyntax {
    func shifted(by delta: Int) -> UnitSyntax { UnitSyntax(unit: unit, range: range.shifted(by: delta)) }
}

extension SettingSyntax {
    func shifted(by delta: Int) -> SettingSyntax {
        SettingSyntax(name: name.shifted(by: delta), values: values.map { $0.shifted(by: delta) }, isComplete: isComplete,
                      range: range.shifted(by: delta))
    }
}

extension ActionSyntax {
    func shifted(by delta: Int) -> ActionSyntax {
        ActionSyntax(target: target.shifted(by: delta), operation: operation, operatorRange: operatorRange.shifted(by: delta),
                     value: value.shifted(by: delta), keepNoise: keepNoise?.shifted(by: delta), range: range.shifted(by: delta))
    }
}

extension AtEventSyntax {
    func shifted(by delta: Int) -> AtEventSyntax {
        AtEventSyntax(unit: unit?.shifted(by: delta),
                      times: times.map { TimeSyntax(number: $0.number.shifted(by: delta), isPercent: $0.isPercent, range: $0.range.shifted(by: delta)) },
                      action: action?.shifted(by: delta), isComplete: isComplete, range: range.shifted(by: delta))
    }
}

extension EveryEventSyntax {
    func shifted(by delta: Int) -> EveryEventSyntax {
        EveryEventSyntax(interval: interval.shifted(by: delta), unit: unit.shifted(by: delta), from: from?.shifted(by: delta),
                         until: until?.shifted(by: delta), clauseRange: clauseRange.shifted(by: delta),
                         action: action?.shifted(by: delta), isComplete: isComplete, range: range.shifted(by: delta))
    }
}

extension Token {
    mutating func shift(by delta: Int) {
        range = range.shifted(by: delta)
        leadingTrivia = leadingTrivia.shifted(by: delta)
        comment = comment?.shifted(by: delta)
    }
}
