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

    static let none = StatementChecks(settings: [], results: [])
}

struct StatementCheck: Sendable {
    /// The statement's events; nil when it was rejected.
    var events: [CheckedEvent]?
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

    /// The conclusions about statement `index` of the previous version, when its statement (moved
    /// perhaps) and the settings are the same and its check read no other statement; its
    /// diagnostics appended as a fresh check would, and recorded for the next version.
    mutating func reusedCheck(ofStatement index: Int) -> StatementCheck? {
        guard let previous = previousChecks, let reuse = tree.reuse, let old = reuse.oldIndex(of: index),
              old < previous.results.count, let result = previous.results[old] else { return nil }
        var moved = result
        if reuse.delta != 0 || old != index {
            moved.events = result.events?.map { event -> CheckedEvent in
                var moved = event
                moved.event.range = reuse.moved(event.event.range)
                moved.event.timeRange = reuse.moved(event.event.timeRange)
                moved.statement = index
                return moved
            }
            moved.range = reuse.moved(result.range)
        }
        if reuse.delta != 0 { moved.diagnostics = result.diagnostics.map { $0.movingRanges(reuse.moved) } }
        diagnostics += moved.diagnostics
        statementResults[index] = moved
        return moved
    }

    /// The events of statement `index` (of range `range`) checked by `check`, recorded for the
    /// next version unless the check read other statements.
    mutating func checkedEvents(ofStatement index: Int, range: SourceRange, isAt: Bool, rereadsOtherStatements: Bool,
                                _ check: (inout Checker) -> [CheckedEvent]?) -> [CheckedEvent]? {
        let before = diagnostics.count
        let events = check(&self)
        if !rereadsOtherStatements {
            statementResults[index] = StatementCheck(events: events, diagnostics: Array(diagnostics[before...]), range: range, isAt: isAt)
        }
        return events
    }
}
