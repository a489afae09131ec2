import TensorKernels

/// Whether a forward pass trains (batch statistics, running averages updated) or evaluates.
public enum Mode: Sendable {
    case training
    case evaluation
}

/// A learnable tensor and the gradient that passes accumulate into (with +=).
public final class Parameter {
    /// Dotted path, e.g. "conv1.weight": the key a checkpoint stores it under.
    public let name: String
    public let value: Tensor
    public let gradient: Tensor
    /// Whether weight decay applies: conv and linear weights yes; biases and batch-norm γ, β no.
    public let decays: Bool

    public init(name: String, shape: [Int], decays: Bool) {
        self.name = name
        value = Tensor(shape: shape)
        gradient = Tensor(shape: shape)
        self.decays = decays
    }
}

/// A tensor of state that is not learned (batch-norm running statistics), saved in checkpoints.
public struct Buffer {
    public let name: String
    public let tensor: Tensor
}

/// A network layer with an explicit backward pass.
///
/// Activations are NHWC (channels innermost): [N, H, W, C] for images, [N, F] for features.
/// A layer owns its output and input-gradient tensors and reuses them from step to step
/// (growing them for a larger batch), so the tensor `forward` returns stays valid until the
/// layer's next forward. `backward` must follow the `forward` of the same batch in training
/// mode; it adds the parameter gradients into `Parameter.gradient` (+=, so passes accumulate)
/// and returns dL/dinput when asked for it.
public protocol Layer: AnyObject {
    /// Per-example output shape for a per-example input shape (without the batch dimension).
    func outputShape(for inputShape: [Int]) -> [Int]
    func forward(_ input: Tensor, mode: Mode) -> Tensor
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor?
    var parameters: [Parameter] { get }
    var buffers: [Buffer] { get }
    /// The running statistics of the batch-norm layers in it, in layer order.
    var runningStatistics: [RunningStatistics] { get }
    /// Floats this layer keeps per example between forward and backward (outputs, gradients),
    /// for choosing how many examples a pass may hold.
    func floatsPerExample(inputShape: [Int]) -> Int
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Buffer] { [] }
    public var runningStatistics: [RunningStatistics] { [] }
}

/// Layers applied one after another.
public final class Sequential: Layer {
    public let layers: [Layer]
    /// The first layer with parameters (`layers.count` if none). The layers before it learn
    /// nothing, so unless the caller wants the input gradient, backward stops there: an MLP's
    /// first linear layer, behind a Flatten, computes no input gradient.
    private let firstLearningLayer: Int

    public init(_ layers: [Layer]) {
        self.layers = layers
        firstLearningLayer = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        layers.reduce(inputShape) { $1.outputShape(for: $0) }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        layers.reduce(input) { $1.forward($0, mode: mode) }
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        var gradient = outputGradient
        for index in layers.indices.reversed() {
            let passesGradientOn = needsInputGradient || index > firstLearningLayer
            guard let inputGradient = layers[index].backward(gradient, needsInputGradient: passesGradientOn) else {
                return nil
            }
            gradient = inputGradient
        }
        return gradient
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var buffers: [Buffer] { layers.flatMap(\.buffers) }
    public var runningStatistics: [RunningStatistics] { layers.flatMap(\.runningStatistics) }

    public func floatsPerExample(inputShape: [Int]) -> Int {
        var shape = inputShape, total = 0
        for layer in layers {
            total += layer.floatsPerExample(inputShape: shape)
            shape = layer.outputShape(for: shape)
        }
        return total
    }
}

/// Batch size of an activation tensor (its first dimension) and the Floats per example.
@inline(__always)
func batchAndFeatures(_ tensor: Tensor) -> (batch: Int, features: Int) {
    let batch = tensor.shape[0]
    return (batch, batch == 0 ? 0 : tensor.count / batch)
}

/// He (Kaiming) normal initialisation, std = √(2 / fanIn), from a dedicated random stream.
func heNormalInitialise(_ tensor: Tensor, fanIn: Int, random: inout DeterministicRandom) {
    let std = (2 / Float(fanIn)).squareRoot()
    for i in 0..<tensor.count { tensor[i] = random.nextNormal() * std }
}

/// A check of how the runtime's API is used (shapes, indices), kept in -Ounchecked builds,
/// where `precondition` is compiled out.
@inline(__always)
func apiPrecondition(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                     file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
