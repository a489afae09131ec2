import Foundation
@testable import ScheduleRunner
import Training
import XCTest

final class CheckpointTests: RunnerTestCase {
    func sample() -> Checkpoint {
        Checkpoint(scheduleHash: SHA256.hash(Array("plan".utf8)), epochsCompleted: 3, updates: 1234, samples: 30_000,
                   seconds: 12.5, evaluationSeconds: 0.75, phaseSeconds: [1.5, 0.1 + 0.2, 7],
                   optimizerCounters: OptimizerCounters(steps: 1234, beta1Product: 0.9.squareRoot(), beta2Product: 1e-300),
                   modelState: [NamedTensor(name: "fc1.weight", shape: [2, 3], values: [1, -2, .pi, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]),
                                NamedTensor(name: "bn1.running_var", shape: [2], values: [0.5, .nan]),
                                NamedTensor(name: "scalar", shape: [], values: [42])],
                   optimizerState: [NamedTensor(name: "fc1.weight.accumulator", shape: [2, 3], values: [0, 1, 2, 3, 4, 5])])
    }

    func testRoundTripIsExact() throws {
        let checkpoint = sample()
        let bytes = checkpoint.encoded()
        XCTAssertEqual(Array(bytes.prefix(8)), Array("SCHEDCKP".utf8))
        XCTAssertEqual(Array(bytes[8..<12]), [1, 0, 0, 0], "version 1, little-endian")
        let decoded = try Checkpoint(decoding: bytes, path: "c.bin")
        XCTAssertEqual(decoded.scheduleHash, checkpoint.scheduleHash)
        XCTAssertEqual(decoded.phaseSeconds, checkpoint.phaseSeconds)
        XCTAssertEqual(decoded.optimizerCounters, checkpoint.optimizerCounters)
        XCTAssertEqual([decoded.epochsCompleted, decoded.updates, decoded.samples], [3, 1234, 30_000])
        XCTAssertEqual([decoded.seconds, decoded.evaluationSeconds], [12.5, 0.75])
        XCTAssertTrue(bitIdentical(decoded.modelState, checkpoint.modelState), "NaN and -0 keep their bits")
        XCTAssertTrue(bitIdentical(decoded.optimizerState, checkpoint.optimizerState))
        XCTAssertEqual(decoded.encoded(), bytes)
    }

    /// The layout the documentation gives (docs/running.md), checked field by field.
    func testLayoutIsTheDocumentedOne() throws {
        let bytes = sample().encoded()
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << UInt64(8 * $1) } }
        XCTAssertEqual(Array(bytes[12..<44]), SHA256.hash(Array("plan".utf8)))
        XCTAssertEqual([u64(44), u64(52), u64(60)], [3, 1234, 30_000])
        XCTAssertEqual(Double(bitPattern: u64(68)), 12.5)
        XCTAssertEqual(Double(bitPattern: u64(76)), 0.75)
        XCTAssertEqual(bytes[84], 3)  // phase count (u32)
        XCTAssertEqual(Double(bitPattern: u64(88 + 16)), 7)
        XCTAssertEqual(u64(112), 1234)  // optimizer steps
        XCTAssertEqual(bytes[136], 3)  // model tensor count (u32)
        XCTAssertEqual([bytes[140], bytes[141]], [10, 0])  // name length u16
        XCTAssertEqual(String(decoding: bytes[142..<152], as: UTF8.self), "fc1.weight")
        XCTAssertEqual(bytes[152], 2)  // rank
        XCTAssertEqual([u64(153), u64(161)], [2, 3])
        XCTAssertEqual(Array(bytes[(bytes.count - 32)...]), SHA256.hash(bytes.dropLast(32)))
    }

    /// Every truncation and every single-byte change is a clear error, never a crash.
    func testEveryTruncationAndCorruptionIsAnError() throws {
        let bytes = sample().encoded()
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try Checkpoint(decoding: Array(bytes.prefix(length)), path: "c.bin")) { error in
                XCTAssertEqual((error as? RunError)?.kind, .checkpoint)
                XCTAssertTrue("\(error)".hasPrefix("c.bin: "))
            }
        }
        for index in stride(from: 0, to: bytes.count, by: 7) {
            var corrupt = bytes
            corrupt[index] ^= 0x10
            XCTAssertThrowsError(try Checkpoint(decoding: corrupt, path: "c.bin"), "byte \(index)")
        }
    }

    func testMessages() {
        func message(_ bytes: [UInt8]) -> String {
            do {
                _ = try Checkpoint(decoding: bytes, path: "c.bin")
                return "no error"
            } catch { return "\(error)" }
        }
        var bytes = sample().encoded()
        XCTAssertEqual(message([]), "c.bin: the checkpoint is empty")
        XCTAssertEqual(message(Array("hello world, not a checkpoint".utf8)), "c.bin: not a schedc checkpoint (no SCHEDCKP magic number)")
        XCTAssertEqual(message(Array(bytes.prefix(40))), "c.bin: the checkpoint is truncated (40 bytes)")
        XCTAssertEqual(message(Array(bytes.dropLast())), "c.bin: the checkpoint is damaged: its SHA-256 does not match its contents (truncated or corrupt)")
        bytes[8] = 2
        XCTAssertEqual(message(bytes), "c.bin: checkpoint format version 2; this schedc reads version 1")
    }

    /// A body with a valid checksum but absurd counts (a bug, or a hand-made file) is refused
    /// without allocating what the counts say.
    func testAbsurdCountsWithAValidChecksum() {
        func sealed(_ body: [UInt8]) -> [UInt8] { body + SHA256.hash(body) }
        var body = Array(sample().encoded().dropLast(32))
        // The model tensor count (u32 at 136) says four billion tensors.
        body[136] = 0xFF; body[137] = 0xFF; body[138] = 0xFF; body[139] = 0xFF
        XCTAssertThrowsError(try Checkpoint(decoding: sealed(body), path: "c.bin")) { error in
            XCTAssertEqual("\(error)", "c.bin: a count at byte 136 exceeds the file")
        }
        body = Array(sample().encoded().dropLast(32))
        // fc1.weight's first dimension: 2^62.
        body[153 + 7] = 0x40
        XCTAssertThrowsError(try Checkpoint(decoding: sealed(body), path: "c.bin")) { error in
            XCTAssertEqual("\(error)", "c.bin: tensor 'fc1.weight' is larger than the file")
        }
        body = Array(sample().encoded().dropLast(32)) + [0]
        XCTAssertThrowsError(try Checkpoint(decoding: sealed(body), path: "c.bin")) { error in
            XCTAssertEqual("\(error)", "c.bin: the checkpoint has 1 unexpected bytes before its checksum")
        }
    }

    func testAtomicWriteReplacesAndLeavesNoTemporaryFile() throws {
        let directory = temporaryRunPath("atomic")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/checkpoint.bin"
        try sample().write(to: path)
        var second = sample()
        second.epochsCompleted = 4
        try second.write(to: path)
        XCTAssertEqual(try Checkpoint.read(from: path).epochsCompleted, 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["checkpoint.bin"])
        XCTAssertThrowsError(try second.write(to: directory + "/missing/checkpoint.bin")) { error in
            XCTAssertTrue("\(error)".hasPrefix(directory + "/missing/checkpoint.bin: cannot write ("), "\(error)")
        }
    }
}

final class SHA256Tests: XCTestCase {
    func testStandardVectors() {
        XCTAssertEqual(SHA256.hexDigest(of: ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest(of: "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hexDigest(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hexDigest(of: String(repeating: "a", count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdatesEqualOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let expected = SHA256.hash(bytes)
        for split in [0, 1, 55, 56, 63, 64, 65, 128, 999, 1000] {
            var hasher = SHA256()
            hasher.update(Array(bytes[..<split]))
            hasher.update(Array(bytes[split...]))
            XCTAssertEqual(hasher.finalize(), expected, "split at \(split)")
        }
    }
}
