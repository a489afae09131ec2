import XCTest
import Training

final class RandomTests: XCTestCase {
    func testSameSeedAndStreamGiveTheSameSequence() {
        var a = DeterministicRandom(seed: 42, stream: 3), b = DeterministicRandom(seed: 42, stream: 3)
        for _ in 0..<100 { XCTAssertEqual(a.next(), b.next()) }
    }

    func testStreamsDiffer() {
        var a = DeterministicRandom(seed: 42, stream: 0), b = DeterministicRandom(seed: 42, stream: 1)
        XCTAssertNotEqual((0..<4).map { _ in a.next() }, (0..<4).map { _ in b.next() })
    }

    func testUniformAndNormalMoments() {
        var rng = DeterministicRandom(seed: 7)
        let n = 200_000
        var sumU = 0.0, sumN = 0.0, sumN2 = 0.0
        for _ in 0..<n {
            let u = rng.nextUniformFloat()
            XCTAssert(u >= 0 && u < 1)
            sumU += Double(u)
            let z = Double(rng.nextNormal())
            sumN += z; sumN2 += z * z
        }
        XCTAssertEqual(sumU / Double(n), 0.5, accuracy: 0.005)
        XCTAssertEqual(sumN / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(sumN2 / Double(n), 1, accuracy: 0.02)
    }
}
