import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// How the server treats memory between keystrokes. Each version of a long document is a
/// few megabytes of trees, plans and diagnostics, made and dropped once per keystroke:
/// - the allocator keeps freed memory for the next version instead of handing it back to
///   the kernel and faulting it in again (`keepFreedMemory`, once per process);
/// - the previous version is freed on a background queue after the new diagnostics are out
///   (`release`), so the editor does not wait for its teardown.
public enum ServerMemory {
    /// Called once by a process that serves (`schedc lsp`, and the latency bench, which must
    /// measure the same configuration). Failure leaves glibc's defaults: slower, not wrong.
    public static func keepFreedMemory() {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which the Glibc module leaves out: look it up.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        // The parameters' values in <malloc.h>.
        let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3
        _ = mallopt(trimThreshold, 512 << 20)
        _ = mallopt(topPad, 64 << 20)
        // Large blocks (a publishDiagnostics message, a token array) from the heap, not mmap:
        // 32 MiB is the largest threshold glibc accepts on 64-bit.
        _ = mallopt(mmapThreshold, 32 << 20)
        #endif
    }

    private static let reclaimer = DispatchQueue(label: "schedc.lsp.reclaim", qos: .utility)

    /// Drops `value` on a background queue: its last reference (and its deallocation) goes there.
    static func release<Value: Sendable>(_ value: consuming Value) {
        let box = ReleaseBox(value)
        reclaimer.async { box.drop() }
    }
}

/// Moves a value into the closure that drops it (the closure is the last owner).
private final class ReleaseBox<Value: Sendable>: @unchecked Sendable {
    private var value: Value?
    init(_ value: consuming Value) { self.value = value }
    func drop() { value = nil }
}
