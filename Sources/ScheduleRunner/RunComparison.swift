import Charts
import Foundation
import SchedulePlanner

/// One run as `schedc compare` sees it: read back from its directory.
public struct ComparedRun: Sendable {
    /// The legend and table name: the schedule's name, or the directory's when two runs share one.
    public var label: String
    public var directory: String
    public var plan: Plan
    public var metrics: [MetricsRecord]
    public var status: RunRecord.Status
    /// An adaptive run's checks (adaptive.jsonl; empty for a fixed run).
    public var checks: [AdaptiveCheckRecord]
    /// The plan whose batches the run used: an adaptive run's realised plan once it has one.
    public var realisedPlan: Plan?

    public init(label: String, directory: String, plan: Plan, metrics: [MetricsRecord], status: RunRecord.Status,
                checks: [AdaptiveCheckRecord] = [], realisedPlan: Plan? = nil) {
        self.label = label
        self.directory = directory
        self.plan = plan
        self.metrics = metrics
        self.status = status
        self.checks = checks
        self.realisedPlan = realisedPlan
    }

    /// Reads plan.json, run.json and metrics.jsonl of a run directory (and an adaptive run's
    /// adaptive.jsonl and realised-plan.json).
    public static func read(_ path: String) throws -> ComparedRun {
        let directory = try RunDirectory.open(path)
        let record = try directory.readRecordResolvingKilled()
        let plan: Plan
        do {
            plan = try JSONDecoder().decode(Plan.self, from: Data(try directory.readPlanText().utf8))
        } catch let error as RunError {
            throw error
        } catch {
            throw RunError(.io, "\(directory.planPath): not a plan schedc can read (\(error))")
        }
        var realised: Plan?
        if FileIO.exists(directory.realisedPlanPath) {
            do {
                realised = try JSONDecoder().decode(Plan.self, from: Data(try FileIO.readText(directory.realisedPlanPath).utf8))
            } catch {
                throw RunError(.io, "\(directory.realisedPlanPath): not a plan schedc can read (\(error))")
            }
        }
        return ComparedRun(label: plan.schedule, directory: path, plan: plan, metrics: try directory.readMetrics(),
                           status: record.status, checks: try AdaptiveCheckRecord.read(directory.adaptivePath),
                           realisedPlan: realised)
    }

    /// The batch the run used, against `axis`: its realised plan's phases; for an adaptive run
    /// still under way, the batch of each epoch's metrics line.
    func batchSeries(against axis: RunPlots.Axis, name: String, color: String?) -> Series {
        if plan.adaptive == nil || realisedPlan != nil {
            return RunPlots.batchSeries(realisedPlan ?? plan, against: axis, name: name, color: color)
        }
        let points = metrics.map { ChartPoint(x: axis == .epochs ? Double($0.epoch) : Double($0.updates), y: Double($0.batch)) }
        return Series(name: name, points: points, style: .step, color: color)
    }

    public var isFinished: Bool { status == .finished && metrics.last?.epoch == plan.epochs }
    public var epochsDone: Int { metrics.last?.epoch ?? 0 }
    public var finalTestAccuracy: Double? { metrics.last?.testAccuracy }
    public var bestTestAccuracy: Double? { metrics.map(\.testAccuracy).filter { !$0.isNaN }.max() }
    public var updates: Int { metrics.last?.updates ?? 0 }
    public var seconds: Double { metrics.last?.seconds ?? 0 }
}

/// The paper's comparison: a table (final accuracy, updates, wall time, speed-up against the
/// first run) and a figure (test accuracy against epochs and against updates, training loss).
public enum RunComparison {
    /// Gives runs that share a schedule name their directory's name instead.
    public static func uniqueLabels(_ runs: [ComparedRun]) -> [ComparedRun] {
        var counts: [String: Int] = [:]
        for run in runs { counts[run.label, default: 0] += 1 }
        return runs.map { run in
            var run = run
            if counts[run.label]! > 1 { run.label = (run.directory as NSString).lastPathComponent }
            return run
        }
    }

    /// A Markdown table, one row per run, speed-ups against the first run: its wall time over
    /// this run's, and its updates over this run's. Speed-ups are left out ("—") for a run that
    /// did not finish, or when the first did not.
    public static func markdownTable(_ runs: [ComparedRun]) -> String {
        var rows = [["schedule", "epochs", "final test accuracy", "best", "updates", "wall time",
                     "speed-up (wall time)", "speed-up (updates)"]]
        let reference = runs.first
        for run in runs {
            let epochs = run.isFinished ? String(run.plan.epochs) : "\(run.epochsDone) of \(run.plan.epochs) (\(run.status.rawValue))"
            var wallSpeedUp = "—", updateSpeedUp = "—"
            if let reference, reference.isFinished, run.isFinished, run.seconds > 0, run.updates > 0 {
                wallSpeedUp = String(format: "%.2f×", reference.seconds / run.seconds)
                updateSpeedUp = String(format: "%.2f×", Double(reference.updates) / Double(run.updates))
            }
            rows.append([run.label, epochs, percent(run.finalTestAccuracy), percent(run.bestTestAccuracy),
                         String(run.updates), duration(run.seconds), wallSpeedUp, updateSpeedUp])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
        let numeric = Set(1...7)
        func format(_ row: [String]) -> String {
            "| " + row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) ? pad + cell : cell + pad
            }.joined(separator: " | ") + " |"
        }
        var lines = [format(rows[0])]
        lines.append("|" + widths.indices.map { column in
            numeric.contains(column) ? " " + String(repeating: "-", count: widths[column] - 1) + ": " : " " + String(repeating: "-", count: widths[column]) + " "
        }.joined(separator: "|") + "|")
        lines += rows.dropFirst().map(format)
        return lines.joined(separator: "\n") + "\n"
    }

    /// "88.15 %", or "—" when there is no value.
    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.2f %%", value * 100)
    }

    /// "48.3 s", "12 min 03 s", "2 h 05 min".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "—" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    /// The two figures: against epochs, and against updates; each with test accuracy and
    /// training loss (log axis), one series per run; when a run adapts its batch, a third panel
    /// with every run's batch (solid) and the measured B_simple (dashed, same colour).
    public static func figures(_ runs: [ComparedRun]) -> (epochs: Figure, updates: Figure) {
        func series(_ x: (MetricsRecord) -> Double, _ y: (MetricsRecord) -> Double) -> [Series] {
            runs.enumerated().map { index, run in
                Series(name: run.label, xs: run.metrics.map(x), ys: run.metrics.map(y),
                       color: chartPalette[index % chartPalette.count], dashed: index >= chartPalette.count)
            }
        }
        let maxEpochs = Double(runs.map(\.plan.epochs).max() ?? 1)
        let maxUpdates = Double(max(1, runs.map { max($0.plan.totalUpdates, $0.updates) }.max() ?? 1))
        func batchPanel(_ axis: RunPlots.Axis) -> [Panel] {
            guard runs.contains(where: { !$0.checks.isEmpty }) else { return [] }
            var all: [Series] = []
            for (index, run) in runs.enumerated() {
                let color = chartPalette[index % chartPalette.count]
                all.append(run.batchSeries(against: axis, name: "B \(run.label)", color: color))
                if !run.checks.isEmpty {
                    all.append(RunPlots.noiseScaleSeries(run.checks, datasetSize: run.plan.datasetSize, against: axis,
                                                         name: "B_simple \(run.label)", color: color))
                }
            }
            return [Panel(yLabel: "batch, B_simple", yScale: .log, series: all)]
        }
        let epochs = Figure(title: "against epochs", xLabel: "epoch", xDomain: 0...maxEpochs,
                            panels: [Panel(yLabel: "test accuracy (%)", series: series({ Double($0.epoch) }, { $0.testAccuracy * 100 })),
                                     Panel(yLabel: "training loss", yScale: .log, series: series({ Double($0.epoch) }, \.trainLoss))]
                                + batchPanel(.epochs))
        let updates = Figure(title: "against updates", xLabel: "updates", xDomain: 0...maxUpdates,
                             panels: [Panel(yLabel: "test accuracy (%)", series: series({ Double($0.updates) }, { $0.testAccuracy * 100 })),
                                      Panel(yLabel: "training loss", yScale: .log, series: series({ Double($0.updates) }, \.trainLoss))]
                                 + batchPanel(.updates))
        return (epochs, updates)
    }

    /// The comparison figure as one SVG document: the epochs figure and the updates figure
    /// side by side.
    public static func svg(_ runs: [ComparedRun]) -> String {
        let (epochs, updates) = figures(runs)
        return sideBySide([epochs.svg(), updates.svg()], prefixes: ["epochs-", "updates-"])
    }

    /// Places standalone SVG documents side by side in one document: each becomes a nested
    /// `<svg>` shifted right by the widths before it, its ids prefixed so they stay unique.
    static func sideBySide(_ documents: [String], prefixes: [String]) -> String {
        var body = ""
        var x = 0.0, height = 0.0
        for (document, prefix) in zip(documents, prefixes) {
            var inner = document
            if inner.hasPrefix("<?xml"), let end = inner.firstIndex(of: "\n") { inner = String(inner[inner.index(after: end)...]) }
            let width = attribute("width", in: inner) ?? 720
            height = max(height, attribute("height", in: inner) ?? 400)
            inner = inner.replacingOccurrences(of: "id=\"", with: "id=\"\(prefix)")
                .replacingOccurrences(of: "url(#", with: "url(#\(prefix)")
            if let range = inner.range(of: "<svg ") { inner.replaceSubrange(range, with: "<svg x=\"\(number(x))\" y=\"0\" ") }
            body += inner.hasSuffix("\n") ? inner : inner + "\n"
            x += width
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(x))\" height=\"\(number(height))\" "
            + "viewBox=\"0 0 \(number(x)) \(number(height))\">\n" + body + "</svg>\n"
    }

    /// The numeric value of the first `name="…"` attribute (the root element's).
    private static func attribute(_ name: String, in document: String) -> Double? {
        guard let start = document.range(of: " \(name)=\"") else { return nil }
        let rest = document[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return Double(rest[..<end])
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
