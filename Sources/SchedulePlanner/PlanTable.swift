import ScheduleLanguage
/// The human form of a plan (`schedc plan FILE`): a header, a table of phases, the total, and
/// one line per change saying what it did and what limited it. A pure function of the plan,
/// so golden tests need no CLI. An adaptive plan adds its rule and, given its bounds
/// (`Planner.adaptiveBounds`, which needs the program), when the batch can grow.
extension Plan {
    public func table(bounds: AdaptiveBounds? = nil) -> String {
        var lines: [String] = []
        var header = "schedule \(schedule): "
        header += dataset.map { "\($0), N = \(datasetSize)" } ?? "N = \(datasetSize)"
        header += ", \(English.count(epochs, "epoch")), policy \(policy), max_batch \(maxBatch)"
        if let microBatch { header += ", micro_batch \(microBatch)" }
        if let ghostBatch { header += ", ghost_batch \(ghostBatch)" }
        lines.append(header)
        lines.append("")

        var rows: [[String]] = [["epochs", "steps", "B", "micro × acc", "ε", "m", "g", "updates"]]
        for phase in phases {
            let passes = describePasses(phase.passSizes)
            rows.append(["\(formatNumber(phase.startEpoch))–\(formatNumber(phase.endEpoch))",
                         "\(phase.startUpdate)–\(phase.endUpdate)",
                         "\(phase.batch)", passes,
                         formatNumber(phase.learningRate) + (phase.warmup ? "*" : ""),
                         formatNumber(phase.momentum), formatNumber(phase.noise), "\(phase.updates)"])
        }
        // Text columns left-aligned, numeric columns right-aligned.
        let rightAligned: Set<Int> = [2, 7]
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }
            lines.append("  " + cells.joined(separator: "  ").trimmingTrailingSpaces())
        }
        lines.append("")
        lines.append("total updates: \(totalUpdates)")
        if let warmup {
            lines.append("* warm-up: ε ramps linearly over the first \(warmup.updates) updates (update u uses ε·(u+1)/\(warmup.updates))")
        }
        if let adaptive {
            lines.append("")
            lines.append("adaptive batch: \(adaptive.summary)")
            lines += bounds?.lines(for: self) ?? []
        }
        if !changes.isEmpty {
            lines.append("")
            lines.append("changes:")
            for change in changes {
                var line: String
                if change.limit == .afterEnd {
                    line = "  after the end (at \(change.at)): \(change.event) → ignored"
                } else {
                    line = "  epoch \(formatNumber(change.epoch)), step \(change.update)"
                    if change.at != "epoch \(formatNumber(change.epoch))" { line += " (at \(change.at))" }
                    line += ": \(change.event) → \(change.effect.isEmpty ? "no change" : change.effect)"
                }
                if let note = change.note { line += " — \(note)" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// "1024 × 5", or "896 × 4 + 768 × 2" when the passes of a batch differ.
func describePasses(_ sizes: [Int]) -> String {
    var groups: [(size: Int, count: Int)] = []
    for size in sizes {
        if let last = groups.last, last.size == size { groups[groups.count - 1].count += 1 } else { groups.append((size, 1)) }
    }
    return groups.map { "\($0.size) × \($0.count)" }.joined(separator: " + ")
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
