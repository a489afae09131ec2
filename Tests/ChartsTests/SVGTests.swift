import Foundation
import XCTest
@testable import Charts
import TestSupport

final class SVGTests: XCTestCase {
    /// Two panels sharing the x axis: a step schedule on a log axis and two line curves.
    static let smallFigure = Figure(
        title: "a small figure <with> \"markup\" & more",
        xLabel: "epoch",
        panels: [
            Panel(yLabel: "batch size", yScale: .log,
                  series: [Series(name: "B", xs: [0, 60, 120, 160, 200], ys: [128, 640, 3200, 5120, 5120], style: .step)]),
            Panel(yLabel: "accuracy (%)",
                  series: [Series(name: "train", xs: [0, 50, 100, 150, 200], ys: [10, 70, 85, 95, 99]),
                           Series(name: "test", xs: [0, 50, 100, 150, 200], ys: [10, 65, 80, 90, 94.3], dashed: true)]),
        ],
        markers: [Marker(x: 60, label: "÷5"), Marker(x: 120, label: "")],
        width: 480, panelHeight: 120)

    func testSmallFigureMatchesGolden() {
        assertGolden(Self.smallFigure.svg(), named: "small.svg")
    }

    func testOutputIsWellFormedXML() throws {
        let svg = Self.smallFigure.svg()
        let summary = try parseXML(svg)
        XCTAssertEqual(summary.root, "svg")
        XCTAssertEqual(summary.counts["g", default: 0], 4, "two panels and two legends")
        XCTAssertEqual(summary.counts["path", default: 0], 3, "one path per series")
        XCTAssertTrue(summary.text.contains("a small figure <with> \"markup\" & more"), "title escaped and read back")
    }

    func testTicksAppearAsLabels() throws {
        let summary = try parseXML(Self.smallFigure.svg())
        for label in ["100", "1000", "10000", "0", "20", "100", "40", "200", "epoch", "batch size", "train", "test"] {
            XCTAssertTrue(summary.texts.contains(label), "missing label \(label) in \(summary.texts)")
        }
    }

    /// Points that cannot be drawn break the line instead of producing NaN coordinates.
    func testUndrawablePointsBreakTheLine() throws {
        let figure = Figure(title: "gaps", xLabel: "x", panels: [
            Panel(yLabel: "log y", yScale: .log,
                  series: [Series(name: "s", xs: [0, 1, 2, 3, 4], ys: [1, 10, 0, .nan, 100])]),
        ])
        let svg = figure.svg()
        XCTAssertNoThrow(try parseXML(svg))
        XCTAssertFalse(svg.contains("nan"))
        let path = try XCTUnwrap(svg.components(separatedBy: "<path d=\"").dropFirst().first?.components(separatedBy: "\"").first)
        XCTAssertEqual(path.filter { $0 == "M" }.count, 2, path)
    }

    func testEmptyAndDegenerateFiguresStillRender() throws {
        let empty = Figure(title: "", xLabel: "", panels: [Panel(yLabel: "", series: [])])
        XCTAssertNoThrow(try parseXML(empty.svg()))
        let noPanels = Figure(title: "nothing", xLabel: "x", panels: [])
        XCTAssertNoThrow(try parseXML(noPanels.svg()))
        let single = Figure(title: "one point", xLabel: "x", xScale: .log, panels: [
            Panel(yLabel: "y", yScale: .log, series: [Series(name: "p", xs: [5], ys: [5])]),
        ])
        XCTAssertNoThrow(try parseXML(single.svg()))
        let extreme = Figure(title: "extremes", xLabel: "x", panels: [
            Panel(yLabel: "y", series: [Series(name: "huge", xs: [0, 1, 2, 3], ys: [1e308, -1e308, .infinity, 5])]),
            Panel(yLabel: "log y", yScale: .log, series: [Series(name: "tiny", xs: [0, 1, 2], ys: [Double.leastNonzeroMagnitude, 1e-300, 1])]),
        ])
        let svg = extreme.svg()
        XCTAssertNoThrow(try parseXML(svg))
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"), svg)
    }

    func testStepSeriesDrawsHorizontalThenVertical() {
        let figure = Figure(title: "", xLabel: "", xDomain: 0...2, panels: [
            Panel(yLabel: "", yDomain: 0...2, series: [Series(name: "", xs: [0, 1, 2], ys: [1, 2, 2], style: .step)]),
        ], width: 278, panelHeight: 100)
        // Plot area: x 78...258 (180 px), y 40...140; y = 1 → 90, y = 2 → 40.
        XCTAssertTrue(figure.svg().contains("<path d=\"M78 90 H168 V40 H258\""), figure.svg())
    }
}
