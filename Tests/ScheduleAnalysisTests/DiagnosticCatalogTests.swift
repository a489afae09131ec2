import XCTest
import ScheduleLanguage

/// The code catalog against what documents and tests it: every code has an entry in
/// docs/language.md (heading "### CODE title") and a golden test whose expected output shows
/// it, and the docs name no code that does not exist.
final class DiagnosticCatalogTests: XCTestCase {
    let documentation = Repository.read("docs/language.md")

    func testEveryCodeHasItsEntryInTheLanguageDocs() {
        XCTAssertFalse(documentation.isEmpty, "docs/language.md not found")
        let headings = Set(documentation.split(separator: "\n").filter { $0.hasPrefix("### S") }.map { String($0.dropFirst(4)) })
        for entry in DiagnosticCode.catalog {
            XCTAssertTrue(headings.contains("\(entry.code.rawValue) \(entry.title)"),
                          "\(entry.code.rawValue) has no heading '### \(entry.code.rawValue) \(entry.title)' in docs/language.md")
        }
        XCTAssertEqual(headings.count, DiagnosticCode.allCases.count, "a code heading in docs/language.md without a code: \(headings.sorted())")
    }

    func testTheDocsNameOnlyCodesThatExist() {
        let documents = ["README.md"] + Repository.files(under: "docs", extensions: ["md"])
        let pattern = try! NSRegularExpression(pattern: "\\bS[0-9]{3}\\b")
        for path in documents {
            let text = Repository.read(path)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let name = String(text[Range(match.range, in: text)!])
                XCTAssertNotNil(DiagnosticCode(rawValue: name), "\(path) names \(name), which is not a diagnostic code")
            }
        }
    }

    /// Each code shows in the expected output of some golden test (`[S101]` in text output,
    /// `"code": "S101"` in JSON), so its message, range and fix-its are pinned somewhere.
    func testEveryCodeHasAGoldenTest() {
        var shown: Set<String> = []
        let pattern = try! NSRegularExpression(pattern: "\\[(S[0-9]{3})\\]|\"code\": \"(S[0-9]{3})\"")
        for directory in Repository.goldenDirectories {
            for path in Repository.files(under: directory, extensions: ["txt", "json", "stderr", "stdout"]) {
                let text = Repository.read(path)
                for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    for group in 1...2 {
                        if let range = Range(match.range(at: group), in: text) { shown.insert(String(text[range])) }
                    }
                }
            }
        }
        XCTAssertFalse(shown.isEmpty, "no golden output found")
        for code in DiagnosticCode.allCases where !shown.contains(code.rawValue) {
            XCTFail("\(code.rawValue) (\(code.title)) appears in no golden test's expected output")
        }
    }

    func testCatalogEntries() {
        XCTAssertEqual(DiagnosticCode.catalog.count, 69)
        XCTAssertEqual(DiagnosticCode.catalog.map(\.code), DiagnosticCode.allCases.sorted(), "the catalog is in code order")
        XCTAssertEqual(Set(DiagnosticCode.catalog.map(\.documentationAnchor)).count, DiagnosticCode.allCases.count)
        XCTAssertEqual(DiagnosticCode.unknownSetting.entry.documentation, "docs/language.md#s101-unknown-setting")
        XCTAssertEqual(DiagnosticCode.settingWithEqualsOrColon.entry.documentationAnchor, "s014--or--in-a-setting")
        XCTAssertEqual(DiagnosticCode.batchPastTenthOfDataSet.entry.documentationAnchor, "s301-batch-grown-past-n10")
        XCTAssertEqual(DiagnosticCode.unknownSetting.defaultSeverity, .error)
        XCTAssertEqual(DiagnosticCode.largeInitialBatch.defaultSeverity, .warning)
        XCTAssertEqual(DiagnosticCode.cannotBePlanned.defaultSeverity, .error)
        XCTAssertEqual(DiagnosticCode.decayCannotGrowBatch.defaultSeverity, .information)
        XCTAssertEqual(DiagnosticCode.momentumLag.defaultSeverity, .warning)
        for code in [DiagnosticCode.noModelToRun, .dataSetWithoutLoader, .dataSetNotFound, .unusableData, .planRefused] {
            XCTAssertEqual(code.defaultSeverity, .error, "\(code): a run that cannot start is an error")
        }
        XCTAssertEqual(DiagnosticCode.nothingToEstimateFrom.defaultSeverity, .error)
        XCTAssertEqual(DiagnosticCode.adaptiveTriggerBelowOne.defaultSeverity, .warning)
        for entry in DiagnosticCode.catalog {
            XCTAssertFalse(entry.title.isEmpty)
            XCTAssertFalse(entry.title.contains("\n"))
        }
    }
}
