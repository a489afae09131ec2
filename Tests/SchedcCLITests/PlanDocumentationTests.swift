import Foundation
import XCTest

/// The `schedc plan` documentation says what the command really prints: the console examples
/// of docs/planner.md are run, and docs/plan-json.md's example and key tables are checked
/// against real output.
final class PlanDocumentationTests: XCTestCase {
    func document(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("docs/\(name)"), encoding: .utf8)
    }

    /// A command line as a shell splits it (spaces; single and double quotes).
    func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        var inWord = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }

    /// Every ```console block of docs/planner.md that starts with `$ schedc plan ...`: the
    /// command is run from the repository root and must print exactly the rest of the block
    /// (standard error first: in the examples only one of the two streams has text).
    func testPlannerPageConsoleExamplesPrintWhatTheyShow() throws {
        let examples = fencedBlocks("console", in: try document("planner.md")).filter { $0.hasPrefix("$ schedc plan ") }
        XCTAssertGreaterThanOrEqual(examples.count, 4)
        for example in examples {
            let newline = example.firstIndex(of: "\n")!
            let command = String(example[example.index(example.startIndex, offsetBy: 2)..<newline])
            let shown = String(example[example.index(after: newline)...])
            let words = shellWords(command)
            XCTAssertEqual(words.first, "schedc")
            let result = try runSchedc(Array(words.dropFirst()))
            XCTAssertTrue(result.stderr.isEmpty || result.stdout.isEmpty, "\(command): an example shows one stream")
            let printed = result.stderr + result.stdout
            if printed != shown {
                XCTFail("docs/planner.md: `\(command)` prints something else:\n--- shown\n\(shown)--- printed\n\(printed)")
            }
        }
    }

    /// docs/plan-json.md's example is an abridged copy of the real output for the sample it
    /// names: every line of it appears in the real output, in the same order.
    func testPlanJSONExampleIsAnAbridgedRealOutput() throws {
        let page = try document("plan-json.md")
        XCTAssertTrue(page.contains("`Samples/cifar10/increased_lr.sched` (abridged"))
        let examples = fencedBlocks("json", in: page)
        XCTAssertEqual(examples.count, 1)
        let example = try XCTUnwrap(examples.first)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(example.utf8)), "the example is valid JSON")
        let result = try runSchedc(["plan", "--format", "json", "Samples/cifar10/increased_lr.sched"])
        XCTAssertEqual(result.status, 0)
        // Lines compared without trailing commas (abridging moves the last element of an array).
        func lines(_ text: String) -> [String] {
            text.split(separator: "\n").map { $0.hasSuffix(",") ? String($0.dropLast()) : String($0) }
        }
        let real = lines(result.stdout)
        var position = 0
        for line in lines(example) {
            guard let found = real[position...].firstIndex(of: line) else {
                return XCTFail("docs/plan-json.md example line not in the real output (in order): \(line)")
            }
            position = found + 1
        }
    }

    /// The key tables of docs/plan-json.md list every key the output has, in its order.
    func testPlanJSONKeyTablesFollowTheOutputKeyOrder() throws {
        let page = try document("plan-json.md")
        func documentedKeys(under heading: String) throws -> [String] {
            let start = try XCTUnwrap(page.range(of: "\n" + heading + "\n"), "no heading \(heading)").upperBound
            var keys: [String] = []
            var inTable = false
            for line in page[start...].split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("|") {
                    inTable = true
                    let cell = line.split(separator: "|").first.map(String.init) ?? ""
                    keys += cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
                } else if inTable {
                    break
                }
            }
            return keys.filter { $0 != "key" }
        }
        let adabatch = try runSchedc(["plan", "--format", "json", "Samples/cifar10/adabatch.sched"]).stdout
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(adabatch.utf8)) as? [String: Any])
        XCTAssertNotNil(object["warmup"] as? [String: Any], "adabatch has a warm-up, so every key shows")
        /// Keys at `indent` spaces, in order of first appearance, between two markers.
        func outputKeys(indent: Int, from: String, to: String?) -> [String] {
            let startIndex = adabatch.range(of: from)!.upperBound
            let endIndex = to.flatMap { adabatch.range(of: $0, range: startIndex..<adabatch.endIndex)?.lowerBound } ?? adabatch.endIndex
            let prefix = String(repeating: " ", count: indent) + "\""
            var keys: [String] = []
            for line in adabatch[startIndex..<endIndex].split(separator: "\n") where line.hasPrefix(prefix) {
                let key = String(line.dropFirst(prefix.count).prefix { $0 != "\"" })
                if !keys.contains(key) { keys.append(key) }
            }
            return keys
        }
        /// The keys of the one-line object that follows `marker`, in order.
        func inlineKeys(after marker: String) -> [String] {
            let start = adabatch.range(of: marker)!.upperBound
            let line = adabatch[start...].prefix { $0 != "}" }
            let parts = line.split(separator: "\"", omittingEmptySubsequences: false)
            // Quoted strings sit at odd indices; a key is one followed by a colon.
            return parts.indices.filter { $0 % 2 == 1 && $0 + 1 < parts.count && parts[$0 + 1].hasPrefix(":") }.map { String(parts[$0]) }
        }
        XCTAssertEqual(try documentedKeys(under: "## The object"), outputKeys(indent: 2, from: "{", to: nil))
        XCTAssertEqual(try documentedKeys(under: "### `optimizer`"), outputKeys(indent: 4, from: "\"optimizer\": {", to: "}"))
        XCTAssertEqual(try documentedKeys(under: "### `warmup`"), inlineKeys(after: "\"warmup\": {"))
        XCTAssertEqual(try documentedKeys(under: "### `phases[]`"), outputKeys(indent: 6, from: "\"phases\": [", to: "\"changes\": ["))
        XCTAssertEqual(try documentedKeys(under: "### `changes[]`"), outputKeys(indent: 6, from: "\"changes\": [", to: nil))
        XCTAssertEqual(try documentedKeys(under: "### `changes[].changed[]`"), inlineKeys(after: "\"changed\": [{"))
        // The model's keys depend on its kind: each kind's are documented, in order.
        let modelKeys = try documentedKeys(under: "### `model`")
        for (sample, kind) in [("cifar10/adabatch", ["kind", "depth", "width"]), ("quickstart", ["kind"])] {
            let text = try runSchedc(["plan", "--format", "json", "Samples/\(sample).sched"]).stdout
            let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("  \"model\": ") })
            XCTAssertTrue(kind.allSatisfy { line.contains("\"\($0)\": ") }, String(line))
            XCTAssertEqual(modelKeys.filter(kind.contains), kind)
        }
        XCTAssertEqual(modelKeys, ["kind", "hidden", "depth", "width"])
    }
}
