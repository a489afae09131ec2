import Foundation

extension Figure {
    /// The figure as a standalone SVG document (UTF-8 text). Coordinates are rounded to 0.01,
    /// so the output is stable across machines (golden files).
    public func svg() -> String {
        var r = SVGRenderer(figure: self)
        return r.render()
    }
}

/// Maps data values to pixels along one axis.
struct AxisMap {
    let scale: AxisScale
    let domain: ClosedRange<Double>
    let pixels: ClosedRange<Double>
    /// y axes grow upwards.
    let flipped: Bool

    func position(_ value: Double) -> Double? {
        guard drawable(value, on: scale) else { return nil }
        let t: Double
        switch scale {
        case .linear:
            t = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        case .log:
            guard value > 0 else { return nil }
            t = (log10(value) - log10(domain.lowerBound)) / (log10(domain.upperBound) - log10(domain.lowerBound))
        }
        let u = flipped ? 1 - t : t
        return pixels.lowerBound + u * (pixels.upperBound - pixels.lowerBound)
    }
}

private struct SVGRenderer {
    let figure: Figure
    var out = ""

    // Layout (px): title on top, y labels on the left, x ticks and label at the bottom.
    let marginLeft = 78.0, marginRight = 20.0, marginTop = 40.0, gap = 18.0, marginBottom = 48.0

    init(figure: Figure) { self.figure = figure }

    var plotLeft: Double { marginLeft }
    var plotRight: Double { max(plotLeft + 10, figure.width - marginRight) }
    var height: Double {
        let panels = Double(max(1, figure.panels.count))
        return marginTop + panels * figure.panelHeight + (panels - 1) * gap + marginBottom
    }

    mutating func render() -> String {
        out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(figure.width))\" height=\"\(n(height))\" "
            + "viewBox=\"0 0 \(n(figure.width)) \(n(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
        out += "<title>\(escape(figure.title))</title>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(n(figure.width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(figure.title))</text>\n"

        let (xDomain, xTicks) = xAxis()
        let x = AxisMap(scale: figure.xScale, domain: xDomain, pixels: plotLeft...plotRight, flipped: false)
        for (index, panel) in figure.panels.enumerated() {
            let top = marginTop + Double(index) * (figure.panelHeight + gap)
            renderPanel(panel, index: index, top: top, x: x, xTicks: xTicks, isLast: index == figure.panels.count - 1)
        }
        let bottom = marginTop + Double(max(1, figure.panels.count)) * (figure.panelHeight + gap) - gap
        out += "<text x=\"\(n((plotLeft + plotRight) / 2))\" y=\"\(n(bottom + 38))\" text-anchor=\"middle\">\(escape(figure.xLabel))</text>\n"
        out += "</svg>\n"
        return out
    }

    private func xAxis() -> (ClosedRange<Double>, [Double]) {
        var values = figure.panels.flatMap { $0.series.flatMap { $0.points.map(\.x) } } + figure.markers.map(\.x)
        values = values.filter { drawable($0, on: figure.xScale) }
        return domain(scale: figure.xScale, fixed: figure.xDomain, values: values, count: 8)
    }

    private func domain(scale: AxisScale, fixed: ClosedRange<Double>?, values: [Double], count: Int) -> (ClosedRange<Double>, [Double]) {
        if let fixed, fixed.upperBound > fixed.lowerBound, scale == .linear || fixed.lowerBound > 0 {
            return (fixed, scale == .linear ? Ticks.linear(inside: fixed, count: count) : Ticks.log(inside: fixed))
        }
        switch scale {
        case .linear:
            guard let low = values.min(), let high = values.max() else { return Ticks.linear(0, 1, count: count) }
            return Ticks.linear(low, high, count: count)
        case .log:
            guard let low = values.min(), let high = values.max() else { return Ticks.log(1, 10) }
            let (domain, ticks) = Ticks.log(low, high)
            // A curve exactly on a decade bound would hide in the frame: pad that side by 3 % of
            // the axis (in log space); the ticks stay where they are.
            let pad = pow(domain.upperBound / domain.lowerBound, 0.03)
            let lower = low <= domain.lowerBound * (1 + 1e-12) ? domain.lowerBound / pad : domain.lowerBound
            let upper = high >= domain.upperBound * (1 - 1e-12) ? domain.upperBound * pad : domain.upperBound
            return (lower...upper, ticks)
        }
    }

    private mutating func renderPanel(_ panel: Panel, index: Int, top: Double, x: AxisMap, xTicks: [Double], isLast: Bool) {
        let bottom = top + figure.panelHeight
        let yValues = panel.series.flatMap { $0.points.map(\.y) }.filter { drawable($0, on: panel.yScale) }
        let (yDomain, yTicks) = domain(scale: panel.yScale, fixed: panel.yDomain, values: yValues, count: 4)
        let y = AxisMap(scale: panel.yScale, domain: yDomain, pixels: top...bottom, flipped: true)
        let clip = "panel\(index)"

        out += "<g class=\"panel\">\n"
        out += "<clipPath id=\"\(clip)\"><rect x=\"\(n(plotLeft))\" y=\"\(n(top))\" width=\"\(n(plotRight - plotLeft))\" height=\"\(n(figure.panelHeight))\"/></clipPath>\n"
        // Grid and ticks.
        for tick in yTicks {
            guard let py = y.position(tick) else { continue }
            out += "<line x1=\"\(n(plotLeft))\" y1=\"\(n(py))\" x2=\"\(n(plotRight))\" y2=\"\(n(py))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(n(plotLeft - 6))\" y=\"\(n(py + 4))\" text-anchor=\"end\">\(escape(Ticks.label(tick)))</text>\n"
        }
        for tick in xTicks {
            guard let px = x.position(tick) else { continue }
            out += "<line x1=\"\(n(px))\" y1=\"\(n(top))\" x2=\"\(n(px))\" y2=\"\(n(bottom))\" stroke=\"#e5e5e5\"/>\n"
            if isLast {
                out += "<text x=\"\(n(px))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(escape(Ticks.label(tick)))</text>\n"
            }
        }
        out += "<rect x=\"\(n(plotLeft))\" y=\"\(n(top))\" width=\"\(n(plotRight - plotLeft))\" height=\"\(n(figure.panelHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
        let labelY = (top + bottom) / 2
        out += "<text x=\"16\" y=\"\(n(labelY))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(n(labelY)))\">\(escape(panel.yLabel))</text>\n"

        for marker in figure.markers {
            guard let px = x.position(marker.x), px >= plotLeft - 0.01, px <= plotRight + 0.01 else { continue }
            out += "<line x1=\"\(n(px))\" y1=\"\(n(top))\" x2=\"\(n(px))\" y2=\"\(n(bottom))\" stroke=\"#999\" stroke-dasharray=\"3 3\"/>\n"
            if index == 0, !marker.label.isEmpty {
                out += "<text x=\"\(n(px + 3))\" y=\"\(n(top - 4))\" font-size=\"9\" fill=\"#666\">\(escape(marker.label))</text>\n"
            }
        }

        var drawn: [[(x: Double, y: Double)]] = []
        for (seriesIndex, series) in panel.series.enumerated() {
            let color = series.color ?? chartPalette[seriesIndex % chartPalette.count]
            let runs = polylines(series, x: x, y: y)
            drawn += runs
            let d = path(runs)
            guard !d.isEmpty else { continue }
            out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(escape(color))\" stroke-width=\"1.75\""
                + (series.dashed ? " stroke-dasharray=\"6 3\"" : "") + " clip-path=\"url(#\(clip))\"/>\n"
        }
        renderLegend(panel, top: top, avoiding: drawn)
        out += "</g>\n"
    }

    /// The series in pixels: runs of drawable points (a NaN, or ≤ 0 on a log axis, breaks the
    /// line), with a step series' corners included.
    private func polylines(_ series: Series, x: AxisMap, y: AxisMap) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = []
        var run: [(x: Double, y: Double)] = []
        for point in series.points {
            guard let px = x.position(point.x), let py = y.position(point.y) else {
                if !run.isEmpty { runs.append(run) }
                run = []
                continue
            }
            if series.style == .step, let previous = run.last, previous.y != py { run.append((px, previous.y)) }
            run.append((px, py))
        }
        if !run.isEmpty { runs.append(run) }
        return runs
    }

    private func path(_ runs: [[(x: Double, y: Double)]]) -> String {
        var commands: [String] = []
        for run in runs {
            for (i, p) in run.enumerated() {
                if i == 0 { commands.append("M\(n(p.x)) \(n(p.y))"); continue }
                let previous = run[i - 1]
                if p.y == previous.y, p.x != previous.x { commands.append("H\(n(p.x))") }
                else if p.x == previous.x, p.y != previous.y { commands.append("V\(n(p.y))") }
                else if p.x != previous.x || p.y != previous.y { commands.append("L\(n(p.x)) \(n(p.y))") }
            }
        }
        return commands.joined(separator: " ")
    }

    /// The legend goes in the corner of the plot the curves cross least (top right on a tie).
    private mutating func renderLegend(_ panel: Panel, top: Double, avoiding lines: [[(x: Double, y: Double)]]) {
        let named = panel.series.enumerated().filter { !$0.element.name.isEmpty }
        guard !named.isEmpty else { return }
        let longest = named.map { estimatedTextWidth($0.element.name, fontSize: 11) }.max() ?? 0
        let width = 38 + longest, rowHeight = 15.0
        let height = rowHeight * Double(named.count) + 6
        let bottom = top + figure.panelHeight
        let corners = [(plotRight - width - 6, top + 6), (plotLeft + 6, top + 6),
                       (plotRight - width - 6, bottom - height - 6), (plotLeft + 6, bottom - height - 6)]
        let crossings = corners.map { corner in
            Self.samplesInside(lines, left: corner.0 - 3, top: corner.1 - 3, right: corner.0 + width + 3, bottom: corner.1 + height + 3)
        }
        let best = crossings.indices.min { crossings[$0] < crossings[$1] } ?? 0
        let (left, boxTop) = corners[best]
        out += "<g class=\"legend\">\n"
        out += "<rect x=\"\(n(left))\" y=\"\(n(boxTop))\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n"
        for (row, (seriesIndex, series)) in named.enumerated() {
            let color = series.color ?? chartPalette[seriesIndex % chartPalette.count]
            let cy = boxTop + 3 + rowHeight * (Double(row) + 0.5)
            out += "<line x1=\"\(n(left + 6))\" y1=\"\(n(cy))\" x2=\"\(n(left + 26))\" y2=\"\(n(cy))\" stroke=\"\(escape(color))\" stroke-width=\"1.75\""
                + (series.dashed ? " stroke-dasharray=\"6 3\"" : "") + "/>\n"
            out += "<text x=\"\(n(left + 30))\" y=\"\(n(cy + 4))\">\(escape(series.name))</text>\n"
        }
        out += "</g>\n"
    }
}

extension SVGRenderer {
    /// Points sampled every ~2 px along the polylines that fall inside the rectangle.
    static func samplesInside(_ lines: [[(x: Double, y: Double)]], left: Double, top: Double, right: Double, bottom: Double) -> Int {
        var count = 0
        for line in lines {
            for (i, p) in line.enumerated() {
                let q = i + 1 < line.count ? line[i + 1] : p
                let steps = max(1, Int((max(abs(q.x - p.x), abs(q.y - p.y)) / 2).rounded(.up)))
                for k in 0..<steps {
                    let t = Double(k) / Double(steps)
                    let x = p.x + t * (q.x - p.x), y = p.y + t * (q.y - p.y)
                    if x >= left, x <= right, y >= top, y <= bottom { count += 1 }
                }
            }
        }
        return count
    }
}

/// Whether a value can be placed on an axis: finite, positive on a log axis, and within
/// ±1e300 so spans and ticks stay finite.
func drawable(_ value: Double, on scale: AxisScale) -> Bool {
    value.isFinite && abs(value) <= 1e300 && (scale == .linear || value >= 1e-300)
}

/// A coordinate with at most two decimals and no trailing zeros.
private func n(_ value: Double) -> String {
    var text = String(format: "%.2f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
}

/// Text and attribute values, XML-escaped.
func escape(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        default:
            // XML 1.0 forbids most control characters even escaped; drop them.
            if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
               scalar.value < 0x20, scalar != "\n", scalar != "\t" { continue }
            result.append(character)
        }
    }
    return result
}

/// The width `text` takes at `fontSize` px, estimated from DejaVu Sans's advance widths (the
/// widest of the usual sans-serif fallbacks, so Helvetica and Arial fit too). SVG has no text
/// measurement; an estimate per character keeps legend boxes around long names like
/// "increased_momentum", where a flat per-character width did not.
func estimatedTextWidth(_ text: String, fontSize: Double) -> Double {
    // Advance widths in thousandths of an em.
    let lowercase: [Character: Double] = [
        "a": 613, "b": 635, "c": 550, "d": 635, "e": 615, "f": 352, "g": 635, "h": 634, "i": 278,
        "j": 278, "k": 579, "l": 278, "m": 974, "n": 634, "o": 612, "p": 635, "q": 635, "r": 411,
        "s": 521, "t": 392, "u": 634, "v": 592, "w": 818, "x": 592, "y": 592, "z": 525,
    ]
    var thousandths = 0.0
    for character in text {
        if let width = lowercase[character] {
            thousandths += width
        } else if character.isNumber {
            thousandths += 636
        } else if character.isUppercase {
            thousandths += 740
        } else if character == " " || character == "." || character == "," {
            thousandths += 318
        } else {
            thousandths += 640
        }
    }
    return thousandths / 1000 * fontSize
}

