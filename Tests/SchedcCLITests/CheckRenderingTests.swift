import XCTest
@testable import schedc
import ScheduleLanguage

/// The human renderer on hand-made diagnostics: carets under the right characters whatever
/// precedes them on the line (tabs, wide and combining characters, a byte-order mark).
final class CheckRenderingTests: XCTestCase {
    func render(_ text: String, at needle: String, length: Int? = nil) -> [String] {
        let source = SourceFile(path: "r.sched", text: text)
        let start = text.utf8.count - text[text.range(of: needle)!.lowerBound...].utf8.count
        let range = SourceRange(start: start, end: start + (length ?? needle.utf8.count))
        let diagnostic = Diagnostic(code: .unknownSetting, severity: .error, message: "here", range: range)
        return DiagnosticRenderer(colour: false).render(diagnostic, in: source).split(separator: "\n").map(String.init)
    }

    func testCaretsAfterTabsAndNonASCII() {
        // é (1 column), 中 (2), e + combining acute (1), tab to column 9 (1-based), then "0.1".
        let lines = render("é中e\u{301}\tlr 0.1 # x\n", at: "0.1")
        XCTAssertEqual(lines[0], "r.sched:1:12: error: here [S101]")
        XCTAssertEqual(lines[1], " 1 | é中e\u{301}    lr 0.1 # x")
        XCTAssertEqual(lines[2], "   |            ^~~")
    }

    func testByteOrderMarkTakesNoColumn() {
        let lines = render("\u{FEFF}lr 5", at: "5")
        XCTAssertEqual(lines[0], "r.sched:1:4: error: here [S101]")
        XCTAssertEqual(lines[2], "   |    ^")
    }

    func testWideCharacterUnderlinedOverBothColumns() {
        let lines = render("model 中\n", at: "中")
        XCTAssertEqual(lines[2], "   |       ^~")
    }

    func testEmptyRangeAtTheEndOfALine() {
        let lines = render("at epoch 60 noise\n", at: " noise", length: 0)
        XCTAssertEqual(lines[0], "r.sched:1:12: error: here [S101]")
        XCTAssertEqual(lines[2], "   |            ^")
    }

    func testControlCharactersAreShownAsReplacementCharacters() {
        let lines = render("lr \u{7}5\n", at: "5")
        XCTAssertEqual(lines[1], " 1 | lr \u{FFFD}5")
        XCTAssertEqual(lines[2], "   |     ^")
    }

    func testColourWrapsSeverityAndMarkers() {
        let source = SourceFile(path: "c.sched", text: "lr 0\n")
        let diagnostic = Diagnostic(code: .outOfRange, severity: .warning, message: "m", range: SourceRange(start: 3, end: 4))
        let text = DiagnosticRenderer(colour: true).render(diagnostic, in: source)
        XCTAssertTrue(text.contains("\u{1B}[1;33mwarning:\u{1B}[0m"))
        XCTAssertTrue(text.contains("\u{1B}[1;33m^\u{1B}[0m"))
    }

    func testSummary() {
        XCTAssertNil(DiagnosticRenderer.summary(errors: 0, warnings: 0))
        XCTAssertEqual(DiagnosticRenderer.summary(errors: 2, warnings: 1), "found 2 errors and 1 warning")
    }
}
