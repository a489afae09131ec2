import Foundation
import JSONSupport
import LanguageServer
import XCTest

/// Completion and hover for `adapt batch(...)`.
final class AdaptiveFeatureTests: XCTestCase {
    let uri = "file:///schedules/adaptive_batch.sched"
    let text = """
    schedule adaptive_batch
    data        fashion_mnist
    epochs      20
    lr          0.02
    batch       128
    micro_batch 64
    max_batch   6144
    adapt       batch(every: 0.25 epochs, above: 2, gap: 1 epoch, keep: lr)

    """

    func session() -> Session {
        let session = Session(encodings: ["utf-16"])
        XCTAssertEqual(session.open(uri, text), [])
        return session
    }

    func hover(_ session: Session, _ line: Int, _ character: Int) -> String? {
        session.result("textDocument/hover", Session.at(uri, line, character))["contents"]?["value"]?.stringValue
    }

    func labels(_ session: Session, _ line: Int, _ character: Int) -> [String] {
        session.result("textDocument/completion", Session.at(uri, line, character))["items"]?.arrayValue?.compactMap { $0["label"]?.stringValue } ?? []
    }

    func testHoverOnTheSettingALabelAndASpan() throws {
        let session = session()
        let setting = try XCTUnwrap(hover(session, 7, 2))
        XCTAssertTrue(setting.hasPrefix("**adapt**: grow the batch at run time"), setting)
        let label = try XCTUnwrap(hover(session, 7, 39))
        XCTAssertEqual(label, "**above** (adapt batch): k: a check is positive when B_simple > k × B (default 2)")
        // 0.25 epochs of 60000 examples at B 128: 117.1875 updates, so the 118th.
        let span = try XCTUnwrap(hover(session, 7, 27))
        XCTAssertEqual(span, "0.25 epochs = **118 steps** = **15000 samples** (N = 60000, 9380 updates in all)")
        XCTAssertNil(hover(session, 7, 71), "past the statement")
    }

    func testCompletionOfTheStatementItsLabelsUnitsAndKeep() {
        let session = session()
        session.change(uri, version: 2, [["range": Session.range(8, 0, 8, 0),
                                          "text": "ad\nadapt \nadapt batch(\nadapt batch(every: 50 \nadapt batch(every: 50 steps, keep: \nadapt batch(every: 1 epoch, "]])
        XCTAssertTrue(labels(session, 8, 2).contains("adapt"))
        XCTAssertEqual(labels(session, 9, 6), ["batch(every: ...)"])
        XCTAssertEqual(labels(session, 10, 12), ["every:", "smoothing:", "above:", "checks:", "grow:", "up_to:", "gap:", "keep:"])
        XCTAssertEqual(labels(session, 11, 22), ["epochs", "steps"])
        XCTAssertEqual(labels(session, 12, 35), ["lr", "noise"])
        XCTAssertEqual(labels(session, 13, 28), ["smoothing:", "above:", "checks:", "grow:", "up_to:", "gap:", "keep:"])
    }
}
