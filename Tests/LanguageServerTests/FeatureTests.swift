import Foundation
import JSONSupport
import LanguageServer
import ScheduleLanguage
import XCTest

/// Every request of the server, on the paper's increasing-batch schedule.
final class FeatureTests: XCTestCase {
    let uri = "file:///schedules/increasing_batch.sched"
    /// Samples/cifar10/increasing_batch.sched, with a comment block and a warm-up.
    let text = """
    # Smith et al. 2018, section 5.1
    # increasing batch size
    schedule increasing_batch

    data        cifar10
    model       wrn(16, 4)
    epochs      200
    optimizer   sgd(momentum: 0.9)
    lr          0.1
    batch       128
    max_batch   5120
    ghost_batch 128
    policy      increase_batch

    at epoch 60, 120, 160: noise /= 5

    """

    func session() -> Session {
        let session = Session(encodings: ["utf-16"])
        XCTAssertEqual(session.open(uri, text), [])
        return session
    }

    func hover(_ session: Session, _ line: Int, _ character: Int) -> String? {
        session.result("textDocument/hover", Session.at(uri, line, character))["contents"]?["value"]?.stringValue
    }

    func testHoverOnASettingGivesMeaningUnitAndValues() throws {
        let value = try XCTUnwrap(hover(session(), 10, 3))
        XCTAssertTrue(value.hasPrefix("**max_batch**: B_max, the largest batch the hardware takes"), value)
        XCTAssertTrue(value.contains("- unit: examples per update"), value)
        XCTAssertTrue(value.contains("- values: a whole number ≥ 1, ≤ N"), value)
        XCTAssertNil(hover(session(), 3, 0), "a blank line")
    }

    func testHoverOnAnEventGivesThePhaseBeforeAndAfter() throws {
        let value = try XCTUnwrap(hover(session(), 14, 28))
        XCTAssertTrue(value.contains("**at epoch 60: noise /= 5** → B 128 → 640"), value)
        XCTAssertTrue(value.contains("| B | 128 | 640 |"), value)
        XCTAssertTrue(value.contains("| micro × acc | 128 × 1 | 640 × 1 |"), value)
        XCTAssertTrue(value.contains("| g | 390.625 | 78.125 |"), value)
        XCTAssertTrue(value.contains("| updates | 23460 | 4740 |"), value)
        XCTAssertTrue(value.contains("**at epoch 160: noise /= 5** → B 3200 → 5120, ε 0.1 → 0.032"), value)
        XCTAssertTrue(value.contains("| ε | 0.1 | 0.032 |"), value)
        XCTAssertTrue(value.contains("B capped at max_batch 5120; ε ÷ 3.125 instead"), value)
        XCTAssertFalse(value.contains("stale"))
    }

    func testHoverOnATimeGivesEpochsStepsAndSamples() throws {
        XCTAssertEqual(hover(session(), 14, 14), "**epoch 120** = **step 28200** = **sample 6000000** (N = 50000)")
        let epochs = try XCTUnwrap(hover(session(), 6, 13))
        XCTAssertTrue(epochs.hasPrefix("200 epochs = **29240 steps** = **10000000 samples**"), epochs)
    }

    func testInlayHintsAfterEventsAndEpochs() {
        let hints = session().result("textDocument/inlayHint", ["textDocument": ["uri": uri], "range": Session.range(0, 0, 20, 0)])
        XCTAssertEqual(hints.arrayValue?.map { $0["label"]?.stringValue ?? "" }, [
            "→ 29240 updates",
            "→ epoch 60: B 128 → 640; epoch 120: B 640 → 3200; epoch 160: B 3200 → 5120, ε 0.1 → 0.032",
        ])
        XCTAssertEqual(hints.arrayValue?.last?["position"]?.objectValue, ["line": .number(14), "character": .number(33)])
        let none = session().result("textDocument/inlayHint", ["textDocument": ["uri": uri], "range": Session.range(0, 0, 2, 0)])
        XCTAssertEqual(none.arrayValue, [], "only hints in the requested range")
    }

    /// While the file has errors, hover and hints come from the last plan that compiled, marked stale.
    func testHoverAndHintsUseTheLastPlanWhileTheFileHasErrors() throws {
        let session = session()
        let broken = session.change(uri, version: 2, [["range": Session.range(8, 12, 8, 15), "text": "fast"]])
        XCTAssertEqual(broken?.first?["code"]?.stringValue, "S104")
        let value = try XCTUnwrap(hover(session, 14, 28))
        XCTAssertTrue(value.contains("→ B 128 → 640"), value)
        XCTAssertTrue(value.contains("stale"), value)
        let hints = session.result("textDocument/inlayHint", ["textDocument": ["uri": uri], "range": Session.range(0, 0, 20, 0)])
        XCTAssertEqual(hints.arrayValue?.count, 2)
        XCTAssertTrue(hints.arrayValue?.allSatisfy { $0["label"]?.stringValue?.hasSuffix("(stale)") == true } == true, "\(hints)")
        // Move the event down a line: the stale hint follows its text.
        session.change(uri, version: 3, [["range": Session.range(13, 0, 13, 0), "text": "\n"]])
        let moved = session.result("textDocument/inlayHint", ["textDocument": ["uri": uri], "range": Session.range(0, 0, 20, 0)])
        XCTAssertEqual(moved.arrayValue?.last?["position"]?["line"]?.intValue, 15)
        // Fixed: fresh again.
        session.change(uri, version: 4, [["range": Session.range(8, 12, 8, 16), "text": "0.1"]])
        XCTAssertFalse(try XCTUnwrap(hover(session, 15, 28)).contains("stale"))
    }

    func labels(_ session: Session, _ line: Int, _ character: Int) -> [String] {
        session.result("textDocument/completion", Session.at(uri, line, character))["items"]?.arrayValue?.compactMap { $0["label"]?.stringValue } ?? []
    }

    func testCompletionInEachPlace() {
        let session = session()
        session.change(uri, version: 2, [["range": Session.range(15, 0, 15, 0),
                                          "text": "\nop\noptimizer adam(\nat \nat epoch 5: \nat epoch 5: lr \nat epoch 5: lr *= 2 \nevery 5 \ndata \nwarmup 5 "]])
        let start = labels(session, 16, 2)
        XCTAssertTrue(start.contains("optimizer") && start.contains("warmup") && start.contains("at") && start.contains("every"), "\(start)")
        XCTAssertEqual(labels(session, 17, 15), ["beta1:", "beta2:", "epsilon:"])
        XCTAssertEqual(labels(session, 18, 3), ["epoch", "step"])
        XCTAssertEqual(labels(session, 19, 12), ["noise", "lr", "batch", "momentum"])
        XCTAssertEqual(labels(session, 20, 15), ["=", "*=", "/="])
        XCTAssertEqual(labels(session, 21, 20), [", keep noise"])
        XCTAssertEqual(labels(session, 22, 8), ["epochs", "steps"])
        XCTAssertEqual(labels(session, 23, 5), ["fashion_mnist", "mnist", "cifar10", "cifar100", "imagenet", "size"])
        XCTAssertEqual(labels(session, 24, 9), ["epochs", "steps"])
        let items = session.result("textDocument/completion", Session.at(uri, 16, 2))["items"]?.arrayValue ?? []
        let snippet = items.first { $0["label"]?.stringValue == "at" }
        XCTAssertEqual(snippet?["insertTextFormat"]?.intValue, 2)
        XCTAssertNotNil(items.first { $0["label"]?.stringValue == "lr" }?["documentation"]?["value"])
    }

    func testFormattingIsSchedcFmt() throws {
        let session = Session(encodings: ["utf-8"])
        let messy = "schedule s\ndata   cifar10\nepochs 200\nlr .10\nbatch 128\n\n\nat epoch 60 : noise/=5\n"
        session.open(uri, messy)
        let edits = session.result("textDocument/formatting", ["textDocument": ["uri": uri], "options": ["tabSize": 4, "insertSpaces": true]])
        let applied = try apply(edits, to: messy)
        XCTAssertEqual(applied, try ScheduleFormatter.format(SourceFile(path: "a", text: messy)))
        session.change(uri, version: 2, [["text": applied]])
        XCTAssertEqual(session.result("textDocument/formatting", ["textDocument": ["uri": uri], "options": [:]]).arrayValue, [], "formatted already")
        session.change(uri, version: 3, [["text": "lr (\n"]])
        XCTAssertEqual(session.result("textDocument/formatting", ["textDocument": ["uri": uri], "options": [:]]), .null, "syntax errors: no edits")
    }

    func testQuickFixesAndFormatDocumentActions() throws {
        let session = Session(encodings: ["utf-16"])
        let typo = "schedule s\ndata cifar10\nepochs 200\nlearning_rate 0.1\nbatch 128\n"
        let diagnostics = session.open(uri, typo)
        XCTAssertEqual(diagnostics.first?["code"]?.stringValue, "S101")
        let actions = session.result("textDocument/codeAction", ["textDocument": ["uri": uri], "range": Session.range(3, 2, 3, 2),
                                                                 "context": ["diagnostics": []]]).arrayValue ?? []
        let fix = try XCTUnwrap(actions.first { $0["kind"]?.stringValue == "quickfix" })
        XCTAssertEqual(fix["diagnostics"]?.arrayValue?.first?["code"]?.stringValue, "S101")
        let fixed = try apply(try XCTUnwrap(fix["edit"]?["changes"]?[uri]), to: typo)
        XCTAssertTrue(fixed.contains("\nlr          0.1\n"), fixed)
        XCTAssertEqual(Session(encodings: nil).open("file:///b.sched", fixed), [])
        let format = try XCTUnwrap(actions.first { $0["kind"]?.stringValue == "source.format" })
        XCTAssertEqual(format["title"]?.stringValue, "Format document")
        let only = session.result("textDocument/codeAction", ["textDocument": ["uri": uri], "range": Session.range(0, 0, 0, 0),
                                                              "context": ["diagnostics": [], "only": ["source"]]]).arrayValue ?? []
        XCTAssertEqual(only.map { $0["kind"]?.stringValue }, ["source.format"])
    }

    func testDocumentSymbolsWithPhasesUnderEvents() {
        let symbols = session().result("textDocument/documentSymbol", ["textDocument": ["uri": uri]]).arrayValue ?? []
        XCTAssertEqual(symbols.prefix(3).map { $0["name"]?.stringValue }, ["schedule", "data", "model"])
        XCTAssertEqual(symbols[1]["detail"]?.stringValue, "cifar10")
        let event = symbols.last
        XCTAssertEqual(event?["name"]?.stringValue, "at epoch 60, 120, 160: noise /= 5")
        XCTAssertEqual(event?["kind"]?.intValue, 24)
        XCTAssertEqual(event?["children"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" }, ["epochs 60–120", "epochs 120–160", "epochs 160–200"])
        XCTAssertEqual(event?["children"]?.arrayValue?.last?["detail"]?.stringValue, "B 5120, ε 0.032, m 0.9, g 3.125, 400 updates")
    }

    func testSemanticTokensDecodeToTheTokens() {
        let session = session()
        let data = session.result("textDocument/semanticTokens/full", ["textDocument": ["uri": uri]])["data"]?.arrayValue?.compactMap(\.intValue) ?? []
        XCTAssertEqual(data.count % 5, 0)
        let legend = ["keyword", "property", "enumMember", "parameter", "variable", "number", "operator", "comment"]
        let lines = text.components(separatedBy: "\n")
        var line = 0, character = 0
        var decoded: [String] = []
        for index in stride(from: 0, to: data.count, by: 5) {
            line += data[index]
            character = data[index] == 0 ? character + data[index + 1] : data[index + 1]
            let utf16 = Array(lines[line].utf16)
            decoded.append(String(decoding: utf16[character..<(character + data[index + 2])], as: UTF16.self) + ":" + legend[data[index + 3]])
        }
        XCTAssertEqual(decoded.prefix(3), ["# Smith et al. 2018, section 5.1:comment", "# increasing batch size:comment", "schedule:property"])
        XCTAssertTrue(decoded.contains("sgd:enumMember") && decoded.contains("momentum:parameter") && decoded.contains("0.9:number"), "\(decoded)")
        XCTAssertEqual(decoded.suffix(8), ["at:keyword", "epoch:keyword", "60:number", "120:number", "160:number", "noise:variable", "/=:operator", "5:number"])
    }

    func testFoldingRangesForCommentBlocks() {
        let session = Session(encodings: nil)
        session.open(uri, "# a\n# b\n# c\nschedule s\n# lone\ndata cifar10  # trailing\n# d\n   # e\n")
        let ranges = session.result("textDocument/foldingRange", ["textDocument": ["uri": uri]]).arrayValue ?? []
        XCTAssertEqual(ranges.map { [$0["startLine"]?.intValue, $0["endLine"]?.intValue] }, [[0, 2], [6, 7]])
        XCTAssertEqual(ranges.first?["kind"]?.stringValue, "comment")
    }

    /// Applies LSP text edits (UTF-16 or UTF-8 positions: the texts here are ASCII).
    func apply(_ edits: ParsedJSON, to text: String) throws -> String {
        let source = SourceFile(path: "", text: text)
        let converted = try (edits.arrayValue ?? []).map { edit -> TextEdit in
            func offset(_ position: ParsedJSON?) throws -> Int {
                source.offset(of: Position(line: try XCTUnwrap(position?["line"]?.intValue), character: try XCTUnwrap(position?["character"]?.intValue)), in: .utf16)
            }
            return TextEdit(range: SourceRange(start: try offset(edit["range"]?["start"]), end: try offset(edit["range"]?["end"])),
                            newText: try XCTUnwrap(edit["newText"]?.stringValue))
        }
        return try TextEdit.apply(converted, to: text).text
    }
}
