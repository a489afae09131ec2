import Foundation
import XCTest

/// `schedc check` and `schedc lint` end to end: exit codes, what goes where, I/O problems,
/// standard input, JSON shape, colour.
final class CheckCommandTests: XCTestCase {
    var samples: [String] {
        let enumerator = FileManager.default.enumerator(atPath: repositoryRoot.appendingPathComponent("Samples").path)!
        return enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".sched") }.map { "Samples/" + $0 }.sorted()
    }

    let goldens = "Tests/ScheduleLanguageTests/Golden/diagnostics/"

    func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-check-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return url.path
    }

    /// Every sample checks clean. Under `lint` a sample may warn only where it says so: a line
    /// `# lint: S302 S303` declares the codes it is meant to show (the paper's increased-momentum
    /// schedule really does lose epochs to momentum); every other sample lints clean.
    func testSamplesAreCleanUnderCheckAndLintAsDeclared() throws {
        XCTAssertGreaterThanOrEqual(samples.count, 7)
        let check = try runSchedc(["check"] + samples)
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(check.stderr, "")
        XCTAssertEqual(check.stdout, "")
        for sample in samples {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(sample), encoding: .utf8)
            let declared = text.split(separator: "\n").filter { $0.hasPrefix("# lint:") }
                .flatMap { $0.dropFirst("# lint:".count).split(separator: " ").map(String.init) }
            let lint = try runSchedc(["lint", "--format", "json", sample])
            XCTAssertEqual(lint.status, 0, "\(sample): \(lint.stdout)")
            let document = try JSONSerialization.jsonObject(with: Data(lint.stdout.utf8)) as? [String: Any]
            let files = document?["files"] as? [[String: Any]] ?? []
            let codes = files.flatMap { ($0["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } }
            XCTAssertEqual(Set(codes), Set(declared), "\(sample): lint codes differ from its '# lint:' line")
        }
    }

    func testCheckHidesWarningsLintShowsThem() throws {
        let file = goldens + "s201_large_initial_batch.sched"
        let check = try runSchedc(["check", file])
        XCTAssertEqual(check.status, 0)
        XCTAssertEqual(check.stderr, "")
        let lint = try runSchedc(["lint", file])
        XCTAssertEqual(lint.status, 0, "warnings alone exit 0")
        XCTAssertTrue(lint.stderr.contains("warning: the initial batch (8192)"), lint.stderr)
        XCTAssertTrue(lint.stderr.hasSuffix("found 1 warning\n"), lint.stderr)
        XCTAssertEqual(try runSchedc(["lint", "--warnings-as-errors", file]).status, 1)
        XCTAssertEqual(try runSchedc(["check", "--warnings-as-errors", file]).status, 0, "check shows no warnings")
        let json = try runSchedc(["check", "--format", "json", file])
        XCTAssertFalse(json.stdout.contains("S201"))
    }

    func testErrorsExitOneAndAreSummarised() throws {
        let result = try runSchedc(["check", goldens + "five_mistakes.sched", samples[0]])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix(goldens + "five_mistakes.sched:6:17: error: "), result.stderr)
        XCTAssertTrue(result.stderr.hasSuffix("found 5 errors\n"), result.stderr)
    }

    func testMissingUnreadableAndNonUTF8FilesAreUsageErrors() throws {
        let missing = try runSchedc(["check", "no/such/file.sched", samples[0]])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no/such/file.sched: no such file"), missing.stderr)

        let latin1 = try temporaryFile("latin1.sched", Array("schedule caf".utf8) + [0xE9, 0x0A])
        let notUTF8 = try runSchedc(["lint", latin1])
        XCTAssertEqual(notUTF8.status, 2)
        XCTAssertTrue(notUTF8.stderr.contains("not valid UTF-8 (line 1"), notUTF8.stderr)

        let directory = try runSchedc(["check", "Samples"])
        XCTAssertEqual(directory.status, 2)
        XCTAssertTrue(directory.stderr.contains("Samples: is a directory"), directory.stderr)

        let unreadable = try temporaryFile("locked.sched", Array("schedule x\n".utf8))
        chmod(unreadable, 0)
        if getuid() != 0 { // root reads anything
            let result = try runSchedc(["check", unreadable])
            XCTAssertEqual(result.status, 2)
            XCTAssertTrue(result.stderr.contains("cannot read"), result.stderr)
        }
        chmod(unreadable, 0o644)
    }

    func testUsageErrors() throws {
        let none = try runSchedc(["check"])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("no input files"), none.stderr)
        let unknown = try runSchedc(["lint", "--warning-as-errors", samples[0]])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("did you mean '--warnings-as-errors'"), unknown.stderr)
        let format = try runSchedc(["check", "--format", "xml", samples[0]])
        XCTAssertEqual(format.status, 2)
    }

    func testStandardInput() throws {
        let result = try runSchedc(["check", "-"], stdin: "schedule s\ndata cifar10\nepochs 10\nlr 0.1\nbatch 12.5\n")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("<stdin>:5:7: error: 'batch' must be a whole number"), result.stderr)
        let json = try runSchedc(["lint", "--format", "json", "-"], stdin: "lr = 1\n")
        XCTAssertTrue(json.stdout.contains("\"uri\": \"untitled:stdin\""), json.stdout)
    }

    func testJSONHasOneEntryPerFileWithLSPShapes() throws {
        let result = try runSchedc(["lint", "--format", "json", samples[0], goldens + "byte_order_mark.sched",
                                    goldens + "s102_duplicate_setting.sched"])
        XCTAssertEqual(result.status, 1)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let files = try XCTUnwrap(document["files"] as? [[String: Any]])
        XCTAssertEqual(files.count, 3)
        XCTAssertEqual((files[0]["diagnostics"] as? [Any])?.count, 0, "a clean file is listed with no diagnostics")
        // Byte-order mark: U+FEFF is one UTF-16 unit, so 'lr' value at byte 15 is character 13.
        let bom = try XCTUnwrap((files[1]["diagnostics"] as? [[String: Any]])?.first)
        let start = try XCTUnwrap((bom["range"] as? [String: Any])?["start"] as? [String: Int])
        XCTAssertEqual(start, ["line": 0, "character": 13])
        XCTAssertEqual(bom["severity"] as? Int, 1)
        XCTAssertEqual(bom["source"] as? String, "schedc")
        let duplicate = try XCTUnwrap((files[2]["diagnostics"] as? [[String: Any]])?.first)
        let related = try XCTUnwrap(duplicate["relatedInformation"] as? [[String: Any]])
        XCTAssertEqual(related.first?["message"] as? String, "first set here")
        let fixes = try XCTUnwrap((duplicate["data"] as? [String: Any])?["fixes"] as? [[String: Any]])
        let edit = try XCTUnwrap((fixes.first?["edits"] as? [[String: Any]])?.first)
        XCTAssertEqual(edit["newText"] as? String, "")
    }

    func testTimingReportsLinesAndMilliseconds() throws {
        let result = try runSchedc(["check", "--timing", samples[0]])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(" lines, ") && result.stderr.contains(" ms"), result.stderr)
    }

    func testHelp() throws {
        for command in ["check", "lint"] {
            let result = try runSchedc([command, "--help"])
            XCTAssertEqual(result.status, 0)
            XCTAssertTrue(result.stdout.contains("USAGE: schedc \(command)"))
            XCTAssertTrue(result.stdout.contains("--format text|json"))
        }
    }

    /// Colour only on a terminal, and never with NO_COLOR: run under `script`, which gives
    /// the command a pseudo-terminal (util-linux, present wherever the CI runs).
    func testColourOnATerminalUnlessNoColour() throws {
        let command = "\(schedcExecutable.path) check \(goldens)five_mistakes.sched"
        func underTerminal(_ environment: [String: String]) throws -> String {
            try runUnderTerminal(command, environment: environment).output
        }
        let coloured = try underTerminal([:])
        XCTAssertTrue(coloured.contains("\u{1B}[1;31merror:"), coloured)
        let plain = try underTerminal(["NO_COLOR": "1"])
        XCTAssertTrue(plain.contains("error: a wide ResNet"), plain)
        XCTAssertFalse(plain.contains("\u{1B}["), plain)
        let piped = try runSchedc(["check", goldens + "five_mistakes.sched"], environment: ["NO_COLOR": ""])
        XCTAssertFalse(piped.stderr.contains("\u{1B}["), "not a terminal: no colour")
    }
}
