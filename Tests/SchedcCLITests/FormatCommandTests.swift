import Foundation
import XCTest

/// `schedc fmt` end to end: in-place rewriting, --check, standard input, refusing files with
/// syntax errors (never touching them), atomic replacement keeping permissions.
final class FormatCommandTests: XCTestCase {
    let messy = "schedule   messy\ndata cifar10\nepochs 0200\nlr .10   # ε\nbatch 128\nat epochs 60 ,120:noise/=5\n"
    let formatted = "schedule messy\ndata        cifar10\nepochs      200\nlr          0.1 # ε\nbatch       128\nat epoch 60, 120: noise /= 5\n"

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-fmt-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func write(_ name: String, _ text: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: false, encoding: .utf8)
        return url
    }

    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    func testRewritesInPlaceKeepingPermissions() throws {
        let file = try write("a.sched", messy)
        chmod(file.path, 0o640)
        let result = try runSchedc(["fmt", file.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(try read(file), formatted)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o640)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(leftovers, ["a.sched"], "no temporary file left behind")
    }

    func testLeavesFormattedFilesAlone() throws {
        let file = try write("b.sched", formatted)
        let before = try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? NSNumber
        XCTAssertEqual(try runSchedc(["fmt", file.path]).status, 0)
        let after = try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? NSNumber
        XCTAssertEqual(before, after, "an already formatted file is not replaced")
    }

    func testCheckListsFilesThatWouldChangeAndWritesNothing() throws {
        let unformatted = try write("u.sched", messy)
        let clean = try write("c.sched", formatted)
        let result = try runSchedc(["fmt", "--check", unformatted.path, clean.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, unformatted.path + "\n")
        XCTAssertEqual(try read(unformatted), messy)
        XCTAssertEqual(try runSchedc(["fmt", "--check", clean.path]).status, 0)
    }

    func testStandardInputToStandardOutput() throws {
        let result = try runSchedc(["fmt"], stdin: messy)
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, formatted)
        let dash = try runSchedc(["fmt", "-"], stdin: messy)
        XCTAssertEqual(dash.stdout, formatted)
        let check = try runSchedc(["fmt", "--check"], stdin: messy)
        XCTAssertEqual(check.status, 1)
        XCTAssertEqual(check.stdout, "<stdin>\n")
    }

    func testRefusesFilesWithSyntaxErrorsAndLeavesThemUntouched() throws {
        let broken = "lr = 0.1   \nbatch 128\n"
        let file = try write("broken.sched", broken)
        let other = try write("other.sched", messy)
        let result = try runSchedc(["fmt", file.path, other.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(try read(file), broken, "a file with syntax errors is never touched")
        XCTAssertEqual(try read(other), formatted, "the other files are still formatted")
        XCTAssertTrue(result.stderr.contains("broken.sched:1:4: error: a setting takes its value without '=' [S014]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("not formatted: fix the syntax errors first"), result.stderr)
        let piped = try runSchedc(["fmt"], stdin: broken)
        XCTAssertEqual(piped.status, 1)
        XCTAssertEqual(piped.stdout, "", "nothing on standard output when refusing")
    }

    func testSemanticErrorsDoNotStopTheFormatter() throws {
        let result = try runSchedc(["fmt"], stdin: "data   cifar1O\n")
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "data        cifar1O\n")
    }

    func testIOProblemsExitTwo() throws {
        let result = try runSchedc(["fmt", directory.appendingPathComponent("missing.sched").path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("missing.sched: no such file"), result.stderr)
        let unknown = try runSchedc(["fmt", "--chekc"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("did you mean '--check'"), unknown.stderr)
    }

    func testSamplesAreFormatted() throws {
        let enumerator = FileManager.default.enumerator(atPath: repositoryRoot.appendingPathComponent("Samples").path)!
        let samples = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".sched") }.map { "Samples/" + $0 }
        XCTAssertFalse(samples.isEmpty)
        let result = try runSchedc(["fmt", "--check"] + samples)
        XCTAssertEqual(result.status, 0, result.stdout)
    }

    func testHelp() throws {
        let result = try runSchedc(["fmt", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("USAGE: schedc fmt [--check] [FILE...]"))
    }
}
