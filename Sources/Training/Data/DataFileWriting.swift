import Glibc

/// Writes `bytes` to `path` (created or replaced), gzipped when `gzip` is true.
/// Used to write IDX and CIFAR files: test fixtures and exported subsets.
func writeDataFile(path: String, bytes: [UInt8], gzip: Bool) throws {
    let contents = gzip ? Gzip.compress(bytes) : bytes
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
        throw DataError(.unreadable, path: path, "cannot create: \(describeErrno(errno))")
    }
    defer { close(descriptor) }
    var written = 0
    try contents.withUnsafeBytes { buffer in
        while written < buffer.count {
            let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                throw DataError(.unreadable, path: path, "cannot write: \(describeErrno(errno))")
            }
            written += count
        }
    }
}
