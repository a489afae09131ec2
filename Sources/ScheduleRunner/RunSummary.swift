import Foundation
import JSONSupport
import SchedulePlanner
import Training

/// What a finished run achieved: `summary.json`, and the CLI's closing lines.
public struct RunSummary: Equatable, Sendable {
    public struct PhaseTime: Equatable, Sendable {
        /// Index into plan.json's `phases`.
        public var phase: Int
        public var startEpoch: Double
        public var endEpoch: Double
        public var batch: Int
        public var learningRate: Double
        public var momentum: Double
        public var updates: Int
        /// Wall time of the phase's updates (evaluation not included).
        public var seconds: Double
    }

    public var schedule: String
    public var directory: String
    public var epochs: Int
    /// Updates performed, and what the plan promised (equal, or the run would have failed).
    public var updates: Int
    public var plannedUpdates: Int
    public var samples: Int
    public var finalTestAccuracy: Double
    public var finalTestLoss: Double
    public var finalTrainLoss: Double
    public var bestTestAccuracy: Double
    public var bestEpoch: Int
    /// Wall time of the run (across resumes), of its updates, and of its evaluations.
    public var seconds: Double
    public var trainingSeconds: Double
    public var evaluationSeconds: Double
    public var phases: [PhaseTime]
    /// SHA-256 of the final model state (every parameter and buffer: name, shape, Float bits):
    /// two runs with the same digest ended with bit-identical weights.
    public var finalWeightsSHA256: String
    public var resumes: Int

    public var json: JSONValue {
        .object([
            ("schedule", .string(schedule)), ("status", .string("finished")), ("epochs", .int(epochs)),
            ("updates", .int(updates)), ("planned_updates", .int(plannedUpdates)), ("samples", .int(samples)),
            ("final_test_accuracy", .number(finalTestAccuracy)), ("final_test_loss", .number(finalTestLoss)),
            ("final_train_loss", .number(finalTrainLoss)), ("best_test_accuracy", .number(bestTestAccuracy)),
            ("best_epoch", .int(bestEpoch)), ("seconds", .number(millis(seconds))),
            ("training_seconds", .number(millis(trainingSeconds))), ("evaluation_seconds", .number(millis(evaluationSeconds))),
            ("phases", .array(phases.map { phase in
                .object([
                    ("phase", .int(phase.phase)), ("start_epoch", .number(phase.startEpoch)), ("end_epoch", .number(phase.endEpoch)),
                    ("batch", .int(phase.batch)), ("lr", .number(phase.learningRate)), ("momentum", .number(phase.momentum)),
                    ("updates", .int(phase.updates)), ("seconds", .number(millis(phase.seconds))),
                ])
            })),
            ("final_weights_sha256", .string(finalWeightsSHA256)), ("resumes", .int(resumes)),
        ])
    }

    private func millis(_ value: Double) -> Double { RunSummary.millis(value) }
    static func millis(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    init(schedule: String, directory: String, epochs: Int, updates: Int, plannedUpdates: Int, samples: Int,
         metrics: [MetricsRecord], seconds: Double, evaluationSeconds: Double, phaseSeconds: [Double], plan: Plan,
         finalWeightsSHA256: String, resumes: Int) {
        self.schedule = schedule
        self.directory = directory
        self.epochs = epochs
        self.updates = updates
        self.plannedUpdates = plannedUpdates
        self.samples = samples
        let last = metrics.last
        finalTestAccuracy = last?.testAccuracy ?? .nan
        finalTestLoss = last?.testLoss ?? .nan
        finalTrainLoss = last?.trainLoss ?? .nan
        let best = metrics.max { $0.testAccuracy < $1.testAccuracy }
        bestTestAccuracy = best?.testAccuracy ?? .nan
        bestEpoch = best?.epoch ?? 0
        // Kept to milliseconds, as summary.json has them: a summary read back equals this one.
        self.seconds = RunSummary.millis(seconds)
        self.evaluationSeconds = RunSummary.millis(evaluationSeconds)
        trainingSeconds = RunSummary.millis(phaseSeconds.reduce(0, +))
        phases = plan.phases.enumerated().map { index, phase in
            PhaseTime(phase: index, startEpoch: phase.startEpoch, endEpoch: phase.endEpoch, batch: phase.batch,
                      learningRate: phase.learningRate, momentum: phase.momentum, updates: phase.updates,
                      seconds: RunSummary.millis(index < phaseSeconds.count ? phaseSeconds[index] : 0))
        }
        self.finalWeightsSHA256 = finalWeightsSHA256
        self.resumes = resumes
    }

    /// Reads summary.json back (`schedc compare` on a run directory, a resumed finished run).
    public init(text: String, origin: String, directory: String) throws {
        let object = try JSONObject(data: Data(text.utf8), origin: origin)
        schedule = try object.string("schedule")
        self.directory = directory
        epochs = try object.int("epochs")
        updates = try object.int("updates")
        plannedUpdates = try object.int("planned_updates")
        samples = try object.int("samples")
        finalTestAccuracy = try object.double("final_test_accuracy")
        finalTestLoss = try object.double("final_test_loss")
        finalTrainLoss = try object.double("final_train_loss")
        bestTestAccuracy = try object.double("best_test_accuracy")
        bestEpoch = try object.int("best_epoch")
        seconds = try object.double("seconds")
        trainingSeconds = try object.double("training_seconds")
        evaluationSeconds = try object.double("evaluation_seconds")
        phases = try object.objects("phases").map { phase in
            PhaseTime(phase: try phase.int("phase"), startEpoch: try phase.double("start_epoch"),
                             endEpoch: try phase.double("end_epoch"), batch: try phase.int("batch"),
                             learningRate: try phase.double("lr"), momentum: try phase.double("momentum"),
                             updates: try phase.int("updates"), seconds: try phase.double("seconds"))
        }
        finalWeightsSHA256 = try object.string("final_weights_sha256")
        resumes = try object.int("resumes")
    }
}

extension Model {
    /// SHA-256 over every state tensor: name, shape and the Float values' bits, in layer order.
    var stateDigest: String {
        var hasher = SHA256()
        for tensor in stateTensors {
            var header = ByteWriter()
            header.bytes += Array(tensor.name.utf8)
            header.bytes.append(0)
            for dimension in tensor.shape { header.u64(UInt64(dimension)) }
            hasher.update(header.bytes)
            var values = ByteWriter()
            values.bytes.reserveCapacity(tensor.values.count * 4)
            for value in tensor.values { values.u32(value.bitPattern) }
            hasher.update(values.bytes)
        }
        return SHA256.hex(hasher.finalize())
    }
}
