import ScheduleAnalysis
import ScheduleLanguage
import SchedulePlanner

/// An inlay hint at a byte offset of the current text.
struct InlayHintInfo: Hashable {
    let offset: Int
    let label: String
    let tooltip: String?
}

/// After each event statement, what it lowers to (`B 128 → 640`, `ε 0.1 → 0.032`, one entry
/// per time it names); after `epochs`, the run's total updates. From the last plan that
/// compiled, marked stale, while the text has errors.
enum InlayHints {
    static func hints(_ plans: PlanContext) -> [InlayHintInfo] {
        guard let planned = plans.planned, let plan = planned.plan, let program = planned.program else { return [] }
        let place = plans.currentOffsets()
        let stale = plans.isStale ? " (stale)" : ""
        let staleTooltip = plans.isStale ? "\n\nfrom the last version without errors" : ""
        var hints: [InlayHintInfo] = []
        if let epochs = program.settingRanges["epochs"], let offset = place(epochs.end) {
            hints.append(InlayHintInfo(offset: offset, label: "→ \(plan.totalUpdates) updates" + stale,
                                       tooltip: "total parameter updates of the plan" + staleTooltip))
        }
        // Changes grouped by the statement that caused them, in source order.
        var byStatement: [SourceRange: [PlanChange]] = [:]
        for change in plan.changes {
            guard let index = change.eventIndex, index < program.events.count else { continue }
            byStatement[program.events[index].range, default: []].append(change)
        }
        for (statement, changes) in byStatement.sorted(by: { $0.key < $1.key }) {
            guard let offset = place(statement.end) else { continue }
            let effects = changes.map { change -> String in
                if change.limit == .afterEnd { return "ignored (after the end)" }
                let effect = change.effect.isEmpty ? "no change" : change.effect
                return changes.count > 1 ? "\(change.at): \(effect)" : effect
            }
            let notes = changes.compactMap { change in change.note.map { "\(change.at): \($0)" } }
            hints.append(InlayHintInfo(offset: offset, label: "→ " + effects.joined(separator: "; ") + stale,
                                       tooltip: notes.isEmpty && stale.isEmpty ? nil : notes.joined(separator: "\n") + staleTooltip))
        }
        return hints.sorted { $0.offset < $1.offset }
    }
}

/// A document symbol in byte offsets.
struct SymbolInfo {
    enum Kind: Int {
        case property = 7, field = 8, event = 24
    }
    let name: String
    let detail: String?
    let kind: Kind
    let range: SourceRange
    let selectionRange: SourceRange
    var children: [SymbolInfo] = []

    func lsp(_ converter: PositionConverter) -> DocumentSymbol {
        DocumentSymbol(name: name, detail: detail, kind: kind.rawValue, range: converter.range(range),
                       selectionRange: converter.range(selectionRange),
                       children: children.isEmpty ? nil : children.map { $0.lsp(converter) })
    }
}

/// Settings and events; each event's children are the phases it starts (from the plan).
enum Symbols {
    static func symbols(_ analysis: Analysis, plans: PlanContext) -> [SymbolInfo] {
        let source = analysis.source
        return analysis.syntax.statements.compactMap { statement -> SymbolInfo? in
            switch statement {
            case .setting(let setting):
                let value = setting.values.isEmpty ? nil
                    : source.slice(SourceRange(start: setting.values[0].range.start, end: setting.values[setting.values.count - 1].range.end))
                return SymbolInfo(name: setting.name.text, detail: value, kind: .property, range: setting.range,
                                  selectionRange: setting.name.range)
            case .at, .every:
                let text = source.slice(statement.range)
                var symbol = SymbolInfo(name: text, detail: nil, kind: .event, range: statement.range,
                                        selectionRange: statement.range)
                symbol.children = phases(of: statement.range, plans: plans)
                return symbol
            case .invalid:
                return nil
            }
        }
    }

    static func phases(of statement: SourceRange, plans: PlanContext) -> [SymbolInfo] {
        guard let planned = plans.planned, let start = plans.plannedOffset(statement.start),
              let plannedStatement = planned.syntax.statements.first(where: { $0.range.start == start }) else { return [] }
        let stale = plans.isStale ? " (stale)" : ""
        return EventLowering.of(statement: plannedStatement.range, in: planned).compactMap { lowering in
            guard let phase = lowering.after, lowering.change.limit != .afterEnd else { return nil }
            return SymbolInfo(name: "epochs \(formatNumber(phase.startEpoch))–\(formatNumber(phase.endEpoch))",
                              detail: "B \(phase.batch), ε \(formatNumber(phase.learningRate)), m \(formatNumber(phase.momentum)), "
                                  + "g \(formatNumber(phase.noise)), \(phase.updates) updates" + stale,
                              kind: .field, range: statement, selectionRange: statement)
        }
    }
}

/// Folding ranges: runs of two or more lines that hold only a comment.
enum Folding {
    static func commentBlocks(_ analysis: Analysis) -> [ClosedRange<Int>] {
        let source = analysis.source
        var commentLines: [Int] = []
        for token in analysis.tokens {
            guard let comment = token.comment else { continue }
            let line = source.lineIndex(containing: comment.start)
            // A whole-line comment: nothing but blanks before it on its line.
            let before = source.slice(SourceRange(start: source.lineStarts[line], end: comment.start))
            if before.allSatisfy({ $0 == " " || $0 == "\t" }) { commentLines.append(line) }
        }
        var blocks: [ClosedRange<Int>] = []
        var index = 0
        while index < commentLines.count {
            var end = index
            while end + 1 < commentLines.count, commentLines[end + 1] == commentLines[end] + 1 { end += 1 }
            if end > index { blocks.append(commentLines[index]...commentLines[end]) }
            index = end + 1
        }
        return blocks
    }
}
