import Dispatch
import Foundation
import Synchronization

/// Starts the ranks of a one-machine DDP run, as torchrun would: each rank a process with
/// RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free
/// MASTER_PORT; its standard output and error prefixed "[rank R] " line by line; when one rank
/// fails the others are stopped (SIGTERM, then SIGKILL after a grace period). The ranks run in
/// their own process group (Foundation's Process starts them so), so a terminal's Ctrl-C
/// reaches schedc only: SIGINT and SIGTERM are passed on to every rank as SIGTERM, on which the
/// module stops all ranks after the same update and checkpoints; a second signal kills them.
///
/// schedc starts the ranks itself because Debian's torchrun (torch 1.13) fails at start on
/// Python 3.11, while ranks started with the environment above train (docs/engines.md).
final class RankLauncher: @unchecked Sendable {
    struct Outcome {
        /// Exit status of each rank (128 + signal for a rank ended by a signal).
        var statuses: [Int32]
        /// The first rank that failed, if any (by the order failures were seen).
        var firstFailure: Int?
        var interrupted: Bool
        var succeeded: Bool { firstFailure == nil && !interrupted }
    }

    let executable: String
    let arguments: [String]
    let worldSize: Int
    let extraEnvironment: [String: String]
    /// Seconds between SIGTERM and SIGKILL when stopping the other ranks.
    let grace: Double

    private let lock = NSLock()
    private var processes: [Process] = []
    private var firstFailure: Int?
    private var statuses: [Int32] = []
    private var stopping = false
    private let interruptCount = Atomic<Int>(0)

    init(executable: String, arguments: [String], worldSize: Int, environment: [String: String] = [:], grace: Double = 5) {
        self.executable = executable
        self.arguments = arguments
        self.worldSize = worldSize
        self.extraEnvironment = environment
        self.grace = grace
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now (the kernel picks it).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw CLIError("cannot open a socket to find a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(descriptor, pointer, length) == 0 else { return -1 }
                return getsockname(descriptor, pointer, &length)
            }
        }
        guard bound == 0 else { throw CLIError("cannot find a free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs the ranks to the end and returns how they ended.
    func run() throws -> Outcome {
        let port = try Self.freePort()
        let output = PrefixedOutput()
        let group = DispatchGroup()
        statuses = [Int32](repeating: 0, count: worldSize)
        let signals = installSignalForwarding()
        defer { for source in signals { source.cancel() }; signal(SIGINT, SIG_DFL); signal(SIGTERM, SIG_DFL) }
        for rank in 0..<worldSize {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            for (key, value) in extraEnvironment { environment[key] = value }
            environment["RANK"] = String(rank)
            environment["LOCAL_RANK"] = String(rank)
            environment["WORLD_SIZE"] = String(worldSize)
            environment["LOCAL_WORLD_SIZE"] = String(worldSize)
            environment["MASTER_ADDR"] = "127.0.0.1"
            environment["MASTER_PORT"] = String(port)
            environment["PYTHONUNBUFFERED"] = "1"
            process.environment = environment
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            output.attach(out.fileHandleForReading, prefix: "[rank \(rank)] ", to: .standardOutput, group: group)
            output.attach(err.fileHandleForReading, prefix: "[rank \(rank)] ", to: .standardError, group: group)
            group.enter()
            process.terminationHandler = { [self] finished in
                let status = finished.terminationReason == .uncaughtSignal ? 128 + finished.terminationStatus : finished.terminationStatus
                lock.lock()
                statuses[rank] = status
                let failed = status != 0 && firstFailure == nil && !stopping
                if failed { firstFailure = rank }
                lock.unlock()
                if failed { stopAll(except: rank) }
                group.leave()
            }
            do {
                try process.run()
            } catch {
                group.leave()
                stopAll(except: nil)
                throw CLIError("cannot start \(executable): \(error.localizedDescription)")
            }
            lock.lock()
            processes.append(process)
            lock.unlock()
        }
        group.wait()
        lock.lock()
        defer { lock.unlock() }
        return Outcome(statuses: statuses, firstFailure: firstFailure, interrupted: interruptCount.load(ordering: .relaxed) > 0)
    }

    /// SIGTERM to every running rank but `except`, SIGKILL to those still running after `grace`.
    private func stopAll(except: Int?) {
        lock.lock()
        stopping = true
        let running = processes.enumerated().filter { $0.offset != except && $0.element.isRunning }.map(\.element)
        lock.unlock()
        for process in running { kill(process.processIdentifier, SIGTERM) }
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) {
            for process in running where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    /// The first SIGINT/SIGTERM goes to every rank as SIGTERM (the module's orderly stop); a
    /// second kills them.
    private func installSignalForwarding() -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                let count = interruptCount.add(1, ordering: .relaxed).newValue
                lock.lock()
                stopping = true
                let running = processes.filter(\.isRunning)
                lock.unlock()
                if count == 1 {
                    writeStandardError("\nschedc run: stopping the ranks (Ctrl-C again kills them)\n")
                    for process in running { kill(process.processIdentifier, SIGTERM) }
                } else {
                    for process in running { kill(process.processIdentifier, SIGKILL) }
                }
            }
            source.resume()
            return source
        }
    }
}

/// Copies the ranks' output to this process's, each line prefixed with its rank; lines of
/// different ranks never interleave within a line.
final class PrefixedOutput: @unchecked Sendable {
    private let lock = NSLock()

    enum Stream { case standardOutput, standardError }

    func attach(_ handle: FileHandle, prefix: String, to stream: Stream, group: DispatchGroup) {
        group.enter()
        // A thread per pipe rather than a dispatch queue: the reads block, and 2 × ranks
        // blocked reads would starve Dispatch's limited pool.
        Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[pending.startIndex...newline]
                    emit(prefix, Data(line), to: stream)
                    pending = Data(pending[(newline + 1)...])
                }
            }
            if !pending.isEmpty { emit(prefix, pending + Data("\n".utf8), to: stream) }
            group.leave()
        }.start()
    }

    private func emit(_ prefix: String, _ line: Data, to stream: Stream) {
        lock.lock()
        defer { lock.unlock() }
        let handle: FileHandle = stream == .standardOutput ? .standardOutput : .standardError
        handle.write(Data(prefix.utf8) + line)
    }
}
