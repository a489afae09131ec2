import Foundation
import XCTest

/// The examples of docs/running.md that do not train (so their output is exact) are run, and
/// must print what the page shows; a line `…` in the page stands for any number of lines.
final class RunDocumentationTests: XCTestCase {
    func testOverrideErrorExample() throws {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/running.md"), encoding: .utf8)
        let command = "$ schedc run Samples/quickstart.sched --subset 500"
        let start = try XCTUnwrap(page.range(of: "```console\n" + command + "\n"), "docs/running.md lost the example")
        let rest = page[start.upperBound...]
        let end = try XCTUnwrap(rest.range(of: "\n```"))
        let expected = rest[..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let result = try runSchedc(Array(command.split(separator: " ").dropFirst(2).map(String.init)))
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, "")
        var actual = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if actual.last == "" { actual.removeLast() }
        XCTAssertTrue(matches(expected, actual), "docs/running.md shows:\n\(expected.joined(separator: "\n"))\nschedc prints:\n\(result.stderr)")
    }

    /// Whether `actual` is `expected` with each `…` line standing for zero or more lines.
    func matches(_ expected: [String], _ actual: [String]) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first == "…" {
            return (0...actual.count).contains { matches(Array(expected.dropFirst()), Array(actual.dropFirst($0))) }
        }
        return actual.first == first && matches(Array(expected.dropFirst()), Array(actual.dropFirst()))
    }
}
