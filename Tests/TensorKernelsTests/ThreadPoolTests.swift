import XCTest
import TensorKernels

final class ThreadPoolTests: XCTestCase {
    func testEveryIndexRunsExactlyOnce() {
        for threads in [1, 2, 3, 4] {
            let pool = ThreadPool(threads: threads)
            for count in [1, 2, 3, 5, 1000] {
                let hits = Counters(count)
                pool.parallelFor(count) { i in hits[i] += 1 }  // each index touched by one thread only
                XCTAssertEqual(hits.indices(where: { $0 != 1 }), [], "threads=\(threads) count=\(count)")
            }
        }
    }

    func testManyShortLoopsBackToBack() {
        // The hand-over between loops (a worker still finishing one while the next is published).
        let pool = ThreadPool(threads: 3)
        let hits = Counters(3 * 20_000)
        for loop in 0..<20_000 {
            pool.parallelFor(3) { i in hits[loop * 3 + i] += 1 }
        }
        XCTAssertEqual(hits.indices(where: { $0 != 1 }), [])
    }

    func testLoopsAfterTheWorkersHaveGoneToSleep() {
        let pool = ThreadPool(threads: 2)
        for round in 0..<5 {
            usleep(5_000)  // longer than the workers spin
            let hits = Counters(64)
            pool.parallelFor(64) { i in hits[i] += 1 }
            XCTAssertEqual(hits.indices(where: { $0 != 1 }), [], "round \(round)")
        }
    }

    func testNestedLoopsRunWithoutDeadlock() {
        let pool = ThreadPool(threads: 2)
        let hits = Counters(4 * 10)
        pool.parallelFor(4) { outer in
            pool.parallelFor(10) { inner in hits[outer * 10 + inner] += 1 }  // pool busy: runs on this thread
        }
        XCTAssertEqual(hits.indices(where: { $0 != 1 }), [])
    }

    func testConcurrentCallersEachGetAllTheirIndices() {
        let pool = ThreadPool(threads: 2)
        let callers = 8, count = 100, rounds = 50
        let hits = Counters(callers * count)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<rounds {
                pool.parallelFor(count) { i in hits[caller * count + i] += 1 }
            }
        }
        XCTAssertEqual(hits.indices(where: { $0 != rounds }), [])
    }

    func testReleasedPoolsStopTheirThreads() throws {
        // The workers of pools released by earlier tests may still be on their way out (slowly
        // under a sanitizer): count once they are gone, or the 24 new ones look like fewer.
        let before = try XCTUnwrap(settledThreadCount(), "reads /proc/self/status (Linux)")
        do {
            var pools: [ThreadPool] = []
            for _ in 0..<8 {
                let pool = ThreadPool(threads: 4)
                pool.parallelFor(8) { _ in }
                pools.append(pool)
            }
            XCTAssertGreaterThanOrEqual(threadCountOfThisProcess()!, before + 8 * 3)
        }
        // The 24 workers exit once told to; allow the scheduler a moment.
        var after = threadCountOfThisProcess()!
        for _ in 0..<100 where after > before + 2 {
            usleep(10_000)
            after = threadCountOfThisProcess()!
        }
        XCTAssertLessThanOrEqual(after, before + 2, "threads before \(before), after releasing the pools \(after)")
    }

    /// The thread count once it has stayed the same for 50 ms (at most about a second).
    private func settledThreadCount() -> Int? {
        guard var count = threadCountOfThisProcess() else { return nil }
        var unchanged = 0
        for _ in 0..<100 where unchanged < 5 {
            usleep(10_000)
            let now = threadCountOfThisProcess() ?? count
            unchanged = now == count ? unchanged + 1 : 0
            count = now
        }
        return count
    }

    private func threadCountOfThisProcess() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }) else { return nil }
        return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
    }
}

/// Plain integers that the loop bodies update from several threads, each index from one
/// thread at a time (what parallelFor promises); not thread-safe otherwise.
final class Counters: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Int>
    let count: Int

    init(_ count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)
    }

    deinit { storage.deallocate() }

    subscript(i: Int) -> Int {
        get { storage[i] }
        set { storage[i] = newValue }
    }

    func indices(where predicate: (Int) -> Bool) -> [Int] { (0..<count).filter { predicate(storage[$0]) } }
}
