import Foundation
import ScheduleAnalysis
import ScheduleLanguage
import TestSupport

/// The repository's files the analysis tests read: the language's golden cases, every
/// golden directory's expected outputs, docs/language.md and the samples.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relativePath: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)) ?? ""
    }

    /// Paths (relative to the root) of the files under `directory` whose names end in one of
    /// `extensions`, sorted.
    static func files(under directory: String, extensions: Set<String>) -> [String] {
        let base = root.appendingPathComponent(directory)
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { extensions.contains($0.pathExtension) }
            .map { directory + "/" + $0.path.dropFirst(base.path.count + 1) }.sorted()
    }

    /// Every `Golden` directory directly under a test target.
    static var goldenDirectories: [String] {
        let targets = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Tests").path)) ?? []
        return targets.sorted().map { "Tests/\($0)/Golden" }
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
    }
}

/// One golden diagnostics case (Tests/ScheduleLanguageTests/Golden/diagnostics/NAME.sched)
/// and the codes its header (`GoldenCaseHeader`) declares.
struct GoldenCase {
    static let directory = "Tests/ScheduleLanguageTests/Golden/diagnostics"

    static var all: [GoldenCase] {
        Repository.files(under: directory, extensions: ["sched"]).map(GoldenCase.init)
    }

    let name: String
    let text: String
    let header: GoldenCaseHeader

    init(path: String) {
        name = String(path.split(separator: "/").last!.dropLast(".sched".count))
        text = Repository.read(path)
        header = GoldenCaseHeader(text)
    }

    var expected: [DiagnosticCode] { header.expected.compactMap(DiagnosticCode.init(rawValue:)) }
    var expectedFromPlanning: [DiagnosticCode] { header.expectedFromPlanning.compactMap(DiagnosticCode.init(rawValue:)) }
    var fixItsClean: Bool { header.fixItsClean }
    /// Codes in the header that are not codes at all.
    var unknownCodes: [String] {
        (header.expected + header.expectedFromPlanning).filter { DiagnosticCode(rawValue: $0) == nil }
    }

    var document: Document { Document(path: name + ".sched", text: text) }
}
