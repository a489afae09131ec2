import SchedulePlanner
import TensorKernels
import Training

/// Everything a run is made of: the plan (self-sufficient: data set, model, optimizer, seed,
/// phases), the schedule text it was planned from when there is one (stored as the run's
/// `schedule.sched`), and the settings that are not part of the plan (threads, where the data
/// is). The runner reads the plan and nothing else; the text is only stored, so a run
/// directory says exactly what ran.
public struct RunSpecification: Sendable {
    public var plan: Plan
    /// The source as compiled, command-line overrides included (`schedule.sched`); nil when
    /// the run comes from a plan file.
    public var scheduleText: String?
    /// The file the run came from, for run.json ("Samples/quickstart.sched", "plan.json").
    public var sourcePath: String?
    /// The command-line overrides, as people read them ("epochs 3 (the file says 6)").
    public var overrides: [String]
    /// Worker threads of the run's thread pool. Results do not depend on it (docs/runtime.md),
    /// but a resumed run keeps it anyway.
    public var threads: Int
    /// `--data DIR`, if given (otherwise the data locator's search order applies).
    public var dataDirectory: String?
    /// For a plan that adapts its batch (`plan.adaptive`): the plan with given growths. A plan
    /// that adapts cannot run without it (docs/adaptive.md).
    public var replan: AdaptiveReplanner?

    public init(plan: Plan, scheduleText: String?, sourcePath: String? = nil, overrides: [String] = [], threads: Int,
                dataDirectory: String? = nil, replan: AdaptiveReplanner? = nil) {
        self.plan = plan
        self.replan = replan
        self.scheduleText = scheduleText
        self.sourcePath = sourcePath
        self.overrides = overrides
        self.threads = threads
        self.dataDirectory = dataDirectory
    }

    /// The model the plan names, or why it cannot be run (the schedule named none).
    public func modelArchitecture() throws -> ModelArchitecture {
        guard let model = plan.model else {
            throw RunError(.notRunnable, "schedule '\(plan.schedule)' names no model, so it can be planned but not run: "
                           + "add a 'model' setting (mlp, cnn or wrn(16, 4))", refusal: .noModel)
        }
        switch model {
        case .mlp(let hidden): return .mlp(hidden: hidden)
        case .cnn: return .cnn
        case .wrn(let depth, let width): return .wrn(depth: depth, width: width)
        }
    }

    /// The data set the plan trains on, or why it cannot be loaded.
    public func loadableDataset() throws -> LoadableDataset {
        guard let name = plan.dataset else {
            throw RunError(.notRunnable, "schedule '\(plan.schedule)' says 'data size \(plan.datasetSize)', which plans "
                           + "for any data set but cannot be run: name one schedc loads (fashion_mnist, mnist, cifar10)",
                           refusal: .dataSetWithoutLoader)
        }
        guard let loadable = LoadableDataset(rawValue: name) else {
            let runnable = LoadableDataset.allCases.map(\.rawValue).joined(separator: ", ")
            throw RunError(.notRunnable, "schedule '\(plan.schedule)' trains on \(name), which schedc can plan "
                           + "but not load (runnable data sets: \(runnable))", refusal: .dataSetWithoutLoader)
        }
        return loadable
    }

    /// What to load: the subset the plan trains on, or all of it.
    public var dataRequest: DataRequest {
        plan.subset.map { DataRequest.subset($0) } ?? .full
    }

    /// A fresh optimiser for the plan (ε and m are set from the plan before every update).
    public func makeOptimizer() -> Optimizer {
        let spec = plan.optimizer
        let kind: OptimizerKind
        switch spec.kind {
        case .sgd: kind = .sgd
        case .nesterov: kind = .nesterov
        case .adam: kind = .adam
        }
        return Optimizer(kind: kind, learningRate: Float(plan.phases.first?.learningRate ?? 0), momentum: Float(spec.momentum),
                         weightDecay: Float(spec.weightDecay), beta1: Float(spec.beta1), beta2: Float(spec.beta2),
                         adamEpsilon: Float(spec.epsilon))
    }

    /// What fixes a run's result besides the phases: model, optimiser, weight decay, seed, data.
    /// One line, part of the schedule hash: the same line of the same facts as when they were
    /// read from the checked program, now read from the plan.
    public var identityLine: String {
        let model = (try? modelArchitecture().description) ?? "none"
        let spec = plan.optimizer
        let data = plan.dataset ?? "size"
        let subset = plan.subset.map { " subset \($0)" } ?? ""
        return "model \(model); optimizer \(spec.kind.rawValue) beta1 \(spec.beta1) beta2 \(spec.beta2) epsilon \(spec.epsilon); "
            + "weight_decay \(spec.weightDecay); seed \(plan.seed); data \(data) \(plan.datasetSize)\(subset)"
    }

    /// SHA-256 of plan.json's text, a newline and `identityLine`: two runs with the same hash
    /// perform the same updates from the same start. Checkpoints carry it, so a checkpoint is
    /// never resumed under another schedule.
    public var scheduleHash: [UInt8] { SHA256.hash(Array((plan.jsonText() + "\n" + identityLine).utf8)) }
}
