import XCTest
import ScheduleAnalysis
import ScheduleLanguage
import SchedulePlanner
import TestSupport

/// An analysis that reuses the previous version's is the analysis made from scratch: the same
/// diagnostics, program and plan, through chains of random edits on every sample and golden
/// case and on a long generated schedule (events of every kind, settings edited too).
final class IncrementalAnalysisTests: XCTestCase {
    static let pieces = ["\n", "\r\n", " ", "0", "5", ".", ":", ",", "#", "x", "é", "", "%",
                         "at epoch 10: lr *= 0.5\n", "at epoch 3, 30: batch = 256\n", "at step 500: momentum = 0.8\n",
                         "every 3 epochs until 50: noise /= 1.1\n", "at 50%: lr = 0.01, keep noise\n", "max_batch 1024\n",
                         "epochs 90\n", "at epoch 20: noise /= 2\n", "at epoch 1e9: lr *= 2\n", "at epoch 2: lr *= 0.9\n"]

    static var documents: [String] {
        let files = Repository.files(under: "Samples", extensions: ["sched"]) + GoldenCase.all.map { GoldenCase.directory + "/" + $0.name + ".sched" }
        var generated = "schedule g\ndata cifar10\nmodel wrn(16, 4)\nepochs 100\noptimizer sgd(momentum: 0.9)\nlr 0.1\nbatch 128\nmax_batch 2048\nghost_batch 64\n"
        for index in 0..<120 {
            let epoch = Double(index) * 0.8
            switch index % 6 {
            case 0: generated += "at epoch \(epoch): noise /= 1.01\n"
            case 1: generated += "at epoch \(epoch): momentum = 0.9  # held\n"
            case 2: generated += "at epoch \(epoch): lr *= 0.999, keep noise\n"
            case 3: generated += "at epoch \(epoch): batch = \(index % 12 == 3 ? 4096 : 256)\n"
            case 4: generated += "# comment \(index)\n"
            default: generated += "at epoch \(epoch), \(epoch + 0.1): lr *= 0.99\n"
            }
        }
        return files.map(Repository.read) + [generated]
    }

    func testReusingThePreviousAnalysisGivesTheFreshAnalysis() {
        var random = TestRandom(seed: 31)
        var checked = 0
        let documents = Self.documents
        XCTAssertGreaterThan(documents.count, 60)
        XCTAssertFalse(documents.contains { $0.isEmpty }, "every file was read")
        for (number, start) in documents.enumerated() {
            var text = start
            var previous = Analysis(Document(path: "d.sched", text: text))
            for step in 0..<12 {
                var bytes = Array(text.utf8)
                let cut = random.below(bytes.count + 1), end = min(bytes.count, cut + random.below(random.chance(0.2) ? 60 : 3))
                // Mostly edits inside lines, as typing does; sometimes whole lines.
                let piece = random.pick(Self.pieces)
                bytes.replaceSubrange(cut..<end, with: Array(piece.utf8))
                text = String(decoding: bytes, as: UTF8.self)
                let document = Document(path: "d.sched", text: text, version: step)
                let fresh = Analysis(document), reused = Analysis(document, reusing: previous)
                let context = "document \(number) step \(step)"
                XCTAssertEqual(reused.diagnostics, fresh.diagnostics, context)
                XCTAssertEqual(reused.program, fresh.program, context)
                XCTAssertEqual(reused.plan, fresh.plan, context)
                if reused.diagnostics != fresh.diagnostics || reused.plan != fresh.plan { return }
                previous = random.chance(0.1) ? fresh : reused
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 500)
    }

    /// A `batch = B` event above max_batch offers a noise change only while no earlier event
    /// changed B or the noise: an event inserted before it changes its diagnostic.
    func testABatchEventIsCheckedAgainWhenEventsBeforeItChange() {
        let text = "schedule s\ndata cifar10\nepochs 90\nlr 0.1\nbatch 128\nmax_batch 2048\nat epoch 10: lr *= 0.5\nat epoch 30: batch = 4096\n"
        let before = Analysis(Document(path: "d.sched", text: text))
        XCTAssertTrue(before.diagnostics.contains { $0.fixIts.contains { $0.edits.contains { $0.newText.hasPrefix("noise /=") } } })
        let edited = text.replacingOccurrences(of: "lr *= 0.5", with: "noise /= 2")
        let fresh = Analysis(Document(path: "d.sched", text: edited)), reused = Analysis(Document(path: "d.sched", text: edited), reusing: before)
        XCTAssertFalse(fresh.diagnostics.contains { $0.fixIts.contains { $0.edits.contains { $0.newText.hasPrefix("noise /=") } } })
        XCTAssertEqual(reused.diagnostics, fresh.diagnostics)
    }

    /// An event out of order points at the statement before it: when that statement is reused
    /// and moved by an edit above it, the note points where it now is.
    func testAnOutOfOrderEventPointsAtTheMovedStatementBeforeIt() {
        let text = "schedule s\ndata cifar10\nepochs 90\nlr 0.1\nbatch 128\n# x\n\n\nat epoch 10: lr *= 0.5\nat epoch 5: lr *= 0.5\n"
        var previous = Analysis(Document(path: "d.sched", text: text))
        XCTAssertEqual(previous.diagnostics.map(\.code), [.eventsOutOfOrder])
        // Edits below the settings (an edit moving a setting checks every statement again).
        for edited in [text.replacingOccurrences(of: "# x", with: "# xé"), text.replacingOccurrences(of: "# x", with: "# x\n# y")] {
            let fresh = Analysis(Document(path: "d.sched", text: edited)), reused = Analysis(Document(path: "d.sched", text: edited), reusing: previous)
            XCTAssertEqual(reused.diagnostics, fresh.diagnostics)
            XCTAssertEqual(fresh.source.slice(fresh.diagnostics.first?.notes.first?.range ?? .at(0)), "at epoch 10: lr *= 0.5")
            previous = reused
        }
    }

    /// Reuse across depths: a syntax-only analysis, then a full one reusing it, and back.
    func testReuseAcrossDepths() {
        let text = Self.documents.last!.replacingOccurrences(of: "batch = 4096", with: "batch = 1024")
        let syntaxOnly = Analysis(Document(path: "d.sched", text: text), options: .format)
        let edited = text.replacingOccurrences(of: "noise /= 1.01", with: "noise /= 1.02")
        let full = Analysis(Document(path: "d.sched", text: edited), reusing: syntaxOnly)
        XCTAssertEqual(full.diagnostics, Analysis(Document(path: "d.sched", text: edited)).diagnostics)
        XCTAssertEqual(full.plan, Analysis(Document(path: "d.sched", text: edited)).plan)
        XCTAssertNotNil(full.plan)
        let back = Analysis(Document(path: "d.sched", text: text), options: .format, reusing: full)
        XCTAssertEqual(back.formatted, syntaxOnly.formatted)
    }
}
