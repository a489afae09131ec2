import SchedulePlanner
import ScheduleRunner

/// What the CLI does differently for a schedule that adapts its batch (`adapt batch`,
/// docs/adaptive.md): only the embedded runtime measures the noise and replans, so the other
/// engines are refused with the way out.
enum AdaptiveWiring {
    /// For a schedule that adapts: the runner's replanning function, the planner over the
    /// checked program (overrides already written in); nil for a fixed schedule.
    static func replanner(_ schedule: CompiledSchedule) -> AdaptiveReplanner? {
        guard schedule.plan.adaptive != nil else { return nil }
        let program = schedule.program
        return { growths in try Planner.plan(program, growths: growths) }
    }

    /// The message for `schedc export` and `schedc run --engine torch` of an adaptive schedule.
    static func otherEngineRefusal(_ path: String, engine: String) -> String {
        "\(path): 'adapt batch' decides the batch while the run trains, from the gradient noise only schedc's own "
            + "runtime measures, so \(engine) cannot run it; run it with `schedc run`: its realised-plan.json is the "
            + "fixed plan of the same run"
    }
}
