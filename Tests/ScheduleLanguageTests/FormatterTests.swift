import TestSupport
import XCTest
@testable import ScheduleLanguage

/// The formatter: goldens (Golden/format/NAME.sched → NAME.formatted), and properties checked
/// over every sample, every golden case without syntax errors, generated sentences and
/// mutants: idempotent, keeps every comment, keeps the meaning, refuses syntax errors.
final class FormatterTests: XCTestCase {
    func format(_ text: String) throws -> String {
        try ScheduleFormatter.format(SourceFile(path: "f.sched", text: text))
    }

    func testGoldens() throws {
        let cases = TestFiles.formatCases
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for url in cases {
            let formatted = try format(TestFiles.read(url))
            let expectedURL = url.deletingPathExtension().appendingPathExtension("formatted")
            if TestFiles.updatingGoldens {
                try formatted.write(to: expectedURL, atomically: true, encoding: .utf8)
                continue
            }
            let expected = try String(contentsOf: expectedURL, encoding: .utf8)
            XCTAssertEqual(formatted, expected, "\(url.lastPathComponent) (SCHEDC_UPDATE_GOLDEN=1 regenerates it)")
        }
    }

    func testSamplesAreAlreadyFormatted() throws {
        for url in TestFiles.samples {
            let text = TestFiles.read(url)
            XCTAssertEqual(try format(text), text, url.lastPathComponent)
        }
    }

    /// Every text we can get hold of without syntax errors.
    func corpus() -> [(name: String, text: String)] {
        var texts = TestFiles.samples.map { ($0.lastPathComponent, TestFiles.read($0)) }
        texts += TestFiles.formatCases.map { ($0.lastPathComponent, TestFiles.read($0)) }
        texts += TestFiles.diagnosticCases.filter { !$0.expectsSyntaxError }.map { ($0.name, $0.text) }
        var generator = SentenceGenerator(grammar: TestFiles.grammar, seed: 5)
        texts += (0..<150).map { ("generated #\($0)", generator.file()) }
        var mutator = Mutator(seed: 3)
        let samples = TestFiles.samples.map(TestFiles.read)
        for index in 0..<600 {
            let mutant = mutator.mutate(samples[index % samples.count])
            if !Parser.parse(SourceFile(path: "m", text: mutant)).hasSyntaxErrors { texts.append(("mutant #\(index)", mutant)) }
        }
        return texts
    }

    func testIdempotentCommentPreservingAndMeaningPreserving() throws {
        let texts = corpus()
        XCTAssertGreaterThan(texts.count, 250)
        for (name, text) in texts {
            let once = try format(text)
            let twice = try format(once)
            XCTAssertEqual(twice, once, "\(name): formatting twice moves text")
            XCTAssertEqual(comments(once), comments(text).map(ScheduleFormatter.trimTrailingSpace), "\(name): comments")
            let before = ScheduleCompiler.compile(SourceFile(path: "f", text: text))
            let after = ScheduleCompiler.compile(SourceFile(path: "f", text: once))
            XCTAssertEqual(after.diagnostics.map(\.code), before.diagnostics.map(\.code), "\(name): diagnostics changed")
            XCTAssertEqual(before.program.map(withoutRanges), after.program.map(withoutRanges), "\(name): meaning changed")
        }
    }

    func comments(_ text: String) -> [String] {
        let source = SourceFile(path: "c", text: text)
        return Lexer.tokenize(source).compactMap { $0.comment.map(source.slice) }
    }

    func withoutRanges(_ program: CheckedProgram) -> CheckedProgram {
        var copy = program
        copy.settingRanges = [:]
        copy.events = copy.events.map {
            var event = $0
            event.range = .at(0)
            event.timeRange = .at(0)
            return event
        }
        copy.adaptive?.range = .at(0)
        copy.adaptive?.argumentRanges = [:]
        return copy
    }

    func testRefusesFilesWithSyntaxErrors() {
        XCTAssertThrowsError(try format("lr = 0.1\n")) { error in
            XCTAssertEqual((error as? ScheduleFormatter.Refused)?.diagnostics.map(\.code), [.settingWithEqualsOrColon])
        }
    }

    func testCanonicalDetails() throws {
        XCTAssertEqual(try format("schedule   x\n"), "schedule x\n")
        XCTAssertEqual(try format("lr 0.1"), "lr          0.1\n")
        XCTAssertEqual(try format("weight_decay 0\n"), "weight_decay 0\n")
        XCTAssertEqual(try format("a_very_long_name 1\n"), "a_very_long_name 1\n")
        XCTAssertEqual(try format("at epochs 1,2 : noise/=2\n"), "at epoch 1, 2: noise /= 2\n")
        XCTAssertEqual(try format("every 1 epochs: lr *= 2\nevery 2 epoch: lr *= 2\n"),
                       "every 1 epoch: lr *= 2\nevery 2 epochs: lr *= 2\n")
        XCTAssertEqual(try format("at 5 %: lr = - 1\n"), "at 5%: lr = -1\n")
        XCTAssertEqual(try format("\n\n# c\n\n\n\nlr 1\n\n"), "# c\n\nlr          1\n")
        XCTAssertEqual(try format("a 1 # x\nbb 22 # y\n\nccc 333 # z\n"),
                       "a           1  # x\nbb          22 # y\n\nccc         333 # z\n")
        XCTAssertEqual(try format(""), "")
    }
}
