import ScheduleLanguage
import ScheduleRunner

extension RunError.Refusal {
    /// The code `schedc run`, `compare` and `export` print after the message of a schedule or
    /// plan that checks but cannot run (docs/language.md, "Cannot run (S5xx)"). The runner does
    /// not know the language's codes; this is the one place they meet.
    var code: DiagnosticCode {
        switch self {
        case .noModel: return .noModelToRun
        case .dataSetWithoutLoader: return .dataSetWithoutLoader
        case .dataSetNotFound: return .dataSetNotFound
        case .unusableData: return .unusableData
        case .planRefused: return .planRefused
        }
    }
}

extension RunError {
    /// The message as the commands print it: with its code when the run was refused.
    var coded: String { refusal.map { "\(description) [\($0.code)]" } ?? description }
}

/// A plan file (or a run's plan.json) that cannot be read as a plan: its message with the code.
func codedPlanRefusal(_ error: Error) -> String { "\(error) [\(RunError.Refusal.planRefused.code)]" }
