import Foundation
import FuzzTargets
import XCTest

/// Every seed and every saved finding in Tests/Fuzz/corpus goes through the fuzzers' property
/// functions (a plain build: no sanitizer, the same assertions). A finding is fixed when its
/// file, added to the corpus, passes here; Tests/Fuzz/run.sh then fuzzes from it.
final class FuzzRegressionTests: XCTestCase {
    let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    func replay(_ directory: String, minimum: Int, _ target: ([UInt8]) -> Void) throws {
        let url = corpus.appendingPathComponent(directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        XCTAssertGreaterThanOrEqual(files.count, minimum, "seeds in \(directory)")
        for file in files {
            target(Array(try Data(contentsOf: url.appendingPathComponent(file))))
        }
    }

    func testFrontEndCorpus() throws { try replay("frontend", minimum: 10, FuzzTargets.frontEnd) }
    func testPlanJSONCorpus() throws { try replay("plan-json", minimum: 2, FuzzTargets.planJSON) }
    func testCheckpointCorpus() throws { try replay("checkpoint", minimum: 1, FuzzTargets.checkpoint) }
    func testIDXCorpus() throws { try replay("idx", minimum: 4, FuzzTargets.idx) }

    /// The properties can fail: a front-end input whose format is not idempotent would trap,
    /// so check the pieces they rest on directly on a messy input.
    func testFrontEndPropertiesHoldOnAMessyInput() {
        FuzzTargets.frontEnd(Array("schedule   x\ndata cifar10\nepochs 0200\nlr .10 # c\nbatch 128\n\n\n\nat epochs 60 ,120:noise/=5".utf8))
        FuzzTargets.frontEnd([0xFF, 0xFE, 0x00])  // not UTF-8: ignored, not a crash
        FuzzTargets.planJSON(Array("{\"version\": 1}".utf8))
        FuzzTargets.checkpoint([])
        FuzzTargets.idx([0, 0, 8, 3, 0x7F, 0xFF, 0xFF, 0xFF])
    }
}
