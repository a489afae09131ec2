import SchedulePlanner

/// The engine and the cluster a plan is checked for: `--engine E --world-size W [--micro-batch M]`.
public struct EngineTarget: Hashable, Sendable {
    public var engine: Engine
    /// Data-parallel ranks (GPUs, or processes on one machine).
    public var worldSize: Int
    /// The per-rank micro batch, if fixed on the command line; otherwise the engine's export
    /// chooses the largest that divides every update and fits the plan's micro_batch.
    public var microBatch: Int?

    public init(engine: Engine, worldSize: Int = 1, microBatch: Int? = nil) {
        self.engine = engine
        self.worldSize = worldSize
        self.microBatch = microBatch
    }
}
