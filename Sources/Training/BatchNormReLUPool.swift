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
    /// Per-example partial sums [2, N, C]: the statistics', then the backward's.
    private let exampleSums = Tensor(shape: [0])
    /// scale, offset [groups, C] and the backward's coefficients [groups, 3, C].
    private let coefficients = Tensor(shape: [0])
    /// Each pooling window's extreme input [N, H/2, W/2, C] (see the kernel), from the statistics
    /// pass: the normalisation and the gradient sums read it instead of the input.
    private let extremes = Tensor(shape: [0])

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

    private func makeGeometry(_ input: Tensor) -> BatchNormPoolGeometry {
        let s = input.shape
        apiPrecondition(s.count == 4 && s[3] == channels, "batch norm and max-pool expect [N, H, W, \(channels)], got \(s)")
        return BatchNormPoolGeometry(batch: s[0], height: s[1], width: s[2], channels: channels, groupExamples: ghostBatch ?? s[0])
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        if mode == .evaluation {
            let g = makeGeometry(input)
            output.resize([g.batch, g.height / 2, g.width / 2, channels])
            batchNormReLUMaxPoolInference(input.data, output.data, geometry: g, gamma: gamma.value.data, beta: beta.value.data,
                                          mean: runningMean.data, variance: runningVariance.data, epsilon: epsilon, pool: pool)
            return output
        }
        let all = 0..<input.shape[0]
        _ = beginPass(input)
        accumulateStatistics(piece: all)
        finishStatistics()
        forward(piece: all)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input else { preconditionFailure("batch norm and max-pool backward without a training forward") }
        let all = 0..<input.shape[0]
        accumulateGradientSums(piece: all, outputGradient: outputGradient.data)
        finishGradientSums()
        guard needsInputGradient else { return nil }
        inputGradient.resize(input.shape)
        backward(piece: all, outputGradient: outputGradient.data, inputGradient: inputGradient.data)
        return inputGradient
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [Buffer] {
        [Buffer(name: name + ".running_mean", tensor: runningMean), Buffer(name: name + ".running_var", tensor: runningVariance)]
    }

    /// The input (kept for the backward), the output and the window extremes.
    public func floatsPerExample(inputShape: [Int]) -> Int {
        inputShape.reduce(1, *) + 2 * outputShape(for: inputShape).reduce(1, *)
    }
}

extension BatchNormReLUPool: PiecewiseStatisticsLayer {
    private var passGeometry: BatchNormPoolGeometry {
        guard let geometry else { preconditionFailure("batch norm and max-pool piece without a training pass") }
        return geometry
    }
    private var scale: UnsafeMutablePointer<Float> { coefficients.data }
    private var offset: UnsafeMutablePointer<Float> { coefficients.data + passGeometry.groups * channels }
    private var gradientCoefficients: UnsafeMutablePointer<Float> { coefficients.data + 2 * passGeometry.groups * channels }
    private var firstSums: UnsafeMutablePointer<Float> { exampleSums.data }
    private var secondSums: UnsafeMutablePointer<Float> { exampleSums.data + passGeometry.batch * channels }

    func beginPass(_ input: Tensor) -> Tensor {
        let g = makeGeometry(input)
        self.input = input
        geometry = g
        output.resize([g.batch, g.height / 2, g.width / 2, channels])
        for statistic in [mean, variance, invStd] { statistic.resize([g.groups, channels]) }
        exampleSums.resize([g.exampleSumsCount])
        extremes.resize(output.shape)
        coefficients.resize([g.coefficientCount])
        return output
    }

    func accumulateStatistics(piece: Range<Int>) {
        batchNormPoolExampleSums(input!.data, geometry: passGeometry, images: piece, gamma: gamma.value.data, sums: firstSums,
                                 squares: secondSums, extremes: extremes.data, pool: pool)
    }

    func finishStatistics() {
        let g = passGeometry
        batchNormPoolStatistics(input!.data, geometry: g, sums: firstSums, squares: secondSums, epsilon: epsilon,
                                mean: mean.data, variance: variance.data, invStd: invStd.data)
        batchNormPoolAffine(gamma: gamma.value.data, beta: beta.value.data, mean: mean.data, invStd: invStd.data,
                            groups: g.groups, channels: channels, scale: scale, offset: offset)
        updateRunningStatistics(runningMean: runningMean, runningVariance: runningVariance, momentum: momentum,
                                mean: mean, variance: variance, layout: g.statisticsLayout)
    }

    func forward(piece: Range<Int>) {
        batchNormReLUMaxPoolApply(extremes.data, output.data, geometry: passGeometry, images: piece, scale: scale,
                                  offset: offset, pool: pool)
    }

    func accumulateGradientSums(piece: Range<Int>, outputGradient: UnsafePointer<Float>) {
        batchNormReLUMaxPoolGradientSums(extremes.data, outputGradient, geometry: passGeometry, images: piece, scale: scale,
                                         offset: offset, mean: mean.data, sumDy: firstSums, sumDyXc: secondSums, pool: pool)
    }

    func finishGradientSums() {
        batchNormReLUMaxPoolGradientCoefficients(geometry: passGeometry, gamma: gamma.value.data, mean: mean.data, invStd: invStd.data,
                                                 sumDy: firstSums, sumDyXc: secondSums, dgamma: gamma.gradient.data,
                                                 dbeta: beta.gradient.data, coefficients: gradientCoefficients)
    }

    func backward(piece: Range<Int>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?) {
        // The input gradient is the only output of this step (the parameter gradients came
        // with the sums); without a destination there is nothing to do.
        guard let inputGradient else { return }
        batchNormReLUMaxPoolInputGradient(input!.data, outputGradient, inputGradient, geometry: passGeometry, images: piece,
                                          gamma: gamma.value.data, scale: scale, offset: offset,
                                          coefficients: gradientCoefficients, pool: pool)
    }
}
