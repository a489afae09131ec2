import XCTest
@testable import ScheduleLanguage

final class ParserTests: XCTestCase {
    func parse(_ text: String) -> SyntaxTree { Parser.parse(SourceFile(path: "t.sched", text: text)) }

    func codes(_ text: String) -> [String] { parse(text).diagnostics.map(\.code.rawValue) }

    func testSettingsAndValues() {
        let tree = parse("data cifar10(subset: 1000)\nmodel mlp(hidden: [512, 256])\nwarmup 5 epochs\nlr -0.1\n")
        XCTAssertTrue(tree.diagnostics.isEmpty)
        XCTAssertEqual(tree.statements.count, 4)
        guard case .setting(let data) = tree.statements[0], case .name(let name, let arguments?) = data.values[0] else {
            return XCTFail("data")
        }
        XCTAssertEqual(name.text, "cifar10")
        XCTAssertEqual(arguments.arguments.first?.label?.text, "subset")
        guard case .setting(let model) = tree.statements[1], case .name(_, let mlp?) = model.values[0],
              case .list(let list) = mlp.arguments[0].value else { return XCTFail("model") }
        XCTAssertEqual(list.elements.count, 2)
        guard case .setting(let warmup) = tree.statements[2] else { return XCTFail("warmup") }
        XCTAssertEqual(warmup.values.count, 2)
        guard case .setting(let lr) = tree.statements[3], case .number(let number) = lr.values[0] else { return XCTFail("lr") }
        XCTAssertTrue(number.isNegative)
        XCTAssertEqual(number.value, -0.1)
    }

    func testEvents() {
        let tree = parse("at epoch 60, 120: noise /= 5\nat 25%, 50%: lr *= 0.5\nat step 10: lr = 0.5, keep noise\n"
                         + "every 20 epochs from 20 until 100: batch *= 2\n")
        XCTAssertTrue(tree.diagnostics.isEmpty, "\(tree.diagnostics)")
        guard case .at(let first) = tree.statements[0] else { return XCTFail() }
        XCTAssertEqual(first.unit?.unit, .epoch)
        XCTAssertEqual(first.times.map(\.number.value), [60, 120])
        XCTAssertEqual(first.action?.operation, .divide)
        guard case .at(let percent) = tree.statements[1] else { return XCTFail() }
        XCTAssertNil(percent.unit)
        XCTAssertTrue(percent.times.allSatisfy(\.isPercent))
        guard case .at(let keep) = tree.statements[2] else { return XCTFail() }
        XCTAssertNotNil(keep.action?.keepNoise)
        guard case .every(let every) = tree.statements[3] else { return XCTFail() }
        XCTAssertEqual(every.interval.value, 20)
        XCTAssertEqual(every.from?.value, 20)
        XCTAssertEqual(every.until?.value, 100)
    }

    func testFiveMistakesOnFiveLinesGiveFiveDiagnostics() {
        let text = """
        lr = 0.1
        batch 1.2.3
        at epoch 60 120: noise /= 5
        at epoch 10: noise / 5
        optimizer sgd(momentum: 0.9
        """
        XCTAssertEqual(codes(text), ["S014", "S002", "S007", "S012", "S006"])
    }

    func testOneErrorPerLine() {
        XCTAssertEqual(codes("lr @ $ % ^\nbatch ) ) )\n"), ["S001", "S004"])
    }

    func testCertainRecoveriesKeepTheStatement() {
        // A missing ':' with the action following: reported once, the event is still complete.
        let tree = parse("at epoch 60 noise /= 5\n")
        XCTAssertEqual(tree.diagnostics.map(\.code.rawValue), ["S008"])
        guard case .at(let event) = tree.statements[0] else { return XCTFail() }
        XCTAssertTrue(event.isComplete)
        XCTAssertEqual(event.action?.target.text, "noise")
        XCTAssertEqual(tree.diagnostics[0].fixIts.first?.edits.first?.newText, ":")
    }

    func testGuessedRecoveriesMarkTheStatementIncomplete() {
        let tree = parse("at 60: noise /= 5\n")
        XCTAssertEqual(tree.diagnostics.map(\.code.rawValue), ["S009"])
        guard case .at(let event) = tree.statements[0] else { return XCTFail() }
        XCTAssertFalse(event.isComplete)
        XCTAssertEqual(tree.diagnostics[0].fixIts.first?.edits.first?.newText, "epoch ")
    }

    func testFixItsForCommonSlips() {
        XCTAssertEqual(parse("at epoch 1: noise / 5").diagnostics.first?.fixIts.first?.edits.first?.newText, "/=")
        XCTAssertEqual(parse("at epoch 1: noise * = 5").diagnostics.first?.fixIts.first?.edits.first?.newText, "*=")
        XCTAssertEqual(parse("at epohc 1: noise /= 5").diagnostics.first?.fixIts.first?.edits.first?.newText, "epoch")
        XCTAssertEqual(parse("every 20epochs: noise /= 5").diagnostics.first?.fixIts.first?.edits.first?.newText, " ")
        XCTAssertEqual(parse("lr 1.5k").diagnostics.first?.fixIts.first?.edits.first?.newText, "1500")
        XCTAssertEqual(parse("lr 0.1;").diagnostics.first?.code, .unexpectedCharacter)
        XCTAssertEqual(parse("at epoch 1: lr = 0.5, keep nosie").diagnostics.first?.fixIts.first?.edits.first?.newText, "noise")
        XCTAssertEqual(parse("lr − 0.1").diagnostics.first?.fixIts.first?.edits.first?.newText, "-")
    }

    func testMissingTokensAtTheEndOfTheLinePointJustAfterTheLastToken() {
        let tree = parse("optimizer sgd(momentum: 0.9   \n")
        let diagnostic = tree.diagnostics[0]
        XCTAssertEqual(diagnostic.code, .unclosedBracket)
        XCTAssertEqual(diagnostic.range, .at("optimizer sgd(momentum: 0.9".utf8.count))
        XCTAssertEqual(diagnostic.notes.first?.range, SourceRange(start: 13, end: 14))
    }

    func testEmptyAndCommentOnlyFiles() {
        XCTAssertTrue(parse("").statements.isEmpty)
        XCTAssertTrue(parse("# only a comment").diagnostics.isEmpty)
        XCTAssertTrue(parse("\n\n\r\n").statements.isEmpty)
    }

    func testLineStartingWithSomethingElse() {
        let tree = parse("60: noise /= 5\nlr 0.1\n")
        XCTAssertEqual(tree.diagnostics.map(\.code.rawValue), ["S003"])
        XCTAssertEqual(tree.statements.count, 2)
        if case .invalid = tree.statements[0] {} else { XCTFail("first line is invalid") }
    }
}

/// `adapt batch(...)`: a setting whose values' own arguments may be spans.
final class AdaptiveParserTests: XCTestCase {
    func parse(_ text: String) -> SyntaxTree { Parser.parse(SourceFile(path: "t.sched", text: text)) }

    func codes(_ text: String) -> [String] { parse(text).diagnostics.map(\.code.rawValue) }

    func testSpansCarryTheirUnit() throws {
        let text = "adapt batch(every: 50 steps, gap: -1.5 epoch, keep: lr, smoothing: 0.9)\n"
        let tree = parse(text)
        XCTAssertEqual(tree.diagnostics, [])
        guard case .setting(let adapt) = tree.statements[0], case .name(let target, let arguments?) = adapt.values[0] else {
            return XCTFail("adapt")
        }
        XCTAssertEqual(adapt.name.text, "adapt")
        XCTAssertEqual(target.text, "batch")
        XCTAssertEqual(arguments.arguments.map { $0.unit?.unit }, [.step, .epoch, nil, nil])
        XCTAssertEqual(arguments.arguments.map { tree.source.slice($0.range) }, ["every: 50 steps", "gap: -1.5 epoch", "keep: lr", "smoothing: 0.9"])
        XCTAssertEqual(tree.reconstructedText(), text)
    }

    func testOnlyTheTopLevelArgumentsOfAdaptAreSpans() {
        XCTAssertEqual(codes("adapt batch(every: 50 steps)\n"), [])
        XCTAssertEqual(codes("x batch(every: 50 steps)\n"), ["S007"])
        XCTAssertEqual(codes("warmup 5 epochs\noptimizer sgd(momentum: 5 steps)\n"), ["S007"])
        XCTAssertEqual(codes("adapt batch(every: x(50 steps))\n"), ["S007"])
        XCTAssertEqual(codes("adapt [50 steps]\n"), ["S007"])
        // A unit after a name is not a span: `keep: lr steps` is two values.
        XCTAssertEqual(codes("adapt batch(keep: lr steps)\n"), ["S007"])
        // The span mode ends with the statement.
        XCTAssertEqual(codes("adapt batch(every: 1 step)\nx y(z: 1 step)\n"), ["S007"])
    }

    func testAMisspeltUnitIsAnUnknownTimeUnitWithAFix() throws {
        let tree = parse("adapt batch(every: 50 updates)\n")
        let diagnostic = try XCTUnwrap(tree.diagnostics.first)
        XCTAssertEqual(diagnostic.code, .timeUnit)
        XCTAssertEqual(diagnostic.message, "unknown time unit 'updates'")
        XCTAssertEqual(diagnostic.fixIts.first?.edits.first?.newText, "steps")
        XCTAssertEqual(codes("adapt batch(every: 2 epocs)\n"), ["S009"])
        XCTAssertEqual(parse("adapt batch(every: 2 epocs)\n").diagnostics.first?.fixIts.first?.edits.first?.newText, "epochs")
        XCTAssertEqual(parse("adapt batch(every: 2 wombats)\n").diagnostics.first?.fixIts, [])
    }
}
