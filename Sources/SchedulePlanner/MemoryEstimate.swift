import ScheduleLanguage

/// What training one phase of a plan holds in memory on the embedded runtime, in bytes
/// (docs/running.md, "Memory"): an estimate made before anything is allocated, so `run`
/// can refuse a model or batch the machine cannot hold instead of dying mid-allocation.
///
/// - parameters: weights, their gradients and the optimizer's state (one buffer for SGD's
///   momentum, two for Adam's moments);
/// - activations: per example of the largest pass, each layer's output, its gradient and
///   what batch norm and ReLU keep for the backward pass (a factor of 5 on conv outputs, 4 on
///   fully connected ones), times the pass size;
/// - workspace: the largest convolution's unfolded input (im2col) for one pass, and the
///   network's input and one-hot targets.
///
/// It errs high: a run that fits the estimate fits the machine. Arithmetic saturates, so
/// `wrn(9999999999999994, 4)` gives `Int.max`, not an overflow trap.
public struct MemoryEstimate: Hashable, Sendable {
    public var parameters: Int
    public var activations: Int
    public var workspace: Int
    public var total: Int { add(add(parameters, activations), workspace) }

    /// The input of a known data set: height, width, channels, classes.
    public struct Input: Hashable, Sendable {
        public var height: Int, width: Int, channels: Int, classes: Int
        public init(height: Int, width: Int, channels: Int, classes: Int) {
            (self.height, self.width, self.channels, self.classes) = (height, width, channels, classes)
        }

        /// nil for `data size N` (nothing to train on) and data sets the runtime cannot load.
        public init?(dataset: String?) {
            switch dataset {
            case "mnist", "fashion_mnist": self.init(height: 28, width: 28, channels: 1, classes: 10)
            case "cifar10": self.init(height: 32, width: 32, channels: 3, classes: 10)
            case "cifar100": self.init(height: 32, width: 32, channels: 3, classes: 100)
            default: return nil
            }
        }
    }

    /// The estimate for `model` on `input` with passes of `pass` examples.
    public init(model: PlanModel, input: Input, optimizer: PlanOptimizer.Kind, pass: Int) {
        let floats = 4
        var weights = 0, perExample = 0, unfold = 0
        let pixels = input.height * input.width
        switch model {
        case .mlp(let hidden):
            var width = pixels * input.channels
            for size in hidden + [input.classes] {
                weights = add(weights, add(mul(width, size), size))
                perExample = add(perExample, mul(4, size))
                width = size
            }
        case .cnn:
            let (h2, w2) = (input.height / 2, input.width / 2)
            let (h4, w4) = (input.height / 4, input.width / 4)
            weights = 9 * input.channels * 32 + 32 * 3 + 9 * 32 * 64 + 64 * 3 + h4 * w4 * 64 * 128 + 128 + 128 * input.classes + input.classes
            perExample = 5 * (pixels * 32 + h2 * w2 * 64) + 2 * (h2 * w2 * 32 + h4 * w4 * 64) + 4 * (128 + input.classes)
            unfold = max(pixels * 9 * input.channels, h2 * w2 * 9 * 32)
        case .wrn(let depth, let width):
            let blocks = max(1, (depth - 4) / 6)
            var channels = 16, size = pixels
            weights = 9 * input.channels * 16
            perExample = 5 * pixels * 16
            unfold = pixels * 9 * input.channels
            for (group, base) in [16, 32, 64].enumerated() {
                let out = mul(base, width)
                if group > 0 { size /= 4 }
                // Each block: two 3×3 convolutions with batch norm, a 1×1 shortcut when the width changes.
                let first = add(mul(mul(9, channels), out), channels == out ? 0 : mul(channels, out))
                let rest = mul(mul(9, out), out)
                weights = add(weights, add(first, mul(add(mul(2, blocks), -1), rest)))
                weights = add(weights, mul(mul(4, blocks), out))
                perExample = add(perExample, mul(mul(mul(2, blocks), 5), mul(size, out)))
                unfold = max(unfold, mul(mul(size, 9), out))
                channels = out
            }
            weights = add(weights, add(mul(channels, input.classes), input.classes))
            perExample = add(perExample, 4 * input.classes)
        }
        let buffers = optimizer == .adam ? 4 : 3  // weights, gradients, and one or two moment buffers
        parameters = mul(mul(weights, buffers), floats)
        activations = mul(mul(perExample, pass), floats)
        workspace = mul(add(mul(unfold, pass), mul(add(pixels * input.channels, input.classes), pass)), floats)
    }

    /// "1.2 GB" — bytes for people (powers of 1000, like `df -H`).
    public static func describe(_ bytes: Int) -> String {
        if bytes == .max { return "over 9 EB" }
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\(formatNumber((value * 10).rounded() / 10)) \(units[unit])"
    }
}

extension Plan {
    /// The memory each phase needs on the embedded runtime, or nil when the plan names no
    /// model or no data set the runtime loads.
    public func memoryEstimates() -> [MemoryEstimate]? {
        guard let model, let input = MemoryEstimate.Input(dataset: dataset) else { return nil }
        return phases.map { MemoryEstimate(model: model, input: input, optimizer: optimizer.kind, pass: $0.microBatch) }
    }

    /// S308 when a phase needs more than `limit` bytes: at `model` when even one example per
    /// pass does not fit (the parameters are too many), otherwise at the batch (`micro_batch`
    /// when written, which bounds the pass), with the estimate and the limit in the message.
    public func memoryDiagnostic(program: CheckedProgram?, limit: Int) -> Diagnostic? {
        let severity = DiagnosticCode.doesNotFitInMemory.defaultSeverity
        guard let estimates = memoryEstimates(), let model, let input = MemoryEstimate.Input(dataset: dataset),
              let index = estimates.indices.max(by: { estimates[$0].total < estimates[$1].total }),
              estimates[index].total > limit else { return nil }
        let estimate = estimates[index], phase = phases[index]
        let machine = MemoryEstimate.describe(limit)
        let single = MemoryEstimate(model: model, input: input, optimizer: optimizer.kind, pass: 1)
        let parts = "parameters \(MemoryEstimate.describe(estimate.parameters)), activations "
            + "\(MemoryEstimate.describe(estimate.activations)), workspace \(MemoryEstimate.describe(estimate.workspace))"
        if single.total > limit {
            return Diagnostic(code: .doesNotFitInMemory, severity: severity,
                              message: "model \(model) needs \(single.total == .max ? "" : "about ")\(MemoryEstimate.describe(single.total)) even one example at a time "
                                + "(parameters \(MemoryEstimate.describe(single.parameters))); this machine has \(machine)",
                              range: program?.range(ofSetting: "model") ?? .at(0),
                              notes: [.init("memory is estimated before anything is allocated; docs/running.md, \"Memory\"")])
        }
        // The largest pass that fits, to suggest as micro_batch.
        var low = 1, high = phase.microBatch
        while low < high {
            let middle = (low + high + 1) / 2
            if MemoryEstimate(model: model, input: input, optimizer: optimizer.kind, pass: middle).total <= limit { low = middle } else { high = middle - 1 }
        }
        let setting = program?.microBatchSize != nil ? "micro_batch" : "batch"
        return Diagnostic(code: .doesNotFitInMemory, severity: severity,
                          message: "phase \(index + 1) (B \(phase.batch), passes of \(phase.microBatch)) needs about "
                            + "\(MemoryEstimate.describe(estimate.total)) (\(parts)); this machine has \(machine)",
                          range: program?.range(ofSetting: setting) ?? .at(0),
                          notes: [.init("passes of at most \(low) examples fit: set 'micro_batch \(low)' to accumulate the gradient over several passes"),
                                  .init("memory is estimated before anything is allocated; docs/running.md, \"Memory\"")])
    }
}

private func add(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? .max : .min) : sum
}

private func mul(_ a: Int, _ b: Int) -> Int {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? .max : product
}
