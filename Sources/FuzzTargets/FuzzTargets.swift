import CFuzzDriver
import Foundation
import ScheduleAnalysis
import ScheduleLanguage
import SchedulePlanner
import ScheduleRunner
import Training

/// The properties the fuzzers check, one function per input format. Each takes arbitrary
/// bytes; a crash, a trap or a failed `FuzzCheck` is a finding. The regression tests call the
/// same functions on every file of Tests/Fuzz/corpus, so a finding fixed stays fixed.
public enum FuzzTargets {
    /// The front end through the analysis core: lex, parse, check, plan and lint without a
    /// crash; a file without syntax errors formats, and its formatted text formats to itself
    /// (idempotence) and means the same program (the same plan, or the same error codes).
    public static func frontEnd(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let analysis = Analysis(Document(path: "fuzz.sched", text: text), options: .lint)
        guard let formatted = analysis.formatted else { return }
        let again = Analysis(Document(path: "fuzz.sched", text: formatted), options: .lint)
        FuzzCheck.require(again.formatted == formatted, "fmt is not idempotent", text)
        FuzzCheck.require(codes(again) == codes(analysis), "the formatted text reports other codes: \(codes(analysis)) → \(codes(again))", text)
        FuzzCheck.require(again.plan?.jsonText() == analysis.plan?.jsonText(), "the formatted text plans differently", text)
    }

    /// Plan JSON: reading never crashes; a plan read back writes the same text again.
    public static func planJSON(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), let plan = try? Plan(jsonText: text) else { return }
        let written = plan.jsonText()
        let reread = try? Plan(jsonText: written)
        FuzzCheck.require(reread?.jsonText() == written, "a plan read back does not write the same text", text)
        _ = plan.memoryEstimates()
    }

    /// checkpoint.bin: decoding never crashes; a decoded checkpoint encodes to the same bytes.
    public static func checkpoint(_ bytes: [UInt8]) {
        guard let checkpoint = try? Checkpoint(decoding: bytes, path: "fuzz/checkpoint.bin") else { return }
        FuzzCheck.require(checkpoint.encoded() == bytes, "a checkpoint does not encode back to its bytes", "\(bytes.count) bytes")
    }

    /// IDX files, plain and gzipped: reading (all items, and the first few) never crashes or
    /// traps on what the header declares.
    public static func idx(_ bytes: [UInt8]) {
        let path = scratchFile()
        let gzipPath = path + ".gz"
        defer { unlink(path); unlink(gzipPath) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
        for rank in [1, 3] {
            _ = try? IDXFile.read(path: path, rank: rank)
            _ = try? IDXFile.read(path: path, rank: rank, limit: 3)
        }
        // The same bytes inside a valid gzip stream, and as they are under a .gz name.
        if FileManager.default.createFile(atPath: gzipPath, contents: Data(Gzip.compress(bytes))) {
            _ = try? IDXFile.read(path: gzipPath, rank: 3)
        }
        if FileManager.default.createFile(atPath: gzipPath, contents: Data(bytes)) {
            _ = try? IDXFile.read(path: gzipPath, rank: 1)
        }
    }

    private static func codes(_ analysis: Analysis) -> [String] { analysis.diagnostics.map(\.code.rawValue).sorted() }

    private static func scratchFile() -> String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        return "\(directory)/schedc-fuzz-\(getpid()).idx"
    }
}

/// A property that failed: print what and on which input, then trap so the fuzzer keeps it.
public enum FuzzCheck {
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String, _ input: @autoclosure () -> String) {
        guard !condition else { return }
        FileHandle.standardError.write(Data("fuzz property failed: \(message())\ninput: \(input().debugDescription)\n".utf8))
        fatalError(message())
    }
}

/// The main of every fuzz executable. Built with -sanitize=fuzzer, it hands `test` (the
/// executable's `LLVMFuzzerTestOneInput`) to libFuzzer's driver with the command line (corpus
/// directories, -max_total_time); in a plain build, where libFuzzer is absent, it replays the
/// files (or directories of files) named.
public enum FuzzMain {
    public static func run(_ test: fuzz_test_one_input, target: ([UInt8]) -> Void) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = fuzz_run_driver_if_linked(&argc, &argv, test)
        if status >= 0 { exit(status) }
        replay(target)
    }

    public static func replay(_ target: ([UInt8]) -> Void) -> Never {
        var count = 0
        for argument in CommandLine.arguments.dropFirst() where !argument.hasPrefix("-") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map { argument + "/" + $0 }
                : [argument]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target(Array(data))
                count += 1
            }
        }
        print("replayed \(count) input\(count == 1 ? "" : "s") (built without -sanitize=fuzzer: no fuzzing)")
        exit(0)
    }

    /// The bytes libFuzzer passes (a nil pointer for an empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}
