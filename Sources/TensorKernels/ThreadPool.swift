import Dispatch
import Foundation

/// A fixed number of worker threads that run the kernels' parallel loops.
///
/// Work is split statically (index i always goes to the same worker), so results never depend
/// on thread timing: reductions stay deterministic for a given thread count.
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int

    public init(threads: Int) {
        precondition(threads >= 1, "a thread pool needs at least one thread")
        threadCount = threads
    }

    /// The pool kernels use when none is given: one thread per core.
    public static let shared = ThreadPool(threads: ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(i)` for every i in 0..<count, at most `threadCount` at a time; returns when all are done.
    /// Worker t runs i = t, t + threadCount, t + 2·threadCount, ...
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        let workers = min(threadCount, count)
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { t in
                var i = t
                while i < count {
                    body(i)
                    i += workers
                }
            }
        }
    }
}
