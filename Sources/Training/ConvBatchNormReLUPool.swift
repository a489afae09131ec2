import TensorKernels

/// A network's first convolution fused with the batch norm, ReLU and 2×2 max-pool after it:
/// [H, W, Cin] → [H'/2, W'/2, Cout]. The same function, parameters and buffers (`conv1.weight`,
/// `bn1.gamma`, `bn1.running_mean`, …) as its `convolution` followed by its `batchNorm`, which
/// it runs for evaluation and for an ordinary `forward`/`backward`.
///
/// What it changes is a piecewise training pass (`PiecewiseStem`), where it is the first layer
/// and no input gradient is wanted: the convolution's output, the largest tensor of a small
/// CNN (100 KB per 28×28 example with 32 channels), only lives as long as its piece — the
/// statistics pass computes it, gathers the batch-norm sums, the window extremes and routes
/// and the input's patch moments, and drops it. The weight gradient then comes from per-example
/// sums over the input images (see FirstConvolutionGradient.swift) instead of batch norm's
/// input gradient, so the backward never reads the convolution's output again nor writes a
/// gradient of its size.
///
/// Requirements (checked): no bias (batch norm cancels it), stride 1, a patch k·k·Cin of at
/// most `directPatchLimit` Floats — a first layer of an image model.
public final class ConvBatchNormReLUPool: Layer {
    public let convolution: Conv2d
    public let batchNorm: BatchNormReLUPool
    let pool: ThreadPool
    /// The pass's input images (for the patch sums of the backward).
    private var input: Tensor?
    private var convolutionGeometry: Conv2dGeometry?
    /// The convolution's output for the current piece.
    private let pieceOutput = Tensor(shape: [0])
    /// Per window, the position each channel's gradient goes to, as bit masks (see
    /// `batchNormPoolExampleSums`).
    private let routes = ByteBuffer()
    /// Per example: the patches' Gram matrix [N, P, P], their sum [N, P], routed sums [N, P, Cout].
    private let gram = Tensor(shape: [0])
    private let patchSums = Tensor(shape: [0])
    private let routedSums = Tensor(shape: [0])

    public init(convolution: Conv2d, batchNorm: BatchNormReLUPool, pool: ThreadPool) {
        apiPrecondition(convolution.bias == nil && convolution.stride == 1 && convolution.outChannels == batchNorm.channels
                        && convolution.kernel * convolution.kernel * convolution.inChannels <= directPatchLimit,
                        "a fused first block needs a stride-1 convolution without bias, with at most \(directPatchLimit) Floats per patch, feeding the batch norm's channels")
        self.convolution = convolution
        self.batchNorm = batchNorm
        self.pool = pool
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        batchNorm.outputShape(for: convolution.outputShape(for: inputShape))
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        batchNorm.forward(convolution.forward(input, mode: mode), mode: mode)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        convolution.backward(batchNorm.backward(outputGradient, needsInputGradient: true)!, needsInputGradient: needsInputGradient)
    }

    public var parameters: [Parameter] { convolution.parameters + batchNorm.parameters }
    public var buffers: [Buffer] { batchNorm.buffers }
    public var runningStatistics: [RunningStatistics] { batchNorm.runningStatistics }

    public func floatsPerExample(inputShape: [Int]) -> Int {
        convolution.floatsPerExample(inputShape: inputShape)
            + batchNorm.floatsPerExample(inputShape: convolution.outputShape(for: inputShape))
    }
}

extension ConvBatchNormReLUPool: PiecewiseStatisticsLayer {
    private var passGeometry: Conv2dGeometry {
        guard let convolutionGeometry else { preconditionFailure("fused first block piece without a training pass") }
        return convolutionGeometry
    }
    private var imageCount: Int { passGeometry.height * passGeometry.width * passGeometry.inChannels }

    func beginPass(_ input: Tensor) -> Tensor {
        let s = input.shape
        apiPrecondition(s.count == 4 && s[3] == convolution.inChannels,
                        "convolution expects [N, H, W, \(convolution.inChannels)], got \(s)")
        let g = Conv2dGeometry(batch: s[0], height: s[1], width: s[2], inChannels: convolution.inChannels,
                               outChannels: convolution.outChannels, kernel: convolution.kernel, padding: convolution.padding)
        self.input = input
        convolutionGeometry = g
        let output = batchNorm.beginPass(shape: [g.batch, g.outHeight, g.outWidth, g.outChannels])
        routes.resize(g.batch * batchNorm.passGeometry.windows * batchNorm.passGeometry.routeBytesPerWindow)
        gram.resize([g.batch, g.patch, g.patch])
        patchSums.resize([g.batch, g.patch])
        routedSums.resize([g.batch, g.patch, g.outChannels])
        return output
    }

    func accumulateStatistics(piece: Range<Int>) {
        var g = passGeometry
        let x = input!.data + piece.lowerBound * imageCount
        convolutionPatchMoments(x, geometry: g, images: piece, gram: gram.data, patchSums: patchSums.data, pool: pool)
        g.batch = piece.count
        pieceOutput.resize([g.batch, g.outHeight, g.outWidth, g.outChannels])
        conv2dForward(x, weight: convolution.weight.value.data, bias: nil, pieceOutput.data, geometry: g, scratch: nil, pool: pool)
        batchNorm.accumulateStatistics(piece: piece, input: pieceOutput.data, routes: routes.data)
    }

    func finishStatistics() { batchNorm.finishStatistics() }

    func forward(piece: Range<Int>) { batchNorm.forward(piece: piece) }

    func accumulateGradientSums(piece: Range<Int>, outputGradient: UnsafePointer<Float>) {
        batchNorm.accumulateGradientSums(piece: piece, outputGradient: outputGradient)
        routedPatchSums(input!.data + piece.lowerBound * imageCount, outputGradient, convolution: passGeometry,
                        pooling: batchNorm.passGeometry, images: piece, routes: routes.data, extremes: batchNorm.passExtremes,
                        scale: batchNorm.scale, offset: batchNorm.offset, routedSums: routedSums.data, pool: pool)
    }

    func finishGradientSums() {
        batchNorm.finishGradientSums()
        firstConvolutionWeightGradient(weight: convolution.weight.value.data, convolution: passGeometry,
                                       pooling: batchNorm.passGeometry, gram: gram.data, patchSums: patchSums.data,
                                       routedSums: routedSums.data, coefficients: batchNorm.gradientCoefficients,
                                       weightGradient: convolution.weight.gradient.data)
    }

    func backward(piece: Range<Int>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?) {
        // Every parameter gradient came with the gradient sums; an input gradient is not kept.
        apiPrecondition(inputGradient == nil, "a fused first block computes no input gradient in a piecewise pass")
    }
}

/// Bytes with storage that grows (like `Tensor.resize`) and is reused from pass to pass.
final class ByteBuffer {
    private(set) var data: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int

    init() {
        capacity = 1
        data = .allocate(capacity: 1)
    }

    deinit { data.deallocate() }

    /// Room for `count` bytes; contents unspecified afterwards.
    func resize(_ count: Int) {
        guard count > capacity else { return }
        data.deallocate()
        capacity = count
        data = .allocate(capacity: count)
    }
}
