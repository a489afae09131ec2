import Foundation
import SchedulePlanner
@testable import ScheduleRunner
import XCTest

/// Making a new run directory: two runs that want the same name get two directories, and a
/// start that fails while writing the directory's first files leaves nothing that blocks
/// `--out` or the default name (and nothing `--resume` would take for a run).
final class RunDirectoryCreationTests: RunnerTestCase {
    /// The default name is injected (`Placement.firstFree` of one base), so every pair of runs
    /// races on the same name, whatever the clock says; both start together from a barrier.
    func testRunsRacingForOneNameGetOneDirectoryEach() throws {
        let spec = try specification(schedule())
        let root = temporaryRunPath("race")
        for round in 0..<10 {
            let base = root + "/tiny-20261207-033000-\(round)"
            let racers = 4
            final class Results: @unchecked Sendable {
                var paths: [String?]
                var errors: [String] = []
                let lock = NSLock()
                init(_ count: Int) { paths = Array(repeating: nil, count: count) }
            }
            let results = Results(racers)
            let ready = DispatchGroup(), finished = DispatchGroup()
            for _ in 0..<racers { ready.enter(); finished.enter() }
            let data = (0..<racers).map { _ in syntheticData(train: 96) }
            for index in 0..<racers {
                // Threads of their own (not a dispatch queue's, which may run fewer at once than
                // the barrier waits for).
                Thread {
                    ready.leave()
                    ready.wait()  // every racer is here before any of them claims a name
                    do {
                        let run = try TrainingRun.start(spec, in: .firstFree(base), data: data[index])
                        results.lock.withLock { results.paths[index] = run.directory.path }
                    } catch {
                        results.lock.withLock { results.errors.append("\(error)") }
                    }
                    finished.leave()
                }.start()
            }
            finished.wait()
            XCTAssertEqual(results.errors, [], "round \(round)")
            XCTAssertEqual(Set(results.paths.compactMap { $0 }), Set([base, base + "-2", base + "-3", base + "-4"]), "round \(round)")
            for path in results.paths.compactMap({ $0 }) {
                XCTAssertEqual(try RunDirectory.open(path).readRecord().status, .running)
            }
        }
    }

    /// A name taken by anything — a run, an empty directory, a file — is passed over.
    func testTheDefaultNameSkipsWhatIsTaken() throws {
        let spec = try specification(schedule())
        let root = temporaryRunPath("taken")
        let base = root + "/tiny-20261207-033000"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: base + "-2", contents: Data())
        let first = try TrainingRun.start(spec, in: .firstFree(base), data: syntheticData(train: 96))
        XCTAssertEqual(first.directory.path, base + "-3")
        let second = try TrainingRun.start(spec, in: .firstFree(base), data: syntheticData(train: 96))
        XCTAssertEqual(second.directory.path, base + "-4")
    }

    /// A writer that fails at the k-th file, as a full disk would, after leaving a partial
    /// temporary file behind (what a write cut short by a crash of the writer itself leaves).
    func failingWriter(at failing: Int) -> FileWriter {
        final class Counter: @unchecked Sendable { var writes = 0; let lock = NSLock() }
        let counter = Counter()
        return FileWriter { bytes, path in
            let index = counter.lock.withLock { () -> Int in counter.writes += 1; return counter.writes }
            if index == failing {
                let directory = (path as NSString).deletingLastPathComponent
                let name = (path as NSString).lastPathComponent
                FileManager.default.createFile(atPath: directory + "/." + name + ".tmp-partial", contents: Data(bytes.prefix(3)))
                throw RunError(.io, "\(path): cannot write (No space left on device); the previous version is unchanged")
            }
            try FileIO.writeAtomically(bytes, to: path)
        }
    }

    func testAWriteFailureWhileCreatingLeavesNothingThatBlocksOutOrTheDefaultName() throws {
        let spec = try specification(schedule())
        // schedule.sched, plan.json, metrics.jsonl, run.json: a failure at each of them.
        for failing in 1...4 {
            // --out DIR that did not exist: it may stay, but empty, so the same --out works next time.
            let out = temporaryRunPath("out")
            XCTAssertThrowsError(try TrainingRun.start(spec, in: .exactly(out), data: syntheticData(train: 96), schedcVersion: "test",
                                                      writer: failingWriter(at: failing))) { error in
                XCTAssertEqual((error as? RunError)?.kind, .io, "\(error)")
                XCTAssertTrue("\(error)".contains("No space left on device"), "\(error)")
            }
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? [], [], "write \(failing): --out is left empty")
            XCTAssertNil(RunDirectory.active, "write \(failing): no run is active")
            XCTAssertThrowsError(try RunDirectory.open(out), "write \(failing): nothing for --resume to take") { error in
                XCTAssertTrue("\(error)".contains("not a run directory") || "\(error)".contains("no such run directory"), "\(error)")
            }
            let again = try TrainingRun.start(spec, in: .exactly(out), data: syntheticData(train: 96))
            XCTAssertEqual(again.directory.path, out)

            // The default name: the directory it claimed is removed, so the name is free again.
            let base = temporaryRunPath("default") + "/tiny-20261207-033000"
            XCTAssertThrowsError(try TrainingRun.start(spec, in: .firstFree(base), data: syntheticData(train: 96), schedcVersion: "test",
                                                      writer: failingWriter(at: failing)))
            XCTAssertFalse(FileManager.default.fileExists(atPath: base), "write \(failing): the claimed name is given back")
            XCTAssertEqual(try TrainingRun.start(spec, in: .firstFree(base), data: syntheticData(train: 96)).directory.path, base)
        }
    }

    /// The writer is the one the directory's first files go through: with a writer that never
    /// fails the start is as usual (so the failures above are the injected ones).
    func testTheSystemWriterStartsARun() throws {
        let out = temporaryRunPath("system")
        let run = try TrainingRun.start(try specification(schedule()), in: .exactly(out), data: syntheticData(train: 96),
                                        schedcVersion: "test", writer: .system)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: out)),
                       ["schedule.sched", "plan.json", "metrics.jsonl", "run.json", ".lock"])
        XCTAssertEqual(try run.directory.readRecord().status, .running)
    }
}
