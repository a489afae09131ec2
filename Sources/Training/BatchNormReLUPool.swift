import TensorKernels

/// Batch norm (ghost batches), ReLU and 2×2 max-pool as one layer: [N, H, W, C] → [N, H/2, W/2, C].
/// The same function as `BatchNorm(fusedReLU: true)` followed by `MaxPool2`, with the same
/// parameter and buffer names, but the normalised activations are never stored (see the kernel).
public final class BatchNormReLUPool: Layer {
    public let channels: Int
    public let ghostBatch: Int?
    public let epsilon: Float
    public let momentum: Float
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Tensor
    public let runningVariance: Tensor
    let name: String
    let pool: ThreadPool
    private var input: Tensor?
    private var geometry: BatchNormPoolGeometry?
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])
    private let mean = Tensor(shape: [0])
    private let variance = Tensor(shape: [0])
    private let invStd = Tensor(shape: [0])
    private let scratch = Tensor(shape: [0])

    public init(name: String, channels: Int, ghostBatch: Int?, epsilon: Float = 1e-5, momentum: Float = 0.1, pool: ThreadPool) {
        apiPrecondition(ghostBatch.map { $0 > 0 } ?? true, "ghost batch must be positive")
        self.name = name
        self.channels = channels
        self.ghostBatch = ghostBatch
        self.epsilon = epsilon
        self.momentum = momentum
        self.pool = pool
        gamma = Parameter(name: name + ".gamma", shape: [channels], decays: false)
        beta = Parameter(name: name + ".beta", shape: [channels], decays: false)
        gamma.value.fill(1)
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels])
        runningVariance.fill(1)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        apiPrecondition(inputShape.count == 3 && inputShape[2] == channels,
                     "batch norm and max-pool expect [H, W, \(channels)] per example, got \(inputShape)")
        return [inputShape[0] / 2, inputShape[1] / 2, channels]
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let s = input.shape
        apiPrecondition(s.count == 4 && s[3] == channels, "batch norm and max-pool expect [N, H, W, \(channels)], got \(s)")
        let g = BatchNormPoolGeometry(batch: s[0], height: s[1], width: s[2], channels: channels,
                                      groupExamples: ghostBatch ?? s[0])
        output.resize([s[0], s[1] / 2, s[2] / 2, channels])
        if mode == .evaluation {
            batchNormReLUMaxPoolInference(input.data, output.data, geometry: g, gamma: gamma.value.data, beta: beta.value.data,
                                          mean: runningMean.data, variance: runningVariance.data, epsilon: epsilon, pool: pool)
            return output
        }
        self.input = input
        geometry = g
        mean.resize([g.groups, channels])
        variance.resize([g.groups, channels])
        invStd.resize([g.groups, channels])
        if g.scratchCount > scratch.count { scratch.resize([g.scratchCount]) }
        batchNormReLUMaxPoolTrainingForward(input.data, output.data, geometry: g, gamma: gamma.value.data, beta: beta.value.data,
                                            epsilon: epsilon, mean: mean.data, variance: variance.data, invStd: invStd.data,
                                            scratch: scratch.data, pool: pool)
        updateRunningStatistics(runningMean: runningMean, runningVariance: runningVariance, momentum: momentum,
                                mean: mean, variance: variance, layout: g.statisticsLayout)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input, let geometry else { preconditionFailure("batch norm and max-pool backward without a training forward") }
        inputGradient.resize(input.shape)
        batchNormReLUMaxPoolBackward(input.data, outputGradient.data, inputGradient.data, geometry: geometry,
                                     gamma: gamma.value.data, beta: beta.value.data, mean: mean.data, invStd: invStd.data,
                                     dgamma: gamma.gradient.data, dbeta: beta.gradient.data, scratch: scratch.data, pool: pool)
        return needsInputGradient ? inputGradient : nil
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [Buffer] {
        [Buffer(name: name + ".running_mean", tensor: runningMean), Buffer(name: name + ".running_var", tensor: runningVariance)]
    }

    public func floatsPerExample(inputShape: [Int]) -> Int {
        inputShape.reduce(1, *) + outputShape(for: inputShape).reduce(1, *)
    }
}
