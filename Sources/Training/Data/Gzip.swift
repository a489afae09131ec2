import CZlib

/// gzip through the system zlib: a streaming decoder for reading data files, and a one-shot
/// encoder for writing them (test fixtures, exported subsets).
public enum Gzip {
    /// The two bytes every gzip member starts with (RFC 1952).
    public static let magic: (UInt8, UInt8) = (0x1F, 0x8B)

    /// `bytes` as one gzip member (zlib's deflate with a gzip wrapper, no file name, mtime 0,
    /// so the output depends only on the input, the level and the zlib version).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { deflateEnd(stream); stream.deinitialize(count: 1); stream.deallocate() }
        // 16 + MAX_WBITS: a gzip header and trailer instead of zlib's.
        let status = deflateInit2_(stream, level, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        dataPrecondition(status == Z_OK, "deflateInit2 failed (\(status)): zlib is unusable")
        // deflateBound is for the zlib wrapper; gzip's header and trailer add 18 - 6 bytes more.
        let capacity = Int(deflateBound(stream, uLong(bytes.count))) + 32
        var output = [UInt8](repeating: 0, count: capacity)
        let written: Int = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let result = deflate(stream, Z_FINISH)
                dataPrecondition(result == Z_STREAM_END, "deflate did not finish (\(result)) in a bound-sized buffer")
                return out.count - Int(stream.pointee.avail_out)
            }
        }
        output.removeLast(output.count - written)
        return output
    }
}

/// Inflates a gzip stream (one or more members, RFC 1952) pulled chunk by chunk from `source`.
///
/// zlib keeps a pointer back to its `z_stream`, so the stream lives at a fixed heap address
/// for the decoder's whole life.
final class GzipDecoder {
    /// Where compressed bytes come from: fills the buffer, returns how many (0 at the end).
    typealias Source = (UnsafeMutableRawBufferPointer) throws -> Int

    private let path: String
    private let source: Source
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var sourceExhausted = false
    /// Between members: the previous one ended and the next has not started.
    private var atMemberEnd = false
    private var finished = false
    /// Decompressed bytes delivered so far, over all members (zlib's total_out restarts per member).
    private(set) var totalOut = 0

    init(path: String, chunkSize: Int = 1 << 18, source: @escaping Source) throws {
        self.path = path
        self.source = source
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: chunkSize, alignment: 16)
        let status = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1); stream.deallocate(); input.deallocate()
            throw DataError(.unreadable, path: path, "zlib could not start inflating (inflateInit2 returned \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Fills `destination` with decompressed bytes; fewer only when the stream has ended.
    func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        var produced = 0
        while produced < destination.count && !finished {
            if stream.pointee.avail_in == 0 && !sourceExhausted { try refill() }
            if atMemberEnd {
                // Another member may follow (gzip allows concatenation); anything else is an error.
                if stream.pointee.avail_in == 0 { finished = true; break }
                if stream.pointee.next_in.pointee != Gzip.magic.0 {
                    throw DataError(.corrupt, path: path, "unexpected data after the end of the gzip stream")
                }
                inflateReset(stream)
                atMemberEnd = false
            }
            if stream.pointee.avail_in == 0 {
                throw DataError(.truncated, path: path,
                                "truncated: the gzip stream ends early (after \(totalOut + produced) decompressed bytes)")
            }
            let before = (stream.pointee.avail_in, produced)
            stream.pointee.next_out = (destination.baseAddress! + produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(min(destination.count - produced, Int(UInt32.max)))
            let requested = Int(stream.pointee.avail_out)
            let status = inflate(stream, Z_NO_FLUSH)
            produced += requested - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK:
                break
            case Z_STREAM_END:
                atMemberEnd = true
            case Z_BUF_ERROR:
                // No progress possible with this input: only legitimate when input ran out.
                if before == (stream.pointee.avail_in, produced) && stream.pointee.avail_in != 0 {
                    throw corruption()
                }
            default:
                throw corruption()
            }
        }
        totalOut += produced
        return produced
    }

    private func refill() throws {
        let count = try source(input)
        if count == 0 { sourceExhausted = true }
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(count)
    }

    private func corruption() -> DataError {
        let detail = stream.pointee.msg.map { String(cString: $0) } ?? "invalid compressed data"
        return DataError(.corrupt, path: path, "gzip data is corrupt: \(detail)")
    }
}
