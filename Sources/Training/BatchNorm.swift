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
    /// The running averages' update rate α (kept by `running`, which applies it).
    public var momentum: Float { running.momentum }
    public let gamma: Parameter
    public let beta: Parameter
    public let running: RunningStatistics
    public var runningMean: Tensor { running.mean }
    public var runningVariance: Tensor { running.variance }
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
        self.pool = pool
        let state = BatchNormState(name: name, channels: channels, momentum: momentum)
        (gamma, beta, running, buffers) = (state.gamma, state.beta, state.running, state.buffers)
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
        running.record(mean: mean, variance: variance, layout: layout)
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
    public var runningStatistics: [RunningStatistics] { [running] }

    public func floatsPerExample(inputShape: [Int]) -> Int { 2 * inputShape.reduce(1, *) }
}

/// What a batch-norm layer learns and keeps — γ (ones), β (zeros), the running mean (zeros) and
/// variance (ones) — under the checkpoint names NAME.gamma, NAME.beta, NAME.running_mean and
/// NAME.running_var. `BatchNorm` and `BatchNormReLUPool` share it, so their checkpoints agree.
struct BatchNormState {
    let gamma: Parameter
    let beta: Parameter
    let running: RunningStatistics
    let buffers: [Buffer]

    init(name: String, channels: Int, momentum: Float) {
        gamma = Parameter(name: name + ".gamma", shape: [channels], decays: false)
        beta = Parameter(name: name + ".beta", shape: [channels], decays: false)
        gamma.value.fill(1)
        running = RunningStatistics(channels: channels, momentum: momentum)
        buffers = [Buffer(name: name + ".running_mean", tensor: running.mean),
                   Buffer(name: name + ".running_var", tensor: running.variance)]
    }
}

/// A batch-norm layer's running mean and variance, and how training forwards update them.
///
/// Normally each training forward updates them at once (`record`). A model that runs the
/// chunks of a pass on two lanes (see ChunkLanes.swift) defers the update: each forward then
/// only keeps its batch statistics, and the model folds them in chunk order afterwards, so
/// the running statistics get the same updates in the same order as on one lane.
public final class RunningStatistics {
    public let mean: Tensor
    public let variance: Tensor
    public let momentum: Float
    /// When set, `record` keeps the batch statistics for a later `fold` instead of applying them.
    var defersUpdates = false
    /// The batch statistics of the training forwards since deferring began, oldest first.
    private var pending: [(mean: [Float], variance: [Float], layout: BatchNormLayout)] = []
    private var pendingStart = 0

    init(channels: Int, momentum: Float) {
        mean = Tensor(shape: [channels])
        variance = Tensor(shape: [channels])
        variance.fill(1)
        self.momentum = momentum
    }

    /// After a training forward: its ghost batches' statistics `mean`, `variance` [groups, C].
    func record(mean batchMean: Tensor, variance batchVariance: Tensor, layout: BatchNormLayout) {
        if defersUpdates {
            pending.append((batchMean.values, batchVariance.values, layout))
        } else {
            update(mean: UnsafeBufferPointer(start: batchMean.data, count: batchMean.count),
                   variance: UnsafeBufferPointer(start: batchVariance.data, count: batchVariance.count), layout: layout)
        }
    }

    /// Applies the oldest batch statistics `source` deferred and has not handed out yet (this
    /// object's own, or those of the same layer in another copy of the model).
    func fold(_ source: RunningStatistics) {
        guard source.pendingStart < source.pending.count else { return }
        let batch = source.pending[source.pendingStart]
        source.pendingStart += 1
        if source.pendingStart == source.pending.count {
            source.pending.removeAll(keepingCapacity: true)
            source.pendingStart = 0
        }
        batch.mean.withUnsafeBufferPointer { m in
            batch.variance.withUnsafeBufferPointer { v in update(mean: m, variance: v, layout: batch.layout) }
        }
    }

    /// Whether deferred statistics are waiting to be folded.
    var hasPendingUpdates: Bool { pendingStart < pending.count }

    /// For each ghost batch g in order:
    /// running_mean ← (1 − α)·running_mean + α·μ_g; running_var ← (1 − α)·running_var + α·σ²_g·n/(n − 1).
    private func update(mean batchMean: UnsafeBufferPointer<Float>, variance batchVariance: UnsafeBufferPointer<Float>,
                        layout: BatchNormLayout) {
        let channels = layout.channels
        for g in 0..<layout.groups {
            let n = Float(min((g + 1) * layout.groupRows, layout.rows) - g * layout.groupRows)
            let unbias = n > 1 ? n / (n - 1) : 1
            for c in 0..<channels {
                mean[c] = (1 - momentum) * mean[c] + momentum * batchMean[g * channels + c]
                variance[c] = (1 - momentum) * variance[c] + momentum * batchVariance[g * channels + c] * unbias
            }
        }
    }
}
