#if canImport(Glibc)
import Glibc
#endif
import TensorKernels

/// The update rules. `sgd` with momentum m > 0 is the momentum optimiser.
public enum OptimizerKind: String, Sendable, CaseIterable {
    /// A ← m·A + g;  w ← w − ε·A   (the papers' form; m = 0 is plain SGD)
    case sgd
    /// A ← m·A + g;  w ← w − ε·(g + m·A)   (Nesterov momentum in the same form)
    case nesterov
    /// M ← β₁·M + (1 − β₁)·g;  V ← β₂·V + (1 − β₂)·g²;
    /// w ← w − ε·(M / (1 − Πβ₁)) / (√(V / (1 − Πβ₂)) + δ)   (`momentum` is not used)
    case adam

    /// Accepts "momentum" as another name for sgd (it is sgd with m > 0).
    public init?(name: String) {
        if name == "momentum" { self = .sgd } else { self.init(rawValue: name) }
    }
}

/// Applies updates to a model's parameters. Learning rate, momentum and weight decay are plain
/// properties: set them before any `step` (the trainer does, every step, from the plan).
///
/// Weight decay λ is L2 regularisation added to the gradient, g ← g + λ·w, for the parameters
/// whose `decays` is true (conv and linear weights; not biases nor batch-norm γ and β), before
/// the rule above (also for Adam: this is Adam with L2, not AdamW).
public final class Optimizer {
    public let kind: OptimizerKind
    public var learningRate: Float
    /// m for sgd and nesterov (the papers' momentum, part of the noise scale); adam ignores it.
    public var momentum: Float
    public var weightDecay: Float
    /// Adam's decay rates and δ.
    public var beta1: Float
    public var beta2: Float
    public var adamEpsilon: Float
    /// Updates applied so far.
    public private(set) var steps: Int = 0
    /// Π β₁ and Π β₂ over the steps so far (Adam's bias corrections; exact when β₁ or β₂ changes).
    public private(set) var beta1Product: Double = 1
    public private(set) var beta2Product: Double = 1
    /// Per-parameter state by parameter name: [A] for sgd/nesterov, [M, V] for adam.
    private var slots: [String: [Tensor]] = [:]

    public init(kind: OptimizerKind, learningRate: Float, momentum: Float = 0, weightDecay: Float = 0,
                beta1: Float = 0.9, beta2: Float = 0.999, adamEpsilon: Float = 1e-8) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.adamEpsilon = adamEpsilon
    }

    private var slotNames: [String] { kind == .adam ? ["m", "v"] : ["accumulator"] }

    private func state(for parameter: Parameter) -> [Tensor] {
        if let existing = slots[parameter.name] { return existing }
        let created = slotNames.map { _ in Tensor(shape: parameter.value.shape) }
        slots[parameter.name] = created
        return created
    }

    /// One update of every parameter from its accumulated gradient (the gradients are not cleared).
    /// Large tensors are split across `pool`'s threads (element-wise: any split gives the same bits).
    public func step(_ parameters: [Parameter], pool: ThreadPool = .shared) {
        steps += 1
        if kind == .adam {
            beta1Product *= Double(beta1)
            beta2Product *= Double(beta2)
        }
        let epsilon = learningRate, m = momentum
        for parameter in parameters {
            let w = parameter.value.data, g = parameter.gradient.data, n = parameter.value.count
            let lambda = parameter.decays ? weightDecay : 0
            let slot = state(for: parameter)
            switch kind {
            case .sgd:
                let a = slot[0].data
                parallelElements(n, pool: pool) { range in for i in range {
                    let gi = g[i] + lambda * w[i]
                    a[i] = m * a[i] + gi
                    w[i] -= epsilon * a[i]
                } }
            case .nesterov:
                let a = slot[0].data
                parallelElements(n, pool: pool) { range in for i in range {
                    let gi = g[i] + lambda * w[i]
                    a[i] = m * a[i] + gi
                    w[i] -= epsilon * (gi + m * a[i])
                } }
            case .adam:
                let first = slot[0].data, second = slot[1].data
                let correction1 = Float(1 / (1 - beta1Product)), correction2 = Float(1 / (1 - beta2Product))
                let b1 = beta1, b2 = beta2, delta = adamEpsilon
                parallelElements(n, pool: pool) { range in for i in range {
                    let gi = g[i] + lambda * w[i]
                    first[i] = b1 * first[i] + (1 - b1) * gi
                    second[i] = b2 * second[i] + (1 - b2) * gi * gi
                    w[i] -= epsilon * (first[i] * correction1) / ((second[i] * correction2).squareRoot() + delta)
                } }
            }
        }
    }

    /// The per-parameter state as named tensors ("<parameter>.<slot>"), sorted by name, for checkpoints.
    public var stateTensors: [NamedTensor] {
        slots.keys.sorted().flatMap { name in
            zip(slotNames, slots[name]!).map { NamedTensor(name: name + "." + $0.0, shape: $0.1.shape, values: $0.1.values) }
        }
    }

    /// Scalars of the state (besides the hyperparameters the trainer sets each step).
    public var counters: OptimizerCounters {
        get { OptimizerCounters(steps: steps, beta1Product: beta1Product, beta2Product: beta2Product) }
        set { steps = newValue.steps; beta1Product = newValue.beta1Product; beta2Product = newValue.beta2Product }
    }

    /// Restores the state written by `stateTensors` for `parameters`; every slot must be present
    /// with the parameter's shape. Bit-exact: values are copied, not recomputed.
    public func loadState(_ tensors: [NamedTensor], for parameters: [Parameter]) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var restored: [String: [Tensor]] = [:]
        for parameter in parameters {
            var parameterSlots: [Tensor] = []
            for slotName in slotNames {
                let key = parameter.name + "." + slotName
                guard let entry = byName[key] else {
                    // A run saved before its first step has no optimiser state yet.
                    if tensors.isEmpty { break }
                    throw StateError("optimizer state '\(key)' is missing")
                }
                guard entry.shape == parameter.value.shape, entry.values.count == parameter.value.count else {
                    throw StateError("optimizer state '\(key)' has shape \(entry.shape), expected \(parameter.value.shape)")
                }
                parameterSlots.append(Tensor(shape: entry.shape, values: entry.values))
            }
            if parameterSlots.count == slotNames.count { restored[parameter.name] = parameterSlots }
        }
        slots = restored
    }
}

/// The optimiser's counters, saved beside its tensors.
public struct OptimizerCounters: Equatable, Sendable, Codable {
    public var steps: Int
    public var beta1Product: Double
    public var beta2Product: Double
    public init(steps: Int, beta1Product: Double, beta2Product: Double) {
        self.steps = steps
        self.beta1Product = beta1Product
        self.beta2Product = beta2Product
    }
}

/// Runs body over contiguous pieces of 0..<count: one piece for small tensors, one per thread
/// for large ones.
func parallelElements(_ count: Int, pool: ThreadPool, _ body: (Range<Int>) -> Void) {
    let tasks = count >= 1 << 16 ? pool.threadCount : 1
    if tasks == 1 {
        body(0..<count)
        return
    }
    pool.parallelFor(tasks) { t in body((count * t / tasks)..<(count * (t + 1) / tasks)) }
}
