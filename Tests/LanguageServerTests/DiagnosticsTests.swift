import Foundation
import JSONSupport
@testable import LanguageServer
import ScheduleAnalysis
import ScheduleLanguage
import TestSupport
import XCTest

/// Diagnostics are exactly `schedc lint --format json`'s, in every encoding, and stay in step
/// with incremental edits.
final class DiagnosticsTests: XCTestCase {
    let directory = repositoryRoot.appendingPathComponent("Tests/ScheduleLanguageTests/Golden/diagnostics")

    /// Every golden case of `schedc lint`: the published diagnostics (UTF-16, the JSON output's
    /// encoding) equal the case's NAME.json, plus a `codeDescription` linking the code's entry.
    func testDiagnosticsEqualLintsJSONForEveryGoldenCase() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sched") }.sorted()
        XCTAssertGreaterThan(names.count, 60)
        let session = Session(encodings: ["utf-16"])
        var compared = 0
        for name in names {
            let base = String(name.dropLast(".sched".count))
            let expectedURL = directory.appendingPathComponent(base + ".json")
            guard FileManager.default.fileExists(atPath: expectedURL.path) else { continue }
            let expected = try JSONDecoder().decode(ParsedJSON.self, from: Data(contentsOf: expectedURL))
            // Decoded by hand: String(contentsOf:) would drop a byte-order mark, which lint keeps and counts.
            let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
            let uri = "file://GOLDEN/" + name // what the golden files write for the file's URI
            var published = session.open(uri, text)
            for (index, diagnostic) in published.enumerated() {
                guard var members = diagnostic.objectValue, let code = members["code"]?.stringValue,
                      let entry = DiagnosticCode(rawValue: code)?.entry else { XCTFail("\(name): bad diagnostic \(diagnostic)"); continue }
                XCTAssertEqual(members.removeValue(forKey: "codeDescription")?["href"]?.stringValue,
                               Session.documentation + "#" + entry.documentationAnchor, name)
                published[index] = .object(members)
            }
            XCTAssertEqual(ParsedJSON.array(published), expected["files"]?.arrayValue?.first?["diagnostics"], name)
            session.notify("textDocument/didClose", ["textDocument": ["uri": uri]])
            compared += 1
        }
        XCTAssertGreaterThan(compared, 50)
    }

    /// `é` (2, 1, 1 units), `界` (3, 1, 1) and `😀` (4, 2, 1): the range of the diagnostic on each
    /// (the language allows them only in comments, and reports the first on a line), with all
    /// three earlier in the file; and a formatting edit after all three on one line.
    func testEncodingsWithAccentCJKAndEmojiBeforeADiagnostic() {
        let header = "# é界😀\nschedule s\ndata        cifar10\nepochs      200\nlr          0.1\nbatch       128\n"
        let widths: [PositionEncoding: [Int]] = [.utf8: [2, 3, 4], .utf16: [1, 1, 2], .utf32: [1, 1, 1]]
        for encoding in PositionEncoding.allCases {
            for (index, character) in ["é", "界", "😀"].enumerated() {
                let session = Session(encodings: [encoding.rawValue])
                let diagnostics = session.open("file:///e.sched", header + "seed " + character + " 1\n")
                XCTAssertEqual(diagnostics.count, 1, "\(encoding) \(character): \(diagnostics)")
                XCTAssertEqual(diagnostics.first?["code"]?.stringValue, "S001")
                XCTAssertEqual(diagnostics.first?["range"]?.objectValue, [
                    "start": .object(["line": .number(6), "character": .number(5)]),
                    "end": .object(["line": .number(6), "character": .number(Double(5 + widths[encoding]![index]))]),
                ], "\(encoding) \(character)")
            }
            // Canonical but for the trailing blanks after the comment: the edit removing them starts after é界😀.
            let session = Session(encodings: [encoding.rawValue])
            XCTAssertEqual(session.open("file:///f.sched", header + "# é界😀   \n"), [])
            let edits = session.result("textDocument/formatting", ["textDocument": ["uri": "file:///f.sched"], "options": ["tabSize": 4, "insertSpaces": true]])
            let character = 2 + widths[encoding]!.reduce(0, +)
            XCTAssertEqual(edits.arrayValue?.count, 1)
            XCTAssertEqual(edits.arrayValue?.first?["range"]?["start"]?.objectValue, ["line": .number(6), "character": .number(Double(character))], "\(encoding)")
            XCTAssertEqual(edits.arrayValue?.first?["range"]?["end"]?.objectValue, ["line": .number(6), "character": .number(Double(character + 3))], "\(encoding)")
        }
    }

    /// Random edits sent incrementally and as full text, in each encoding, over text with
    /// multi-byte characters: after every step both documents and their diagnostics agree.
    func testIncrementalSyncMatchesFullSyncAfterEveryStep() {
        let start = """
        # é界😀
        schedule s
        data cifar10
        epochs 200
        lr 0.1
        batch 128
        at epoch 60: noise /= 5

        """
        let pieces = ["é", "界", "😀", "\n", "at epoch 10: lr *= 0.5\n", "max_batch 512", " ", "0", "x", "", "# c\n", "noise"]
        for encoding in PositionEncoding.allCases {
            var random = TestRandom(seed: 7)
            let incremental = Session(encodings: [encoding.rawValue]), full = Session(encodings: [encoding.rawValue])
            let uri = "file:///sync.sched"
            incremental.open(uri, start)
            full.open(uri, start)
            var scalars = Array(start.unicodeScalars) // the test's own model of the text
            for step in 0..<60 {
                var changes: [[String: Any]] = []
                for _ in 0..<random.int(1...3) {
                    let a = random.below(scalars.count + 1), b = min(scalars.count, a + random.below(6))
                    let inserted = random.pick(pieces)
                    changes.append(["range": ["start": position(of: a, in: scalars, encoding), "end": position(of: b, in: scalars, encoding)],
                                    "text": inserted])
                    scalars.replaceSubrange(a..<b, with: inserted.unicodeScalars) // later ranges refer to this text
                }
                if random.chance(0.05) { // a whole-document replacement in an incremental stream
                    let text = String(String.UnicodeScalarView(scalars)) + "# replaced\n"
                    scalars = Array(text.unicodeScalars)
                    changes.append(["text": text])
                }
                let expected = String(String.UnicodeScalarView(scalars))
                let a = incremental.change(uri, version: step + 2, changes)
                let b = full.change(uri, version: step + 2, [["text": expected]])
                XCTAssertEqual(incremental.server.documents[uri]?.text, expected, "\(encoding) step \(step)")
                XCTAssertEqual(a, b, "\(encoding) step \(step)")
                if incremental.server.documents[uri]?.text != expected { break }
            }
        }
    }

    /// A position as LSP counts it, computed independently of the server: line breaks are "\n" here.
    func position(of index: Int, in scalars: [Unicode.Scalar], _ encoding: PositionEncoding) -> [String: Any] {
        var line = 0, character = 0
        for scalar in scalars[..<index] {
            if scalar == "\n" {
                line += 1
                character = 0
            } else {
                switch encoding {
                case .utf8: character += String(scalar).utf8.count
                case .utf16: character += String(scalar).utf16.count
                case .utf32: character += 1
                }
            }
        }
        return ["line": line, "character": character]
    }
}

/// The hand-written publishDiagnostics is byte for byte what JSONEncoder writes.
final class DiagnosticsJSONTests: XCTestCase {
    func testHandWrittenNotificationEqualsJSONEncoders() throws {
        let directory = repositoryRoot.appendingPathComponent("Tests/ScheduleLanguageTests/Golden/diagnostics")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let position = LSPPosition(line: 3, character: 7)
        var cases: [PublishDiagnosticsParams] = [
            PublishDiagnosticsParams(uri: "file:///a b/\"q\"\\.sched", version: nil, diagnostics: [
                LSPDiagnostic(range: LSPRange(start: position, end: position), severity: 2, code: "S201",
                              codeDescription: nil, source: "schedc", message: "tab\there, bell\u{7}, nul\u{0}, é界😀 \u{1F} / end",
                              relatedInformation: nil, data: nil),
            ]),
        ]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).filter({ $0.hasSuffix(".sched") }).sorted() {
            let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
            let session = Session(encodings: ["utf-16"])
            let published = session.open("file:///\(name)", text)
            let diagnostics = try JSONDecoder().decode([LSPDiagnostic].self, from: JSONEncoder().encode(published))
            cases.append(PublishDiagnosticsParams(uri: "file:///\(name)", version: 1, diagnostics: diagnostics))
        }
        for params in cases {
            let expected = try encoder.encode(NotificationMessage(method: "textDocument/publishDiagnostics", params: params))
            XCTAssertEqual(String(decoding: JSONWriter.publishDiagnostics(params), as: UTF8.self), String(decoding: expected, as: UTF8.self), params.uri)
        }
    }

    /// Reusing the last publication's bytes changes nothing: random lists made from the golden
    /// cases' diagnostics (some kept, moved a line, reworded, removed, added or repeated) are
    /// written exactly as without reuse, publication after publication.
    /// A long list converted and written in two halves at once gives the same bytes as one pass,
    /// with and without the last publication to copy from.
    func testDiagnosticsInHalvesEqualOnePass() throws {
        var text = "schedule halves\ndata cifar10\nmodel wrn(16, 4)\nepochs 200\noptimizer sgd(momentum: 0.9)\nlr 0.1\n"
            + "batch 128\nmax_batch 5000\nghost_batch 64\npolicy increase_batch\n# é 界 😀 before the events\n"
        for index in 0..<1000 { text += "at epoch \(Double(index) / 10): noise /= 1.01  # ε\n" }
        let analysis = Analysis(Document(path: "halves.sched", text: text))
        XCTAssertGreaterThan(analysis.diagnostics.count, 250)
        for encoding in PositionEncoding.allCases {
            let converter = PositionConverter(source: analysis.source, encoding: encoding)
            let links = CodeLinks(documentation: Session.documentation)
            let once = Diagnostics.lsp(analysis, uri: "file:///h.sched", links: links, converter: converter, parallelFrom: .max)
            XCTAssertEqual(Diagnostics.lsp(analysis, uri: "file:///h.sched", links: links, converter: converter, parallelFrom: 1), once)
            XCTAssertEqual(once, analysis.diagnostics.map { Diagnostics.lsp($0, uri: "file:///h.sched", links: links, converter: converter) })
            let params = PublishDiagnosticsParams(uri: "file:///h.sched", version: 3, diagnostics: once)
            let (written, encoded) = JSONWriter.publishDiagnostics(params, reusing: nil, parallelFrom: .max)
            XCTAssertEqual(JSONWriter.publishDiagnostics(params, reusing: nil, parallelFrom: 1).message, written)
            let (again, reencoded) = JSONWriter.publishDiagnostics(params, reusing: encoded, parallelFrom: 1)
            XCTAssertEqual(again, written)
            XCTAssertEqual(reencoded.reused, once.count, "every diagnostic copied from the last publication")
            XCTAssertEqual(Array(MessageFramer.frame(bytes: written)), Array(MessageFramer.frame(Data(written))))
        }
    }

    func testReusedDiagnosticsAreWrittenAsWithoutReuse() throws {
        let directory = repositoryRoot.appendingPathComponent("Tests/ScheduleLanguageTests/Golden/diagnostics")
        var pool: [LSPDiagnostic] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).filter({ $0.hasSuffix(".sched") }).sorted() {
            let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
            let published = Session(encodings: ["utf-16"]).open("file:///\(name)", text)
            pool += try JSONDecoder().decode([LSPDiagnostic].self, from: JSONEncoder().encode(published))
        }
        XCTAssertGreaterThan(pool.count, 100)
        var random = TestRandom(seed: 11)
        var diagnostics = Array(pool.prefix(200))
        var previous: EncodedDiagnostics?
        var reused = 0
        for version in 0..<300 {
            for _ in 0..<random.int(0...4) where !diagnostics.isEmpty {
                let index = random.below(diagnostics.count)
                switch random.below(5) {
                case 0: diagnostics[index].range.start.line += 1
                case 1: diagnostics[index].message += "!"
                case 2: diagnostics.remove(at: index)
                case 3: diagnostics.insert(random.pick(pool), at: index)
                default: diagnostics.insert(diagnostics[index], at: index)
                }
            }
            if random.chance(0.05), diagnostics.count > 1 { diagnostics.swapAt(random.below(diagnostics.count), random.below(diagnostics.count)) }
            let params = PublishDiagnosticsParams(uri: "file:///r.sched", version: version, diagnostics: diagnostics)
            let (message, encoded) = JSONWriter.publishDiagnostics(params, reusing: previous)
            XCTAssertEqual(String(decoding: message, as: UTF8.self), String(decoding: JSONWriter.publishDiagnostics(params), as: UTF8.self), "version \(version)")
            reused += encoded.reused
            previous = encoded
        }
        XCTAssertGreaterThan(reused, 250 * 150, "most diagnostics were found in the last publication")
    }
}
