import XCTest
@testable import ScheduleLanguage

/// The golden cases (Golden/diagnostics/*.sched) checked in-process: each reports exactly the
/// codes its `# expect:` line declares, fix-its repair the cases that say so, and every
/// diagnostic is well-formed. (Their rendered text and JSON are compared with the expected
/// files by SchedcCLITests/LintGoldenTests, through the real executable.)
final class GoldenCaseTests: XCTestCase {
    func testEveryCaseReportsExactlyItsDeclaredCodes() {
        let cases = TestFiles.diagnosticCases
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for golden in cases {
            XCTAssertTrue(golden.text.contains("# expect:"), "\(golden.name) declares no expectation")
            let result = ScheduleCompiler.compile(golden.source)
            XCTAssertEqual(result.diagnostics.map(\.code).sorted(), golden.expectedCodes, golden.name)
            XCTAssertEqual(result.program == nil, result.diagnostics.contains { $0.severity == .error }, golden.name)
        }
    }

    func testApplyingTheFixItsRepairsTheCasesThatSaySo() {
        let marked = TestFiles.diagnosticCases.filter(\.fixItsClean)
        XCTAssertGreaterThanOrEqual(marked.count, 20)
        for golden in marked {
            let result = ScheduleCompiler.compile(golden.source)
            XCTAssertTrue(result.diagnostics.allSatisfy { !$0.fixIts.isEmpty }, "\(golden.name): a diagnostic without a fix-it")
            let fixed = FixItApplier.apply(result.diagnostics.compactMap(\.fixIts.first), to: golden.text)
            let after = ScheduleCompiler.compile(SourceFile(path: golden.name, text: fixed))
            XCTAssertEqual(after.diagnostics.map { "\($0.code) \($0.message)" }, [], "\(golden.name) after its fix-its:\n\(fixed)")
        }
    }

    func testDiagnosticsAreWellFormed() {
        for golden in TestFiles.diagnosticCases {
            let source = golden.source
            for diagnostic in ScheduleCompiler.compile(source).diagnostics {
                DiagnosticChecks.assertWellFormed(diagnostic, in: source, context: golden.name)
            }
        }
    }

    func testCasesRoundTripThroughTheSyntaxTree() {
        for golden in TestFiles.diagnosticCases {
            XCTAssertEqual(Parser.parse(golden.source).reconstructedText(), golden.text, golden.name)
        }
    }

    /// Each code is used by at least one case, and each code a case uses is documented.
    func testEveryDocumentedCodeHasACaseAndEveryCaseCodeIsDocumented() {
        let documentation = TestFiles.read(TestFiles.repositoryRoot.appendingPathComponent("docs/language.md"))
        let documented = Set(DiagnosticChecks.codes(in: documentation))
        let used = Set(TestFiles.diagnosticCases.flatMap { $0.expectedCodes + $0.expectedPlanCodes })
        XCTAssertFalse(documented.isEmpty)
        for code in documented.subtracting(used) {
            XCTFail("\(code) is documented but no golden case reports it")
        }
        for code in used.subtracting(documented) {
            XCTFail("\(code) is reported by a golden case but not documented in docs/language.md")
        }
    }
}

/// Applies fix-its the way an editor would: edits sorted, overlapping ones dropped, applied
/// from the end of the file backwards so offsets stay valid.
enum FixItApplier {
    static func apply(_ fixIts: [Diagnostic.FixIt], to text: String) -> String {
        var bytes = Array(text.utf8)
        var edits = fixIts.flatMap(\.edits).sorted { ($0.range.start, $0.range.end) < ($1.range.start, $1.range.end) }
        var kept: [Diagnostic.TextEdit] = []
        for edit in edits where kept.last.map({ $0.range.end <= edit.range.start || ($0.range.isEmpty && edit.range.isEmpty) }) ?? true {
            kept.append(edit)
        }
        edits = kept
        for edit in edits.reversed() {
            bytes.replaceSubrange(edit.range.start..<edit.range.end, with: Array(edit.newText.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

enum DiagnosticChecks {
    /// Codes as docs/language.md lists them: headings "### S101 ...".
    static func codes(in documentation: String) -> [String] {
        documentation.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("### S"), line.count >= 8 else { return nil }
            return String(line.dropFirst(4).prefix(4))
        }
    }

    static func assertWellFormed(_ diagnostic: Diagnostic, in source: SourceFile, context: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        let size = source.bytes.count
        func inBounds(_ range: SourceRange) -> Bool {
            range.start >= 0 && range.end <= size && source.scalarBoundary(atOrBefore: range.start) == range.start
                && source.scalarBoundary(atOrBefore: range.end) == range.end
        }
        let code = diagnostic.code
        XCTAssertTrue(code.count == 4 && code.hasPrefix("S") && Int(code.dropFirst()) != nil, "\(context): code \(code)", file: file, line: line)
        XCTAssertFalse(code.hasPrefix("S3"), "\(context): S3xx codes are reserved for the planner", file: file, line: line)
        XCTAssertEqual(diagnostic.severity == .warning, code.hasPrefix("S2"), "\(context): \(code) severity", file: file, line: line)
        XCTAssertTrue(inBounds(diagnostic.range), "\(context): \(code) range \(diagnostic.range)", file: file, line: line)
        let message = diagnostic.message
        XCTAssertFalse(message.isEmpty, file: file, line: line)
        XCTAssertFalse(message.first!.isUppercase, "\(context): '\(message)' starts with a capital", file: file, line: line)
        XCTAssertFalse(message.hasSuffix("."), "\(context): '\(message)' ends with a period", file: file, line: line)
        for note in diagnostic.notes {
            XCTAssertFalse(note.message.hasSuffix("."), "\(context): note '\(note.message)' ends with a period", file: file, line: line)
            if let range = note.range { XCTAssertTrue(inBounds(range), "\(context): note range", file: file, line: line) }
        }
        for fixIt in diagnostic.fixIts {
            XCTAssertFalse(fixIt.edits.isEmpty, file: file, line: line)
            for edit in fixIt.edits { XCTAssertTrue(inBounds(edit.range), "\(context): fix-it range", file: file, line: line) }
        }
    }
}
