import Foundation
import SchedulePlanner
import JSONSupport
import TensorKernels
#if canImport(Glibc)
import Glibc
#endif

/// A run directory (docs/running.md, "The run directory"):
///
///     schedule.sched     the source as compiled (command-line overrides written in)
///     plan.json          the plan (docs/plan-json.md)
///     run.json           seed, threads, data, overrides, version, status
///     metrics.jsonl      one line per epoch
///     checkpoint.bin     the state after the last whole epoch (docs/running.md, "Checkpoint format")
///     curves-epochs.svg  test accuracy and loss against epochs
///     curves-updates.svg the same against updates
///     summary.json       written when the run finishes
///     .lock              held (flock) by the process running it
public struct RunDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public var schedulePath: String { file("schedule.sched") }
    public var planPath: String { file("plan.json") }
    public var recordPath: String { file("run.json") }
    public var metricsPath: String { file("metrics.jsonl") }
    public var checkpointPath: String { file(Checkpoint.fileName) }
    public var summaryPath: String { file("summary.json") }
    public var epochsPlotPath: String { file("curves-epochs.svg") }
    public var updatesPlotPath: String { file("curves-updates.svg") }
    var lockPath: String { file(".lock") }

    func file(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    /// `runs/NAME-YYYYMMDD-HHMMSS` under `root` (local time); `-2`, `-3`... when taken.
    public static func defaultPath(schedule: String, root: String = "runs", date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let base = (root as NSString).appendingPathComponent("\(schedule)-\(formatter.string(from: date))")
        var candidate = base
        var suffix = 2
        while FileIO.exists(candidate) {
            candidate = "\(base)-\(suffix)"
            suffix += 1
        }
        return candidate
    }

    /// Where a new run goes.
    public enum Placement: Equatable, Sendable {
        /// At this path, which must not exist or be an empty directory (`--out`).
        case exactly(String)
        /// At this path, or `-2`, `-3`… after it when taken (the default name). Each candidate is
        /// claimed by mkdir, which is atomic, so two runs started in the same second get two
        /// directories instead of one telling the user to resume the other's run.
        case firstFree(String)
    }

    /// `--out DIR` exactly, or the default name for `schedule` (`runs/NAME-YYYYMMDD-HHMMSS`).
    public static func placement(out: String?, schedule: String, root: String = "runs", date: Date = Date()) -> Placement {
        if let out { return .exactly(out) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return .firstFree((root as NSString).appendingPathComponent("\(schedule)-\(formatter.string(from: date))"))
    }

    /// Makes the new run directory `placement` names.
    public static func create(_ placement: Placement) throws -> RunDirectory {
        switch placement {
        case .exactly(let path):
            return try create(path)
        case .firstFree(let base):
            let parent = (base as NSString).deletingLastPathComponent
            if !parent.isEmpty, !FileIO.isDirectory(parent) {
                do {
                    try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
                } catch {
                    throw RunError(.io, "\(parent): cannot create the directory (\(Self.reason(error)))")
                }
            }
            var candidate = base
            for suffix in 2... {
                if mkdir(candidate, 0o777) == 0 { return RunDirectory(path: candidate) }
                guard errno == EEXIST else {
                    throw RunError(.io, "\(candidate): cannot create the run directory (\(FileIO.reason()))")
                }
                candidate = "\(base)-\(suffix)"
            }
            fatalError("unreachable: the suffixes are unbounded")
        }
    }

    /// Makes a new, empty run directory (and its parents). An existing empty directory is
    /// accepted; anything else at `path` is refused, so a run never mixes with another.
    public static func create(_ path: String) throws -> RunDirectory {
        if FileIO.exists(path) {
            guard FileIO.isDirectory(path) else { throw RunError(.io, "\(path): exists and is not a directory") }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if !contents.isEmpty {
                let hint = FileIO.exists(RunDirectory(path: path).recordPath)
                    ? "it holds a run: continue it with 'schedc run --resume \(path)', or choose another directory"
                    : "choose another directory"
                throw RunError(.io, "\(path): the directory is not empty; \(hint)")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw RunError(.io, "\(path): cannot create the run directory (\(Self.reason(error)))")
            }
        }
        return RunDirectory(path: path)
    }

    /// An existing run directory: it must hold run.json.
    public static func open(_ path: String) throws -> RunDirectory {
        guard FileIO.exists(path) else { throw RunError(.io, "\(path): no such run directory") }
        guard FileIO.isDirectory(path) else { throw RunError(.io, "\(path): not a directory (a run directory holds run.json, plan.json, ...)") }
        let directory = RunDirectory(path: path)
        guard FileIO.exists(directory.recordPath) else {
            throw RunError(.io, "\(path): not a run directory (it has no run.json)")
        }
        return directory
    }

    /// The directory this process is training into, for a last word when it must stop at once
    /// (an allocation failure: `markFailed`).
    nonisolated(unsafe) public static var active: RunDirectory?

    /// Records in run.json that the run stopped with `error` (best effort: the process is
    /// about to exit); the last checkpoint is intact and `--resume` continues from it.
    public func markFailed(_ error: String) {
        guard var record = try? readRecord() else { return }
        record.status = .failed
        record.error = error
        try? writeRecord(record)
    }

    public func readRecord() throws -> RunRecord { try RunRecord(text: try FileIO.readText(recordPath), origin: recordPath) }

    /// Whether a live process holds the directory's lock. The kernel drops an flock when its
    /// holder dies, so a run.json still at "running" with the lock free was killed (SIGKILL,
    /// the out-of-memory killer, a power cut) before it could say so.
    public var isLockedByAProcess: Bool {
        let descriptor = Glibc.open(lockPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else { return true }
        flock(descriptor, LOCK_UN)
        return false
    }

    /// run.json as a reader should take it: a "running" run whose process is gone is reported
    /// as failed, with why and how to go on (run.json itself changes when the run resumes).
    public func readRecordResolvingKilled() throws -> RunRecord {
        var record = try readRecord()
        if record.status == .running, !isLockedByAProcess {
            record.status = .failed
            record.error = RunDirectory.killedMessage(path)
        }
        return record
    }

    static func killedMessage(_ path: String) -> String {
        "the process running it stopped without saying so (killed, e.g. by SIGKILL or the out-of-memory killer); "
            + "continue it with 'schedc run --resume \(path)'"
    }

    /// Removes what starting a run wrote into a directory it had just made, when the start
    /// fails (a full disk before run.json): the path is free again for `--out` or a retry,
    /// rather than a half-made directory that neither `--out` nor `--resume` accepts.
    /// Everything in it goes, temporary files of a write cut short included: the directory was
    /// empty when the run claimed it (`create` refuses anything else) and its lock kept other
    /// schedc processes out.
    func discardUnstarted(removingDirectory: Bool) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { unlink(file(name)) }
        if removingDirectory { rmdir(path) }
    }

    func writeRecord(_ record: RunRecord) throws { try FileIO.writeAtomically(record.json.pretty(), to: recordPath) }

    public func readMetrics() throws -> [MetricsRecord] { try MetricsFile.read(metricsPath) }

    public func readScheduleText() throws -> String { try FileIO.readText(schedulePath) }

    public func readPlanText() throws -> String { try FileIO.readText(planPath) }

    public var hasCheckpoint: Bool { FileIO.exists(checkpointPath) }

    public func readCheckpoint() throws -> Checkpoint { try Checkpoint.read(from: checkpointPath) }

    /// Takes the directory's lock for as long as the returned value lives: two processes never
    /// train into one directory. The kernel drops the lock when the process dies (even by SIGKILL).
    func lock() throws -> RunLock {
        let descriptor = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunError(.io, "\(lockPath): cannot open the lock file (\(FileIO.reason()))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw RunError(.io, "\(path): another schedc process is running this directory")
        }
        return RunLock(descriptor: descriptor)
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}

/// An flock on a run directory's `.lock`, released when this is deallocated.
final class RunLock {
    private let descriptor: Int32
    init(descriptor: Int32) { self.descriptor = descriptor }
    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// `run.json`: what a run is, besides its schedule — and how far it got.
public struct RunRecord: Equatable, Sendable {
    public enum Status: String, Sendable {
        /// Training (or killed while training: a process that dies cannot say so).
        case running
        /// Stopped by the user (SIGINT); the last checkpoint is intact.
        case interrupted
        case finished
        /// Stopped by an error (`error` says which); the last checkpoint is intact.
        case failed
    }

    public var schedcVersion: String
    public var schedule: String
    /// The .sched file it came from, as given on the command line.
    public var source: String?
    /// ISO 8601, UTC.
    public var created: String
    public var status: Status
    public var error: String?
    public var seed: UInt64
    public var threads: Int
    /// The data set line ("fashion_mnist: 10000 training and 2000 test images from …").
    public var data: String
    /// Where the files were read from, and `--data DIR` if it was given.
    public var dataDirectory: String?
    public var dataOption: String?
    public var overrides: [String]
    public var epochs: Int
    public var totalUpdates: Int
    /// `RunSpecification.scheduleHash`, hexadecimal.
    public var scheduleHash: String
    /// How many times the run was resumed.
    public var resumes: Int
    /// The engine that ran it when not the embedded runtime; run.json has the key ("torch")
    /// only then, so embedded runs' files are as they were.
    public var engine: Engine?
    /// The processor it started on (`HostProcessor.summary`) and, for the embedded runtime, the
    /// GEMM micro-kernel chosen for it and its cache blocking (`GEMMBlocking.description`, whose
    /// kc sets the summation order): the final weights' bits depend on all three. Nil in files
    /// written before schedc recorded them.
    public var processor: String?
    public var gemmKernel: String?
    public var gemmBlocking: String?

    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("schedc_version", .string(schedcVersion)), ("schedule", .string(schedule)), ("source", .optional(source)),
            ("created", .string(created)), ("status", .string(status.rawValue)), ("error", .optional(error)),
            ("seed", .string(String(seed))), ("threads", .int(threads)), ("data", .string(data)),
            ("data_directory", .optional(dataDirectory)), ("data_option", .optional(dataOption)),
            ("overrides", .array(overrides.map { .string($0) })), ("epochs", .int(epochs)),
            ("total_updates", .int(totalUpdates)), ("schedule_hash", .string(scheduleHash)), ("resumes", .int(resumes)),
        ]
        // Optional keys are left out, not null, so older files and other engines' read as they were.
        if let engine { fields.append(("engine", .string(engine.recordName))) }
        if let processor { fields.append(("processor", .string(processor))) }
        if let gemmKernel { fields.append(("gemm_kernel", .string(gemmKernel))) }
        if let gemmBlocking { fields.append(("gemm_blocking", .string(gemmBlocking))) }
        return .object(fields)
    }

    init(schedcVersion: String, schedule: String, source: String?, created: String, status: Status, error: String?,
         seed: UInt64, threads: Int, data: String, dataDirectory: String?, dataOption: String?, overrides: [String],
         epochs: Int, totalUpdates: Int, scheduleHash: String, resumes: Int, engine: Engine? = nil,
         processor: String? = nil, gemmKernel: String? = nil, gemmBlocking: String? = nil) {
        self.schedcVersion = schedcVersion
        self.schedule = schedule
        self.source = source
        self.created = created
        self.status = status
        self.error = error
        self.seed = seed
        self.threads = threads
        self.data = data
        self.dataDirectory = dataDirectory
        self.dataOption = dataOption
        self.overrides = overrides
        self.epochs = epochs
        self.totalUpdates = totalUpdates
        self.scheduleHash = scheduleHash
        self.resumes = resumes
        self.engine = engine
        self.processor = processor
        self.gemmKernel = gemmKernel
        self.gemmBlocking = gemmBlocking
    }

    init(text: String, origin: String) throws {
        let object = try JSONObject(data: Data(text.utf8), origin: origin)
        schedcVersion = try object.string("schedc_version")
        schedule = try object.string("schedule")
        source = try object.optionalString("source")
        created = try object.string("created")
        let statusText = try object.string("status")
        guard let status = Status(rawValue: statusText) else { throw RunError(.io, "\(origin): unknown status '\(statusText)'") }
        self.status = status
        error = try object.optionalString("error")
        // The seed is a string: a UInt64 does not survive a trip through a JSON double.
        let seedText = try object.string("seed")
        guard let seed = UInt64(seedText) else { throw RunError(.io, "\(origin): 'seed' must be a whole number in a string") }
        self.seed = seed
        threads = try object.int("threads")
        guard threads >= 1 else { throw RunError(.io, "\(origin): 'threads' must be at least 1") }
        data = try object.string("data")
        dataDirectory = try object.optionalString("data_directory")
        dataOption = try object.optionalString("data_option")
        overrides = try object.strings("overrides")
        epochs = try object.int("epochs")
        totalUpdates = try object.int("total_updates")
        scheduleHash = try object.string("schedule_hash")
        resumes = try object.int("resumes")
        if let name = try object.optionalString("engine") {
            guard let engine = Engine(name: name) else { throw RunError(.io, "\(origin): unknown engine '\(name)'") }
            self.engine = engine
        } else {
            engine = nil
        }
        processor = try object.optionalString("processor")
        gemmKernel = try object.optionalString("gemm_kernel")
        gemmBlocking = try object.optionalString("gemm_blocking")
    }

    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The record of a run that starts now: status running, no resumes yet.
    init(starting specification: RunSpecification, data: LoadedRunData, schedcVersion: String, engine: Engine? = nil) {
        self.init(schedcVersion: schedcVersion, schedule: specification.plan.schedule, source: specification.sourcePath,
                  created: RunRecord.timestamp(), status: .running, error: nil, seed: specification.plan.seed,
                  threads: specification.threads, data: data.summary, dataDirectory: data.directory.map(FileIO.absolute),
                  dataOption: specification.dataDirectory.map(FileIO.absolute), overrides: specification.overrides,
                  epochs: specification.plan.epochs, totalUpdates: specification.plan.totalUpdates,
                  scheduleHash: SHA256.hex(specification.scheduleHash), resumes: 0, engine: engine,
                  processor: HostProcessor.current.summary, gemmKernel: engine == nil ? GEMMMicroKernel.best.rawValue : nil,
                  gemmBlocking: engine == nil ? GEMMMicroKernel.best.cacheBlocking.description : nil)
    }
}
