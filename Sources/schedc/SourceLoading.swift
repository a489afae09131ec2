import Foundation
import ScheduleAnalysis
import ScheduleLanguage

/// Reading `.sched` files for the commands. Every failure is a `CLIError` (exit 2) that names
/// the file and the problem; nothing here crashes on a bad path or bad bytes.
enum SourceLoading {
    /// The path users pass for standard input.
    static let standardInputPath = "-"
    /// How diagnostics name standard input.
    static let standardInputName = "<stdin>"

    /// Reads `path` (or standard input for "-") as UTF-8.
    static func load(_ path: String) throws -> SourceFile {
        if path == standardInputPath {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return SourceFile(path: standardInputName, text: try decode(data, name: standardInputName))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw CLIError("\(path): is a directory, not a .sched file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read the file (permission denied?)")
        }
        return SourceFile(path: path, text: try decode(data, name: path))
    }

    /// `path` read as a document for the analysis core (version 0: read from disk).
    static func document(_ path: String) throws -> Document {
        Document(try load(path))
    }

    /// Strict UTF-8 decoding: invalid bytes are an error, never silently replaced.
    static func decode(_ data: Data, name: String) throws -> String {
        let bytes = [UInt8](data)
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        // Find where it breaks, for the message.
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += String(scalar).utf8.count
            case .emptyInput:
                break loop
            case .error:
                let line = bytes[..<min(offset, bytes.count)].filter { $0 == UInt8(ascii: "\n") }.count + 1
                throw CLIError("\(name): not valid UTF-8 (line \(line), byte offset \(offset)); .sched files are UTF-8 text")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `file://` URI of a path (LSP locations), or `untitled:stdin` for standard input.
    static func uri(for path: String) -> String {
        if path == standardInputName { return "untitled:stdin" }
        return URL(fileURLWithPath: path).standardizedFileURL.absoluteString
    }
}
