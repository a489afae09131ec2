import Foundation
import Synchronization

/// Whether output streams get ANSI colour: only when the stream is a terminal, `NO_COLOR` is
/// unset or empty (https://no-color.org) and `TERM` is not "dumb".
enum Terminal {
    static func usesColour(_ stream: Stream) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        if let noColour = environment["NO_COLOR"], !noColour.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(stream.fileDescriptor) == 1
    }

    enum Stream {
        case standardOutput, standardError
        var fileDescriptor: Int32 { self == .standardOutput ? STDOUT_FILENO : STDERR_FILENO }
    }
}

/// ANSI styles used by the renderers (no-ops when colour is off).
struct Style {
    let enabled: Bool

    func apply(_ codes: String, _ text: String) -> String {
        enabled && !text.isEmpty ? "\u{1B}[\(codes)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { apply("1", text) }
    func red(_ text: String) -> String { apply("1;31", text) }
    func yellow(_ text: String) -> String { apply("1;33", text) }
    func cyan(_ text: String) -> String { apply("1;36", text) }
    func green(_ text: String) -> String { apply("1;32", text) }
    func blue(_ text: String) -> String { apply("1;34", text) }
}

/// Writes text to standard output without a newline (diagnostic blocks carry their own).
func writeStandardOutput(_ text: String) {
    OutputStreams.write(text, to: .standardOutput)
}

/// Writes text to standard error without a newline.
func writeStandardError(_ text: String) {
    OutputStreams.write(text, to: .standardError)
}

/// Writes to standard output and error with write(2). SIGPIPE is ignored (main.swift), so a
/// reader that goes away (`schedc run … | head`) makes a write fail with EPIPE instead of
/// killing the process: from then on that stream is dropped silently and training goes on,
/// with its files written as usual. (FileHandle.write traps on a failed write.)
enum OutputStreams {
    private static let outputClosed = Atomic<Bool>(false)
    private static let errorClosed = Atomic<Bool>(false)

    static func write(_ text: String, to stream: Terminal.Stream) {
        let isOutput = stream == .standardOutput
        guard !(isOutput ? outputClosed.load(ordering: .relaxed) : errorClosed.load(ordering: .relaxed)) else { return }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Foundation.write(stream.fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written >= 0 {
                offset += written
            } else if errno != EINTR && errno != EAGAIN {
                if isOutput { outputClosed.store(true, ordering: .relaxed) } else { errorClosed.store(true, ordering: .relaxed) }
                return
            }
        }
    }
}
