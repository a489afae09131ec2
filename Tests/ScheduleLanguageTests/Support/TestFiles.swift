import Foundation
import TestSupport
@testable import ScheduleLanguage

/// Files the tests read: the samples, the golden cases and the grammar.
enum TestFiles {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let goldenDirectory = repositoryRoot.appendingPathComponent("Tests/ScheduleLanguageTests/Golden")

    /// SCHEDC_UPDATE_GOLDEN=1 rewrites expected outputs instead of comparing with them.
    static var updatingGoldens: Bool { ProcessInfo.processInfo.environment["SCHEDC_UPDATE_GOLDEN"] == "1" }

    static func read(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// Every `.sched` file under a directory, sorted by path.
    static func schedFiles(under directory: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "sched" }
            .sorted { $0.path < $1.path }
    }

    static var samples: [URL] { schedFiles(under: repositoryRoot.appendingPathComponent("Samples")) }

    static var grammar: EBNFGrammar = {
        try! EBNFGrammar(text: read(repositoryRoot.appendingPathComponent("Grammar/sched.ebnf")))
    }()

    /// Golden diagnostic cases (Golden/diagnostics/NAME.sched).
    static var diagnosticCases: [GoldenCase] {
        schedFiles(under: goldenDirectory.appendingPathComponent("diagnostics")).map(GoldenCase.init)
    }

    /// Golden formatter cases (Golden/format/NAME.sched, expected NAME.formatted).
    static var formatCases: [URL] { schedFiles(under: goldenDirectory.appendingPathComponent("format")) }

    static func source(_ url: URL) -> SourceFile {
        SourceFile(path: url.lastPathComponent, text: read(url))
    }
}

/// One golden diagnostics case; its header (`GoldenCaseHeader`) declares what it expects.
/// The front end's tests read only the `# expect:` codes; ScheduleAnalysisTests reads the rest.
struct GoldenCase {
    let url: URL
    let name: String
    let text: String
    let expectedCodes: [String]

    init(url: URL) {
        self.url = url
        name = url.deletingPathExtension().lastPathComponent
        text = TestFiles.read(url)
        expectedCodes = GoldenCaseHeader(text).expected
    }

    /// Whether the case declares a lexical or syntax error (S0xx).
    var expectsSyntaxError: Bool { expectedCodes.contains { $0.hasPrefix("S0") } }

    /// Whether the case only breaks an implementation limit (S015): valid for the grammar,
    /// rejected by the parser.
    var exceedsImplementationLimit: Bool { expectedCodes.contains("S015") }

    var source: SourceFile { SourceFile(path: url.lastPathComponent, text: text) }
}
