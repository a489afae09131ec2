import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// The reproduction's own schedules (Samples/fashion_mnist, docs/reproduction.md) run end to
/// end through `schedc compare`, shortened to about 25 s: 2 of their 20 epochs
/// (`--epochs-scale 0.1`) on the first 10 000 training images (`--subset 10000`, which the
/// shipped subset serves). CompareCommandTests checks compare itself on schedules written in
/// the test; this one checks that the files the report tells people to run still run, with
/// the updates their plans promise and the ordering the paper's table has.
final class ReproductionSamplesTests: XCTestCase {
    /// In the report's order: the reference (decaying_lr) first, so speed-ups are against it.
    let names = ["decaying_lr", "hybrid", "increasing_batch", "increased_lr", "increased_momentum", "adabatch"]

    func cells(_ line: Substring) -> [String] {
        line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func testEverySampleIsInTheComparison() throws {
        let directory = repositoryRoot.appendingPathComponent("Samples/fashion_mnist")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sched") }
        XCTAssertEqual(Set(files), Set(names.map { $0 + ".sched" }), "a new sample must join the comparison below")
    }

    /// docs/reproduction.md shows each sample's plan as `schedc plan` prints it: a sample edited
    /// after the runs (a different plan than the one trained) fails here.
    func testReportShowsThePlansTheSamplesMake() throws {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/reproduction.md"), encoding: .utf8)
        let blocks = fencedBlocks("console", in: page)
        let prefix = "$ schedc plan Samples/fashion_mnist/"
        let plans = blocks.filter { $0.hasPrefix(prefix) }
        XCTAssertEqual(plans.count, names.count)
        for (name, block) in zip(names, plans) {
            let newline = block.firstIndex(of: "\n")!
            XCTAssertEqual(String(block[..<newline]), prefix + name + ".sched")
            let result = try runSchedc(["plan", "Samples/fashion_mnist/\(name).sched"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, String(block[block.index(after: newline)...]), "docs/reproduction.md: the plan of \(name)")
        }
    }

    func testSamplesRunShortenedThroughCompare() throws {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("schedc-reproduction-\(getpid())-\(UUID().uuidString.prefix(6))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("comparison").path
        let files = names.map { "Samples/fashion_mnist/\($0).sched" }
        let result = try runSchedc(["compare"] + files + ["--epochs-scale", "0.1", "--subset", "10000", "--threads", "2",
                                                          "--out", out, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")

        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") }.dropFirst()
        XCTAssertEqual(rows.count, names.count + 1, result.stdout)  // the separator row, then one per schedule
        let table = Array(rows.dropFirst()).map(cells)
        XCTAssertEqual(table.map { $0[0] }, names)

        // Each run did what its plan (made with the same overrides) promised, and finished.
        var updates: [String: Int] = [:]
        for (name, row) in zip(names, table) {
            XCTAssertEqual(row[1], "2", "\(name): epochs")
            let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name)/plan.json"))) as? [String: Any]
            let planned = try XCTUnwrap(plan?["total_updates"] as? Int, name)
            XCTAssertEqual(Int(row[4]), planned, "\(name): updates")
            updates[name] = planned
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name)/summary.json"))) as? [String: Any]
            XCTAssertEqual(summary?["status"] as? String, "finished", name)
            XCTAssertEqual(summary?["samples"] as? Int, 20_000, name)
        }
        // The paper's ordering of updates survives the shortening: each conversion needs fewer.
        let ordered = names.dropLast().map { updates[$0]! }
        XCTAssertEqual(ordered, ordered.sorted(by: >), "\(updates)")
        XCTAssertEqual(Set(ordered).count, ordered.count, "\(updates)")
        XCTAssertLessThan(updates["adabatch"]!, updates["decaying_lr"]!)
        XCTAssertEqual(updates["decaying_lr"], 2 * 79)  // 2 epochs × ⌈10000/128⌉, B fixed

        // Section 5.1's three schedules share their first 30 % (B 128, ε 0.02) and learn.
        for row in table.prefix(3) {
            let accuracy = try XCTUnwrap(Double(row[2].replacingOccurrences(of: " %", with: "")), row[0])
            XCTAssertGreaterThan(accuracy, 75, "\(row[0]): \(row)")
        }

        let svg = try String(contentsOfFile: out + "/comparison.svg", encoding: .utf8)
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "\(String(describing: parser.parserError))")
        for name in names {
            XCTAssertTrue(svg.contains(">\(name)<"), name)
        }
    }
}
