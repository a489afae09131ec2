import Foundation
import TestSupport
import XCTest
@testable import SchedulePlanner

/// formatNumber and decimalClean take shortcuts (a scaled rounding, Swift's shortest decimal);
/// each must give exactly what printf's %.6g and %.12g give.
final class NumberFormattingTests: XCTestCase {
    func testShortcutsAgreeWithPrintf() {
        var random = TestRandom(seed: 3)
        var values: [Double] = [0.032, 390.625, 1.00001, 0.99999, 0.0001, 0.00011, 1e-5, 999999.5, 123456.5, 99999.95,
                                0.1 + 0.2, 0.4 * 0.4, 1.0 / 3, -0.5, -1e-4, 5e-4, 1500.25, 0.1 * 3, 2.675, 1.0000005]
        for _ in 0..<20_000 {
            let digits = random.int(1...9), scale = random.int(-7...7)
            let mantissa = Double(random.int(1...Int(pow(10, Double(digits)))))
            values.append((random.bool() ? 1 : -1) * mantissa * pow(10, Double(scale - digits)))
            values.append(random.double(-1e7...1e7))
            values.append(random.double(0...1) * pow(10, Double(random.int(-8...8))))
        }
        // A long decay chain (what a 10 000-line schedule plans), subnormals and rounding ties.
        var decayed = 0.1
        for _ in 0..<5_000 {
            decayed *= 0.99999
            values.append(decayed)
        }
        values += [5e-324, 2.2e-310, 1.7976931348623157e308, 9.9999995, 0.1234565, 1.2345675, 123456789012345678.0]
        for value in values {
            for precision in [6, 12] {
                let printed = String(format: "%.\(precision)g", value)
                if let shortcut = ShortestDecimal(value).formattedG(precision: precision) {
                    XCTAssertEqual(shortcut, printed, "\(value)")
                }
                if let rounded = RoundedDecimal(value, precision: precision) {
                    XCTAssertEqual(rounded.formattedG, printed, "\(value)")
                    XCTAssertEqual(rounded.value, Double(printed), "\(value)")
                }
            }
            let expected = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.6g", value)
            XCTAssertEqual(formatNumber(value), expected, "\(value)")
            XCTAssertEqual(decimalClean(value), Double(String(format: "%.12g", value)) ?? value, "\(value)")
        }
    }
}
