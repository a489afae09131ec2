import SchedulePlanner

/// What the CLI does differently for a schedule that adapts its batch (`adapt batch`,
/// docs/adaptive.md): only the embedded runtime measures the noise and replans, so the other
/// engines are refused with the way out.
enum AdaptiveWiring {
    /// The message for `schedc export` and `schedc run --engine torch` of an adaptive schedule.
    static func otherEngineRefusal(_ path: String, engine: String) -> String {
        "\(path): 'adapt batch' decides the batch while the run trains, from the gradient noise only schedc's own "
            + "runtime measures, so \(engine) cannot run it; run it with `schedc run`: its realised-plan.json is the "
            + "fixed plan of the same run"
    }
}
