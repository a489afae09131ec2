import TensorKernels

/// Fully connected layer: y [N, out] = x [N, in] · Wᵀ + b, with W [out, in].
/// The input may have any per-example shape whose product is `inputs` (a flattened NHWC image).
public final class Linear: Layer {
    public let inputs: Int
    public let outputs: Int
    public let weight: Parameter
    public let bias: Parameter?
    let pool: ThreadPool
    private var input: Tensor?
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])

    /// Weights He-normal from `random`, bias zero.
    public init(name: String, inputs: Int, outputs: Int, bias: Bool = true, random: inout DeterministicRandom, pool: ThreadPool) {
        self.inputs = inputs
        self.outputs = outputs
        weight = Parameter(name: name + ".weight", shape: [outputs, inputs], decays: true)
        self.bias = bias ? Parameter(name: name + ".bias", shape: [outputs], decays: false) : nil
        self.pool = pool
        heNormalInitialise(weight.value, fanIn: inputs, random: &random)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        apiPrecondition(inputShape.reduce(1, *) == inputs, "linear layer expects \(inputs) features, got \(inputShape)")
        return [outputs]
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let (batch, features) = batchAndFeatures(input)
        apiPrecondition(features == inputs, "linear layer expects \(inputs) features per example, got \(features)")
        self.input = input
        output.resize([batch, outputs])
        gemm(transposeA: false, transposeB: true, m: batch, n: outputs, k: inputs, alpha: 1,
             a: input.data, lda: inputs, b: weight.value.data, ldb: inputs, beta: 0, c: output.data, ldc: outputs, pool: pool)
        if let bias { addRowVector(bias.value.data, to: output.data, rows: batch, cols: outputs, pool: pool) }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input else { preconditionFailure("linear backward without a forward") }
        let batch = input.shape[0]
        let dy = outputGradient.data
        // dW [out, in] += dyᵀ [out, N] · x [N, in]
        gemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: batch, alpha: 1,
             a: dy, lda: outputs, b: input.data, ldb: inputs, beta: 1, c: weight.gradient.data, ldc: inputs, pool: pool)
        if let bias { columnSums(dy, rows: batch, cols: outputs, into: bias.gradient.data, accumulate: true, pool: pool) }
        guard needsInputGradient else { return nil }
        // dx [N, in] = dy [N, out] · W [out, in], shaped like the input.
        inputGradient.resize(input.shape)
        gemm(transposeA: false, transposeB: false, m: batch, n: inputs, k: outputs, alpha: 1,
             a: dy, lda: outputs, b: weight.value.data, ldb: inputs, beta: 0, c: inputGradient.data, ldc: inputs, pool: pool)
        return inputGradient
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func floatsPerExample(inputShape: [Int]) -> Int { outputs + inputs }
}
