import Charts
import SchedulePlanner

/// The curves of one run, drawn after every epoch: test accuracy (%) and loss (training and
/// test, log axis) against epochs and against updates, with a dotted line where the plan
/// changed B, ε or m; for an adaptive run also the measured B_simple against the batch used.
public enum RunPlots {
    public enum Axis: Sendable {
        case epochs, updates
    }

    /// With `checks` (an adaptive run's), a third panel shows the measured B_simple against the
    /// batch the run used (log axis).
    public static func figure(metrics: [MetricsRecord], plan: Plan, checks: [AdaptiveCheckRecord]? = nil,
                              against axis: Axis) -> Figure {
        let xs = metrics.map { axis == .epochs ? Double($0.epoch) : Double($0.updates) }
        let accuracy = Series(name: "test", xs: xs, ys: metrics.map { $0.testAccuracy * 100 }, color: chartPalette[0])
        let trainLoss = Series(name: "training", xs: xs, ys: metrics.map(\.trainLoss), color: chartPalette[1])
        let testLoss = Series(name: "test", xs: xs, ys: metrics.map(\.testLoss), color: chartPalette[0], dashed: true)
        var markers: [Marker] = []
        for change in plan.changes where change.limit != .afterEnd && change.before != change.after {
            let x = axis == .epochs ? change.epoch : Double(change.update)
            if x > 0, !markers.contains(where: { $0.x == x }) { markers.append(Marker(x: x, label: "")) }
        }
        let xDomain = axis == .epochs ? 0...Double(plan.epochs) : 0...Double(max(1, plan.totalUpdates))
        var panels = [Panel(yLabel: "test accuracy (%)", series: [accuracy]),
                      Panel(yLabel: "loss", yScale: .log, series: [trainLoss, testLoss])]
        if let checks {
            panels.append(Panel(yLabel: "batch", yScale: .log,
                                series: [batchSeries(plan, against: axis, name: "B used", color: chartPalette[2]),
                                         noiseScaleSeries(checks, datasetSize: plan.datasetSize, against: axis,
                                                          name: "B_simple", color: chartPalette[3])]))
        }
        return Figure(title: "\(plan.schedule): policy \(plan.policy), \(plan.totalUpdates) updates",
                      xLabel: axis == .epochs ? "epoch" : "updates", xDomain: xDomain, panels: panels, markers: markers)
    }

    /// The batch `plan` uses, as a step series over the run (one point per phase, and the end).
    public static func batchSeries(_ plan: Plan, against axis: Axis, name: String, color: String?, dashed: Bool = false) -> Series {
        var points = plan.phases.map { ChartPoint(x: axis == .epochs ? $0.startEpoch : Double($0.startUpdate), y: Double($0.batch)) }
        if let last = plan.phases.last {
            points.append(ChartPoint(x: axis == .epochs ? last.endEpoch : Double(last.endUpdate), y: Double(last.batch)))
        }
        return Series(name: name, points: points, style: .step, color: color, dashed: dashed)
    }

    /// The smoothed B_simple at every check (after its update), where it is defined.
    public static func noiseScaleSeries(_ checks: [AdaptiveCheckRecord], datasetSize: Int, against axis: Axis, name: String,
                                        color: String?) -> Series {
        let points = checks.compactMap { check in
            check.noiseScale.map {
                ChartPoint(x: axis == .epochs ? Double(check.samples) / Double(datasetSize) : Double(check.update + 1), y: $0)
            }
        }
        return Series(name: name, points: points, color: color, dashed: true)
    }

    public static func svg(metrics: [MetricsRecord], plan: Plan, checks: [AdaptiveCheckRecord]? = nil,
                           against axis: Axis) -> String {
        figure(metrics: metrics, plan: plan, checks: checks, against: axis).svg()
    }

    /// Writes both plots of `directory` atomically.
    static func write(metrics: [MetricsRecord], plan: Plan, checks: [AdaptiveCheckRecord]? = nil,
                      to directory: RunDirectory) throws {
        try FileIO.writeAtomically(svg(metrics: metrics, plan: plan, checks: checks, against: .epochs), to: directory.epochsPlotPath)
        try FileIO.writeAtomically(svg(metrics: metrics, plan: plan, checks: checks, against: .updates),
                                   to: directory.updatesPlotPath)
    }
}
