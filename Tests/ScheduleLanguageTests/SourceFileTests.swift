import XCTest
@testable import ScheduleLanguage

/// Offsets → human and LSP positions: tabs, non-ASCII, line endings.
final class SourceFileTests: XCTestCase {
    func offset(of needle: String, in text: String) -> Int {
        text.utf8.count - text[text.range(of: needle)!.lowerBound...].utf8.count
    }

    func testLinesAndColumnsOfPlainText() {
        let text = "schedule a\nlr 0.1\n"
        let source = SourceFile(path: "a.sched", text: text)
        XCTAssertEqual(source.lineCount, 3)
        XCTAssertEqual(source.location(of: 0).line, 1)
        XCTAssertEqual(source.location(of: 0).column, 1)
        let lr = offset(of: "0.1", in: text)
        XCTAssertEqual(source.location(of: lr).line, 2)
        XCTAssertEqual(source.location(of: lr).column, 4)
        XCTAssertEqual(source.lineText(1), "lr 0.1")
    }

    func testTabAdvancesToTheNextMultipleOfEight() {
        let text = "\tlr\t0.1\n"
        let source = SourceFile(path: "t", text: text)
        XCTAssertEqual(source.location(of: 1).column, 9)   // after one tab
        XCTAssertEqual(source.location(of: offset(of: "0.1", in: text)).column, 17) // "lr" then tab → 17
        XCTAssertEqual(SourceFile.displayWidth(of: "abc\t"), 8)
        XCTAssertEqual(SourceFile.displayWidth(of: "abcdefgh\t"), 16)
    }

    func testNonASCIIBeforeTheRangeDoesNotShiftTheColumn() {
        // 'é' is 2 UTF-8 bytes, '中' 3 bytes and 2 columns, '😀' 4 bytes, 2 UTF-16 units, 2 columns.
        let text = "é中😀 lr\n"
        let source = SourceFile(path: "u", text: text)
        let lr = offset(of: "lr", in: text)
        XCTAssertEqual(lr, 2 + 3 + 4 + 1)
        XCTAssertEqual(source.location(of: lr).column, 1 + 1 + 2 + 2 + 1)
        XCTAssertEqual(source.position(of: lr, in: .utf16).line, 0)
        XCTAssertEqual(source.position(of: lr, in: .utf16).character, 1 + 1 + 2 + 1)
    }

    func testCombiningMarksTakeNoColumn() {
        let text = "e\u{301}x"
        let source = SourceFile(path: "c", text: text)
        XCTAssertEqual(source.location(of: text.utf8.count - 1).column, 2)
    }

    func testCarriageReturnLineEndings() {
        let text = "a\r\nb\rc\nd"
        let source = SourceFile(path: "crlf", text: text)
        XCTAssertEqual(source.lineCount, 4)
        XCTAssertEqual(source.lineText(0), "a")
        XCTAssertEqual(source.lineText(1), "b")
        XCTAssertEqual(source.lineText(2), "c")
        XCTAssertEqual(source.lineText(3), "d")
        XCTAssertEqual(source.location(of: 3).line, 2)
        XCTAssertEqual(source.position(of: 5, in: .utf16).line, 2)
    }

    func testOffsetsInsideAScalarMoveToItsStart() {
        let source = SourceFile(path: "m", text: "中x")
        XCTAssertEqual(source.scalarBoundary(atOrBefore: 1), 0)
        XCTAssertEqual(source.scalarBoundary(atOrBefore: 2), 0)
        XCTAssertEqual(source.scalarBoundary(atOrBefore: 3), 3)
        XCTAssertEqual(source.slice(SourceRange(start: 1, end: 4)), "中x")
    }

    func testOffsetsPastTheEndClamp() {
        let source = SourceFile(path: "e", text: "ab\n")
        XCTAssertEqual(source.location(of: 99).line, 2)
        XCTAssertEqual(source.location(of: 99).column, 1)
        XCTAssertEqual(SourceFile(path: "empty", text: "").location(of: 0).line, 1)
    }
}
