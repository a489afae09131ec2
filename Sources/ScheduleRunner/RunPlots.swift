import Charts
import SchedulePlanner

/// The curves of one run, drawn after every epoch: test accuracy (%) and loss (training and
/// test, log axis) against epochs and against updates, with a dotted line where the plan
/// changed B, ε or m.
public enum RunPlots {
    public enum Axis: Sendable {
        case epochs, updates
    }

    public static func figure(metrics: [MetricsRecord], plan: Plan, against axis: Axis) -> Figure {
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
        return Figure(title: "\(plan.schedule): policy \(plan.policy), \(plan.totalUpdates) updates",
                      xLabel: axis == .epochs ? "epoch" : "updates", xDomain: xDomain,
                      panels: [Panel(yLabel: "test accuracy (%)", series: [accuracy]),
                               Panel(yLabel: "loss", yScale: .log, series: [trainLoss, testLoss])],
                      markers: markers)
    }

    public static func svg(metrics: [MetricsRecord], plan: Plan, against axis: Axis) -> String {
        figure(metrics: metrics, plan: plan, against: axis).svg()
    }

    /// Writes both plots of `directory` atomically.
    static func write(metrics: [MetricsRecord], plan: Plan, to directory: RunDirectory) throws {
        try FileIO.writeAtomically(svg(metrics: metrics, plan: plan, against: .epochs), to: directory.epochsPlotPath)
        try FileIO.writeAtomically(svg(metrics: metrics, plan: plan, against: .updates), to: directory.updatesPlotPath)
    }
}
