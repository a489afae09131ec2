import XCTest
@testable import ScheduleLanguage
import TestSupport

final class NumberLiteralTests: XCTestCase {
    func testValues() {
        XCTAssertEqual(NumberLiteral.evaluate("128").integer, 128)
        XCTAssertEqual(NumberLiteral.evaluate("50k").integer, 50_000)
        XCTAssertEqual(NumberLiteral.evaluate("50K").value, 50_000)
        XCTAssertTrue(NumberLiteral.evaluate("50k").isInteger)
        XCTAssertEqual(NumberLiteral.evaluate(".5").value, 0.5)
        XCTAssertEqual(NumberLiteral.evaluate("5e-4").value, 5e-4)
        XCTAssertFalse(NumberLiteral.evaluate("1e3").isInteger)
        XCTAssertNil(NumberLiteral.evaluate("1e3").integer)
        XCTAssertNil(NumberLiteral.evaluate("99999999999999999999").integer, "overflow is nil, not a crash")
        XCTAssertNil(NumberLiteral.evaluate("99999999999999999k").integer)
    }

    func testCanonicalSpellings() {
        let cases: [(String, String)] = [
            ("128", "128"), ("007", "7"), ("0", "0"), ("50K", "50k"), ("050k", "50k"),
            (".5", "0.5"), ("0.50", "0.5"), ("1.00", "1.0"), ("1.0", "1.0"), ("00.10", "0.1"),
            ("5E-04", "5e-4"), ("5e+4", "5e4"), ("1.0e-04", "1.0e-4"), ("1E0", "1e0"), ("2e-0", "2e0"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(NumberLiteral.canonical(input), expected, input)
        }
    }

    func testCanonicalSpellingKeepsKindAndValue() {
        var random = TestRandom(seed: 7)
        let digits = Array("0123456789")
        for _ in 0..<500 {
            var text = String((0..<(1 + random.below(3))).map { _ in digits[random.below(10)] })
            switch random.below(4) {
            case 0: text += "." + String(digits[random.below(10)]) + "0"
            case 1: text += "e" + ["", "-", "+"][random.below(3)] + "0" + String(digits[random.below(10)])
            case 2: text += "k"
            default: break
            }
            let canonical = NumberLiteral.canonical(text)
            XCTAssertTrue(Lexer.isWellFormedNumber(Array(canonical.utf8)[...]), canonical)
            let a = NumberLiteral.evaluate(text), b = NumberLiteral.evaluate(canonical)
            XCTAssertEqual(a.value, b.value, "\(text) → \(canonical)")
            XCTAssertEqual(a.isInteger, b.isInteger, "\(text) → \(canonical)")
            XCTAssertEqual(NumberLiteral.canonical(canonical), canonical, "idempotent")
        }
    }

    func testDescriptions() {
        XCTAssertEqual(NumberLiteral.describe(60), "60")
        XCTAssertEqual(NumberLiteral.describe(0.1), "0.1")
        XCTAssertEqual(NumberLiteral.describe(3.125), "3.125")
        XCTAssertEqual(NumberLiteral.describe(1.0 / 3), "0.333333")
        XCTAssertEqual(NumberLiteral.describe(.infinity), "inf")
    }
}
