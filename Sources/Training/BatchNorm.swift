import TensorKernels

/// Batch normalisation over the channels of NHWC activations (the last dimension), with
/// ghost batches, optionally followed by a fused ReLU.
///
/// Training: statistics over each run of `ghostBatch` consecutive examples of the pass (the
/// whole pass when `ghostBatch` is nil; a shorter last ghost batch when it does not divide the
/// pass); y = γ·(x − μ_g)/√(σ²_g + ε) + β. After every ghost batch, in order:
/// running_mean ← (1 − α)·running_mean + α·μ_g, running_var ← (1 − α)·running_var + α·σ²_g·n/(n − 1)
/// (α = `momentum`, 0.1; the unbiased variance, as PyTorch). Evaluation normalises with the
/// running statistics. Because statistics never cross a ghost batch, a pass can be cut at any
/// multiple of `ghostBatch` without changing a single result.
public final class BatchNorm: Layer {
    public let channels: Int
    public let ghostBatch: Int?
    /// Whether a ReLU is fused in: y = max(0, BN(x)) (one pass fewer each way than BN then ReLU).
    public let fusedReLU: Bool
    public let epsilon: Float
    public let momentum: Float
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Tensor
    public let runningVariance: Tensor
    public let buffers: [Buffer]
    let name: String
    let pool: ThreadPool
    private var input: Tensor?
    private var layout: BatchNormLayout?
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])
    private let mean = Tensor(shape: [0])
    private let variance = Tensor(shape: [0])
    private let invStd = Tensor(shape: [0])
    private let scratch = Tensor(shape: [0])

    public init(name: String, channels: Int, ghostBatch: Int?, fusedReLU: Bool = false, epsilon: Float = 1e-5,
                momentum: Float = 0.1, pool: ThreadPool) {
        apiPrecondition(ghostBatch.map { $0 > 0 } ?? true, "ghost batch must be positive")
        self.name = name
        self.channels = channels
        self.ghostBatch = ghostBatch
        self.fusedReLU = fusedReLU
        self.epsilon = epsilon
        self.momentum = momentum
        self.pool = pool
        let state = BatchNormState(name: name, channels: channels)
        (gamma, beta, runningMean, runningVariance, buffers) = (state.gamma, state.beta, state.runningMean, state.runningVariance, state.buffers)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        apiPrecondition(inputShape.last == channels, "batch norm expects \(channels) channels last, got \(inputShape)")
        return inputShape
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let batch = input.shape[0]
        apiPrecondition(input.shape.last == channels, "batch norm expects \(channels) channels last, got \(input.shape)")
        let rows = input.count / channels
        output.resize(input.shape)
        guard rows > 0 else { return output }
        if mode == .evaluation {
            batchNormInference(input.data, output.data, rows: rows, channels: channels, gamma: gamma.value.data,
                               beta: beta.value.data, mean: runningMean.data, variance: runningVariance.data,
                               epsilon: epsilon, relu: fusedReLU, pool: pool)
            return output
        }
        let positions = rows / batch
        let layout = BatchNormLayout(rows: rows, channels: channels, groupRows: (ghostBatch ?? batch) * positions)
        self.input = input
        self.layout = layout
        mean.resize([layout.groups, channels])
        variance.resize([layout.groups, channels])
        invStd.resize([layout.groups, channels])
        if layout.scratchCount > scratch.count { scratch.resize([layout.scratchCount]) }
        batchNormTrainingForward(input.data, output.data, layout: layout, gamma: gamma.value.data, beta: beta.value.data,
                                 epsilon: epsilon, relu: fusedReLU, mean: mean.data, variance: variance.data, invStd: invStd.data,
                                 scratch: scratch.data, pool: pool)
        updateRunningStatistics(runningMean: runningMean, runningVariance: runningVariance, momentum: momentum,
                                mean: mean, variance: variance, layout: layout)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input, let layout else { preconditionFailure("batch norm backward without a training forward") }
        inputGradient.resize(input.shape)
        batchNormTrainingBackward(input.data, outputGradient.data, inputGradient.data, layout: layout,
                                  gamma: gamma.value.data, mean: mean.data, invStd: invStd.data,
                                  reluOutput: fusedReLU ? UnsafePointer(output.data) : nil, dgamma: gamma.gradient.data, dbeta: beta.gradient.data, scratch: scratch.data, pool: pool)
        return needsInputGradient ? inputGradient : nil
    }

    public var parameters: [Parameter] { [gamma, beta] }

    public func floatsPerExample(inputShape: [Int]) -> Int { 2 * inputShape.reduce(1, *) }
}

/// After a training forward, for each ghost batch g in order:
/// running_mean ← (1 − α)·running_mean + α·μ_g; running_var ← (1 − α)·running_var + α·σ²_g·n/(n − 1).
/// What a batch-norm layer learns and keeps — γ (ones), β (zeros), the running mean (zeros) and
/// variance (ones) — under the checkpoint names NAME.gamma, NAME.beta, NAME.running_mean and
/// NAME.running_var. `BatchNorm` and `BatchNormReLUPool` share it, so their checkpoints agree.
struct BatchNormState {
    let gamma: Parameter
    let beta: Parameter
    let runningMean: Tensor
    let runningVariance: Tensor
    let buffers: [Buffer]

    init(name: String, channels: Int) {
        gamma = Parameter(name: name + ".gamma", shape: [channels], decays: false)
        beta = Parameter(name: name + ".beta", shape: [channels], decays: false)
        gamma.value.fill(1)
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels])
        runningVariance.fill(1)
        buffers = [Buffer(name: name + ".running_mean", tensor: runningMean),
                   Buffer(name: name + ".running_var", tensor: runningVariance)]
    }
}

func updateRunningStatistics(runningMean: Tensor, runningVariance: Tensor, momentum: Float, mean: Tensor, variance: Tensor,
                             layout: BatchNormLayout) {
    let channels = layout.channels
    for g in 0..<layout.groups {
        let n = Float(min((g + 1) * layout.groupRows, layout.rows) - g * layout.groupRows)
        let unbias = n > 1 ? n / (n - 1) : 1
        for c in 0..<channels {
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[g * channels + c]
            runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * variance[g * channels + c] * unbias
        }
    }
}
