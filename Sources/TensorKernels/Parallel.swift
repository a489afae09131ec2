/// Splits 0..<total into contiguous ranges of at least `grain` elements, one per task, and
/// runs them on the pool. The split depends only on `total`, `grain` and the thread count, and
/// bodies write disjoint outputs, so results do not depend on thread timing.
@inline(__always)
func parallelRanges(_ total: Int, grain: Int, pool: ThreadPool, _ body: (Range<Int>) -> Void) {
    if total <= 0 { return }
    let tasks = max(1, min(pool.threadCount, total / max(grain, 1)))
    if tasks == 1 {
        body(0..<total)
        return
    }
    pool.parallelFor(tasks) { t in
        body((total * t / tasks)..<(total * (t + 1) / tasks))
    }
}

/// Rows per block of a fixed-order reduction. Partial sums are taken over these blocks and
/// combined in block order, so a reduction gives the same bits for any thread count.
public let reductionBlockRows = 256

/// A check of how a kernel is called, kept in -Ounchecked builds (where `precondition` is
/// compiled out): misuse stops the program with a message instead of corrupting memory.
@inline(__always)
func kernelPrecondition(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                        file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
