import Foundation
import SchedulePlanner
import TensorKernels
import Training

/// Executes a plan on the training runtime, into a run directory.
///
/// Every epoch e runs `plan.steps(inEpoch: e)` literally: the examples at the step's positions
/// of epoch e's shuffle (`EpochOrder`, from (seed, e)), in the step's passes (gradient
/// accumulation), with the step's ε (warm-up applied) and m. After each epoch the test set is
/// evaluated, a metrics line appended, a checkpoint written atomically and the plots redrawn.
/// At the end the updates performed must equal `plan.totalUpdates`.
///
/// ```swift
/// let run = try TrainingRun.start(specification, in: "runs/x", data: .locate)
/// let outcome = try run.run(observer: { event in ... }, shouldStop: { interrupted })
/// ```
public final class TrainingRun {
    public let specification: RunSpecification
    public let directory: RunDirectory
    public let data: LoadedRunData
    public let model: Model
    public let optimizer: Optimizer
    /// Where this process started: 0, or the checkpoint's epochs when resumed.
    public let startEpoch: Int
    public let resumed: Bool
    /// What a resume found and the user should know (a killed process, a missing checkpoint).
    public private(set) var notices: [String] = []

    /// The plan the run follows: the specification's, or for an adaptive run the one with the
    /// growths decided so far (`adaptive.plan`).
    private var plan: Plan
    /// The rule, its state and the checks of an adaptive run (nil for a fixed plan).
    private let adaptive: AdaptiveExecution?

    /// The plan the run follows now: the specification's, or an adaptive run's plan with its
    /// growths so far (a resumed run's from its recorded checks).
    public var currentPlan: Plan { plan }
    /// Held from start (or resume) until `run` returns.
    private var lock: RunLock?
    private var record: RunRecord
    private var epochsCompleted: Int
    private var updates: Int
    private var samples: Int
    /// Run time before this process, from the checkpoint.
    private var secondsBefore: Double
    private var evaluationSeconds: Double
    private var phaseSeconds: [Double]
    private var metrics: [MetricsRecord]

    /// Starts a new run in `path` (created; it must not hold anything yet). Everything that
    /// can be checked before training is checked before the directory is made: the plan is
    /// valid, names a model and a loadable data set, and the data loads.
    public static func start(_ specification: RunSpecification, in path: String, data source: RunData,
                             schedcVersion: String = "unknown") throws -> TrainingRun {
        try start(specification, in: .exactly(path), data: source, schedcVersion: schedcVersion)
    }

    /// Starts a new run where `placement` says (the default name takes the first free suffix).
    public static func start(_ specification: RunSpecification, in placement: RunDirectory.Placement, data source: RunData,
                             schedcVersion: String = "unknown") throws -> TrainingRun {
        try start(specification, in: placement, data: source, schedcVersion: schedcVersion, writer: .system)
    }

    /// `start` with the writer of the directory's first files given (tests inject a failing one).
    static func start(_ specification: RunSpecification, in placement: RunDirectory.Placement, data source: RunData,
                      schedcVersion: String, writer: FileWriter) throws -> TrainingRun {
        do {
            try specification.plan.validate()
        } catch let error as PlanValidationError {
            throw RunError(.notRunnable, "the plan of '\(specification.plan.schedule)' is not valid: \(error)", refusal: .planRefused)
        }
        let architecture = try specification.modelArchitecture()
        let adaptive = try specification.adaptiveExecution()
        if case .locate = source { _ = try specification.loadableDataset() }
        let data = try specification.loadData(source)
        let directory = try RunDirectory.create(placement)
        let record = RunRecord(starting: specification, data: data, schedcVersion: schedcVersion)
        let lock: RunLock
        do {
            lock = try directory.lock()
            RunDirectory.active = directory
            if let text = specification.scheduleText { try writer(text, to: directory.schedulePath) }
            try writer(specification.plan.jsonText(), to: directory.planPath)
            try writer("", to: directory.metricsPath)
            if adaptive != nil { try writer("", to: directory.adaptivePath) }
            try writer(record.json.pretty(), to: directory.recordPath)
        } catch {
            // Until run.json is written the directory is not a run: nothing may be left that
            // blocks `--out` (or the default name) next time, and nothing `--resume` would take.
            RunDirectory.active = nil
            directory.discardUnstarted(removingDirectory: placement != .exactly(directory.path))
            throw error
        }
        return try TrainingRun(specification: specification, directory: directory, data: data, architecture: architecture,
                           lock: lock, record: record, checkpoint: nil, metrics: [], adaptive: adaptive)
    }

    /// Continues the run in `directory` from its last checkpoint (or from the start when it
    /// has none yet). `specification`'s plan must be the one in plan.json (read back, or the
    /// directory's schedule.sched planned again), and the checkpoint must carry its schedule hash.
    /// metrics.jsonl is cut back to the checkpoint's epochs.
    public static func resume(_ specification: RunSpecification, in directory: RunDirectory, data source: RunData)
        throws -> TrainingRun {
        let lock = try directory.lock()
        RunDirectory.active = directory
        var record = try directory.readRecord()
        if record.status == .finished {
            throw RunError(.io, "\(directory.path): the run has finished (\(record.epochs) of \(record.epochs) epoch\(record.epochs == 1 ? "" : "s")); there is nothing to resume")
        }
        let planText = try directory.readPlanText()
        guard planText == specification.plan.jsonText() else {
            throw RunError(.io, "\(directory.path): schedule.sched no longer plans to plan.json (edited, or planned by another "
                           + "schedc version); cannot resume this run")
        }
        let hash = specification.scheduleHash
        guard record.scheduleHash == SHA256.hex(hash) else {
            throw RunError(.io, "\(directory.path): run.json's schedule hash does not match schedule.sched; cannot resume this run")
        }
        let architecture = try specification.modelArchitecture()
        let adaptive = try specification.adaptiveExecution()
        let data = try specification.loadData(source)
        var checkpoint: Checkpoint?
        var notices: [String] = []
        if record.status == .running {
            notices.append("\(directory.path): run.json said \"running\" but no process holds the run: it was killed "
                           + "(e.g. by SIGKILL or the out-of-memory killer)")
        }
        if !directory.hasCheckpoint, let epochs = try? directory.readMetrics().count, epochs > 0 {
            notices.append("\(directory.checkpointPath): missing, though \(epochs) epoch\(epochs == 1 ? " was" : "s were") "
                           + "trained: the run starts again from epoch 0 (metrics.jsonl is cut back to match)")
        }
        var plan = specification.plan
        if directory.hasCheckpoint {
            let loaded = try directory.readCheckpoint()
            guard loaded.scheduleHash == hash else {
                throw RunError(.checkpoint, "\(directory.checkpointPath): the checkpoint belongs to another schedule "
                               + "(its schedule hash is not this run's); refusing to resume from it")
            }
            // An adaptive run's growths come back from its checks before the counts are compared.
            if let adaptive {
                try adaptive.restore(from: directory.adaptivePath, beforeUpdate: loaded.updates)
                plan = adaptive.plan
            }
            guard loaded.epochsCompleted >= 1, loaded.epochsCompleted <= plan.epochs,
                  loaded.phaseSeconds.count == plan.phases.count,
                  loaded.updates == plan.updates(beforeEpoch: loaded.epochsCompleted),
                  loaded.samples == loaded.epochsCompleted * specification.plan.datasetSize else {
                throw RunError(.checkpoint, "\(directory.checkpointPath): the checkpoint's counts (epoch \(loaded.epochsCompleted), "
                               + "\(loaded.updates) updates) do not fit the plan")
            }
            checkpoint = loaded
        } else if let adaptive {
            try adaptive.restore(from: directory.adaptivePath, beforeUpdate: 0)
        }
        let metrics = try MetricsFile.truncate(directory.metricsPath, toEpochs: checkpoint?.epochsCompleted ?? 0)
        record.status = .running
        record.error = nil
        record.resumes += 1
        record.data = data.summary
        record.dataDirectory = data.directory.map(FileIO.absolute)
        record.dataOption = specification.dataDirectory.map(FileIO.absolute)
        try directory.writeRecord(record)
        let run = try TrainingRun(specification: specification, directory: directory, data: data, architecture: architecture,
                                  lock: lock, record: record, checkpoint: checkpoint, metrics: metrics, adaptive: adaptive)
        run.notices = notices
        return run
    }

    private init(specification: RunSpecification, directory: RunDirectory, data: LoadedRunData,
                 architecture: ModelArchitecture, lock: RunLock, record: RunRecord, checkpoint: Checkpoint?,
                 metrics: [MetricsRecord], adaptive: AdaptiveExecution?) throws {
        self.specification = specification
        self.adaptive = adaptive
        plan = adaptive?.plan ?? specification.plan
        self.directory = directory
        self.data = data
        self.lock = lock
        self.record = record
        self.metrics = metrics
        model = specification.makeModel(architecture, data: data)
        optimizer = specification.makeOptimizer()
        if let checkpoint {
            do {
                try model.loadState(checkpoint.modelState)
                try optimizer.loadState(checkpoint.optimizerState, for: model.parameters)
            } catch {
                throw RunError(.checkpoint, "\(directory.checkpointPath): \(error)")
            }
            optimizer.counters = checkpoint.optimizerCounters
        }
        startEpoch = checkpoint?.epochsCompleted ?? 0
        resumed = record.resumes > 0
        epochsCompleted = startEpoch
        updates = checkpoint?.updates ?? 0
        samples = checkpoint?.samples ?? 0
        secondsBefore = checkpoint?.seconds ?? 0
        evaluationSeconds = checkpoint?.evaluationSeconds ?? 0
        phaseSeconds = checkpoint?.phaseSeconds ?? Array(repeating: 0, count: plan.phases.count)
    }

    /// Trains until the end of the plan, or until `shouldStop` returns true (checked before
    /// every update). Errors (a diverged loss, a file that cannot be written, a broken
    /// invariant) are thrown after run.json records them; the last checkpoint stays intact.
    public func run(observer: (RunEvent) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws -> RunOutcome {
        guard lock != nil else {
            throw RunError(.io, "\(directory.path): this run has already ended; resume it with TrainingRun.resume")
        }
        defer { lock = nil }
        do {
            return try train(observer: observer, shouldStop: shouldStop)
        } catch let error as RunError {
            record.status = .failed
            record.error = error.description
            try? directory.writeRecord(record)
            throw error
        }
    }

    private func train(observer: (RunEvent) -> Void, shouldStop: () -> Bool) throws -> RunOutcome {
        let n = plan.datasetSize
        let train = data.split.train
        let clock = Stopwatch()
        let sessionStartSamples = samples
        observer(.started(RunStart(directory: directory.path, schedule: plan.schedule, data: data.summary, epochs: plan.epochs,
                                   totalUpdates: plan.totalUpdates, threads: specification.threads, startEpoch: startEpoch,
                                   resumed: resumed)))
        while epochsCompleted < plan.epochs {
            let epoch = epochsCompleted
            let epochClock = Stopwatch()
            let order = EpochOrder.shuffled(count: n, seed: plan.seed, epoch: epoch)
            var steps = plan.steps(inEpoch: epoch)
            guard steps.first?.update == updates, steps.last.map({ $0.samples.upperBound == n }) == true else {
                throw RunError(.internalError, "epoch \(epoch + 1) of the plan starts at update \(steps.first?.update ?? -1) "
                               + "and covers \(steps.last?.samples.upperBound ?? 0) of \(n) examples; the run is at update \(updates)")
            }
            var lossSum = 0.0, correct = 0
            var next = 0
            var last = steps[steps.count - 1]
            while next < steps.count {
                let step = steps[next]
                next += 1
                last = step
                if shouldStop() {
                    return try stop(epoch: epoch)
                }
                optimizer.learningRate = Float(step.learningRate)
                optimizer.momentum = Float(step.momentum)
                let stepClock = Stopwatch()
                let result: StepResult
                var noise: GradientNoiseSample?
                if let adaptive, adaptive.shouldMeasure(step, epoch: epoch) {
                    (result, noise) = model.measuredTrainStep(on: train, indices: order[step.samples], passSizes: step.passSizes,
                                                              optimizer: optimizer)
                } else {
                    result = model.trainStep(on: train, indices: order[step.samples], passSizes: step.passSizes,
                                             optimizer: optimizer)
                }
                phaseSeconds[step.phase] += stepClock.seconds
                guard result.lossSum.isFinite else {
                    throw RunError(.diverged, "training diverged in epoch \(epoch + 1), update \(step.update + 1): the loss is "
                                   + "\(result.lossSum.isNaN ? "nan" : "infinite") (ε \(step.learningRate), B \(plan.phases[step.phase].batch)); "
                                   + "the checkpoint of epoch \(epochsCompleted) is intact")
                }
                updates += 1
                samples += step.batchSize
                lossSum += result.lossSum
                correct += result.correct
                if let adaptive, let noise {
                    let (check, grown) = try adaptive.check(noise, of: step, epoch: epoch, path: directory.adaptivePath)
                    if let grown {
                        // The rest of the epoch (and the run) as the plan with the growth says.
                        plan = grown
                        steps = grown.steps(inEpoch: epoch).filter { $0.update >= updates }
                        next = 0
                        phaseSeconds = Array(phaseSeconds.prefix(grown.phases.count))
                            + Array(repeating: 0, count: max(0, grown.phases.count - phaseSeconds.count))
                    }
                    observer(.adaptiveCheck(check))
                }
                let phase = plan.phases[step.phase]
                observer(.step(StepProgress(
                    epoch: epoch, epochs: plan.epochs, updates: updates, totalUpdates: plan.totalUpdates,
                    phase: step.phase, phases: plan.phases.count, batch: step.batchSize, phaseBatch: phase.batch,
                    learningRate: step.learningRate, momentum: step.momentum, loss: result.meanLoss,
                    epochLoss: lossSum / Double(step.samples.upperBound), epochSamples: step.samples.upperBound,
                    datasetSize: n, runSamples: samples, totalSamples: n * plan.epochs,
                    sessionSamples: samples - sessionStartSamples, sessionSeconds: clock.seconds,
                    seconds: secondsBefore + clock.seconds)))
            }
            observer(.evaluating(epoch: epoch))
            let evaluationClock = Stopwatch()
            let test = model.evaluate(on: data.split.test)
            evaluationSeconds += evaluationClock.seconds
            epochsCompleted += 1
            var line = MetricsRecord(
                epoch: epochsCompleted, updates: updates, samples: samples, learningRate: last.learningRate,
                batch: plan.phases[last.phase].batch, momentum: last.momentum, trainLoss: lossSum / Double(n),
                trainAccuracy: Double(correct) / Double(n), testLoss: test.meanLoss, testAccuracy: test.accuracy,
                seconds: secondsBefore + clock.seconds, epochSeconds: epochClock.seconds, phase: last.phase)
            if let adaptive {
                line.checks = adaptive.records.filter { $0.samples > epoch * n && $0.samples <= (epoch + 1) * n }
                    .map(MetricsCheck.init)
            }
            metrics.append(line)
            // The metrics line before the checkpoint: a crash between the two leaves a line the
            // resume cuts off (and retrains), never a checkpoint without its line.
            try FileIO.append(line.line + "\n", to: directory.metricsPath)
            try checkpoint().write(to: directory.checkpointPath)
            try RunPlots.write(metrics: metrics, plan: plan, checks: adaptive?.records, to: directory)
            observer(.epochFinished(line))
        }
        guard updates == plan.totalUpdates, samples == n * plan.epochs else {
            throw RunError(.internalError, "the run performed \(updates) updates over \(samples) samples; the plan promised "
                           + "\(plan.totalUpdates) over \(n * plan.epochs)")
        }
        // A run resumed after its last checkpoint (killed before the summary) trains nothing
        // and writes the plots it may have missed.
        if startEpoch == plan.epochs {
            try RunPlots.write(metrics: metrics, plan: plan, checks: adaptive?.records, to: directory)
        }
        // The plan the run followed, growths included and no rule left: `schedc run` of it
        // repeats this run, and every engine can run it.
        if let adaptive { try FileIO.writeAtomically(adaptive.realisedPlan.jsonText(), to: directory.realisedPlanPath) }
        let summary = RunSummary(schedule: plan.schedule, directory: directory.path, epochs: plan.epochs, updates: updates,
                                 plannedUpdates: plan.totalUpdates, samples: samples, metrics: metrics,
                                 seconds: metrics.last?.seconds ?? secondsBefore, evaluationSeconds: evaluationSeconds,
                                 phaseSeconds: phaseSeconds, plan: plan, finalWeightsSHA256: model.stateDigest,
                                 resumes: record.resumes)
        try FileIO.writeAtomically(summary.json.pretty(), to: directory.summaryPath)
        record.status = .finished
        try directory.writeRecord(record)
        return .finished(summary)
    }

    private func stop(epoch: Int) throws -> RunOutcome {
        record.status = .interrupted
        try directory.writeRecord(record)
        return .interrupted(checkpointEpochs: epochsCompleted, epoch: epoch, update: updates)
    }

    private func checkpoint() -> Checkpoint {
        Checkpoint(scheduleHash: specification.scheduleHash, epochsCompleted: epochsCompleted, updates: updates,
                   samples: samples, seconds: metrics.last?.seconds ?? secondsBefore, evaluationSeconds: evaluationSeconds,
                   phaseSeconds: phaseSeconds, optimizerCounters: optimizer.counters, modelState: model.stateTensors,
                   optimizerState: optimizer.stateTensors)
    }
}

extension Plan {
    /// Updates in epochs 0..<epoch: the update the epoch's first step has.
    public func updates(beforeEpoch epoch: Int) -> Int {
        if epoch >= epochs { return totalUpdates }
        return steps(inEpoch: epoch).first?.update ?? totalUpdates
    }
}

/// Monotonic wall time since creation.
struct Stopwatch {
    private let start = DispatchTime.now().uptimeNanoseconds
    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
