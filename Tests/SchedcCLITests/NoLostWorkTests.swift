import Foundation
import XCTest

/// Every state has a way forward and says it: two runs started in the same second, `fmt`
/// through links and other users' files, JSON naming files it could not read, a killed run, a
/// missing checkpoint, and a reader of the progress that goes away (`| head`).
final class NoLostWorkTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-lost-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func write(_ text: String, _ name: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    func status(_ path: String) -> stat {
        var result = stat()
        XCTAssertEqual(lstat(path, &result), 0, path)
        return result
    }

    /// Two runs of one schedule started together get `NAME-…` and `NAME-…-2`; one used to
    /// fail, telling the user to resume the other's run. End to end, so the clock decides
    /// whether they share a second; RunDirectoryCreationTests races runs on one injected name.
    func testTwoRunsStartedInTheSameSecondGetTwoDirectories() throws {
        let file = try write(RunCommandTests.tiny, "tiny.sched")
        final class Box: @unchecked Sendable { var results: [SchedcResult?] = [nil, nil]; let lock = NSLock() }
        let box = Box()
        let directory = scratch!
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = try? runSchedc(["run", "--quiet", "--threads", "1", file], in: directory)
            box.lock.withLock { box.results[index] = result }
        }
        for result in box.results {
            XCTAssertEqual(result?.status, 0, result?.stderr ?? "did not run")
        }
        let runs = try FileManager.default.contentsOfDirectory(atPath: path("runs")).sorted()
        XCTAssertEqual(runs.count, 2, "\(runs)")
        if runs.count == 2, runs[0].dropFirst("tiny-".count).count == "YYYYMMDD-HHMMSS".count,
           runs[1] == runs[0] + "-2" || runs[1].hasPrefix("tiny-") {
            // Same second: the second has the -2 suffix; a second boundary between them gives two plain names.
        } else {
            XCTFail("unexpected run directories \(runs)")
        }
    }

    /// fmt writes through a symbolic link and keeps the target's owner, group and mode; a file
    /// with another hard link keeps its inode, so both names see the formatted text.
    func testFormatKeepsLinksOwnerAndMode() throws {
        let messy = "schedule   messy\ndata cifar10\nepochs 0200\nlr .10\nbatch 128\n"
        let target = try write(messy, "target.sched")
        XCTAssertEqual(symlink(target, path("link.sched")), 0)
        if geteuid() == 0 { XCTAssertEqual(chown(target, 65534, 65534), 0) }
        XCTAssertEqual(chmod(target, 0o640), 0)
        let before = status(target)
        let result = try runSchedc(["fmt", path("link.sched")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(status(path("link.sched")).st_mode & S_IFMT, S_IFLNK, "the link is still a link")
        let after = status(target)
        XCTAssertTrue(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("schedule messy\ndata        cifar10\n"))
        XCTAssertEqual(after.st_mode & 0o7777, 0o640)
        XCTAssertEqual(after.st_uid, before.st_uid)
        XCTAssertEqual(after.st_gid, before.st_gid)

        let original = try write(messy, "original.sched")
        XCTAssertEqual(link(original, path("second-name.sched")), 0)
        let inode = status(original).st_ino
        XCTAssertEqual(try runSchedc(["fmt", original]).status, 0)
        XCTAssertEqual(status(original).st_ino, inode)
        XCTAssertEqual(try String(contentsOfFile: path("second-name.sched"), encoding: .utf8),
                       try String(contentsOfFile: original, encoding: .utf8))
        XCTAssertTrue(try String(contentsOfFile: original, encoding: .utf8).hasPrefix("schedule messy\n"))
    }

    func testJSONListsFilesItCouldNotRead() throws {
        let good = repositoryRoot.appendingPathComponent("Samples/quickstart.sched").path
        let missing = path("nonexistent.sched")
        let result = try runSchedc(["lint", "--format", "json", good, missing])
        XCTAssertEqual(result.status, 2)
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let files = document?["files"] as? [[String: Any]] ?? []
        XCTAssertEqual(files.map { $0["path"] as? String }, [good, missing])
        XCTAssertNil(files.first?["error"])
        XCTAssertEqual(files.last?["error"] as? String, "\(missing): no such file")
        XCTAssertEqual((files.last?["diagnostics"] as? [Any])?.count, 0)
    }

    /// A run killed without a word (SIGKILL leaves run.json at "running") and a checkpoint that
    /// went missing: --resume says both instead of retraining silently.
    func testResumeSaysTheRunWasKilledAndTheCheckpointIsMissing() throws {
        let file = try write(RunCommandTests.tiny, "tiny.sched")
        let out = path("run")
        XCTAssertEqual(try runSchedc(["run", "--quiet", "--threads", "1", file, "--out", out]).status, 0)
        let record = out + "/run.json"
        let text = try String(contentsOfFile: record, encoding: .utf8)
        try text.replacingOccurrences(of: "\"status\": \"finished\"", with: "\"status\": \"running\"")
            .write(toFile: record, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: out + "/checkpoint.bin")
        try FileManager.default.removeItem(atPath: out + "/summary.json")

        let compared = try runSchedc(["compare", "--quiet", out, out, "--out", path("comparison")])
        XCTAssertTrue(compared.stdout.contains("(failed)") || compared.stderr.contains("(failed)")
                      || (try? String(contentsOfFile: path("comparison") + "/comparison.md", encoding: .utf8))?.contains("failed") == true,
                      "a killed run is not shown as running: \(compared.stdout) \(compared.stderr)")

        let resumed = try runSchedc(["run", "--resume", out, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("no process holds the run: it was killed"), resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("checkpoint.bin: missing, though 3 epochs were trained: the run starts again from epoch 0"),
                      resumed.stderr)
    }

    /// `schedc run … | head -c 1`: the reader goes away after one byte; training used to die
    /// of SIGPIPE. Now it finishes, writes its summary and exits 0.
    func testAClosedPipeDoesNotStopTraining() throws {
        let file = try write(RunCommandTests.tiny, "tiny.sched")
        let out = path("piped")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "\"$0\" run --threads 1 \"$1\" --out \"$2\" | head -c 1 >/dev/null; echo \"${PIPESTATUS[0]}\"",
                             schedcExecutable.path, file, out]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(output, "0\n", "schedc's exit status behind the closed pipe")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/summary.json"))
    }
}
