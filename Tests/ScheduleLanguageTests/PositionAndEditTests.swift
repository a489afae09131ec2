import XCTest
@testable import ScheduleLanguage

/// Byte offsets ↔ editor positions in UTF-8, UTF-16 and UTF-32, and applying text edits.
final class PositionTests: XCTestCase {
    func offset(of needle: String, in text: String) -> Int {
        text.utf8.count - text[text.range(of: needle)!.lowerBound...].utf8.count
    }

    /// The character before the target (`lr`) takes these many units in UTF-8, UTF-16, UTF-32.
    func assertPositions(before prefix: String, units: (utf8: Int, utf16: Int, utf32: Int),
                         file: StaticString = #filePath, line: UInt = #line) {
        let text = "schedule a\n" + prefix + "lr 0.1\n"
        let source = SourceFile(path: "p", text: text)
        let lr = offset(of: "lr 0.1", in: text)
        let expected: [PositionEncoding: Int] = [.utf8: units.utf8, .utf16: units.utf16, .utf32: units.utf32]
        for (encoding, character) in expected {
            let position = Position(line: 1, character: character)
            XCTAssertEqual(source.position(of: lr, in: encoding), position, "\(encoding) of \(prefix.debugDescription)", file: file, line: line)
            XCTAssertEqual(source.offset(of: position, in: encoding), lr, "\(encoding) back", file: file, line: line)
        }
    }

    func testUnitsOfWhatPrecedesTheTarget() {
        assertPositions(before: "", units: (0, 0, 0))
        assertPositions(before: "\t", units: (1, 1, 1))           // a tab is one unit, whatever its display width
        assertPositions(before: "\t\t", units: (2, 2, 2))
        assertPositions(before: "é", units: (2, 1, 1))
        assertPositions(before: "e\u{301}", units: (3, 2, 2))     // e + combining acute: two scalars
        assertPositions(before: "中文", units: (6, 2, 2))
        assertPositions(before: "😀", units: (4, 2, 1))           // outside the BMP: a surrogate pair
        assertPositions(before: "\té中😀", units: (1 + 2 + 3 + 4, 1 + 1 + 1 + 2, 4))
    }

    func testCharacterPastTheLineEndMeansTheLineEnd() {
        let text = "ab\r\ncd\nef"
        let source = SourceFile(path: "crlf", text: text)
        for encoding in PositionEncoding.allCases {
            XCTAssertEqual(source.offset(of: Position(line: 0, character: 2), in: encoding), 2)
            XCTAssertEqual(source.offset(of: Position(line: 0, character: 99), in: encoding), 2, "before the \\r\\n")
            XCTAssertEqual(source.offset(of: Position(line: 1, character: 99), in: encoding), 6)
            XCTAssertEqual(source.offset(of: Position(line: 2, character: 99), in: encoding), 9, "last line without newline")
            XCTAssertEqual(source.offset(of: Position(line: 1, character: -3), in: encoding), 4)
            XCTAssertEqual(source.offset(of: Position(line: 7, character: 0), in: encoding), 9, "a line past the end is the end")
            XCTAssertEqual(source.offset(of: Position(line: -1, character: 5), in: encoding), 0)
        }
        XCTAssertEqual(source.position(of: 4, in: .utf16), Position(line: 1, character: 0), "after \\r\\n")
        XCTAssertEqual(source.position(of: 9, in: .utf8), Position(line: 2, character: 2))
    }

    func testAPositionInsideACharacterMeansItsStart() {
        let source = SourceFile(path: "e", text: "😀x")
        XCTAssertEqual(source.offset(of: Position(line: 0, character: 1), in: .utf16), 0, "between the surrogates")
        XCTAssertEqual(source.offset(of: Position(line: 0, character: 2), in: .utf16), 4)
        XCTAssertEqual(source.offset(of: Position(line: 0, character: 3), in: .utf8), 0, "inside the UTF-8 sequence")
        XCTAssertEqual(source.offset(of: Position(line: 0, character: 1), in: .utf32), 4)
        XCTAssertEqual(source.position(of: 2, in: .utf16), Position(line: 0, character: 0), "an offset inside moves back")
    }

    func testEmptyFileAndFinalNewline() {
        let empty = SourceFile(path: "empty", text: "")
        for encoding in PositionEncoding.allCases {
            XCTAssertEqual(empty.position(of: 0, in: encoding), Position(line: 0, character: 0))
            XCTAssertEqual(empty.offset(of: Position(line: 0, character: 4), in: encoding), 0)
            XCTAssertEqual(empty.offset(of: Position(line: 1, character: 0), in: encoding), 0)
        }
        let ended = SourceFile(path: "n", text: "a\n")
        XCTAssertEqual(ended.position(of: 2, in: .utf16), Position(line: 1, character: 0), "after the final newline: line 1")
        XCTAssertEqual(ended.offset(of: Position(line: 1, character: 0), in: .utf16), 2)
    }

    /// Every character boundary survives offset → position → offset, in every encoding.
    func testRoundTripsOverMixedText() {
        let text = "# é 中 😀\r\n\tlr\t0.1  # 👍🏽 e\u{301}\rbatch 128\n\nat epoch 1: lr /= 2"
        let source = SourceFile(path: "mixed", text: text)
        var boundaries: [Int] = []
        var cursor = 0
        for scalar in text.unicodeScalars {
            boundaries.append(cursor)
            cursor += UTF8.width(scalar)
        }
        boundaries.append(cursor)
        let insideCRLF = offset(of: "\r\n", in: text) + 1
        for encoding in PositionEncoding.allCases {
            var previous: Position?
            for boundary in boundaries where boundary != insideCRLF {
                let position = source.position(of: boundary, in: encoding)
                XCTAssertEqual(source.offset(of: position, in: encoding), boundary, "\(encoding) at \(boundary)")
                if let previous { XCTAssertLessThan(previous, position, "positions increase with offsets") }
                previous = position
            }
        }
    }
}

final class TextEditTests: XCTestCase {
    func edit(_ start: Int, _ end: Int, _ text: String) -> TextEdit {
        TextEdit(range: SourceRange(start: start, end: end), newText: text)
    }

    func apply(_ edits: [TextEdit], to text: String) -> Result<String, TextEditError> {
        Result { () throws(TextEditError) -> String in try TextEdit.apply(edits, to: text).text }
    }

    func testEditsApplyAgainstTheOriginalTextInAnyOrder() throws {
        let text = "lr 0.1\nbatch 128\n"
        let edits = [edit(13, 16, "256"), edit(0, 2, "learning"), edit(7, 7, "# b\n")]
        XCTAssertEqual(try TextEdit.apply(edits, to: text).text, "learning 0.1\n# b\nbatch 256\n")
        XCTAssertEqual(try TextEdit.apply(edits.reversed(), to: text).text, "learning 0.1\n# b\nbatch 256\n")
        XCTAssertEqual(try TextEdit.apply([], to: text).text, text)
    }

    func testInsertedRangesFollowTheGivenOrder() throws {
        let result = try TextEdit.apply([edit(3, 6, "é"), edit(0, 0, ">>")], to: "lr 0.1")
        XCTAssertEqual(result.text, ">>lr é")
        XCTAssertEqual(result.insertedRanges, [SourceRange(start: 5, end: 7), SourceRange(start: 0, end: 2)])
    }

    func testInsertionsAtOnePlaceKeepTheirOrderAndMayTouchAReplacement() throws {
        XCTAssertEqual(try TextEdit.apply([edit(2, 2, "a"), edit(2, 2, "b")], to: "xxyy").text, "xxabyy")
        XCTAssertEqual(try TextEdit.apply([edit(2, 4, "Z"), edit(2, 2, "<"), edit(4, 4, ">")], to: "xxyy").text, "xx<Z>")
        XCTAssertEqual(try TextEdit.apply([edit(0, 2, ""), edit(2, 4, "")], to: "xxyy").text, "")
    }

    func testOverlapsAreRefused() {
        let text = "abcdef"
        XCTAssertEqual(apply([edit(0, 3, "x"), edit(2, 4, "y")], to: text), .failure(.overlap(edit(0, 3, "x"), edit(2, 4, "y"))))
        XCTAssertEqual(apply([edit(1, 5, "x"), edit(3, 3, "y")], to: text), .failure(.overlap(edit(1, 5, "x"), edit(3, 3, "y"))),
                       "an insertion strictly inside a replaced range")
        XCTAssertEqual(apply([edit(1, 2, "x"), edit(1, 2, "y")], to: text), .failure(.overlap(edit(1, 2, "x"), edit(1, 2, "y"))))
        XCTAssertEqual(apply([edit(0, 6, "x"), edit(5, 6, "y"), edit(9, 9, "z")], to: text),
                       .failure(.outOfRange(edit(9, 9, "z"), textLength: 6)), "range errors are reported first")
    }

    func testRangesOutsideTheTextOrInsideACharacterAreRefused() {
        XCTAssertEqual(apply([edit(0, 7, "")], to: "abcdef"), .failure(.outOfRange(edit(0, 7, ""), textLength: 6)))
        XCTAssertEqual(apply([edit(3, 3, "")], to: ""), .failure(.outOfRange(edit(3, 3, ""), textLength: 0)))
        // "é" is bytes 0..<2, "😀" 2..<6.
        XCTAssertEqual(apply([edit(1, 2, "e")], to: "é😀"), .failure(.splitsCharacter(edit(1, 2, "e"))))
        XCTAssertEqual(apply([edit(2, 4, "")], to: "é😀"), .failure(.splitsCharacter(edit(2, 4, ""))))
        XCTAssertEqual(apply([edit(2, 6, ":)")], to: "é😀"), .success("é:)"))
        XCTAssertEqual(apply([edit(0, 0, "x")], to: ""), .success("x"))
    }

    /// Edits made from editor positions land where the editor meant, whatever precedes them.
    func testEditsAtPositionsAfterWideCharacters() throws {
        let text = "# 中 😀\r\n\tlr 0.1\n"
        let source = SourceFile(path: "w", text: text)
        for encoding in PositionEncoding.allCases {
            let start = source.offset(of: Position(line: 1, character: 1), in: encoding)
            let end = source.offset(of: Position(line: 1, character: 3), in: encoding)
            XCTAssertEqual(try TextEdit.apply([edit(start, end, "momentum")], to: text).text, "# 中 😀\r\n\tmomentum 0.1\n")
        }
    }
}
