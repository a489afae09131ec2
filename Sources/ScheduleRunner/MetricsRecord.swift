import Foundation
import JSONSupport

/// One line of `metrics.jsonl`: the state of the run after a whole epoch (docs/running.md).
public struct MetricsRecord: Equatable, Sendable {
    /// Epochs completed (1 after the first epoch).
    public var epoch: Int
    /// Updates and training samples performed so far, from the start of the run.
    public var updates: Int
    public var samples: Int
    /// ε, B and m of the epoch's last update (B as the plan's phase has it: the epoch's last,
    /// partial batch may be smaller).
    public var learningRate: Double
    public var batch: Int
    public var momentum: Double
    /// Mean training loss and accuracy over the epoch's examples, as they were trained on.
    public var trainLoss: Double
    public var trainAccuracy: Double
    /// On the test set, after the epoch (evaluation mode: running batch-norm statistics).
    public var testLoss: Double
    public var testAccuracy: Double
    /// Wall time of the run so far (across resumes), and of this epoch (training + evaluation).
    public var seconds: Double
    public var epochSeconds: Double
    /// Index into plan.json's `phases` of the epoch's last update.
    public var phase: Int
    /// An adaptive run's checks in this epoch (key `adaptive_checks`, written only for an adaptive
    /// run; every detail is in adaptive.jsonl).
    public var checks: [MetricsCheck]?

    public init(epoch: Int, updates: Int, samples: Int, learningRate: Double, batch: Int, momentum: Double,
                trainLoss: Double, trainAccuracy: Double, testLoss: Double, testAccuracy: Double,
                seconds: Double, epochSeconds: Double, phase: Int) {
        self.epoch = epoch
        self.updates = updates
        self.samples = samples
        self.learningRate = learningRate
        self.batch = batch
        self.momentum = momentum
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.seconds = seconds
        self.epochSeconds = epochSeconds
        self.phase = phase
    }

    /// The keys first, in its order, then the extras.
    public static let keys = ["epoch", "updates", "samples", "lr", "batch", "momentum", "train_loss", "test_loss",
                              "test_accuracy", "seconds", "phase", "train_accuracy", "epoch_seconds"]

    public var json: JSONValue {
        .object([
            ("epoch", .int(epoch)), ("updates", .int(updates)), ("samples", .int(samples)),
            ("lr", .number(learningRate)), ("batch", .int(batch)), ("momentum", .number(momentum)),
            ("train_loss", .number(trainLoss)), ("test_loss", .number(testLoss)), ("test_accuracy", .number(testAccuracy)),
            ("seconds", .number(rounded(seconds))), ("phase", .int(phase)), ("train_accuracy", .number(trainAccuracy)),
            ("epoch_seconds", .number(rounded(epochSeconds))),
        ] + (checks.map { [("adaptive_checks", .array($0.map(\.json)))] } ?? []))
    }

    /// The line as written to metrics.jsonl (without its newline).
    public var line: String { json.compact() }

    /// Parses one line; `origin` ("runs/x/metrics.jsonl:3") is for messages.
    public init(line: String, origin: String) throws {
        let object = try JSONObject(data: Data(line.utf8), origin: origin)
        epoch = try object.int("epoch")
        updates = try object.int("updates")
        samples = try object.int("samples")
        learningRate = try object.double("lr")
        batch = try object.int("batch")
        momentum = try object.double("momentum")
        trainLoss = try object.double("train_loss")
        testLoss = try object.double("test_loss")
        testAccuracy = try object.double("test_accuracy")
        seconds = try object.double("seconds")
        // Extras: tolerated when missing (a tool may write the keys only).
        phase = try object.optionalInt("phase") ?? 0
        trainAccuracy = object.has("train_accuracy") ? try object.double("train_accuracy") : .nan
        epochSeconds = object.has("epoch_seconds") ? try object.double("epoch_seconds") : .nan
        checks = object.has("adaptive_checks") ? try object.objects("adaptive_checks").map(MetricsCheck.init) : nil
    }

    /// Milliseconds are plenty for wall times, and keep the lines short.
    private func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

/// Reading and rewriting metrics.jsonl.
enum MetricsFile {
    /// The records of the complete lines of `path` (a missing file has none). A last line
    /// without its newline — a write cut short by a crash — is ignored; any other line that
    /// does not parse is an error naming it.
    static func read(_ path: String) throws -> [MetricsRecord] {
        guard FileIO.exists(path) else { return [] }
        let text = try FileIO.readText(path)
        var lines = text.components(separatedBy: "\n")
        let last = lines.removeLast()  // "" after a final newline; a torn line otherwise
        _ = last
        var records: [MetricsRecord] = []
        for (index, line) in lines.enumerated() where !line.isEmpty {
            records.append(try MetricsRecord(line: line, origin: "\(path):\(index + 1)"))
        }
        return records
    }

    /// Keeps the records of epochs 1...epochs (what a checkpoint of `epochs` epochs has seen),
    /// rewriting the file atomically.
    static func truncate(_ path: String, toEpochs epochs: Int) throws -> [MetricsRecord] {
        let kept = try read(path).filter { $0.epoch <= epochs }
        try FileIO.writeAtomically(kept.map { $0.line + "\n" }.joined(), to: path)
        return kept
    }
}

/// One check of an adaptive run as metrics.jsonl lists it: the measured update, B, B_simple
/// (null when undefined), the decision and, on a growth, the new batch.
public struct MetricsCheck: Equatable, Sendable {
    public var update: Int
    public var batch: Int
    public var noiseScale: Double?
    public var decision: String
    public var newBatch: Int?

    public init(_ record: AdaptiveCheckRecord) {
        update = record.update
        batch = record.batch
        noiseScale = record.noiseScale
        decision = record.decision
        newBatch = record.newBatch
    }

    var json: JSONValue {
        .object([("update", .int(update)), ("batch", .int(batch)), ("b_simple", noiseScale.map { .number($0) } ?? .null),
                 ("decision", .string(decision))] + (newBatch.map { [("new_batch", .int($0))] } ?? []))
    }

    init(_ object: JSONObject) throws {
        update = try object.int("update")
        batch = try object.int("batch")
        noiseScale = object.has("b_simple") ? try object.double("b_simple") : nil
        decision = try object.string("decision")
        newBatch = try object.optionalInt("new_batch")
    }
}
