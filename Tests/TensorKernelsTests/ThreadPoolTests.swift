import XCTest
import TensorKernels

final class ThreadPoolTests: XCTestCase {
    func testEveryIndexRunsExactlyOnce() {
        for threads in [1, 2, 3] {
            let pool = ThreadPool(threads: threads)
            let count = 1000
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: count)
            defer { hits.deallocate() }
            hits.initialize(repeating: 0, count: count)
            pool.parallelFor(count) { i in hits[i] += 1 }  // each index touched by one worker only
            XCTAssertEqual((0..<count).filter { hits[$0] != 1 }, [], "threads=\(threads)")
        }
    }
}
