import XCTest
@testable import ScheduleLanguage

/// The golden cases (Golden/diagnostics/*.sched) checked against the front end alone: it
/// reports no code a case does not declare, its diagnostics are well-formed and the cases
/// round-trip. The exact codes, the fix-its and the code catalog are checked with the whole
/// analysis in ScheduleAnalysisTests; the rendered text and JSON by SchedcCLITests.
final class GoldenCaseTests: XCTestCase {
    /// The front end reports only codes the case declares (the analysis core's tests check
    /// the exact multiset, with the planner's lints added).
    func testEveryCaseReportsOnlyDeclaredCodes() {
        let cases = TestFiles.diagnosticCases
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for golden in cases {
            XCTAssertTrue(golden.text.contains("# expect:"), "\(golden.name) declares no expectation")
            let result = ScheduleCompiler.compile(golden.source)
            var undeclared = result.diagnostics.map(\.code.rawValue)
            for code in golden.expectedCodes { if let index = undeclared.firstIndex(of: code) { undeclared.remove(at: index) } }
            XCTAssertEqual(undeclared, [], golden.name)
            XCTAssertEqual(result.program == nil, result.diagnostics.contains { $0.severity == .error }, golden.name)
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
}

enum DiagnosticChecks {
    static func assertWellFormed(_ diagnostic: Diagnostic, in source: SourceFile, context: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        let size = source.bytes.count
        func inBounds(_ range: SourceRange) -> Bool {
            range.start >= 0 && range.end <= size && source.scalarBoundary(atOrBefore: range.start) == range.start
                && source.scalarBoundary(atOrBefore: range.end) == range.end
        }
        let code = diagnostic.code
        XCTAssertFalse(code.rawValue.hasPrefix("S3"), "\(context): S3xx codes are reserved for the planner", file: file, line: line)
        XCTAssertEqual(diagnostic.severity, code.defaultSeverity, "\(context): \(code) severity", file: file, line: line)
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
