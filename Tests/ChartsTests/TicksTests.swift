import XCTest
@testable import Charts

final class TicksTests: XCTestCase {
    func testNiceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        XCTAssertEqual(Ticks.niceStep(span: 200, count: 8), 20)
        XCTAssertEqual(Ticks.niceStep(span: 1, count: 4), 0.2)
        XCTAssertEqual(Ticks.niceStep(span: 78_200, count: 5), 20_000)
        XCTAssertEqual(Ticks.niceStep(span: 0.003, count: 5), 0.0005, accuracy: 1e-18)
        for span in [0.0013, 0.7, 3, 47, 999, 12_345, 6.02e23] {
            for count in 1...10 {
                let step = Ticks.niceStep(span: span, count: count)
                let mantissa = step / pow(10, log10(step).rounded(.down))
                XCTAssertTrue([1, 2, 5, 10].contains { abs(mantissa - $0) < 1e-9 }, "step \(step) for span \(span)")
            }
        }
    }

    func testLinearTicksCoverTheDataWithCleanValues() {
        let (domain, ticks) = Ticks.linear(0.1, 0.93, count: 4)
        XCTAssertEqual(domain, 0...1)
        XCTAssertEqual(ticks, [0, 0.2, 0.4, 0.6, 0.8, 1])
        let accuracy = Ticks.linear(10, 94.3, count: 5)
        XCTAssertEqual(accuracy.ticks, [0, 20, 40, 60, 80, 100])
        // Binary noise removed: 3 × 0.1 is 0.3 here.
        XCTAssertEqual(Ticks.linear(0, 0.5, count: 5).ticks, [0, 0.1, 0.2, 0.3, 0.4, 0.5])
        // A constant series still gets an axis.
        let flat = Ticks.linear(5, 5)
        XCTAssertLessThan(flat.domain.lowerBound, 5)
        XCTAssertGreaterThan(flat.domain.upperBound, 5)
    }

    func testLinearTicksInsideAFixedDomain() {
        XCTAssertEqual(Ticks.linear(inside: 0...200, count: 8), [0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200])
        XCTAssertEqual(Ticks.linear(inside: 3...17, count: 3), [5, 10, 15])
    }

    func testLogTicksAreDecades() {
        let batch = Ticks.log(128, 5120)
        XCTAssertEqual(batch.domain, 100...10_000)
        XCTAssertEqual(batch.ticks, [100, 200, 500, 1000, 2000, 5000, 10_000])
        let lr = Ticks.log(0.0008, 0.1)
        XCTAssertEqual(lr.domain, 0.0001...0.1)
        XCTAssertEqual(lr.ticks, [0.0001, 0.001, 0.01, 0.1])
        // An exact power of ten is its own bound; a single value still spans a decade.
        XCTAssertEqual(Ticks.log(0.1, 0.1).domain, 0.1...1)
        XCTAssertEqual(Ticks.log(1000, 1000).domain, 1000...10_000)
        // Many decades: every k-th, at most about 8 labels.
        let wide = Ticks.log(1e-12, 1e12)
        XCTAssertLessThanOrEqual(wide.ticks.count, 9)
        XCTAssertEqual(wide.ticks.first, 1e-12)
    }

    func testTickLabels() {
        XCTAssertEqual(Ticks.label(0), "0")
        XCTAssertEqual(Ticks.label(0.2), "0.2")
        XCTAssertEqual(Ticks.label(5000), "5000")
        XCTAssertEqual(Ticks.label(0.0001), "0.0001")
        XCTAssertEqual(Ticks.label(1e-5), "1e-5")
        XCTAssertEqual(Ticks.label(1e6), "1e+6")
        XCTAssertEqual(Ticks.label(-0.5), "-0.5")
    }
}
