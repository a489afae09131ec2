import Foundation
import ScheduleLanguage
import ScheduleRunner

/// How `schedc run` shows a run's progress on standard output:
///
/// - `bar` (standard output is a terminal): a line per finished epoch, and under it a
///   progress bar redrawn in place at most ten times a second — phase, epoch, B, ε, loss,
///   samples/s, ETA;
/// - `lines` (pipes, files, CI): a header and one plain line per epoch, nothing redrawn;
/// - `quiet` (`--quiet`): nothing; the caller prints the summary (and errors) only.
final class ProgressDisplay {
    enum Mode { case bar, lines, quiet }

    let mode: Mode
    private var lastDraw = 0.0
    private var barShown = false
    private var start: RunStart?
    private let stopwatch = DispatchTime.now().uptimeNanoseconds

    init(mode: Mode) { self.mode = mode }

    /// `bar` on a terminal (unless TERM is dumb), `lines` elsewhere; `quiet` when asked.
    static func mode(quiet: Bool) -> Mode {
        if quiet { return .quiet }
        let dumb = ProcessInfo.processInfo.environment["TERM"] == "dumb"
        return isatty(STDOUT_FILENO) == 1 && !dumb ? .bar : .lines
    }

    func handle(_ event: RunEvent) {
        guard mode != .quiet else { return }
        switch event {
        case .started(let start):
            self.start = start
            let from = start.resumed ? (start.startEpoch > 0 ? "resuming after epoch \(start.startEpoch) of \(start.epochs)"
                                                               : "resuming from the start (no checkpoint yet)")
                : "\(English.count(start.epochs, "epoch")), \(English.count(start.totalUpdates, "update")) planned"
            emit("\(start.schedule): \(from), \(start.threads) thread\(start.threads == 1 ? "" : "s")\n  data: \(start.data)\n")
        case .step(let progress):
            guard mode == .bar else { return }
            let now = elapsed
            if now - lastDraw >= 0.1 || progress.updates == progress.totalUpdates {
                lastDraw = now
                drawBar(progress)
            }
        case .evaluating:
            return
        case .epochFinished(let record):
            emit(ProgressDisplay.epochLine(record, epochs: start?.epochs ?? record.epoch) + "\n")
        case .adaptiveCheck(let check):
            // Only growths get a line; every check is in adaptive.jsonl.
            guard let newBatch = check.newBatch else { return }
            emit("  update \(check.update + 1): B_simple \(check.noiseScale.map { ProgressDisplay.short($0) } ?? "?"), "
                 + "B \(check.batch) → \(newBatch) from the next update\n")
        }
    }

    /// Clears the bar, if one is shown (before the summary or an error).
    func finish() {
        if barShown {
            writeStandardOutput("\r\u{1B}[K")
            barShown = false
        }
    }

    /// "epoch  3/6  phase 2  B 256  ε 0.05  m 0.9  train loss 0.4123  test loss 0.3910  test accuracy 86.20 %  updates 400  12.3 s"
    static func epochLine(_ r: MetricsRecord, epochs: Int) -> String {
        let width = String(epochs).count
        let epoch = String(repeating: " ", count: max(0, width - String(r.epoch).count)) + String(r.epoch)
        return "epoch \(epoch)/\(epochs)  phase \(r.phase + 1)  B \(r.batch)  ε \(short(r.learningRate))  m \(short(r.momentum))  "
            + "train loss \(loss(r.trainLoss))  test loss \(loss(r.testLoss))  test accuracy \(percent(r.testAccuracy))  "
            + "updates \(r.updates)  \(RunComparison.duration(r.seconds))"
    }

    private var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - stopwatch) / 1e9 }

    /// Writes a line above the bar: clear the bar, write, the bar is redrawn on the next step.
    private func emit(_ text: String) {
        finish()
        writeStandardOutput(text)
    }

    private func drawBar(_ p: StepProgress) {
        let fraction = Double(p.runSamples) / Double(max(1, p.totalSamples))
        let rate = p.sessionSeconds > 0 ? Double(p.sessionSamples) / p.sessionSeconds : 0
        let eta = rate > 0 ? Double(p.totalSamples - p.runSamples) / rate : .nan
        let columns = ProgressDisplay.terminalColumns()
        let head = "phase \(p.phase + 1)/\(p.phases)  epoch \(p.epoch + 1)/\(p.epochs) "
        let fields = ["\(Int(fraction * 100))%", "B \(p.phaseBatch)", "ε \(ProgressDisplay.short(p.learningRate))",
                      "loss \(ProgressDisplay.loss(p.epochLoss))", "\(Int(rate.rounded())) samples/s", "ETA \(ProgressDisplay.clock(eta))"]
        let tail = " " + fields.joined(separator: "  ")
        // The bar takes what the numbers leave of the line (up to 30 cells, none on a narrow
        // terminal); a line that still does not fit loses whole fields, so it never wraps and
        // never shows a number cut short ("ETA 0:5", "loss 1.0" for 1.0657).
        let barWidth = min(30, columns - 1 - head.count - tail.count)
        var line = head
        if barWidth >= 5 {
            let filled = min(barWidth, Int(fraction * Double(barWidth)))
            line += String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
            line += tail
        } else {
            line = ProgressDisplay.fitted([head.trimmingCharacters(in: .whitespaces)] + fields, columns: columns)
        }
        writeStandardOutput("\r\u{1B}[K" + line)
        barShown = true
    }

    /// As many whole fields (from the first) as fit in `columns - 1`, two spaces apart; the
    /// first is cut only when even it alone does not fit.
    static func fitted(_ fields: [String], columns: Int) -> String {
        let room = max(10, columns - 1)
        var line = ""
        for field in fields {
            let next = line.isEmpty ? field : line + "  " + field
            if next.count > room { break }
            line = next
        }
        return line.isEmpty ? String((fields.first ?? "").prefix(room)) : line
    }

    static func short(_ value: Double) -> String {
        guard value.isFinite else { return "nan" }
        return String(format: "%.4g", value)
    }

    static func loss(_ value: Double) -> String { value.isFinite ? String(format: "%.4f", value) : "nan" }

    static func percent(_ value: Double) -> String { value.isFinite ? String(format: "%.2f %%", value * 100) : "nan" }

    /// "1:05", "1:02:03", "?" when unknown.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let whole = Int(seconds.rounded())
        if whole >= 3600 { return String(format: "%d:%02d:%02d", whole / 3600, (whole % 3600) / 60, whole % 60) }
        return String(format: "%d:%02d", whole / 60, whole % 60)
    }

    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}

/// The closing lines of a run: accuracy, updates against the plan, wall time, time per phase.
enum RunReport {
    static func summary(_ s: RunSummary) -> String {
        var text = "finished \(s.schedule) in \(RunComparison.duration(s.seconds)): test accuracy "
            + "\(ProgressDisplay.percent(s.finalTestAccuracy)) (best \(ProgressDisplay.percent(s.bestTestAccuracy)) at epoch \(s.bestEpoch)), "
            + "\(s.updates) updates (\(s.updates == s.plannedUpdates ? "as planned" : "planned \(s.plannedUpdates)"))\n"
        var rows = [["phase", "epochs", "B", "ε", "m", "updates", "time"]]
        for phase in s.phases {
            rows.append([String(phase.phase + 1), "\(number(phase.startEpoch))–\(number(phase.endEpoch))", String(phase.batch),
                         ProgressDisplay.short(phase.learningRate), ProgressDisplay.short(phase.momentum), String(phase.updates),
                         RunComparison.duration(phase.seconds)])
        }
        rows.append(["evaluation", "", "", "", "", "", RunComparison.duration(s.evaluationSeconds)])
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
        for row in rows {
            var line = "  "
            for (column, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                line += (column == 0 || column == 1 ? cell + pad : pad + cell) + (column + 1 < row.count ? "  " : "")
            }
            while line.hasSuffix(" ") { line.removeLast() }
            text += line + "\n"
        }
        text += "  run directory: \(s.directory)\n"
        return text
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value)
    }
}
