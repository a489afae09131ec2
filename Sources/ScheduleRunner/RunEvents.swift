/// What a run reports while it works. The runner only calls the observer; drawing a progress
/// bar or printing lines is the caller's (the CLI's `ProgressDisplay`).
public enum RunEvent: Sendable {
    /// Training is about to start (or continue, after a resume).
    case started(RunStart)
    /// After every update.
    case step(StepProgress)
    /// An epoch's training is done; the test set is being evaluated.
    case evaluating(epoch: Int)
    /// After every epoch: its metrics line (already written, with the checkpoint).
    case epochFinished(MetricsRecord)
    /// After a check of an adaptive run (already in adaptive.jsonl); a growth applies from the next update.
    case adaptiveCheck(AdaptiveCheckRecord)
}

public struct RunStart: Sendable {
    public var directory: String
    public var schedule: String
    public var data: String
    public var epochs: Int
    public var totalUpdates: Int
    public var threads: Int
    /// Where training starts: 0, or the epochs of the checkpoint a resumed run continues from.
    public var startEpoch: Int
    public var resumed: Bool
}

/// The run's position after an update, with what the progress display shows.
public struct StepProgress: Sendable {
    /// 0-based epoch being trained, of `epochs`.
    public var epoch: Int
    public var epochs: Int
    /// Updates done (this one included), of `totalUpdates`.
    public var updates: Int
    public var totalUpdates: Int
    /// 0-based phase of this update, of `phases`.
    public var phase: Int
    public var phases: Int
    /// This update's examples, and B of its phase.
    public var batch: Int
    public var phaseBatch: Int
    public var learningRate: Double
    public var momentum: Double
    /// This update's mean loss, and the mean over the epoch so far.
    public var loss: Double
    public var epochLoss: Double
    /// Examples of this epoch done, of N.
    public var epochSamples: Int
    public var datasetSize: Int
    /// Training samples done in the whole run (resumes included) and in this process.
    public var runSamples: Int
    public var totalSamples: Int
    public var sessionSamples: Int
    /// Wall time of this process's part of the run, and of the run so far.
    public var sessionSeconds: Double
    public var seconds: Double
}

/// How `TrainingRun.run` ended when it did not throw.
public enum RunOutcome: Sendable {
    case finished(RunSummary)
    /// Stopped at a step boundary because `shouldStop` said so. The checkpoint of epoch
    /// `checkpointEpochs` (0: none yet) is intact; `update` is where training stopped.
    case interrupted(checkpointEpochs: Int, epoch: Int, update: Int)
}
