import XCTest
import ScheduleAnalysis
import ScheduleLanguage
import SchedulePlanner

/// The analysis core on the golden cases and on small documents: which diagnostics each
/// depth reports, the program and plan it gives, fix-its, formatting edits, re-analysis.
final class AnalysisTests: XCTestCase {
    static let withoutPlanning = AnalysisOptions(depth: .semantics, lints: true)

    func testEveryCaseReportsExactlyItsDeclaredCodes() {
        let cases = GoldenCase.all
        XCTAssertGreaterThanOrEqual(cases.count, 60)
        for golden in cases {
            XCTAssertTrue(golden.header.hasExpectLine, "\(golden.name) declares no expectation")
            XCTAssertEqual(golden.unknownCodes, [], "\(golden.name) declares codes that do not exist")
            let unplanned = Analysis(golden.document, options: Self.withoutPlanning)
            XCTAssertEqual(unplanned.diagnostics.map(\.code).sorted(), golden.expected, golden.name)
            let full = Analysis(golden.document, options: .lint)
            XCTAssertEqual(full.diagnostics.map(\.code).sorted(), (golden.expected + golden.expectedFromPlanning).sorted(), golden.name)
            let frontEndError = golden.expected.contains { $0.defaultSeverity == .error }
            XCTAssertEqual(full.program == nil, frontEndError, "\(golden.name): a program exactly when the front end found no error")
            XCTAssertEqual(full.plan == nil, full.hasErrors, "\(golden.name): a plan exactly when there is no error")
            for diagnostic in full.diagnostics {
                XCTAssertEqual(diagnostic.severity, diagnostic.code.defaultSeverity, "\(golden.name): \(diagnostic.code)")
            }
            XCTAssertEqual(full.diagnostics, full.diagnostics.sortedByPosition(), golden.name)
        }
    }

    /// Fix-its repair what the front end and the static lints report (the plan-based lints
    /// carry none).
    func testApplyingTheFixItsRepairsTheCasesThatSaySo() throws {
        let marked = GoldenCase.all.filter(\.fixItsClean)
        XCTAssertGreaterThanOrEqual(marked.count, 20)
        for golden in marked {
            let analysis = Analysis(golden.document, options: Self.withoutPlanning)
            XCTAssertTrue(analysis.diagnostics.allSatisfy { !$0.fixIts.isEmpty }, "\(golden.name): a diagnostic without a fix-it")
            // As an editor would: each diagnostic's first fix-it, skipping one that overlaps an earlier one.
            var accepted: [TextEdit] = []
            for fixIt in analysis.diagnostics.compactMap(\.fixIts.first) {
                if (try? TextEdit.apply(accepted + fixIt.edits, to: golden.text)) != nil { accepted += fixIt.edits }
            }
            let fixed = try TextEdit.apply(accepted, to: golden.text).text
            let after = Analysis(Document(path: golden.name, text: fixed), options: Self.withoutPlanning)
            XCTAssertEqual(after.diagnostics.map { "\($0.code) \($0.message)" }, [], "\(golden.name) after its fix-its:\n\(fixed)")
        }
    }

    let schedule = """
    schedule small
    data        cifar10
    model       cnn
    epochs      30
    lr          0.1
    batch       128
    max_batch   128
    ghost_batch 128
    at epoch 10, 20: noise /= 5

    """

    func testDepthsAndLints() throws {
        let document = Document(path: "small.sched", text: schedule)
        let syntax = Analysis(document, options: .format)
        XCTAssertNil(syntax.program)
        XCTAssertNil(syntax.plan)
        XCTAssertEqual(syntax.diagnostics, [])
        XCTAssertFalse(syntax.tokens.isEmpty)

        let checked = Analysis(document, options: .check)
        XCTAssertNotNil(checked.program)
        XCTAssertNil(checked.plan, "check does not plan")
        XCTAssertEqual(checked.diagnostics, [], "check runs no lints")

        let planned = Analysis(document, options: .plan)
        XCTAssertEqual(planned.plan, try Planner.plan(XCTUnwrap(checked.program)))
        XCTAssertEqual(planned.diagnostics, [])

        // increase_batch with B already at max_batch: S203 (a policy lint, the planner's) and
        // S303 is not repeated for each decay.
        let linted = Analysis(document, options: .lint)
        XCTAssertEqual(linted.diagnostics.map(\.code), [.policyCannotGrowBatch])
        XCTAssertNotNil(linted.plan, "warnings do not stop planning")
    }

    func testErrorsStopBeforeThePlan() {
        let broken = Analysis(Document(path: "b.sched", text: schedule + "lerning_rate 0.1\n"), options: .lint)
        XCTAssertEqual(broken.diagnostics.map(\.code), [.unknownSetting])
        XCTAssertNil(broken.program)
        XCTAssertNil(broken.plan)

        let tiny = schedule.replacingOccurrences(of: "lr          0.1", with: "lr          1e-300")
        let unplannable = Analysis(Document(path: "u.sched", text: tiny + "at epoch 25: lr /= 1e300\n"), options: .plan)
        XCTAssertEqual(unplannable.diagnostics.map(\.code), [.cannotBePlanned])
        XCTAssertNotNil(unplannable.program, "the program checked; only lowering failed")
        XCTAssertNil(unplannable.plan)
    }

    /// A pure function of the document: the same text gives the same result, an edited text
    /// its own, whatever was analysed before.
    func testReanalysingAnEditedDocument() throws {
        var document = Document(path: "e.sched", text: schedule, version: 1)
        let first = Analysis(document, options: .lint)
        let range = try XCTUnwrap(schedule.range(of: "128\nghost"))
        let offset = schedule.utf8.distance(from: schedule.utf8.startIndex, to: range.lowerBound)
        document.text = try TextEdit.apply([TextEdit(range: SourceRange(start: offset, end: offset + 3), newText: "5120")], to: schedule).text
        document.version = 2
        let second = Analysis(document, options: .lint)
        XCTAssertEqual(second.document.version, 2)
        XCTAssertEqual(second.diagnostics.map(\.code), [])
        XCTAssertNotEqual(first.plan, second.plan)
        let again = Analysis(Document(path: "e.sched", text: schedule, version: 1), options: .lint)
        XCTAssertEqual(again.diagnostics, first.diagnostics)
        XCTAssertEqual(again.plan, first.plan)
    }

    func testFormattingEdits() throws {
        let messy = "schedule   m\ndata cifar10 # the data\r\nepochs 30\nlr .10\nbatch 128"
        let analysis = Analysis(Document(path: "m.sched", text: messy), options: .format)
        let edits = try XCTUnwrap(analysis.formattingEdits)
        XCTAssertEqual(edits.count, 1)
        XCTAssertEqual(try TextEdit.apply(edits, to: messy).text, analysis.formatted)
        XCTAssertGreaterThan(edits[0].range.start, 0, "the unchanged start is left alone")

        let formatted = try XCTUnwrap(analysis.formatted)
        XCTAssertEqual(Analysis(Document(path: "f.sched", text: formatted), options: .format).formattingEdits, [])
        let broken = Analysis(Document(path: "x.sched", text: "lr = 0.1\n"), options: .format)
        XCTAssertNil(broken.formattingEdits)
        XCTAssertNil(broken.formatted)
        XCTAssertEqual(broken.diagnostics.map(\.code), [.settingWithEqualsOrColon])
    }

    func testFormattingEditsKeepWideCharactersWhole() throws {
        // The formatter moves the comment; the edit must not start inside "中" or "😀".
        let text = "# 中😀\nlr    0.1 # 中😀\n"
        let analysis = Analysis(Document(path: "w.sched", text: text), options: .format)
        let edits = try XCTUnwrap(analysis.formattingEdits)
        XCTAssertEqual(try TextEdit.apply(edits, to: text).text, analysis.formatted)
    }
}

/// The analysis on broken documents: every golden case and sample with each line deleted in
/// turn. Whatever the text, the analysis answers (no crash), its diagnostics lie inside the
/// document, a program comes exactly when the front end found no error and a plan exactly
/// when nothing did.
final class AnalysisRobustnessTests: XCTestCase {
    func testLineDeletionsOfEveryCaseAndSample() {
        let paths = Repository.files(under: GoldenCase.directory, extensions: ["sched"])
            + Repository.files(under: "Samples", extensions: ["sched"])
        XCTAssertGreaterThan(paths.count, 70)
        var analysed = 0
        for path in paths {
            let lines = Repository.read(path).split(separator: "\n", omittingEmptySubsequences: false)
            for deleted in lines.indices {
                var mutant = lines
                mutant.remove(at: deleted)
                let analysis = Analysis(Document(path: "m.sched", text: mutant.joined(separator: "\n")), options: .lint)
                analysed += 1
                let size = analysis.source.bytes.count
                let context = "\(path) without line \(deleted + 1)"
                for diagnostic in analysis.diagnostics {
                    let ranges = [diagnostic.range] + diagnostic.notes.compactMap(\.range) + diagnostic.fixIts.flatMap(\.edits).map(\.range)
                    XCTAssertTrue(ranges.allSatisfy { $0.start >= 0 && $0.end <= size }, "\(context): \(diagnostic.code) outside the file")
                }
                let frontEndError = analysis.diagnostics.contains { $0.severity == .error && $0.code != .cannotBePlanned }
                XCTAssertEqual(analysis.program == nil, frontEndError, context)
                XCTAssertEqual(analysis.plan == nil, analysis.hasErrors, context)
            }
        }
        XCTAssertGreaterThan(analysed, 500)
    }
}
