import Foundation
import SchedulePlanner

/// The run directory of a plan trained by another engine (the PyTorch module's ranks), laid
/// out like the embedded runtime's so `schedc compare` reads both: schedule.sched, plan.json
/// and run.json (with "engine") are written here before the ranks start; rank 0 writes
/// metrics.jsonl (the same keys), updates.jsonl, its checkpoint and torch-summary.json; at the
/// end the summary and plots come from the metrics, by the runtime's own code.
public enum EngineRun {
    /// Makes the run directory (it must not hold anything yet) for `specification` on `engine`.
    public static func create(_ specification: RunSpecification, in placement: RunDirectory.Placement, engine: Engine,
                              data: LoadedRunData, schedcVersion: String) throws -> RunDirectory {
        let directory = try RunDirectory.create(placement)
        do {
            if let text = specification.scheduleText { try FileIO.writeAtomically(text, to: directory.schedulePath) }
            try FileIO.writeAtomically(specification.plan.jsonText(), to: directory.planPath)
            let record = RunRecord(starting: specification, data: data, schedcVersion: schedcVersion, engine: engine)
            try directory.writeRecord(record)
        } catch {
            directory.discardUnstarted(removingDirectory: placement != .exactly(directory.path))
            throw error
        }
        return directory
    }

    /// Records that the run continues (`--resume`): status running, one more resume.
    public static func markResumed(_ directory: RunDirectory) throws {
        var record = try directory.readRecord()
        record.status = .running
        record.error = nil
        record.resumes += 1
        try directory.writeRecord(record)
    }

    /// Records how the engine's processes ended, when they did not finish.
    public static func markStopped(_ directory: RunDirectory, status: RunRecord.Status, error: String?) throws {
        var record = try directory.readRecord()
        record.status = status
        record.error = error
        try directory.writeRecord(record)
    }

    /// After the engine finished: checks its metrics cover the plan, draws the plots, writes
    /// summary.json and marks the run finished. `finalWeightsSHA256` is the engine's digest of
    /// its final weights; `phaseSeconds` its training time per phase (zeros when unknown).
    public static func finish(_ directory: RunDirectory, plan: Plan, finalWeightsSHA256: String,
                              phaseSeconds: [Double]) throws -> RunSummary {
        let metrics = try directory.readMetrics()
        guard let last = metrics.last, last.epoch == plan.epochs, last.updates == plan.totalUpdates,
              last.samples == plan.datasetSize * plan.epochs else {
            let got = metrics.last.map { "\($0.epoch) epochs, \($0.updates) updates" } ?? "no epochs"
            throw RunError(.internalError, "\(directory.metricsPath): the engine's metrics end at \(got); the plan has "
                           + "\(plan.epochs) epochs and \(plan.totalUpdates) updates")
        }
        try RunPlots.write(metrics: metrics, plan: plan, to: directory)
        var record = try directory.readRecord()
        let training = phaseSeconds.reduce(0, +)
        let summary = RunSummary(schedule: plan.schedule, directory: directory.path, epochs: plan.epochs, updates: last.updates,
                                 plannedUpdates: plan.totalUpdates, samples: last.samples, metrics: metrics,
                                 seconds: last.seconds, evaluationSeconds: training > 0 ? max(0, last.seconds - training) : 0,
                                 phaseSeconds: phaseSeconds, plan: plan, finalWeightsSHA256: finalWeightsSHA256,
                                 resumes: record.resumes)
        try FileIO.writeAtomically(summary.json.pretty(), to: directory.summaryPath)
        record.status = .finished
        record.error = nil
        try directory.writeRecord(record)
        return summary
    }
}
