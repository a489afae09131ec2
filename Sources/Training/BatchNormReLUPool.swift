import TensorKernels

/// Batch norm (ghost batches), ReLU and 2×2 max-pool as one layer: [N, H, W, C] → [N, H/2, W/2, C].
/// The same function as `BatchNorm(fusedReLU: true)` followed by `MaxPool2`, with the same
/// parameter and buffer names, but the normalised activations are never stored (see the kernel).
public final class BatchNormReLUPool: Layer {
    public let channels: Int
    public let ghostBatch: Int?
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
    private var geometry: BatchNormPoolGeometry?
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])
    private let mean = Tensor(shape: [0])
    private let variance = Tensor(shape: [0])
    private let invStd = Tensor(shape: [0])
    /// Per-example partial sums [3, N, C]: the statistics' shifts, sums and squares, then the
    /// backward's two sums.
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
        self.pool = pool
        let state = BatchNormState(name: name, channels: channels, momentum: momentum)
        (gamma, beta, running, buffers) = (state.gamma, state.beta, state.running, state.buffers)
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
    public var runningStatistics: [RunningStatistics] { [running] }

    /// The input (kept for the backward), the output and the window extremes.
    public func floatsPerExample(inputShape: [Int]) -> Int {
        inputShape.reduce(1, *) + 2 * outputShape(for: inputShape).reduce(1, *)
    }
}

extension BatchNormReLUPool: PiecewiseStatisticsLayer {
    var passGeometry: BatchNormPoolGeometry {
        guard let geometry else { preconditionFailure("batch norm and max-pool piece without a training pass") }
        return geometry
    }
    /// The pass's y = x·scale + offset [groups, C], once its statistics are finished.
    var scale: UnsafeMutablePointer<Float> { coefficients.data }
    var offset: UnsafeMutablePointer<Float> { coefficients.data + passGeometry.groups * channels }
    /// The pass's dx = a·routed + b·x + k [groups, 3, C], once its gradient sums are finished.
    var gradientCoefficients: UnsafeMutablePointer<Float> { coefficients.data + 2 * passGeometry.groups * channels }
    /// Each window's extreme input [N, H/2, W/2, C], once the statistics pass has run.
    var passExtremes: UnsafePointer<Float> { UnsafePointer(extremes.data) }
    private var firstSums: UnsafeMutablePointer<Float> { exampleSums.data }
    private var secondSums: UnsafeMutablePointer<Float> { exampleSums.data + passGeometry.batch * channels }
    private var thirdSums: UnsafeMutablePointer<Float> { exampleSums.data + 2 * passGeometry.batch * channels }

    func beginPass(_ input: Tensor) -> Tensor {
        let output = beginPass(shape: input.shape)
        self.input = input
        return output
    }

    /// Starts a training pass over inputs of `shape` [N, H, W, C] that the caller hands in
    /// piece by piece (`accumulateStatistics(piece:input:routes:)`); no input is kept, so the
    /// pass can produce no input gradient.
    func beginPass(shape: [Int]) -> Tensor {
        input = nil
        apiPrecondition(shape.count == 4 && shape[3] == channels, "batch norm and max-pool expect [N, H, W, \(channels)], got \(shape)")
        let g = BatchNormPoolGeometry(batch: shape[0], height: shape[1], width: shape[2], channels: channels,
                                      groupExamples: ghostBatch ?? shape[0])
        geometry = g
        output.resize([g.batch, g.height / 2, g.width / 2, channels])
        for statistic in [mean, variance, invStd] { statistic.resize([g.groups, channels]) }
        exampleSums.resize([g.exampleSumsCount])
        extremes.resize(output.shape)
        coefficients.resize([g.coefficientCount])
        return output
    }

    func accumulateStatistics(piece: Range<Int>) {
        accumulateStatistics(piece: piece, input: input!.data + piece.lowerBound * passGeometry.imageCount, routes: nil)
    }

    /// The statistics of `piece` from its inputs at `x` (the piece's first image), recording
    /// each window's route [N, H/2, W/2, C] too when `routes` is given.
    func accumulateStatistics(piece: Range<Int>, input x: UnsafePointer<Float>, routes: UnsafeMutablePointer<UInt8>?) {
        batchNormPoolExampleSums(x, geometry: passGeometry, images: piece, gamma: gamma.value.data, shifts: firstSums,
                                 sums: secondSums, squares: thirdSums, extremes: extremes.data, routes: routes, pool: pool)
    }

    func finishStatistics() {
        let g = passGeometry
        batchNormPoolStatistics(geometry: g, shifts: firstSums, sums: secondSums, squares: thirdSums, epsilon: epsilon,
                                mean: mean.data, variance: variance.data, invStd: invStd.data)
        batchNormPoolAffine(gamma: gamma.value.data, beta: beta.value.data, mean: mean.data, invStd: invStd.data,
                            groups: g.groups, channels: channels, scale: scale, offset: offset)
        running.record(mean: mean, variance: variance, layout: g.statisticsLayout)
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
        guard let input else { preconditionFailure("batch norm and max-pool input gradient of a pass that kept no input") }
        batchNormReLUMaxPoolInputGradient(input.data + piece.lowerBound * passGeometry.imageCount, outputGradient, inputGradient,
                                          geometry: passGeometry, images: piece,
                                          gamma: gamma.value.data, scale: scale, offset: offset,
                                          coefficients: gradientCoefficients, pool: pool)
    }
}
