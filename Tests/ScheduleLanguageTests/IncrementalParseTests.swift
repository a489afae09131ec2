import XCTest
import TestSupport
@testable import ScheduleLanguage

/// The tree parsed with the previous version's reused is the tree parsed from scratch: for
/// every sample and golden case, through chains of random edits (typing, deleting, pasting
/// lines, line ends of every kind, edits at the start and the end).
final class IncrementalParseTests: XCTestCase {
    static let pieces = ["\n", "\r\n", "\r", " ", "0", "9", ".", ":", ",", "#", "# note\n", "at epoch 10: lr *= 0.5\n",
                         "every 5 epochs: noise /= 2\n", "lr 0.1", "(", ")", "[", "x", "é", "界", "😀", "at", "%", "", "\t"]

    func testReusingThePreviousTreeGivesTheFreshTree() {
        var random = TestRandom(seed: 23)
        var checked = 0, smallEdits = 0
        for url in TestFiles.samples + TestFiles.diagnosticCases.map(\.url) {
            var text = TestFiles.read(url)
            var tree = Parser.parse(SourceFile(path: "t.sched", text: text))
            for step in 0..<25 {
                var bytes = Array(text.utf8)
                let start = random.below(bytes.count + 1), end = min(bytes.count, start + random.below(random.chance(0.2) ? 80 : 4))
                bytes.replaceSubrange(start..<end, with: Array(random.pick(Self.pieces).utf8))
                text = String(decoding: bytes, as: UTF8.self) // an edit inside a multi-byte character repairs it
                let source = SourceFile(path: "t.sched", text: text)
                let fresh = Parser.parse(source)
                let (reused, reparsed) = Parser.reparse(source, reusing: tree)
                XCTAssertEqual("\(Parser.parse(source, reusing: tree).statements)", "\(reused.statements)")
                guard same(reused, fresh, "\(url.lastPathComponent) step \(step)") else { return }
                // Only the lines the edit touched, and the one before it, were parsed again.
                if end - start < 4, let region = ChangedRegion(old: Array(tree.source.text.utf8), new: source.bytes) {
                    let first = source.lineIndex(containing: max(0, region.start - 1)), last = source.lineIndex(containing: region.newEnd)
                    let touched = source.lineStarts[first]..<(last + 1 < source.lineStarts.count ? source.lineStarts[last + 1] : source.bytes.count)
                    XCTAssertEqual(reparsed, touched, "\(url.lastPathComponent) step \(step)")
                    smallEdits += 1
                }
                tree = reused
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 1_000)
        XCTAssertGreaterThan(smallEdits, checked / 2)
    }

    func testAnEditAtEitherEndAndNoEdit() {
        let text = "schedule s\r\ndata cifar10\repochs 10\nat epoch 5: noise /= 2"
        let tree = Parser.parse(SourceFile(path: "t.sched", text: text))
        for edited in [text, "x" + text, text + "\n", text + "x", String(text.dropFirst()), String(text.dropLast()),
                       text.replacingOccurrences(of: "\r\n", with: "\r"), text.replacingOccurrences(of: "\r", with: "\r\n"), ""] {
            let source = SourceFile(path: "t.sched", text: edited)
            let fresh = Parser.parse(source), reused = Parser.parse(source, reusing: tree)
            XCTAssertTrue(same(reused, fresh, edited.debugDescription))
        }
    }

    /// Equal trees (compared as printed: a malformed number's value is NaN, never equal to itself).
    func same(_ a: SyntaxTree, _ b: SyntaxTree, _ context: String) -> Bool {
        XCTAssertEqual(a.tokens, b.tokens, context)
        XCTAssertEqual(a.diagnostics, b.diagnostics, context)
        XCTAssertEqual(a.statements.count, b.statements.count, context)
        for (x, y) in zip(a.statements, b.statements) where "\(x)" != "\(y)" {
            XCTFail("\(context): \(x) is not \(y)")
            return false
        }
        return a.tokens == b.tokens && a.diagnostics == b.diagnostics && a.statements.count == b.statements.count
    }
}
