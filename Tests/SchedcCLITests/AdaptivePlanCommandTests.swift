import Foundation
import XCTest

/// `schedc plan` of an adaptive schedule: the text shows the rule and the bounds, the JSON the
/// rule under `adaptive`, with the keys docs/plan-json.md lists, in its order.
final class AdaptivePlanCommandTests: XCTestCase {
    let sample = "Samples/adaptive/adaptive_batch.sched"

    func testTheTableShowsTheRuleAndWhenTheBatchCanGrow() throws {
        let result = try runSchedc(["plan", sample])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("\nadaptive batch: every 0.25 epochs, grow × 2 up to 6144 when B_simple > 2 × B"), result.stdout)
        XCTAssertTrue(result.stdout.contains("    256 from step 352 (epoch 0.75)\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("  total updates: 952 (earliest growths) to 9380 (no growth)\n"), result.stdout)
        // With an override the bounds follow the overridden program: up_to defaults to max_batch.
        let capped = try runSchedc(["plan", sample, "--max-batch", "512"])
        XCTAssertEqual(capped.status, 0, capped.stderr)
        XCTAssertTrue(capped.stdout.contains("grow × 2 up to 512 when"), capped.stdout)
        XCTAssertTrue(capped.stdout.contains("    512 from step 587 (epoch 1.75)\n  total updates:"), capped.stdout)
    }

    func testTheJSONCarriesTheRuleWithTheDocumentedKeys() throws {
        let result = try runSchedc(["plan", "--format", "json", sample])
        XCTAssertEqual(result.status, 0)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let adaptive = try XCTUnwrap(object["adaptive"] as? [String: Any])
        XCTAssertEqual(adaptive["every"] as? [String: Double], ["epochs": 0.25])
        XCTAssertEqual(adaptive["up_to"] as? Int, 6144)
        XCTAssertEqual(adaptive["keep"] as? String, "lr")
        XCTAssertTrue(result.stdout.hasSuffix("    \"keep\": \"lr\"\n  }\n}\n"), "adaptive comes last")

        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/plan-json.md"), encoding: .utf8)
        let start = try XCTUnwrap(page.range(of: "\n### `adaptive`\n")).upperBound
        var documented: [String] = []
        var inTable = false
        for line in page[start...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("|") {
                inTable = true
                let cell = line.split(separator: "|").first.map(String.init) ?? ""
                documented += cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            } else if inTable {
                break
            }
        }
        let block = result.stdout[result.stdout.range(of: "\n  \"adaptive\": {\n")!.upperBound...]
        let keys = block.split(separator: "\n").filter { $0.hasPrefix("    \"") }.map { $0.dropFirst(5).prefix { $0 != "\"" } }.map(String.init)
        XCTAssertEqual(documented, keys)
    }
}
