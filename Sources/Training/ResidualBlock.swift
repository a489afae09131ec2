import TensorKernels

/// A pre-activation wide-ResNet basic block (Zagoruyko & Komodakis 2016):
///   a = relu(bn1(x)); y = conv2(relu(bn2(conv1(a)))) + shortcut
/// conv1 is 3×3 with `stride`, conv2 3×3 stride 1; the shortcut is x itself when the shape is
/// kept, else a 1×1 convolution (with `stride`) of a. x [N, H, W, Cin] → y [N, H/s, W/s, Cout].
public final class ResidualBlock: Layer {
    let bn1: BatchNorm, conv1: Conv2d
    let bn2: BatchNorm, conv2: Conv2d
    let projection: Conv2d?
    let pool: ThreadPool
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])

    public init(name: String, inChannels: Int, outChannels: Int, stride: Int, ghostBatch: Int?,
                random: inout DeterministicRandom, pool: ThreadPool) {
        self.pool = pool
        bn1 = BatchNorm(name: name + ".bn1", channels: inChannels, ghostBatch: ghostBatch, fusedReLU: true, pool: pool)
        conv1 = Conv2d(name: name + ".conv1", inChannels: inChannels, outChannels: outChannels, kernel: 3, stride: stride,
                       padding: 1, bias: false, random: &random, pool: pool)
        bn2 = BatchNorm(name: name + ".bn2", channels: outChannels, ghostBatch: ghostBatch, fusedReLU: true, pool: pool)
        conv2 = Conv2d(name: name + ".conv2", inChannels: outChannels, outChannels: outChannels, kernel: 3, stride: 1,
                       padding: 1, bias: false, random: &random, pool: pool)
        if inChannels != outChannels || stride != 1 {
            projection = Conv2d(name: name + ".shortcut", inChannels: inChannels, outChannels: outChannels, kernel: 1,
                                stride: stride, padding: 0, bias: false, random: &random, pool: pool)
        } else {
            projection = nil
        }
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        conv2.outputShape(for: conv1.outputShape(for: bn1.outputShape(for: inputShape)))
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let activated = bn1.forward(input, mode: mode)  // relu(bn1(x)), fused
        let residual = conv2.forward(bn2.forward(conv1.forward(activated, mode: mode), mode: mode), mode: mode)
        let shortcut = projection?.forward(activated, mode: mode) ?? input
        output.resize(residual.shape)
        add(residual.data, shortcut.data, output.data, count: output.count, pool: pool)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        // dy reaches both the residual path and the shortcut; their gradients meet again at
        // a (projection shortcut) or at x (identity shortcut).
        let dConv2Input = conv2.backward(outputGradient, needsInputGradient: true)!
        let dConv1Output = bn2.backward(dConv2Input, needsInputGradient: true)!
        let dActivated = conv1.backward(dConv1Output, needsInputGradient: true)!
        if let projection {
            let dShortcut = projection.backward(outputGradient, needsInputGradient: true)!
            add(dActivated.data, dShortcut.data, dActivated.data, count: dActivated.count, pool: pool)
            return bn1.backward(dActivated, needsInputGradient: needsInputGradient)
        }
        let dx = bn1.backward(dActivated, needsInputGradient: true)!
        inputGradient.resize(dx.shape)
        add(dx.data, outputGradient.data, inputGradient.data, count: dx.count, pool: pool)
        return needsInputGradient ? inputGradient : nil
    }

    public var parameters: [Parameter] {
        bn1.parameters + conv1.parameters + bn2.parameters + conv2.parameters + (projection?.parameters ?? [])
    }
    public var buffers: [Buffer] { bn1.buffers + bn2.buffers }
    public var runningStatistics: [RunningStatistics] { bn1.runningStatistics + bn2.runningStatistics }

    public func floatsPerExample(inputShape: [Int]) -> Int {
        var total = bn1.floatsPerExample(inputShape: inputShape)
        total += conv1.floatsPerExample(inputShape: inputShape)
        let mid = conv1.outputShape(for: inputShape)
        total += bn2.floatsPerExample(inputShape: mid) + conv2.floatsPerExample(inputShape: mid)
        total += projection?.floatsPerExample(inputShape: inputShape) ?? 0
        return total + 2 * outputShape(for: inputShape).reduce(1, *)
    }
}
