import TensorKernels
import XCTest

/// The FMA peak measurement (its speed is checked against the GEMM's in the command's tests,
/// in the normal build: here it may run under a sanitizer).
final class FMAPeakTests: XCTestCase {
    func testEveryWidthOfThisProcessorMeasuresOnEveryThread() {
        XCTAssertEqual(FMAVectorWidth.available.first, .ymm)
        XCTAssertEqual(FMAVectorWidth.available.contains(.zmm), HostProcessor.current.hasAVX512)
        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            for width in FMAVectorWidth.available {
                let peak = FMAPeak.measure(width, pool: pool, seconds: 0.01)
                XCTAssertEqual(peak.width, width)
                XCTAssertEqual(peak.threads, threads)
                XCTAssertTrue(peak.gflops.isFinite && peak.gflops > 0, "\(peak)")
                // Every chain converges towards y / (1 − x) ≈ 8.4·10⁶ and none overflows: twelve
                // chains per lane, four rounds (the calibration and three timed ones).
                let chains = Float(4 * threads * 12 * width.floats)
                XCTAssertTrue(peak.checksum.isFinite && peak.checksum > 0 && peak.checksum < chains * 1e7, "\(peak)")
            }
            XCTAssertEqual(FMAPeak.best(pool: pool, seconds: 0.01).threads, threads)
        }
    }

    func testMeasurementsDifferBeyondFifteenPerCent() {
        XCTAssertFalse(FMAPeak.differ([]))
        XCTAssertFalse(FMAPeak.differ([198]))
        XCTAssertFalse(FMAPeak.differ([198, 170, 199]))
        XCTAssertTrue(FMAPeak.differ([198, 103]))
        XCTAssertTrue(FMAPeak.differ([103, 198]))
    }
}
