import XCTest

final class TopLevelTests: XCTestCase {
    func testHelpListsEveryCommand() throws {
        let result = try runSchedc(["--help"])
        XCTAssertEqual(result.status, 0)
        for command in ["check", "lint", "fmt", "plan", "run", "compare", "bench", "lsp"] {
            XCTAssertTrue(result.stdout.contains("  \(command) "), "--help lacks \(command)")
        }
    }

    func testUnknownCommandIsAUsageErrorWithASuggestion() throws {
        let result = try runSchedc(["chekc"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("did you mean 'check'"), result.stderr)
    }

    func testNoArgumentsPrintsHelpToStandardError() throws {
        let result = try runSchedc([])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("USAGE: schedc"))
    }
}
