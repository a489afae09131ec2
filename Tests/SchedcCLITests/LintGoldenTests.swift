import Foundation
import XCTest

/// Golden tests of what `schedc lint` prints, through the built executable: for each case
/// Tests/ScheduleLanguageTests/Golden/diagnostics/NAME.sched, the human output (standard
/// error, no colour) must equal NAME.txt and the JSON document (standard output) NAME.json.
/// `SCHEDC_UPDATE_GOLDEN=1 swift test` rewrites the expected files; adding a case is adding
/// one .sched file (with its `# expect:` line) and running that once.
final class LintGoldenTests: XCTestCase {
    let directory = repositoryRoot.appendingPathComponent("Tests/ScheduleLanguageTests/Golden/diagnostics")
    var updating: Bool { ProcessInfo.processInfo.environment["SCHEDC_UPDATE_GOLDEN"] == "1" }

    var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".sched") }.map { String($0.dropLast(".sched".count)) }.sorted()
    }

    /// The codes `lint` must report for a case: its `# expect:` codes (the front end's) and its
    /// `# expect-plan:` codes (the planner's S3xx).
    func expectedLintCodes(_ name: String) throws -> [String] {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".sched"), encoding: .utf8)
        var codes: [String] = []
        for line in text.split(whereSeparator: \.isNewline).prefix(6) {
            for prefix in ["# expect:", "# expect-plan:"] where line.hasPrefix(prefix) {
                codes += line.dropFirst(prefix.count).split(separator: " ").map(String.init).filter { $0 != "clean" }
            }
        }
        return codes.sorted()
    }

    /// Whether the case declares an error (an S0xx or S1xx code, or the planner's S300).
    func expectsErrors(_ name: String) throws -> Bool {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".sched"), encoding: .utf8)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.contains("# expect:") }) else {
            XCTFail("\(name) has no '# expect:' line")
            return false
        }
        return try line.split(separator: " ").contains { $0.hasPrefix("S0") || $0.hasPrefix("S1") }
            || expectedLintCodes(name).contains("S300")
    }

    /// Runs `schedc` once per case, two at a time (the machine has two cores).
    func runEachCase(_ arguments: @escaping (String) -> [String]) throws -> [String: SchedcResult] {
        let names = cases
        var results = [SchedcResult?](repeating: nil, count: names.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for index in stride(from: worker, to: names.count, by: 2) {
                let result = try? runSchedc(arguments(names[index]), in: directory)
                lock.lock()
                results[index] = result
                lock.unlock()
            }
        }
        var byName: [String: SchedcResult] = [:]
        for (name, result) in zip(names, results) {
            guard let result else { throw CocoaError(.executableLoad) }
            byName[name] = result
        }
        return byName
    }

    func compare(_ actual: String, withFile name: String, _ context: String) throws {
        let url = directory.appendingPathComponent(name)
        if updating {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            return XCTFail("\(name) is missing; run SCHEDC_UPDATE_GOLDEN=1 swift test")
        }
        if actual != expected {
            XCTFail("\(context) differs from \(name) (SCHEDC_UPDATE_GOLDEN=1 regenerates it):\n--- expected\n\(expected)\n--- actual\n\(actual)")
        }
    }

    func testHumanOutput() throws {
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        let results = try runEachCase { ["lint", $0 + ".sched"] }
        for name in cases {
            let result = results[name]!
            XCTAssertEqual(result.status, try expectsErrors(name) ? 1 : 0, "\(name): exit status")
            XCTAssertEqual(result.stdout, "", "\(name): text diagnostics go to standard error")
            XCTAssertFalse(result.stderr.contains("\u{1B}["), "\(name): colour without a terminal")
            try compare(result.stderr, withFile: name + ".txt", "lint \(name).sched")
        }
    }

    func testJSONOutput() throws {
        let uriPrefix = directory.standardizedFileURL.absoluteString
        let results = try runEachCase { ["lint", "--format", "json", $0 + ".sched"] }
        for name in cases {
            let result = results[name]!
            XCTAssertEqual(result.status, try expectsErrors(name) ? 1 : 0, "\(name): exit status")
            XCTAssertEqual(result.stderr, "", name)
            // The document parses as JSON and has the documented top level.
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            XCTAssertEqual(object?["version"] as? Int, 1, name)
            let diagnostics = (object?["files"] as? [[String: Any]])?.first?["diagnostics"] as? [[String: Any]] ?? []
            XCTAssertEqual(diagnostics.compactMap { $0["code"] as? String }.sorted(), try expectedLintCodes(name),
                           "\(name): lint's codes differ from its '# expect:' and '# expect-plan:' lines")
            XCTAssertEqual((object?["files"] as? [[String: Any]])?.first?["path"] as? String, name + ".sched")
            // LSP locations carry absolute URIs: make them machine-independent for the comparison.
            let stable = result.stdout.replacingOccurrences(of: uriPrefix, with: "file://GOLDEN/")
            try compare(stable, withFile: name + ".json", "lint --format json \(name).sched")
        }
    }

    func testNoExpectedFileWithoutACase() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let inputs = Set(cases)
        for name in names where name.hasSuffix(".txt") || name.hasSuffix(".json") {
            let stem = String(name[..<name.lastIndex(of: ".")!])
            XCTAssertTrue(inputs.contains(stem), "\(name) has no \(stem).sched")
        }
    }
}
