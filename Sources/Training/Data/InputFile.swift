import Glibc

/// A data file read once from the start, gunzipped on the fly when it is gzip.
///
/// Whether a file is gzip is decided by its first two bytes, not its name, so a plain file
/// called `x.gz` is an error but an uncompressed copy under the plain name is fine.
final class InputFile {
    let path: String
    let isGzip: Bool
    /// The size of the file on disk (the compressed size for gzip).
    let sizeOnDisk: Int
    /// Decompressed bytes delivered so far.
    private(set) var offset = 0
    private let descriptor: Int32
    private var decoder: GzipDecoder?
    /// The uncompressed size a gzip file's trailer claims: only a hint for sizing buffers.
    private var gzipSizeHint = 0

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DataError(.unreadable, path: path, "cannot open: \(describeErrno(errno))")
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let problem = describeErrno(errno)
            close(fd)
            throw DataError(.unreadable, path: path, "cannot read: \(problem)")
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw DataError(.unreadable, path: path, "is a directory, expected a data file")
        }
        var head: (UInt8, UInt8) = (0, 0)
        let peeked = withUnsafeMutableBytes(of: &head) { pread(fd, $0.baseAddress, 2, 0) }
        let gzip = peeked == 2 && head == Gzip.magic
        if path.hasSuffix(".gz") && !gzip {
            close(fd)
            throw DataError(.corrupt, path: path,
                            "not a gzip file: the name ends in .gz but the file does not start with the gzip magic bytes 1f 8b")
        }
        if gzip {
            do {
                decoder = try GzipDecoder(path: path) { buffer in try readRaw(fd, into: buffer, path: path) }
            } catch {
                close(fd)
                throw error
            }
        }
        descriptor = fd
        isGzip = gzip
        sizeOnDisk = Int(status.st_size)
        // A gzip file ends with ISIZE: its last member's uncompressed size mod 2^32 (little-endian).
        var trailer: UInt32 = 0
        if gzip && sizeOnDisk >= 18 && withUnsafeMutableBytes(of: &trailer, { pread(fd, $0.baseAddress, 4, off_t(sizeOnDisk - 4)) }) == 4 {
            gzipSizeHint = Int(UInt32(littleEndian: trailer))
        }
    }

    deinit { close(descriptor) }

    /// Fills `destination` with the next (decompressed) bytes; fewer only at the end of the file.
    func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        let count: Int
        if let decoder {
            count = try decoder.read(into: destination)
        } else {
            count = try readRaw(descriptor, into: destination, path: path)
        }
        offset += count
        return count
    }

    /// The next `count` bytes, or fewer if the file ends first. Memory grows with the data that
    /// actually arrives, so a corrupt header that declares terabytes cannot exhaust memory.
    func read(upTo count: Int) throws -> [UInt8] {
        // A plain file's remaining size is known. For gzip, start from the trailer's size hint,
        // bounded by deflate's best ratio (1032:1) so a corrupt trailer cannot make it huge, and
        // grow by doubling if the stream turns out longer.
        let remaining = isGzip ? min(gzipSizeHint, sizeOnDisk * 1032) - offset : sizeOnDisk - offset
        let initial = isGzip && remaining <= 0 ? min(count, 8 << 20) : min(count, max(0, remaining) + 1)
        var bytes = [UInt8](repeating: 0, count: max(initial, 1))
        var filled = 0
        while filled < count {
            if filled == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: min(count - filled, bytes.count)))
            }
            let got = try bytes.withUnsafeMutableBytes { buffer in
                try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            filled += got
            if got == 0 || filled < bytes.count { break } // the file ended
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Whether any byte follows what has been read so far.
    func hasMoreData() throws -> Bool {
        var probe: UInt8 = 0
        let got = try withUnsafeMutableBytes(of: &probe) { try read(into: $0) }
        return got > 0
    }
}

/// read(2) until `destination` is full or the file ends.
private func readRaw(_ descriptor: Int32, into destination: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
    var filled = 0
    while filled < destination.count {
        let got = Glibc.read(descriptor, destination.baseAddress! + filled, destination.count - filled)
        if got == 0 { break }
        if got < 0 {
            if errno == EINTR { continue }
            throw DataError(.unreadable, path: path, "cannot read: \(describeErrno(errno))")
        }
        filled += got
    }
    return filled
}

/// strerror's text, lowercased to match the project's messages ("no such file or directory").
func describeErrno(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let first = text.first else { return "error \(code)" }
    return first.lowercased() + text.dropFirst()
}
