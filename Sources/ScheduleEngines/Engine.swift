/// Where a plan runs. Every engine reads the same plan and keeps the same clock (consumed
/// samples, `PlanClock`); they differ in what they can express (`EngineLimits`).
public enum Engine: String, CaseIterable, Hashable, Sendable {
    /// schedc's own runtime (`schedc run`): runs every plan.
    case embedded
    /// PyTorch DDP through the exported `schedc_torch.py` (`schedc run --engine torch`).
    case pytorch
    /// NVIDIA Megatron-LM: the batch schedule as command-line arguments.
    case megatron
    /// Microsoft DeepSpeed: a ds_config.json and the updates at which the batch changes.
    case deepspeed

    /// The engine a command-line name means; "torch" is accepted for PyTorch.
    public init?(name: String) {
        if name == "torch" { self = .pytorch; return }
        self.init(rawValue: name)
    }

    /// The spellings `--engine` accepts, for help texts and messages.
    public static let names = ["embedded", "pytorch", "torch", "megatron", "deepspeed"]
}

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
