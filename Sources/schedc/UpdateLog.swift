import Foundation
import JSONSupport
import SchedulePlanner
import ScheduleRunner

/// `schedc run --log-updates`: updates.jsonl in the run directory, one line per update with
/// the keys the PyTorch module writes (docs/engines.md): update, epoch, samples (consumed
/// before the update: the clock), batch, lr, momentum, weight_decay, loss, allreduce_seconds
/// (0: one process), seconds (this update's wall time). Written from the run's observer, so
/// the runner is unchanged; a resumed run first drops the lines past its checkpoint.
final class UpdateLog {
    static let fileName = "updates.jsonl"

    private let handle: FileHandle
    private let weightDecay: Double
    /// When the last event came: an update's time is from the event before it (the end of the
    /// previous update, or of the evaluation after an epoch) to its own.
    private var mark = DispatchTime.now().uptimeNanoseconds

    /// Opens `directory`'s log for a run that continues at update `startUpdate`.
    init(directory: String, startUpdate: Int, weightDecay: Double) throws {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        var kept = ""
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let update = object["update"] as? Int, update < startUpdate else { continue }
                kept += line + "\n"
            }
        }
        try AtomicFile.replace(path, with: kept)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CLIError("\(path): cannot open it for writing") }
        handle.seekToEndOfFile()
        self.handle = handle
        self.weightDecay = weightDecay
    }

    deinit { try? handle.close() }

    /// The observer's step events become lines; the others pass by.
    func record(_ event: RunEvent) {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { mark = now }
        guard case .step(let step) = event else { return }
        let duration = Double(now - mark) / 1e9
        let line = JSONValue.object([
            ("update", .int(step.updates - 1)), ("epoch", .int(step.epoch)), ("samples", .int(step.runSamples - step.batch)),
            ("batch", .int(step.batch)), ("lr", .number(step.learningRate)), ("momentum", .number(step.momentum)),
            ("weight_decay", .number(weightDecay)), ("loss", .number(step.loss)), ("allreduce_seconds", .int(0)),
            ("seconds", .number((duration * 1e6).rounded() / 1e6)),
        ]).compact()
        handle.write(Data((line + "\n").utf8))
    }
}
