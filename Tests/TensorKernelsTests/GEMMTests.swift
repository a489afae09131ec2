import XCTest
@testable import TensorKernels
import TestSupport

/// `gemm` against its naive twin `gemmNaive`: every transpose, alpha/beta, padded leading
/// dimensions, shapes on both sides of every blocking boundary, both micro-kernels, 1–3 threads.
final class GEMMTests: XCTestCase {
    func testSmallAndDegenerateShapes() {
        var random = TestRandom(seed: 1)
        for kernel in GEMMMicroKernel.allCases {
            for (m, n, k) in [(1, 1, 1), (1, 1, 7), (1, 9, 1), (9, 1, 1), (2, 3, 4), (5, 17, 1), (1, 40, 33), (33, 1, 40)] {
                for (transposeA, transposeB) in allTransposes {
                    check(GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB),
                          kernel: kernel, threads: 1, random: &random)
                }
            }
        }
    }

    /// Blockings the tests run every kernel with: this machine's, those the rule gives the
    /// other machines met (kc 256 and 384; mc from 126 to 384), and small odd ones that make
    /// many blocks of small shapes (kc not a multiple of 8 is rounded up to one).
    private func blockings(for kernel: GEMMMicroKernel) -> [GEMMBlocking] {
        let (mr, nr) = kernel.tile
        return [kernel.cacheBlocking, GEMMBlocking(kc: 384, mc: 56 * mr, nc: 4096),
                GEMMBlocking(kc: 37, mc: 2 * mr + 1, nc: 3 * nr - 5), GEMMBlocking(kc: 8, mc: mr, nc: nr)]
    }

    func testShapesOnBothSidesOfEveryBlockBoundary() {
        var random = TestRandom(seed: 2)
        for kernel in GEMMMicroKernel.allCases {
            for blocking in blockings(for: kernel) {
                checkBlockBoundaries(kernel: kernel, blocking: blocking, random: &random)
            }
        }
    }

    private func checkBlockBoundaries(kernel: GEMMMicroKernel, blocking: GEMMBlocking, random: inout TestRandom) {
        let (mr, nr) = kernel.tile
        // Edge tiles (mr ± 1, nr ± 1), a second A block (mc + 1), a second and third K block (kc + 1, 2kc + 3).
        let ms = [mr - 1, mr + 1, blocking.mc, blocking.mc + 1]
        let ns = [nr - 1, nr + 1, 2 * nr + 3]
        let ks = [blocking.kc, blocking.kc + 1, 2 * blocking.kc + 3]
        for m in ms {
            for n in ns {
                for k in ks {
                    let (transposeA, transposeB) = allTransposes[random.int(0...3)]
                    check(GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                   alpha: 1, beta: random.bool() ? 0 : 0.5),
                          kernel: kernel, blocking: blocking, threads: 1 + random.int(0...2), random: &random)
                }
            }
        }
        // A second B block: n = nc + 1.
        for (transposeA, transposeB) in allTransposes {
            check(GEMMCase(m: 3, n: blocking.nc + 1, k: 5, transposeA: transposeA, transposeB: transposeB),
                  kernel: kernel, blocking: blocking, threads: 2, random: &random)
        }
    }

    func testRandomShapesWithEveryTransposeAlphaBetaAndPadding() {
        var random = TestRandom(seed: 3)
        for _ in 0..<160 {
            let (transposeA, transposeB) = allTransposes[random.int(0...3)]
            let testCase = GEMMCase(
                m: random.int(1...70), n: random.int(1...90), k: random.int(1...300),
                transposeA: transposeA, transposeB: transposeB,
                alpha: [1, -1.5, 0.25][random.int(0...2)], beta: [0, 1, -0.5][random.int(0...2)],
                padA: random.int(0...5), padB: random.int(0...5), padC: random.int(0...5))
            check(testCase, kernel: GEMMMicroKernel.allCases[random.int(0...1)],
                  threads: random.int(1...3), random: &random)
        }
    }

    func testTrainingShapes() {
        // Linear layers forward (X·Wᵀ) and backward (dY·W, dYᵀ·X), the CNN's 3136 → 128 layer.
        var random = TestRandom(seed: 4)
        for (m, n, k) in [(32, 512, 784), (64, 10, 128), (200, 128, 3136)] {
            for (transposeA, transposeB) in allTransposes {
                check(GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, beta: 1),
                      kernel: .best, threads: 2, random: &random)
            }
        }
    }

    func testBetaZeroNeverReadsC() {
        var random = TestRandom(seed: 5)
        for kernel in GEMMMicroKernel.allCases {
            for threads in [1, 2] {
                for (m, n, k) in [(7, 13, 5), (70, 45, 300), (9, 100, 64)] {
                    for (transposeA, transposeB) in allTransposes {
                        check(GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                       alpha: 0.75, beta: 0, padC: 2, initialC: .nan),
                              kernel: kernel, threads: threads, random: &random)
                    }
                }
            }
        }
    }

    func testAlphaZeroOrEmptyKOnlyScalesC() {
        let pool = ThreadPool(threads: 2)
        let (m, n) = (5, 6)
        let a = [Float](repeating: .nan, count: 64), b = [Float](repeating: .nan, count: 64)
        for (alpha, k) in [(Float(0), 4), (Float(2), 0)] {
            for beta: Float in [0, 1, -2] {
                var c = (0..<(m * n)).map { Float($0) }
                gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: alpha, a: a, lda: max(1, k),
                     b: b, ldb: n, beta: beta, c: &c, ldc: n, pool: pool)
                XCTAssertEqual(c, (0..<(m * n)).map { beta == 0 ? 0 : beta * Float($0) }, "alpha \(alpha), k \(k), beta \(beta)")
            }
        }
        // m = 0 or n = 0: nothing to do, nothing touched.
        var c: [Float] = [42]
        gemm(transposeA: false, transposeB: false, m: 0, n: 1, k: 3, alpha: 1, a: a, lda: 3, b: b, ldb: 1,
             beta: 0, c: &c, ldc: 1, pool: pool)
        XCTAssertEqual(c, [42])
    }

    func testRepeatedCallsAreBitIdentical() {
        var random = TestRandom(seed: 6)
        let pool = ThreadPool(threads: 2)
        let (m, n, k) = (203, 157, 611)
        let a = random.floats(m * k), b = random.floats(k * n)
        var first = [Float](repeating: 0, count: m * n)
        gemm(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k,
             beta: 0, c: &first, ldc: n, pool: pool)
        for _ in 0..<5 {
            var again = [Float](repeating: 0, count: m * n)
            gemm(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k,
                 beta: 0, c: &again, ldc: n, pool: pool)
            XCTAssertEqual(bitPatterns(again), bitPatterns(first))
        }
    }

    func testResultsAreBitIdenticalForEveryThreadCount() {
        // Shares split rows (m ≥ n) or columns (m < n); neither changes any element's summation
        // order, whatever the blocking. Nor do mc and nc: only kc does.
        var random = TestRandom(seed: 7)
        for kernel in GEMMMicroKernel.allCases {
            for (m, n, k) in [(301, 77, 290), (45, 260, 513), (1029, 10, 515)] {
                let a = random.floats(m * k), b = random.floats(k * n)
                for blocking in blockings(for: kernel) {
                    var results: [[UInt32]] = []
                    for threads in [1, 2, 3] {
                        var c = [Float](repeating: 0, count: m * n)
                        gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                             beta: 0, c: &c, ldc: n, pool: ThreadPool(threads: threads), microKernel: kernel,
                             blocking: blocking)
                        results.append(bitPatterns(c))
                    }
                    let label = "\(kernel) \(blocking) \(m)×\(n)×\(k)"
                    XCTAssertEqual(results[1], results[0], "\(label): 2 threads differ from 1")
                    XCTAssertEqual(results[2], results[0], "\(label): 3 threads differ from 1")
                    var otherBlocks = [Float](repeating: 0, count: m * n)
                    gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                         beta: 0, c: &otherBlocks, ldc: n, pool: ThreadPool(threads: 2), microKernel: kernel,
                         blocking: GEMMBlocking(kc: blocking.kc, mc: kernel.tile.rows, nc: kernel.tile.columns))
                    XCTAssertEqual(bitPatterns(otherBlocks), results[0], "\(label): mc and nc changed the bits")
                }
            }
        }
    }

    func testNarrowProductsHaveTheBitsOfWideOnes() {
        // N up to the tile width runs either as Cᵀ = op(B)ᵀ·op(A)ᵀ or directly with A read in
        // place instead of packed; the first columns of a product wide enough to run directly
        // from packed panels must have the same bits either way.
        var random = TestRandom(seed: 9)
        for kernel in GEMMMicroKernel.allCases {
            let (mr, nr) = kernel.tile
            let shapes = [(2048, 10, 512), (131, 5, 300), (40, 3, 77), (100, 1, 9), (13, 3, 40), (97, nr, 263),
                          (3 * mr + 2, nr - 1, 600)]
            let paths = shapes.map { gemmComputesTransposed(m: $0.0, n: $0.1, mr: mr, nr: nr) }
            XCTAssertTrue(paths.contains(true) && paths.contains(false), "\(kernel): both paths tested")
            for (m, n, k) in shapes {
                let wide = n + nr
                XCTAssertFalse(gemmComputesTransposed(m: m, n: wide, mr: mr, nr: nr))
                for (transposeA, transposeB) in allTransposes {
                    let a = random.floats(m * k), bWide = random.floats(k * wide)
                    // op(B) is the first n columns of op(B wide): the same storage with a smaller n.
                    let ldb = transposeB ? k : wide
                    let cInitial = random.floats(m * wide)
                    for beta: Float in [0, 0.5] {
                        var narrow = cInitial, direct = cInitial
                        gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.75, a: a,
                             lda: transposeA ? m : k, b: bWide, ldb: ldb, beta: beta, c: &narrow, ldc: wide,
                             pool: ThreadPool(threads: 2), microKernel: kernel)
                        gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: wide, k: k, alpha: 0.75, a: a,
                             lda: transposeA ? m : k, b: bWide, ldb: ldb, beta: beta, c: &direct, ldc: wide,
                             pool: ThreadPool(threads: 1), microKernel: kernel)
                        let label = "\(kernel) \(m)×\(n)×\(k) \(transposeA)/\(transposeB) beta \(beta)"
                        let inside = (0..<(m * wide)).filter { $0 % wide < n }
                        let outside = (0..<(m * wide)).filter { $0 % wide >= n }
                        XCTAssertEqual(bitPatterns(inside.map { narrow[$0] }), bitPatterns(inside.map { direct[$0] }), label)
                        XCTAssertEqual(outside.map { narrow[$0] }, outside.map { cInitial[$0] }, "\(label): wrote past column n")
                    }
                }
            }
        }
    }

    func testNarrowProductsTakeTheMeasuredPath() {
        // The 10-class layer's forward: directly with A in place on the 6×16 kernel (1.33× the
        // lanes transposed), transposed on the 8×32 one (2×); N = 5 transposed on both.
        XCTAssertFalse(gemmComputesTransposed(m: 128, n: 10, mr: 6, nr: 16))
        XCTAssertTrue(gemmComputesTransposed(m: 128, n: 10, mr: 8, nr: 32))
        XCTAssertTrue(gemmComputesTransposed(m: 128, n: 5, mr: 6, nr: 16))
        XCTAssertTrue(gemmComputesTransposed(m: 128, n: 5, mr: 8, nr: 32))
    }

    func testBlockingFollowsTheCaches() {
        // L1d and L2 of the machines met: Zen 3, Zen 4, Zen 5; nil: sysfs said nothing.
        let rule = GEMMBlockingRule.blocking
        XCTAssertEqual(rule(.rows6cols16, 32 << 10, 512 << 10), GEMMBlocking(kc: 256, mc: 126, nc: 4096))
        XCTAssertEqual(rule(.rows6cols16, 32 << 10, 2 << 20), GEMMBlocking(kc: 256, mc: 384, nc: 4096), "mc at its cap")
        XCTAssertEqual(rule(.rows6cols16, 48 << 10, 1 << 20), GEMMBlocking(kc: 384, mc: 168, nc: 4096))
        XCTAssertEqual(rule(.rows8cols32, 32 << 10, 2 << 20), GEMMBlocking(kc: 384, mc: 336, nc: 4096))
        XCTAssertEqual(rule(.rows8cols32, 48 << 10, 1 << 20), GEMMBlocking(kc: 384, mc: 168, nc: 4096))
        XCTAssertEqual(rule(.rows8cols32, 32 << 10, 512 << 10), GEMMBlocking(kc: 384, mc: 80, nc: 4096))
        XCTAssertEqual(rule(.rows6cols16, nil, nil), rule(.rows6cols16, 48 << 10, 1 << 20))
        XCTAssertEqual(rule(.rows6cols16, 4 << 10, 64 << 10), GEMMBlocking(kc: 128, mc: 48, nc: 4096), "floors")
        XCTAssertEqual(rule(.rows6cols16, 1 << 20, 64 << 20), GEMMBlocking(kc: 512, mc: 384, nc: 4096), "caps")
        for kernel in GEMMMicroKernel.allCases {
            XCTAssertEqual(kernel.cacheBlocking, kernel.blocking(for: .current))
        }
    }

    func testBlockingParsesAsTheBenchmarkWritesIt() {
        XCTAssertEqual(GEMMBlocking(parsing: "256:144:4096"), GEMMBlocking(kc: 256, mc: 144, nc: 4096))
        XCTAssertEqual(GEMMBlocking(parsing: " 8 : 6 : 16"), GEMMBlocking(kc: 8, mc: 6, nc: 16))
        for bad in ["", "256:144", "256:144:4096:1", "0:144:4096", "a:b:c", "256,144,4096", "-1:6:16"] {
            XCTAssertNil(GEMMBlocking(parsing: bad), bad)
        }
        XCTAssertEqual(GEMMBlocking(kc: 256, mc: 126, nc: 4096).description, "kc 256, mc 126, nc 4096")
    }

    func testConcurrentCallsFromSeveralThreads() {
        // Each thread has its own packing buffers; callers that find the pool busy run alone.
        let pool = ThreadPool(threads: 2)
        var random = TestRandom(seed: 8)
        let (m, n, k) = (64, 96, 130)
        let a = random.floats(m * k), b = random.floats(k * n)
        var expected = [Float](repeating: 0, count: m * n)
        gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
             beta: 0, c: &expected, ldc: n, pool: pool)
        let results = UnsafeMutablePointer<Float>.allocate(capacity: 8 * m * n)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    for _ in 0..<20 {
                        gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a.baseAddress!, lda: k,
                             b: b.baseAddress!, ldb: n, beta: 0, c: results + caller * m * n, ldc: n, pool: pool)
                    }
                }
            }
        }
        for caller in 0..<8 {
            XCTAssertEqual(Array(UnsafeBufferPointer(start: results + caller * m * n, count: m * n)), expected,
                           "caller \(caller)")
        }
    }

    // MARK: - Row shares

    /// Row shares (m ≥ n ≥ the tile width, on 2 or more threads), each running every (jc, pc)
    /// block of B: odd shapes, every transpose, blockings with many blocks; each shape is large
    /// enough to be split. (Also what a packing of B shared by the shares must pass: the Zen 3
    /// section of docs/performance.md.)
    func testRowSharesMatchTheNaiveProduct() {
        var random = TestRandom(seed: 10)
        for kernel in GEMMMicroKernel.allCases {
            let (mr, nr) = kernel.tile
            let blockings = [kernel.cacheBlocking, GEMMBlocking(kc: 37, mc: 2 * mr + 1, nc: 3 * nr - 5),
                             GEMMBlocking(kc: 8, mc: mr, nc: nr)]
            for (m, n, k) in [(97, 37, 133), (250, 3 * nr + 1, 301), (61, nr, 140), (1031, 2 * nr - 1, 45)] {
                XCTAssertGreaterThanOrEqual(m * n * k, gemmParallelThreshold)
                for blocking in blockings {
                    for threads in [2, 3] {
                        let (transposeA, transposeB) = allTransposes[random.int(0...3)]
                        check(GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 0.75,
                                       beta: random.bool() ? 0 : -0.5, padA: 1, padB: 3, padC: 2),
                              kernel: kernel, blocking: blocking, threads: threads, random: &random)
                    }
                }
            }
        }
    }

    /// Row shares give the bits of one thread on 2 and 3 threads, for every transpose, with beta ≠ 0.
    func testRowSharesHaveTheBitsOfOneThread() {
        var random = TestRandom(seed: 11)
        for kernel in GEMMMicroKernel.allCases {
            let nr = kernel.tile.columns
            for (m, n, k) in [(301, 77, 290), (203, 2 * nr + 5, 611), (1029, nr, 515)] {
                for (transposeA, transposeB) in allTransposes {
                    let a = random.floats(m * k), b = random.floats(k * n), initialC = random.floats(m * n)
                    for blocking in [kernel.cacheBlocking, GEMMBlocking(kc: 37, mc: 13, nc: 3 * nr - 5)] {
                        var results: [[UInt32]] = []
                        for threads in [1, 2, 3] {
                            var c = initialC
                            gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1.25, a: a,
                                 lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, beta: 0.5, c: &c, ldc: n,
                                 pool: ThreadPool(threads: threads), microKernel: kernel, blocking: blocking)
                            results.append(bitPatterns(c))
                        }
                        let label = "\(kernel) \(blocking) \(m)×\(n)×\(k) \(transposeA)/\(transposeB)"
                        XCTAssertEqual(results[1], results[0], "\(label): 2 threads differ from 1")
                        XCTAssertEqual(results[2], results[0], "\(label): 3 threads differ from 1")
                    }
                }
            }
        }
    }

    /// A `gemm` called from inside a loop of its own pool finds the pool busy and runs its
    /// shares one after the other on the calling thread — fewer threads than shares: no share
    /// may wait for another (anything shared between shares must not either). Both outer
    /// indices do so at once, each with its own packing buffers.
    func testRowSharesRunOneAfterAnotherOnOneThread() {
        var random = TestRandom(seed: 12)
        let (m, n, k) = (250, 70, 333)
        let a = random.floats(m * k), b = random.floats(k * n)
        var expected = [Float](repeating: 0, count: m * n)
        gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
             beta: 0, c: &expected, ldc: n, pool: ThreadPool(threads: 1))
        for threads in [2, 3] {
            let pool = ThreadPool(threads: threads)
            let results = UnsafeMutablePointer<Float>.allocate(capacity: threads * m * n)
            defer { results.deallocate() }
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    pool.parallelFor(threads) { outer in
                        gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a.baseAddress!, lda: k,
                             b: b.baseAddress!, ldb: n, beta: 0, c: results + outer * m * n, ldc: n, pool: pool)
                    }
                }
            }
            for outer in 0..<threads {
                XCTAssertEqual(bitPatterns(Array(UnsafeBufferPointer(start: results + outer * m * n, count: m * n))),
                               bitPatterns(expected), "\(threads) threads, outer index \(outer)")
            }
        }
    }

    // MARK: - The check

    private let allTransposes = [(false, false), (true, false), (false, true), (true, true)]

    private func bitPatterns(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    /// Runs `gemm` and `gemmNaive` on the same random operands and compares all of C, the
    /// padding columns of ldc included (they must keep their sentinel).
    ///
    /// Tolerance: both compute each element as a sum of k products in a different order, so
    /// each differs from the exact value by at most about k·ε·(|alpha|·Σ|a||b| + |beta·c|);
    /// allow twice that (+2 for the alpha and beta roundings).
    private func check(_ testCase: GEMMCase, kernel: GEMMMicroKernel, blocking: GEMMBlocking? = nil, threads: Int,
                       random: inout TestRandom, file: StaticString = #filePath, line: UInt = #line) {
        let t = testCase
        let (aRows, aColumns) = t.transposeA ? (t.k, t.m) : (t.m, t.k)
        let (bRows, bColumns) = t.transposeB ? (t.n, t.k) : (t.k, t.n)
        let lda = aColumns + t.padA, ldb = bColumns + t.padB, ldc = t.n + t.padC
        let a = random.floats(aRows * lda), b = random.floats(bRows * ldb)
        let sentinel: Float = 1234.5
        var initialC = [Float](repeating: sentinel, count: t.m * ldc)
        for i in 0..<t.m {
            for j in 0..<t.n { initialC[i * ldc + j] = t.initialC ?? random.float() }
        }

        var c = initialC, expected = initialC
        gemm(transposeA: t.transposeA, transposeB: t.transposeB, m: t.m, n: t.n, k: t.k, alpha: t.alpha,
             a: a, lda: lda, b: b, ldb: ldb, beta: t.beta, c: &c, ldc: ldc,
             pool: ThreadPool(threads: threads), microKernel: kernel, blocking: blocking)
        gemmNaive(transposeA: t.transposeA, transposeB: t.transposeB, m: t.m, n: t.n, k: t.k, alpha: t.alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: t.beta, c: &expected, ldc: ldc)
        // Σ|a||b| per element, by the naive kernel on absolute values.
        var magnitude = [Float](repeating: 0, count: t.m * ldc)
        gemmNaive(transposeA: t.transposeA, transposeB: t.transposeB, m: t.m, n: t.n, k: t.k, alpha: 1,
                  a: a.map(abs), lda: lda, b: b.map(abs), ldb: ldb, beta: 0, c: &magnitude, ldc: ldc)

        let label = "\(t), \(kernel.rawValue), \(blocking ?? kernel.cacheBlocking), \(threads) threads"
        var failures = 0
        for i in 0..<t.m {
            for j in 0..<ldc {
                let index = i * ldc + j
                if j >= t.n {
                    if c[index] != sentinel {
                        XCTFail("\(label): wrote C[\(i)][\(j)], in the ldc padding", file: file, line: line)
                        return
                    }
                    continue
                }
                let scale = abs(t.alpha) * magnitude[index] + (t.beta == 0 ? 0 : abs(t.beta * initialC[index]))
                let tolerance = 2 * Float(t.k + 2) * Float.ulpOfOne * scale + Float.leastNormalMagnitude
                if !(abs(c[index] - expected[index]) <= tolerance) {
                    failures += 1
                    if failures <= 3 {
                        XCTFail("\(label): C[\(i)][\(j)] = \(c[index]), naive \(expected[index]) (tolerance \(tolerance))",
                                file: file, line: line)
                    }
                }
            }
        }
    }
}

/// One GEMM to check; pads are extra columns of the leading dimensions.
struct GEMMCase: CustomStringConvertible {
    var m: Int, n: Int, k: Int
    var transposeA = false, transposeB = false
    var alpha: Float = 1, beta: Float = 0
    var padA = 0, padB = 0, padC = 0
    /// Every element of C before the call; nil for random values.
    var initialC: Float? = nil

    var description: String {
        "\(m)×\(n)×\(k) \(transposeA ? "Aᵀ" : "A")·\(transposeB ? "Bᵀ" : "B") alpha \(alpha) beta \(beta)"
            + " pads \(padA),\(padB),\(padC)" + (initialC.map { " C=\($0)" } ?? "")
    }
}
