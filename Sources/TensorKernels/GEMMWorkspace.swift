#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The packing buffers of one thread: reused across calls (no allocation in the hot path once
/// they have grown to the largest block seen), and private to the thread (so concurrent
/// `gemm` calls from different threads, and the pool's workers, never share one).
/// Freed when the thread exits.
final class GEMMWorkspace {
    private var aBuffer = Buffer()
    private var bBuffer = Buffer()
    /// One MR×NR tile for edge tiles: the micro-kernel writes here, then the valid corner is copied.
    private var tileBuffer = Buffer()

    struct Buffer {
        private(set) var pointer: UnsafeMutablePointer<Float>?
        private(set) var capacity = 0

        /// At least `count` floats, 64-byte aligned (a cache line, one zmm register).
        mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
            if let pointer, capacity >= count { return pointer }
            free(pointer)
            var raw: UnsafeMutableRawPointer?
            let bytes = max(count, 16) * MemoryLayout<Float>.stride
            guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
                fatalError("gemm: cannot allocate \(bytes) bytes of packing buffer")
            }
            pointer = raw.bindMemory(to: Float.self, capacity: count)
            capacity = count
            return pointer!
        }

        func release() { free(pointer) }
    }

    func packedA(count: Int) -> UnsafeMutablePointer<Float> { aBuffer.reserve(count) }
    func packedB(count: Int) -> UnsafeMutablePointer<Float> { bBuffer.reserve(count) }
    func edgeTile(count: Int) -> UnsafeMutablePointer<Float> { tileBuffer.reserve(count) }

    deinit {
        aBuffer.release()
        bBuffer.release()
        tileBuffer.release()
    }

    /// The calling thread's workspace, created on first use.
    static var current: GEMMWorkspace {
        if let existing = pthread_getspecific(workspaceKey) {
            return Unmanaged<GEMMWorkspace>.fromOpaque(existing).takeUnretainedValue()
        }
        let workspace = GEMMWorkspace()
        pthread_setspecific(workspaceKey, Unmanaged.passRetained(workspace).toOpaque())
        return workspace
    }
}

/// Thread-specific storage for `GEMMWorkspace.current`; the destructor frees a thread's
/// buffers when it exits.
private let workspaceKey: pthread_key_t = {
    var key = pthread_key_t()
    let status = pthread_key_create(&key) { pointer in
        #if canImport(Glibc)
        guard let pointer else { return }
        #endif
        Unmanaged<GEMMWorkspace>.fromOpaque(pointer).release()
    }
    precondition(status == 0, "gemm: pthread_key_create failed (\(status))")
    return key
}()
