import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes one file of a new run directory; `FileIO.writeAtomically` unless a test injects a
/// failure (a full disk at the k-th file) to check that a failed start leaves nothing behind.
struct FileWriter: Sendable {
    let write: @Sendable (_ bytes: [UInt8], _ path: String) throws -> Void

    static let system = FileWriter { bytes, path in try FileIO.writeAtomically(bytes, to: path) }

    func callAsFunction(_ text: String, to path: String) throws { try write(Array(text.utf8), path) }
}

/// The run directory's file operations: every failure is a `RunError(.io)` naming the path and
/// the system's reason, never a crash.
enum FileIO {
    static func reason() -> String { String(cString: strerror(errno)) }

    /// Replaces `path` with `bytes` so that a reader (or a crash at any moment) sees either the
    /// old file or the new one, never a mix: write a temporary file in the same directory,
    /// fsync it, rename it over `path`, fsync the directory (so the rename itself is durable).
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/." + name + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunError(.io, "\(path): cannot write (\(reason()))") }
        var failure: String?
        if !writeAll(descriptor, bytes) { failure = reason() }
        if failure == nil, fsync(descriptor) != 0 { failure = reason() }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = reason() }
        if let failure {
            unlink(temporary)
            throw RunError(.io, "\(path): cannot write (\(failure)); the previous version is unchanged")
        }
        syncDirectory(directory.isEmpty ? "." : directory)
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        try writeAtomically(Array(text.utf8), to: path)
    }

    /// Appends `text` to `path` (created if missing) and fsyncs it.
    static func append(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunError(.io, "\(path): cannot open for appending (\(reason()))") }
        defer { close(descriptor) }
        guard writeAll(descriptor, Array(text.utf8)), fsync(descriptor) == 0 else {
            throw RunError(.io, "\(path): cannot append (\(reason()))")
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RunError(.io, "\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw RunError(.io, "\(path): is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunError(.io, "\(path): cannot read the file (permission denied?)")
        }
        return [UInt8](data)
    }

    static func readText(_ path: String) throws -> String {
        let bytes = try read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw RunError(.io, "\(path): not UTF-8 text") }
        return text
    }

    /// `path` made absolute against the current directory (run.json must work from anywhere).
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
            .standardizedFileURL.path
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            written += count
        }
        return true
    }

    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
