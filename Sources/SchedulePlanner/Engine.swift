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

    /// How run directories and the PyTorch module's records name it ("torch" for PyTorch).
    public var recordName: String { self == .pytorch ? "torch" : rawValue }

    /// The spellings `--engine` accepts, for help texts and messages.
    public static let names = ["embedded", "pytorch", "torch", "megatron", "deepspeed"]
}
