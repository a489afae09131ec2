import Foundation
import XCTest

/// Golden tests of the engine limits (S4xx) as `schedc lint --engine E` reports them: for each
/// Tests/SchedcCLITests/Golden/engine-lint/NAME.sched, its `# lint:` line gives the engine
/// options, its `# expect:` line the codes (or `clean`); standard error must equal NAME.txt.
/// `SCHEDC_UPDATE_GOLDEN=1 swift test` rewrites the expected files.
final class EngineLintGoldenTests: XCTestCase {
    let directory = repositoryRoot.appendingPathComponent("Tests/SchedcCLITests/Golden/engine-lint")
    var updating: Bool { ProcessInfo.processInfo.environment["SCHEDC_UPDATE_GOLDEN"] == "1" }

    func header(_ name: String, _ prefix: String) throws -> [String] {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".sched"), encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
            XCTFail("\(name).sched has no '\(prefix)' line")
            return []
        }
        return line.dropFirst(prefix.count).split(separator: " ").map(String.init).filter { $0 != "clean" }
    }

    func testEngineLimitDiagnostics() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sched") }
            .map { String($0.dropLast(".sched".count)) }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 6)
        for name in names {
            let options = try header(name, "# lint:")
            let expected = try header(name, "# expect:").sorted()
            let text = try runSchedc(["lint"] + options + [name + ".sched"], in: directory)
            let json = try runSchedc(["lint", "--format", "json"] + options + [name + ".sched"], in: directory)
            let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let diagnostics = (document?["files"] as? [[String: Any]])?.first?["diagnostics"] as? [[String: Any]] ?? []
            let codes = diagnostics.compactMap { $0["code"] as? String }.filter { $0.hasPrefix("S4") }.sorted()
            XCTAssertEqual(codes, expected, "\(name): the S4xx codes")
            let errors = expected.contains { $0 == "S401" || $0 == "S402" || $0 == "S403" }
            XCTAssertEqual(text.status, errors ? 1 : 0, "\(name): exit status\n\(text.stderr)")
            let url = directory.appendingPathComponent(name + ".txt")
            if updating {
                try text.stderr.write(to: url, atomically: true, encoding: .utf8)
                continue
            }
            let golden = try String(contentsOf: url, encoding: .utf8)
            XCTAssertEqual(text.stderr, golden, "\(name): differs from \(name).txt (SCHEDC_UPDATE_GOLDEN=1 regenerates it)")
        }
    }

    /// Every S4xx code of docs/language.md's catalog (its `### S4xx` entries) has a case here,
    /// and every code a case expects is in that catalog and in docs/engines.md's table.
    func testEveryCodeIsDocumentedAndHasACase() throws {
        func section(_ page: String) throws -> Substring {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/\(page)"), encoding: .utf8)
            let start = try XCTUnwrap(text.range(of: "## Engine limits (S4xx)"), "\(page) has no engine-limits section")
            return text[start.upperBound...]
        }
        func codes(_ page: String, linePrefix: String) throws -> Set<String> {
            Set(try section(page).split(separator: "\n").filter { $0.hasPrefix(linePrefix) }
                .map { String($0.dropFirst(linePrefix.count - 2).prefix(4)) })
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sched") }
        let used = Set(try names.flatMap { try header(String($0.dropLast(".sched".count)), "# expect:") })
        let catalog = try codes("language.md", linePrefix: "### S4")
        XCTAssertEqual(catalog, ["S401", "S402", "S403", "S404"])
        XCTAssertEqual(used, catalog, "codes with a golden case")
        XCTAssertEqual(try codes("engines.md", linePrefix: "| S4"), catalog)
    }

    func testUsageErrors() throws {
        let name = "pytorch_uneven.sched"
        XCTAssertEqual(try runSchedc(["lint", "--world-size", "2", name], in: directory).status, 2, "--world-size needs --engine")
        XCTAssertEqual(try runSchedc(["lint", "--engine", "tpu", name], in: directory).status, 2)
        XCTAssertEqual(try runSchedc(["lint", "--engine", "megatron", "--world-size", "0", name], in: directory).status, 2)
        // Without --engine, lint is as it was: no S4xx.
        XCTAssertFalse(try runSchedc(["lint", "megatron_short_updates.sched"], in: directory).stderr.contains("S40"))
    }
}
