import ScheduleLanguage

/// A program the planner cannot lower: a value the front end should have rejected (a batch of
/// 0, momentum 1, a time before the run) or an event whose result leaves the valid range
/// (`momentum *= 2` from 0.9). Carries an ordinary error diagnostic (code S300) pointing at the
/// setting or event at fault, so the CLI renders it like any other.
public struct PlanningError: Error, Hashable, Sendable, CustomStringConvertible {
    public static let code = DiagnosticCode.cannotBePlanned
    public var diagnostic: Diagnostic

    public init(_ message: String, range: SourceRange) {
        diagnostic = Diagnostic(code: Self.code, severity: .error, message: message, range: range)
    }

    public var description: String { diagnostic.message }
}

extension CheckedProgram {
    /// Where `setting` was written, or an empty range at the start of the file for a default.
    func range(ofSetting setting: String) -> SourceRange {
        settingRanges[setting] ?? .at(0)
    }
}
