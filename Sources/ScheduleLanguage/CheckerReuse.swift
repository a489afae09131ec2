/// What the checker concluded about each event statement of one version of a document, for
/// the next version to reuse: a statement the parser reused (the same bytes, perhaps moved),
/// checked under the same settings, gives the same events and diagnostics, moved likewise.
/// Only `batch = B` events are always checked again: whether their S110 fix-it offers a noise
/// change depends on the events before them.
public struct StatementChecks: Sendable {
    /// The setting statements the conclusions were drawn under, positions included.
    let settings: [Statement]
    /// Per statement of the tree: nil for statements that are not events, or whose check read
    /// other statements.
    let results: [StatementCheck?]
    /// Every statement's events, in statement order; `StatementCheck.events` indexes into it
    /// (one array for the document, not one per statement).
    let events: [CheckedEvent]

    static let none = StatementChecks(settings: [], results: [], events: [])
}

struct StatementCheck: Sendable {
    /// Where the statement's events are in `StatementChecks.events`; nil when it was rejected.
    var events: Range<Int>?
    /// What its check reported, in order.
    var diagnostics: [Diagnostic]
    /// The statement's range, and whether it is an `at` statement (its first time is checked
    /// against the statements before it).
    var range: SourceRange
    var isAt: Bool
}

extension Checker {
    /// The setting statements of the tree, in order.
    static func settingStatements(of tree: SyntaxTree) -> [Statement] {
        tree.statements.filter { if case .setting = $0 { return true } else { return false } }
    }

    /// Whether the previous version's conclusions hold here: the same settings, with their
    /// positions (messages point at them). Compared as printed: a malformed number is NaN.
    static func canReuse(_ previous: StatementChecks, settings: [Statement]) -> Bool {
        guard previous.settings.count == settings.count else { return false }
        return zip(previous.settings, settings).allSatisfy { $0 == $1 || "\($0)" == "\($1)" }
    }

    /// Whether checking a statement with this action reads the statements before it: a
    /// `batch` event's S110 fix-it depends on the events before it.
    static func rereadsOtherStatements(_ action: ActionSyntax?) -> Bool {
        action.flatMap { EventTarget(rawValue: $0.target.text) } == .batch
    }

    /// Appends the events of statement `index` as the previous version concluded them, when its
    /// statement (moved perhaps) and the settings are the same and its check read no other
    /// statement; its diagnostics appended as a fresh check would, and recorded for the next
    /// version. Returns the conclusions as they now stand, or nil when they cannot be reused.
    mutating func reuseCheck(ofStatement index: Int) -> StatementCheck? {
        guard let previous = previousChecks, let reuse = tree.reuse, let old = reuse.oldIndex(of: index),
              old < previous.results.count, let result = previous.results[old] else { return nil }
        var moved = result
        if let range = result.events {
            let first = events.count
            for var event in previous.events[range] {
                event.event.range = reuse.moved(event.event.range)
                event.event.timeRange = reuse.moved(event.event.timeRange)
                event.statement = index
                events.append(event)
            }
            moved.events = first..<events.count
        }
        moved.range = reuse.moved(result.range)
        if reuse.delta != 0 { moved.diagnostics = result.diagnostics.map { $0.movingRanges(reuse.moved) } }
        diagnostics += moved.diagnostics
        statementResults[index] = moved
        return moved
    }

    /// Checks statement `index` (of range `range`) with `check` and appends its events; records
    /// the result for the next version unless the check read other statements. Returns where its
    /// events are, or nil when it was rejected.
    mutating func appendCheckedEvents(ofStatement index: Int, range: SourceRange, isAt: Bool, rereadsOtherStatements: Bool,
                                      _ check: (inout Checker) -> [CheckedEvent]?) -> Range<Int>? {
        let before = diagnostics.count
        let checked = check(&self).map { checked -> Range<Int> in
            events += checked
            return (events.count - checked.count)..<events.count
        }
        if !rereadsOtherStatements {
            statementResults[index] = StatementCheck(events: checked, diagnostics: Array(diagnostics[before...]), range: range, isAt: isAt)
        }
        return checked
    }
}
