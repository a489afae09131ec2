import TensorKernels

/// max(x, 0), in place: the output is the input tensor, and the backward masks the incoming
/// gradient in place. Safe because no layer before a ReLU needs its own output in its backward
/// (batch norm recomputes x̂ from its input; conv and linear keep their inputs).
public final class ReLU: Layer {
    let pool: ThreadPool
    private var output: Tensor?

    public init(pool: ThreadPool) { self.pool = pool }

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        reluForward(input.data, input.data, count: input.count, pool: pool)
        output = input
        return input
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard let output else { preconditionFailure("relu backward without a forward") }
        reluBackward(output: output.data, outputGradient.data, outputGradient.data, count: output.count, pool: pool)
        return outputGradient
    }

    public func floatsPerExample(inputShape: [Int]) -> Int { 0 }
}

/// [N, H, W, C] → [N, H·W·C]. Activations are contiguous, so this only changes how the next
/// layer reads them: the same tensor passes through both ways (a linear layer reads any shape
/// as [N, features]). The feature order is NHWC's (h, w, c).
public final class Flatten: Layer {
    public init() {}
    public func outputShape(for inputShape: [Int]) -> [Int] { [inputShape.reduce(1, *)] }
    public func forward(_ input: Tensor, mode: Mode) -> Tensor { input }
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        needsInputGradient ? outputGradient : nil
    }
    public func floatsPerExample(inputShape: [Int]) -> Int { 0 }
}

/// 2×2 max-pool with stride 2: [N, H, W, C] → [N, H/2, W/2, C].
public final class MaxPool2: Layer {
    let pool: ThreadPool
    private var input: Tensor?
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])

    public init(pool: ThreadPool) { self.pool = pool }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        apiPrecondition(inputShape.count == 3, "max-pool expects [H, W, C] per example, got \(inputShape)")
        return [inputShape[0] / 2, inputShape[1] / 2, inputShape[2]]
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let s = input.shape
        self.input = input
        output.resize([s[0], s[1] / 2, s[2] / 2, s[3]])
        maxPool2Forward(input.data, output.data, batch: s[0], height: s[1], width: s[2], channels: s[3], pool: pool)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard let input else { preconditionFailure("max-pool backward without a forward") }
        let s = input.shape
        inputGradient.resize(s)
        maxPool2Backward(input: input.data, outputGradient.data, inputGradient.data,
                         batch: s[0], height: s[1], width: s[2], channels: s[3], pool: pool)
        return inputGradient
    }

    public func floatsPerExample(inputShape: [Int]) -> Int {
        outputShape(for: inputShape).reduce(1, *) + inputShape.reduce(1, *)
    }
}

/// Mean over the spatial positions: [N, H, W, C] → [N, C].
public final class GlobalAveragePool: Layer {
    let pool: ThreadPool
    private var inputShape: [Int] = []
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])

    public init(pool: ThreadPool) { self.pool = pool }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        apiPrecondition(inputShape.count == 3, "global average pool expects [H, W, C] per example, got \(inputShape)")
        return [inputShape[2]]
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let s = input.shape
        inputShape = s
        output.resize([s[0], s[3]])
        globalAveragePoolForward(input.data, output.data, batch: s[0], positions: s[1] * s[2], channels: s[3], pool: pool)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        let s = inputShape
        inputGradient.resize(s)
        globalAveragePoolBackward(outputGradient.data, inputGradient.data, batch: s[0], positions: s[1] * s[2],
                                  channels: s[3], pool: pool)
        return inputGradient
    }

    public func floatsPerExample(inputShape: [Int]) -> Int { inputShape[2] + inputShape.reduce(1, *) }
}
