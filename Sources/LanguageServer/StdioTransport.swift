import Foundation

/// Runs a server over two file descriptors (stdin and stdout for `schedc lsp`): one thread
/// reads and frames the input as it arrives, the calling thread serves.
public enum StdioTransport {
    /// Serves until `exit` or the end of the input; returns the exit code.
    public static func run(input: Int32 = 0, output: Int32 = 1, configuration: LanguageServer.Configuration,
                           log: @escaping (String) -> Void) -> Int32 {
        let queue = MessageQueue()
        let reader = Thread {
            var framer = MessageFramer()
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                framer.append(Array(buffer[0..<count]))
                while let item = framer.next() { queue.push(item) }
            }
            queue.close()
        }
        reader.start()
        let server = LanguageServer(configuration: configuration, send: { data in writeAll(data, to: output) }, log: log)
        return server.run(queue)
    }

    private static func writeAll(_ data: Data, to descriptor: Int32) {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return // the client went away; the next read ends the loop
                }
                offset += written
            }
        }
    }
}
