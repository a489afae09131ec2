/// A figure: one or more panels stacked vertically, sharing one x axis (epochs, updates...),
/// each with its own y axis (linear or log), series, legend. Rendered by `svg()`.
/// Dependency-free, so the planner (`plan --svg`) and the runner (accuracy/loss curves) share it.
public struct Figure: Hashable, Sendable {
    public var title: String
    public var xLabel: String
    public var xScale: AxisScale
    /// Fixed x domain; nil = from the data (padded to nice ticks).
    public var xDomain: ClosedRange<Double>?
    public var panels: [Panel]
    /// Vertical lines across every panel (phase boundaries, warm-up end...).
    public var markers: [Marker]
    /// Total width, and the height of each panel's plotting area, in SVG user units (px).
    public var width: Double
    public var panelHeight: Double

    public init(title: String, xLabel: String, xScale: AxisScale = .linear, xDomain: ClosedRange<Double>? = nil,
                panels: [Panel], markers: [Marker] = [], width: Double = 720, panelHeight: Double = 180) {
        self.title = title
        self.xLabel = xLabel
        self.xScale = xScale
        self.xDomain = xDomain
        self.panels = panels
        self.markers = markers
        self.width = width
        self.panelHeight = panelHeight
    }
}

public struct Panel: Hashable, Sendable {
    public var yLabel: String
    public var yScale: AxisScale
    /// Fixed y domain; nil = from the data (padded to nice ticks / whole decades).
    public var yDomain: ClosedRange<Double>?
    public var series: [Series]

    public init(yLabel: String, yScale: AxisScale = .linear, yDomain: ClosedRange<Double>? = nil, series: [Series]) {
        self.yLabel = yLabel
        self.yScale = yScale
        self.yDomain = yDomain
        self.series = series
    }
}

public struct Series: Hashable, Sendable {
    public enum Style: String, Hashable, Sendable {
        /// Straight segments between points.
        case line
        /// Piecewise constant: each point's y holds until the next point's x (schedules).
        case step
    }

    /// Shown in the legend; an empty name keeps the series out of it.
    public var name: String
    public var points: [ChartPoint]
    public var style: Style
    /// A CSS colour; nil = the next colour of the palette (by position in the panel).
    public var color: String?
    public var dashed: Bool

    public init(name: String, points: [ChartPoint], style: Style = .line, color: String? = nil, dashed: Bool = false) {
        self.name = name
        self.points = points
        self.style = style
        self.color = color
        self.dashed = dashed
    }

    public init(name: String, xs: [Double], ys: [Double], style: Style = .line, color: String? = nil, dashed: Bool = false) {
        self.init(name: name, points: zip(xs, ys).map { ChartPoint(x: $0, y: $1) }, style: style, color: color, dashed: dashed)
    }
}

public struct ChartPoint: Hashable, Sendable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A labelled vertical line at `x`.
public struct Marker: Hashable, Sendable {
    public var x: Double
    public var label: String
    public init(x: Double, label: String) {
        self.x = x
        self.label = label
    }
}

public enum AxisScale: String, Hashable, Sendable {
    case linear
    /// Base 10; values ≤ 0 are not drawn.
    case log
}

/// Colours for series without one (colour-blind-safe Tableau 10 order).
public let chartPalette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                           "#bcbd22", "#17becf"]
