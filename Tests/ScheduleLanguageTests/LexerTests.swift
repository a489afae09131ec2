import XCTest
@testable import ScheduleLanguage

final class LexerTests: XCTestCase {
    /// Lexing a run of lines gives the whole text's tokens for those lines, whatever the line
    /// ends (\n, \r\n, a lone \r), byte-order marks, comments and malformed numbers.
    func testLexingARunOfLinesGivesTheWholeTextsTokensThere() {
        let texts = ["\u{FEFF}schedule a\r\nlr 0.1  # ε\rbatch 1.2.3\n\nat epoch 5: lr *= 0.5\r\n# end",
                     "x\n\r\n\r\r\n y # z\n", "", "one line without an end", "at 50%: noise /= 2\n\n"]
        var compared = 0
        for text in texts {
            let source = SourceFile(path: "t.sched", text: text)
            let all = Lexer.tokenize(source)
            let starts = source.lineStarts + [source.bytes.count + 1]
            for first in source.lineStarts.indices {
                for end in starts[(first + 1)...] {
                    let expected = all.filter { $0.leadingTrivia.start >= starts[first] && ($0.leadingTrivia.start < end || end > source.bytes.count && $0.kind == .endOfFile) }
                    XCTAssertEqual(Lexer.tokenize(source, lines: starts[first]..<end), expected, "\(text.debugDescription) lines from \(starts[first]) to \(end)")
                    compared += 1
                }
            }
        }
        XCTAssertGreaterThan(compared, 30)
    }

    func kinds(_ text: String) -> [TokenKind] {
        Lexer.tokenize(SourceFile(path: "t", text: text)).map(\.kind)
    }

    func testTokenKinds() {
        XCTAssertEqual(kinds("at epoch 60, 120: noise /= 5\n"),
                       [.identifier, .identifier, .number, .comma, .number, .colon, .identifier, .slashEquals, .number,
                        .newline, .endOfFile])
        XCTAssertEqual(kinds("a*=b*c/d=e+f-g%[](),"),
                       [.identifier, .starEquals, .identifier, .star, .identifier, .slash, .identifier, .equals, .identifier,
                        .plus, .identifier, .minus, .identifier, .percent, .leftBracket, .rightBracket, .leftParen, .rightParen,
                        .comma, .endOfFile])
        XCTAssertEqual(kinds("lr -5e-4 .5 50k"), [.identifier, .minus, .number, .number, .number, .endOfFile])
        XCTAssertEqual(kinds("a\r\nb\rc\n"), [.identifier, .newline, .identifier, .newline, .identifier, .newline, .endOfFile])
    }

    func testCommentsAndSpacesAreTriviaOfTheNextToken() {
        let source = SourceFile(path: "t", text: "lr 0.1  # the rate ε\nbatch")
        let tokens = Lexer.tokenize(source)
        XCTAssertEqual(tokens.map(\.kind), [.identifier, .number, .newline, .identifier, .endOfFile])
        XCTAssertEqual(source.slice(tokens[2].comment!), "# the rate ε")
        XCTAssertEqual(source.slice(tokens[2].leadingTrivia), "  # the rate ε")
        XCTAssertNil(tokens[3].comment)
    }

    func testMalformedNumbersAreOneTokenEach() {
        for text in ["1.2.3", "5e", "1.5k", "1.", "12abc", "0x10", "1e5k"] {
            let tokens = Lexer.tokenize(SourceFile(path: "t", text: text))
            XCTAssertEqual(tokens.count, 2, text)
            XCTAssertEqual(tokens[0].kind, .number, text)
            XCTAssertTrue(tokens[0].isMalformed, text)
            XCTAssertEqual(tokens[0].range.end - tokens[0].range.start, text.utf8.count, text)
        }
        // A sign after the exponent belongs to the number only when a digit follows.
        XCTAssertEqual(kinds("5e+"), [.number, .plus, .endOfFile])
        for text in ["128", "50k", "50K", "0.1", ".5", "5e-4", "5E+04", "1.5e3"] {
            let tokens = Lexer.tokenize(SourceFile(path: "t", text: text))
            XCTAssertEqual(tokens.count, 2, text)
            XCTAssertFalse(tokens[0].isMalformed, text)
        }
    }

    func testUnknownCharactersCoverWholeScalars() {
        let source = SourceFile(path: "t", text: "lr ε0.1 @")
        let tokens = Lexer.tokenize(source)
        XCTAssertEqual(tokens.map(\.kind), [.identifier, .unknown, .number, .unknown, .endOfFile])
        XCTAssertEqual(source.slice(tokens[1].range), "ε")
        XCTAssertEqual(tokens[1].range.end - tokens[1].range.start, 2)
    }

    func testTokensAndTriviaCoverEveryByte() {
        let text = "\u{FEFF}# head\n\tlr\t0.1 # x\r\n\n  at 50%: noise /= 2 @ é"
        let source = SourceFile(path: "t", text: text)
        let tokens = Lexer.tokenize(source)
        var expected = 0
        for token in tokens {
            XCTAssertEqual(token.leadingTrivia.start, expected)
            XCTAssertEqual(token.leadingTrivia.end, token.range.start)
            expected = token.range.end
        }
        XCTAssertEqual(expected, source.bytes.count)
        XCTAssertEqual(Parser.parse(source).reconstructedText(), text)
    }
}
