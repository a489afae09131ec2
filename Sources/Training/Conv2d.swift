import TensorKernels

/// 2-D convolution layer over NHWC images: x [N, H, W, Cin] → y [N, oH, oW, Cout],
/// weight [Cout, k, k, Cin], optional bias [Cout] (left out before batch norm, which cancels it).
public final class Conv2d: Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter?
    let pool: ThreadPool
    private var input: Tensor?
    private var geometry: Conv2dGeometry?
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])
    private let scratch = Tensor(shape: [0])

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, random: inout DeterministicRandom, pool: ThreadPool) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        weight = Parameter(name: name + ".weight", shape: [outChannels, kernel, kernel, inChannels], decays: true)
        self.bias = bias ? Parameter(name: name + ".bias", shape: [outChannels], decays: false) : nil
        self.pool = pool
        heNormalInitialise(weight.value, fanIn: kernel * kernel * inChannels, random: &random)
    }

    private func geometry(batch: Int, inputShape: [Int]) -> Conv2dGeometry {
        apiPrecondition(inputShape.count == 3 && inputShape[2] == inChannels,
                     "convolution expects [H, W, \(inChannels)] per example, got \(inputShape)")
        return Conv2dGeometry(batch: batch, height: inputShape[0], width: inputShape[1], inChannels: inChannels,
                              outChannels: outChannels, kernel: kernel, stride: stride, padding: padding)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = geometry(batch: 1, inputShape: inputShape)
        return [g.outHeight, g.outWidth, outChannels]
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        _ = beginPass(input)
        forward(piece: 0..<input.shape[0])
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input else { preconditionFailure("convolution backward without a forward") }
        if needsInputGradient { inputGradient.resize(input.shape) }
        backward(piece: 0..<input.shape[0], outputGradient: outputGradient.data,
                 inputGradient: needsInputGradient ? inputGradient.data : nil)
        return needsInputGradient ? inputGradient : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func floatsPerExample(inputShape: [Int]) -> Int {
        outputShape(for: inputShape).reduce(1, *) + inputShape.reduce(1, *)
    }
}

extension Conv2d: PiecewiseLayer {
    func beginPass(_ input: Tensor) -> Tensor {
        let g = geometry(batch: input.shape[0], inputShape: Array(input.shape.dropFirst()))
        self.input = input
        geometry = g
        output.resize([g.batch, g.outHeight, g.outWidth, outChannels])
        return output
    }

    /// The geometry of `piece` of the pass, with scratch for it.
    private func pieceGeometry(_ piece: Range<Int>) -> Conv2dGeometry {
        guard var g = geometry else { preconditionFailure("convolution piece without a pass") }
        apiPrecondition(piece.lowerBound >= 0 && piece.upperBound <= g.batch, "piece \(piece) outside a pass of \(g.batch)")
        g.batch = piece.count
        if g.scratchCount > scratch.count { scratch.resize([g.scratchCount]) }
        return g
    }

    func forward(piece: Range<Int>) {
        let g = pieceGeometry(piece)
        conv2dForward(input!.data + piece.lowerBound * g.height * g.width * inChannels, weight: weight.value.data,
                      bias: bias?.value.data, output.data + piece.lowerBound * g.positions * outChannels, geometry: g,
                      scratch: scratch.data, pool: pool)
    }

    func backward(piece: Range<Int>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?) {
        let g = pieceGeometry(piece)
        conv2dBackward(input!.data + piece.lowerBound * g.height * g.width * inChannels, weight: weight.value.data,
                       outputGradient: outputGradient, weightGradient: weight.gradient.data, biasGradient: bias?.gradient.data,
                       inputGradient: inputGradient, geometry: g, scratch: scratch.data, pool: pool)
    }
}
