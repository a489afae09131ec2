import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed number of worker threads that run the kernels' parallel loops.
///
/// The split of work into indices is the caller's and is static, so results never depend on
/// thread timing: as long as `body(i)` computes the same thing whichever thread runs it (it
/// must — the indices run concurrently), reductions stay deterministic for every thread count.
/// Which thread runs which index is decided at run time: the calling thread and the workers
/// claim indices in order from a shared counter. A worker that is slow to wake (the machine
/// is busy with other work) then costs nothing: the caller runs the indices it has not
/// claimed, instead of waiting for it.
///
/// The calling thread is one of the `threadCount`; `threadCount - 1` persistent threads are
/// the others. They spin briefly after each loop before sleeping on a condition variable, so
/// the back-to-back small loops of a training step start in about a microsecond rather than
/// paying a dispatch-queue round trip (measured: docs/performance.md).
///
/// `parallelFor` may be called from any thread. A call made while the pool is already running
/// a loop (from another thread, or from inside a loop body) runs its indices serially on the
/// calling thread: same results, no deadlock.
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int
    private let state: PoolState

    public init(threads: Int) {
        precondition(threads >= 1, "a thread pool needs at least one thread")
        threadCount = threads
        state = PoolState()
        for worker in 1..<max(threads, 1) {
            let state = self.state
            let thread = Thread { state.workerLoop() }
            thread.name = "schedc-worker-\(worker)"
            thread.start()
        }
    }

    deinit { state.shutDown() }

    /// The pool kernels use when none is given: one thread per core.
    public static let shared = ThreadPool(threads: ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(i)` once for every i in 0..<count, on up to `threadCount` threads at a time
    /// (the caller's included); returns when all are done. Indices are started in increasing
    /// order, each by whichever thread is free.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        // The claim word has 32 bits for the index; a loop that long has no use for a pool.
        if threadCount == 1 || count == 1 || count > Int(UInt32.max) || !state.tryAcquire() {
            for i in 0..<count { body(i) }
            return
        }
        defer { state.release() }
        withoutActuallyEscaping(body) { body in
            state.run(count: count, body: body)
        }
    }
}

/// What the workers share with the caller. Separate from `ThreadPool` so that the threads
/// (which hold it) do not keep the pool alive: the pool's deinit stops them.
///
/// A loop is published as one atomic word, `claim` = generation << 32 | next unclaimed index.
/// Threads claim an index by compare-and-swap on that word, so a claim succeeds only while
/// its loop is the current one, and the caller returns only when every claimed index has
/// completed. Loops alternate between two slots for their body and count: a worker that
/// observed loop g reads slot g & 1, which is not rewritten before loop g + 2 — and loop g + 1
/// cannot start while a claim on loop g is running.
private final class PoolState: @unchecked Sendable {
    let claim = Atomic<UInt64>(0)
    /// Indices of the current loop that have finished.
    let completed = Atomic<Int>(0)
    /// Held by the thread whose loop the pool is running.
    let busy = Atomic<Bool>(false)
    let stopping = Atomic<Bool>(false)

    /// The two loop slots. The bodies are raw storage (no copy-on-write or exclusivity
    /// bookkeeping between threads), read only after a successful claim. The counts are read
    /// before claiming, possibly by a worker a loop late while the caller rewrites the slot for
    /// the loop after next — the stale value is then never used (the claim fails), but the
    /// read must still be atomic.
    let bodies = UnsafeMutablePointer<((Int) -> Void)?>.allocate(capacity: 2)
    let countInSlot0 = Atomic<Int>(0)
    let countInSlot1 = Atomic<Int>(0)

    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// How long to spin before sleeping. Workers wait 1 ms for the next loop: the loops of a
    /// training step come closer together than that, and waking a sleeping worker costs tens
    /// of µs — on a virtual machine whose idle vCPU halts, up to ~100 µs, by which time the
    /// caller has run the worker's share itself (docs/performance.md).
    /// The caller waits 200 µs for a worker's last index before sleeping on `done`.
    static let workerSpinNanoseconds: UInt64 = 1_000_000
    static let callerSpinNanoseconds: UInt64 = 200_000

    init() {
        bodies.initialize(repeating: nil, count: 2)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
    }

    deinit {
        pthread_cond_destroy(done)
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        done.deallocate()
        wake.deallocate()
        mutex.deallocate()
        bodies.deinitialize(count: 2)
        bodies.deallocate()
    }

    func tryAcquire() -> Bool {
        busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    }

    func release() {
        busy.store(false, ordering: .releasing)
    }

    /// Publishes a loop, takes part in it, and waits until every index has completed.
    func run(count: Int, body: @escaping (Int) -> Void) {
        let generation = (claim.load(ordering: .relaxed) >> 32) &+ 1
        let slot = Int(generation & 1)
        bodies[slot] = body
        if slot == 0 { countInSlot0.store(count, ordering: .relaxed) } else { countInSlot1.store(count, ordering: .relaxed) }
        completed.store(0, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        claim.store(generation << 32, ordering: .releasing)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)

        work(generation: generation)

        spin(for: Self.callerSpinNanoseconds) { completed.load(ordering: .acquiring) != count }
        if completed.load(ordering: .acquiring) != count {
            pthread_mutex_lock(mutex)
            while completed.load(ordering: .acquiring) != count { pthread_cond_wait(done, mutex) }
            pthread_mutex_unlock(mutex)
        }
        bodies[slot] = nil
    }

    /// Claims and runs indices of loop `generation` until none are left (or it is over).
    func work(generation: UInt64) {
        let slot = Int(generation & 1)
        let count = slot == 0 ? countInSlot0.load(ordering: .relaxed) : countInSlot1.load(ordering: .relaxed)
        var word = claim.load(ordering: .acquiring)
        while word >> 32 == generation && Int(word & 0xffff_ffff) < count {
            let (exchanged, current) = claim.compareExchange(expected: word, desired: word + 1,
                                                             ordering: .acquiringAndReleasing)
            if !exchanged {
                word = current
                continue
            }
            runIndex(Int(word & 0xffff_ffff), slot: slot)
            if completed.add(1, ordering: .acquiringAndReleasing).newValue == count {
                pthread_mutex_lock(mutex)
                pthread_cond_signal(done)
                pthread_mutex_unlock(mutex)
            }
            word = claim.load(ordering: .acquiring)
        }
    }

    /// Not inlined: the worker's reference to the caller's closure must be released before
    /// `completed` lets the caller return (`withoutActuallyEscaping` checks that none is left).
    @inline(never)
    func runIndex(_ i: Int, slot: Int) {
        bodies[slot]!(i)
    }

    func workerLoop() {
        var seen: UInt64 = 0
        while true {
            // Wait for a new loop: spin, then sleep.
            spin(for: Self.workerSpinNanoseconds) {
                claim.load(ordering: .acquiring) >> 32 == seen && !stopping.load(ordering: .relaxed)
            }
            if claim.load(ordering: .acquiring) >> 32 == seen {
                pthread_mutex_lock(mutex)
                while claim.load(ordering: .acquiring) >> 32 == seen && !stopping.load(ordering: .relaxed) {
                    pthread_cond_wait(wake, mutex)
                }
                pthread_mutex_unlock(mutex)
            }
            if stopping.load(ordering: .relaxed) { return }
            seen = claim.load(ordering: .acquiring) >> 32
            work(generation: seen)
        }
    }

    /// Spins while `condition` holds, for at most `duration`. Every 64 checks it reads the
    /// clock and yields the processor: when the scheduler has put the spinner on the same core
    /// as the thread it waits for (another process holds the other core, or the hypervisor
    /// packs threads onto one vCPU), spinning would take half that thread's time. Yielding
    /// with nothing else to run returns at once (≈ 0.2 µs).
    @inline(__always)
    private func spin(for duration: UInt64, while condition: () -> Bool) {
        let deadline = monotonicNanoseconds() + duration
        var checks = 0
        while condition() {
            checks += 1
            if checks & 63 == 0 {
                if monotonicNanoseconds() >= deadline { return }
                sched_yield()
            }
        }
    }

    @inline(__always)
    private func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    func shutDown() {
        pthread_mutex_lock(mutex)
        stopping.store(true, ordering: .relaxed)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
    }
}
