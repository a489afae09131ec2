import Foundation

/// A child process whose standard output and error are read together, on another thread while
/// it runs (so a full pipe cannot block it); standard input is /dev/null.
public struct ChildProcess {
    public struct Result {
        public var status: Int32
        /// Standard output and standard error, interleaved as written.
        public var output: String
    }

    public let process: Process
    private let output: OutputBox
    private let reading: DispatchGroup

    /// Starts `executable` with `arguments` in `directory`; the environment is this process's,
    /// with the keys of `removing` taken out and `environment` added.
    public static func start(_ executable: URL, _ arguments: [String], in directory: URL,
                             environment: [String: String] = [:], removing: [String] = []) throws -> ChildProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for key in removing { env.removeValue(forKey: key) }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let box = OutputBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { box.data = pipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        return ChildProcess(process: process, output: box, reading: group)
    }

    /// Runs it to the end.
    public static func run(_ executable: URL, _ arguments: [String], in directory: URL,
                           environment: [String: String] = [:], removing: [String] = []) throws -> Result {
        try start(executable, arguments, in: directory, environment: environment, removing: removing).finish()
    }

    /// Waits for the end and everything it printed.
    public func finish() -> Result {
        reading.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: output.data, as: UTF8.self))
    }

    private final class OutputBox: @unchecked Sendable { var data = Data() }
}
