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

    /// The events of statement `index`, reused from the previous version when its statement
    /// and the settings are the same (their diagnostics appended as a fresh check would);
    /// `check` otherwise. Either way recorded for the next version.
    mutating func checkedEvents(ofStatement index: Int, rereadsOtherStatements: Bool,
                                _ check: (inout Checker) -> [CheckedEvent]?) -> [CheckedEvent]? {
        if !rereadsOtherStatements, let previous = previousChecks, let reuse = tree.reuse,
           let old = reuse.oldIndex(of: index), old < previous.results.count, let result = previous.results[old] {
            let events = result.events?.map { event -> CheckedEvent in
                var moved = event
                moved.event.range = reuse.moved(event.event.range)
                moved.event.timeRange = reuse.moved(event.event.timeRange)
                moved.statement = index
                return moved
            }
            let reported = reuse.delta == 0 ? result.diagnostics : result.diagnostics.map { $0.movingRanges(reuse.moved) }
            diagnostics += reported
            statementResults[index] = StatementCheck(events: events, diagnostics: reported)
            return events
        }
        let before = diagnostics.count
        let events = check(&self)
        if !rereadsOtherStatements {
            statementResults[index] = StatementCheck(events: events, diagnostics: Array(diagnostics[before...]))
        }
        return events
    }
}
