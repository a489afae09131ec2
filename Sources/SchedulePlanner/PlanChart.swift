import Charts

/// The picture of a plan (`schedc plan FILE --svg OUT.svg`): B, ε and g against epochs, each on
/// a log axis, as step curves; dashed: max_batch on the B panel and the warm-up ramp on the ε
/// panel; dotted verticals where something changed.
public enum PlanChart {
    public static func figure(for plan: Plan) -> Figure {
        let starts = plan.phases.map(\.startEpoch) + [Double(plan.epochs)]
        func steps(_ value: (Phase) -> Double) -> [ChartPoint] {
            var points = plan.phases.map { ChartPoint(x: $0.startEpoch, y: value($0)) }
            points.append(ChartPoint(x: starts.last!, y: value(plan.phases.last!)))
            return points
        }

        var batchSeries = [Series(name: "B", points: steps { Double($0.batch) }, style: .step, color: chartPalette[0])]
        batchSeries.append(Series(name: "max_batch", points: [ChartPoint(x: 0, y: Double(plan.maxBatch)),
                                                               ChartPoint(x: Double(plan.epochs), y: Double(plan.maxBatch))],
                                  color: "#999999", dashed: true))
        var learningRateSeries = [Series(name: "ε", points: steps(\.learningRate), style: .step, color: chartPalette[1])]
        var markers: [Marker] = []
        if let warmup = plan.warmup {
            // ε·(u+1)/W is linear in u, and u is linear in epochs within a phase: exact at phase ends.
            var ramp: [ChartPoint] = []
            for phase in plan.phases where phase.startUpdate < warmup.updates {
                ramp.append(ChartPoint(x: phase.startEpoch, y: plan.learningRate(atUpdate: phase.startUpdate) ?? phase.learningRate))
                let last = min(phase.endUpdate, warmup.updates) - 1
                let endEpoch = last + 1 == phase.endUpdate ? phase.endEpoch
                    : phase.startEpoch + (phase.endEpoch - phase.startEpoch) * Double(last + 1 - phase.startUpdate) / Double(phase.updates)
                ramp.append(ChartPoint(x: endEpoch, y: plan.learningRate(atUpdate: last) ?? phase.learningRate))
            }
            learningRateSeries.append(Series(name: "ε in warm-up", points: ramp, color: chartPalette[1], dashed: true))
            if let end = plan.changes.first(where: { $0.eventIndex == nil && $0.limit != .afterEnd }) {
                markers.append(Marker(x: end.epoch, label: "warm-up ends"))
            }
        }
        let noiseSeries = [Series(name: "g = εN/(B(1−m))", points: steps(\.noise), style: .step, color: chartPalette[2])]
        for change in plan.changes where change.eventIndex != nil && change.limit != .afterEnd && change.before != change.after {
            if !markers.contains(where: { $0.x == change.epoch }) { markers.append(Marker(x: change.epoch, label: "")) }
        }

        return Figure(title: "\(plan.schedule): policy \(plan.policy), \(plan.totalUpdates) updates",
                      xLabel: "epoch", xDomain: 0...Double(plan.epochs),
                      panels: [Panel(yLabel: "batch size B", yScale: .log, series: batchSeries),
                               Panel(yLabel: "learning rate ε", yScale: .log, series: learningRateSeries),
                               Panel(yLabel: "noise scale g", yScale: .log, series: noiseSeries)],
                      markers: markers)
    }

    public static func svg(for plan: Plan) -> String { figure(for: plan).svg() }
}
