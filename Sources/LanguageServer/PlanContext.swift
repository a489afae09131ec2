import ScheduleAnalysis
import ScheduleLanguage
import SchedulePlanner

/// The plan hover, inlay hints and symbols describe: the current text's, or, while the text
/// has errors, the last one that compiled (stale). Stale results are placed by line text: a
/// statement of the planned version is shown on the current line with the same text, the
/// nearest one when several match, and not at all when the line was edited.
struct PlanContext {
    let current: Analysis
    let lastPlanned: Analysis?

    /// The analysis whose plan the features use, if any version planned.
    var planned: Analysis? { current.plan != nil ? current : lastPlanned }
    var isStale: Bool { current.plan == nil && lastPlanned != nil }

    /// The offset in the planned version's text at the same place as `offset` in the current one.
    func plannedOffset(_ offset: Int) -> Int? {
        guard isStale, let planned else { return offset }
        return PlanContext.mapper(from: current.source, to: planned.source)(offset)
    }

    /// Maps offsets in the planned version's text to the same places in the current one.
    func currentOffsets() -> (Int) -> Int? {
        guard isStale, let planned else { return { $0 } }
        return PlanContext.mapper(from: planned.source, to: current.source)
    }

    /// Where the line holding an offset in `old` is in `new`: the line with the same text
    /// nearest to its index, at the same column; nil for a blank or edited line.
    static func mapper(from old: SourceFile, to new: SourceFile) -> (Int) -> Int? {
        var lines: [String: [Int]] = [:]
        for index in 0..<new.lineCount { lines[new.lineText(index), default: []].append(index) }
        return { offset in
            let line = old.lineIndex(containing: offset)
            let text = old.lineText(line)
            guard !text.allSatisfy(\.isWhitespace),
                  let best = lines[text]?.min(by: { abs($0 - line) < abs($1 - line) }) else { return nil }
            return new.lineStarts[best] + (offset - old.lineStarts[line])
        }
    }

    /// A note to add to anything computed from a stale plan.
    static let staleNote = "_stale: from the last version without errors_"
}

/// What one event statement lowered to, in the planned analysis.
struct EventLowering {
    let event: ScheduleEvent
    let change: PlanChange
    let before: Phase?
    let after: Phase?

    /// Every change made by the statement at `statement` (one per time of an `at`, one per
    /// expansion of an `every`), in plan order.
    static func of(statement: SourceRange, in analysis: Analysis) -> [EventLowering] {
        guard let plan = analysis.plan, let program = analysis.program else { return [] }
        return plan.changes.compactMap { change in
            guard let index = change.eventIndex, index < program.events.count, program.events[index].range == statement else { return nil }
            return EventLowering(event: program.events[index], change: change,
                                 before: change.update > 0 ? plan.phaseIndex(atUpdate: change.update - 1).map { plan.phases[$0] } : nil,
                                 after: plan.phaseIndex(atUpdate: change.update).map { plan.phases[$0] })
        }
    }
}
