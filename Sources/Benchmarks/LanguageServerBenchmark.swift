import Foundation
import LanguageServer
import ScheduleLanguage

/// What `schedc bench lsp` times: the language server in process, from a `didChange` message's
/// bytes to the `publishDiagnostics` it causes, and from a hover request's bytes to its answer
/// (framing, JSON, the whole analysis, conversion and encoding; not the pipe to the editor).
public enum LanguageServerBenchmark {
    public struct Latencies {
        /// Milliseconds, sorted.
        public let change: [Double]
        public let hover: [Double]
        /// The CPU time the thread spent on each change, milliseconds, sorted: on a machine
        /// shared with other work, wall time also counts waiting for a core; this does not.
        public let changeCPU: [Double]

        public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
            sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
    }

    /// Where in the file the edited event is.
    public enum EditPosition: String, CaseIterable, Sendable {
        /// The first `lr` event: every phase after it is lowered again, and every byte moves.
        case start
        /// The `lr` event nearest the middle.
        case middle
        /// The last `lr` event.
        case end
    }

    /// Opens the generated schedule of `lines` lines, then `runs` times: edits one event's
    /// number at `position` (incremental sync) and hovers that event. The edit types a digit
    /// at the end of the number, then deletes it, and so on, as typing does: every byte after
    /// it moves by one each time.
    public static func measure(lines: Int, runs: Int, editing position: EditPosition = .middle) throws -> Latencies {
        let text = FrontEndBenchmark.schedule(lines: lines)
        ServerMemory.keepFreedMemory() // as `schedc lsp` does
        let uri = "file:///bench.sched"
        // What the server wrote: counted, and the last message kept (as a client reads and drops them).
        var written = 0
        var last = Data()
        let server = LanguageServer(configuration: .init(documentation: "docs/language.md", version: "bench"),
                                    send: { written += 1; last = $0 }, log: { _ in })
        let queue = MessageQueue()
        var framer = MessageFramer()
        func deliver(_ message: [String: Any]) throws -> Int {
            let before = written
            framer.append(MessageFramer.frame(try JSONSerialization.data(withJSONObject: message)))
            while let item = framer.next() { queue.push(item) }
            while let item = queue.popAvailable() { server.handle(item, queue: queue) }
            return written - before
        }
        _ = try deliver(["jsonrpc": "2.0", "id": 0, "method": "initialize", "params": ["capabilities": [:]]])
        _ = try deliver(["jsonrpc": "2.0", "method": "textDocument/didOpen",
                         "params": ["textDocument": ["uri": uri, "languageId": "sched", "version": 1, "text": text]]])
        // The `lr *= 0.99999` event at `position`: a digit is typed after it, then deleted.
        let source = SourceFile(path: "bench.sched", text: text)
        let isEdited = { source.lineText($0).hasSuffix("lr *= 0.99999") }
        let found: Int? = switch position {
        case .start: (0..<source.lineCount).first(where: isEdited)
        case .middle: (source.lineCount / 2..<source.lineCount).first(where: isEdited)
        case .end: (0..<source.lineCount).last(where: isEdited)
        }
        guard let line = found else {
            throw BenchmarkError("the generated schedule has no lr event at its \(position.rawValue)")
        }
        let column = source.lineText(line).utf16.count
        var change: [Double] = [], hover: [Double] = [], changeCPU: [Double] = []
        for run in 0..<runs {
            let typing = run % 2 == 0
            let startCPU = threadCPUNanoseconds()
            var start = DispatchTime.now().uptimeNanoseconds
            let count = try deliver([
                "jsonrpc": "2.0", "method": "textDocument/didChange",
                "params": ["textDocument": ["uri": uri, "version": run + 2],
                           "contentChanges": [["range": ["start": ["line": line, "character": column],
                                                         "end": ["line": line, "character": typing ? column : column + 1]],
                                               "text": typing ? "7" : ""]]],
            ])
            change.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            changeCPU.append(Double(threadCPUNanoseconds() - startCPU) / 1e6)
            guard count == 1 else { throw BenchmarkError("didChange published \(count) messages, not 1") }
            start = DispatchTime.now().uptimeNanoseconds
            _ = try deliver(["jsonrpc": "2.0", "id": run + 1, "method": "textDocument/hover",
                             "params": ["textDocument": ["uri": uri], "position": ["line": line, "character": 3]]])
            hover.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        guard String(decoding: last, as: UTF8.self).contains("lr *= 0.9999") else {
            throw BenchmarkError("the hover did not describe the event")
        }
        return Latencies(change: change.sorted(), hover: hover.sorted(), changeCPU: changeCPU.sorted())
    }

    /// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID).
    static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
