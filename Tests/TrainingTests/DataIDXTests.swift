import Foundation
import XCTest
import Training

final class DataIDXTests: XCTestCase {
    // MARK: round trips

    func testRoundTripPlainAndGzipped() throws {
        let directory = TemporaryDirectory()
        for gzip in [false, true] {
            for dimensions in [[7], [3, 4, 5], [2, 1, 1], [0, 28, 28], [4, 2, 3, 2]] {
                let bytes = fixtureBytes(dimensions.reduce(1, *), seed: UInt64(dimensions.count))
                let path = directory.path("rank\(dimensions.count)-\(dimensions[0])\(gzip ? ".gz" : "")")
                try IDXFile.write(path: path, dimensions: dimensions, bytes: bytes, gzip: gzip)
                let read = try IDXFile.read(path: path, rank: dimensions.count)
                XCTAssertEqual(read.dimensions, dimensions)
                XCTAssertEqual(read.declaredCount, dimensions[0])
                XCTAssertEqual(read.bytes, bytes)
            }
        }
    }

    func testEncodingIsBigEndianWithTheStandardMagicNumbers() {
        XCTAssertEqual(IDXFile.magic(rank: 1), 0x0000_0801)
        XCTAssertEqual(IDXFile.magic(rank: 3), 0x0000_0803)
        XCTAssertEqual(IDXFile.encode(dimensions: [2, 1, 258], bytes: [UInt8](repeating: 7, count: 516)).prefix(16),
                       [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 1, 2])
    }

    func testGzipIsDetectedByContentNotName() throws {
        let directory = TemporaryDirectory()
        let bytes = fixtureBytes(60, seed: 3)
        let path = directory.path("labels-without-suffix")
        try IDXFile.write(path: path, dimensions: [60], bytes: bytes, gzip: true)
        XCTAssertEqual(try IDXFile.read(path: path, rank: 1).bytes, bytes)
    }

    func testPrefixReadsOnlyTheFirstItems() throws {
        let directory = TemporaryDirectory()
        let bytes = fixtureBytes(10 * 4 * 3, seed: 4)
        for gzip in [false, true] {
            let path = directory.path("images\(gzip ? ".gz" : "")")
            try IDXFile.write(path: path, dimensions: [10, 4, 3], bytes: bytes, gzip: gzip)
            let read = try IDXFile.read(path: path, rank: 3, limit: 4)
            XCTAssertEqual(read.dimensions, [4, 4, 3])
            XCTAssertEqual(read.declaredCount, 10)
            XCTAssertEqual(read.bytes, Array(bytes[..<(4 * 12)]))
            XCTAssertEqual(try IDXFile.read(path: path, rank: 3, limit: 10).bytes, bytes)
        }
    }

    /// gzip allows several members one after the other; zlib stops after the first unless told.
    func testConcatenatedGzipMembersAreReadAsOneStream() throws {
        let directory = TemporaryDirectory()
        let bytes = fixtureBytes(100 * 9, seed: 5)
        let file = IDXFile.encode(dimensions: [100, 3, 3], bytes: bytes)
        // Split inside the header and again inside the data.
        let members = Gzip.compress(Array(file[..<6])) + Gzip.compress(Array(file[6..<400])) + Gzip.compress(Array(file[400...]))
        directory.write("multi.gz", members)
        XCTAssertEqual(try IDXFile.read(path: directory.path("multi.gz"), rank: 3).bytes, bytes)
    }

    func testLargeGzippedFileCrossesManyInputChunks() throws {
        // Several 256 KiB input chunks and a multi-MiB output: exercises the streaming loop.
        let directory = TemporaryDirectory()
        let bytes = fixtureBytes(3_000 * 28 * 28, seed: 6)
        let path = directory.path("big.gz")
        try IDXFile.write(path: path, dimensions: [3_000, 28, 28], bytes: bytes, gzip: true)
        XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int, 1 << 20)
        XCTAssertEqual(try IDXFile.read(path: path, rank: 3).bytes, bytes)
    }

    // MARK: errors, each with a generated broken file

    func testMissingFile() {
        let directory = TemporaryDirectory()
        let path = directory.path("nope-idx1-ubyte")
        assertDataError(try IDXFile.read(path: path, rank: 1), kind: .unreadable, path: path,
                        mentions: ["cannot open", "no such file or directory"])
    }

    func testDirectoryInsteadOfFile() {
        let directory = TemporaryDirectory()
        let path = directory.path("folder", directory: true)
        assertDataError(try IDXFile.read(path: path, rank: 1), kind: .unreadable, path: path, mentions: ["is a directory"])
    }

    func testEmptyFile() {
        let directory = TemporaryDirectory()
        let path = directory.write("empty", [])
        assertDataError(try IDXFile.read(path: path, rank: 3), kind: .truncated, path: path,
                        mentions: ["empty file", "idx3", "0x00000803"])
    }

    func testNotAnIDXFile() {
        let directory = TemporaryDirectory()
        let path = directory.write("text", Array("hello, world".utf8))
        assertDataError(try IDXFile.read(path: path, rank: 1), kind: .corrupt, path: path,
                        mentions: ["not an IDX file", "bad magic number 0x68656c6c", "expected 0x00000801"])
    }

    func testLabelsFileWhereImagesAreExpected() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("labels")
        try IDXFile.write(path: path, dimensions: [3], bytes: [1, 2, 3], gzip: false)
        assertDataError(try IDXFile.read(path: path, rank: 3), kind: .corrupt, path: path,
                        mentions: ["bad magic number 0x00000801", "an idx1 file, expected idx3"])
    }

    func testUnsupportedElementType() {
        let directory = TemporaryDirectory()
        // 0x0D: float elements.
        let path = directory.write("floats", [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0])
        assertDataError(try IDXFile.read(path: path, rank: 1), kind: .corrupt, path: path,
                        mentions: ["unsupported IDX element type 0x0d (float), expected unsigned bytes (0x08)"])
    }

    func testTruncatedHeader() {
        let directory = TemporaryDirectory()
        let short = directory.write("short-magic", [0, 0, 8])
        assertDataError(try IDXFile.read(path: short, rank: 3), kind: .truncated, path: short,
                        mentions: ["ends inside the IDX header"])
        let path = directory.write("short-dims", [0, 0, 8, 3, 0, 0, 0, 5, 0, 0])
        assertDataError(try IDXFile.read(path: path, rank: 3), kind: .truncated, path: path,
                        mentions: ["ends inside the IDX header (10 of 16 bytes)"])
    }

    func testTruncatedData() throws {
        let directory = TemporaryDirectory()
        let file = IDXFile.encode(dimensions: [10, 2, 2], bytes: fixtureBytes(40, seed: 7))
        let plain = directory.write("cut", Array(file.dropLast(3)))
        assertDataError(try IDXFile.read(path: plain, rank: 3, itemName: "images"), kind: .truncated, path: plain,
                        mentions: ["declares 10 images (40 bytes of data)", "the file has only 37"])
        // Gzipped: the compressed stream is whole, the IDX data inside it is short.
        let packed = directory.write("cut.gz", Gzip.compress(Array(file.dropLast(3))))
        assertDataError(try IDXFile.read(path: packed, rank: 3, itemName: "images"), kind: .truncated, path: packed,
                        mentions: ["declares 10 images (40 bytes of data)", "the file has only 37"])
        // A prefix that the file is too short for.
        let longer = directory.write("cut-prefix", Array(IDXFile.encode(dimensions: [12, 2, 2], bytes: fixtureBytes(48, seed: 7)).prefix(16 + 37)))
        assertDataError(try IDXFile.read(path: longer, rank: 3, limit: 10, itemName: "images"), kind: .truncated, path: longer,
                        mentions: ["the first 10 of the 12 images the header declares need 40 bytes of data", "the file has only 37"])
    }

    func testTruncatedGzipStream() throws {
        let directory = TemporaryDirectory()
        let compressed = Gzip.compress(IDXFile.encode(dimensions: [200, 5, 5], bytes: fixtureBytes(5_000, seed: 8)))
        let path = directory.write("cut-stream.gz", Array(compressed[..<(compressed.count / 2)]))
        assertDataError(try IDXFile.read(path: path, rank: 3), kind: .truncated, path: path,
                        mentions: ["gzip stream ends early"])
        // Cut inside the 8-byte trailer (CRC and size): all data is there but the stream is not whole.
        let trailer = directory.write("cut-trailer.gz", Array(compressed.dropLast(4)))
        assertDataError(try IDXFile.read(path: trailer, rank: 3), kind: .truncated, path: trailer,
                        mentions: ["gzip stream ends early"])
    }

    func testCorruptGzipData() throws {
        let directory = TemporaryDirectory()
        let bytes = IDXFile.encode(dimensions: [100, 4, 4], bytes: fixtureBytes(1_600, seed: 9))
        var compressed = Gzip.compress(bytes)
        // Flip bits in the stored CRC-32: the data inflates but fails its check.
        compressed[compressed.count - 6] ^= 0xFF
        let badCRC = directory.write("bad-crc.gz", compressed)
        assertDataError(try IDXFile.read(path: badCRC, rank: 3), kind: .corrupt, path: badCRC,
                        mentions: ["gzip data is corrupt", "incorrect data check"])
        // An invalid deflate block type (3) in the first block header, right after the 10-byte gzip header.
        var badBlock = Gzip.compress(bytes)
        badBlock[10] |= 0b110
        let invalid = directory.write("bad-block.gz", badBlock)
        assertDataError(try IDXFile.read(path: invalid, rank: 3), kind: .corrupt, path: invalid,
                        mentions: ["gzip data is corrupt"])
    }

    func testPlainFileNamedGz() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("labels.gz", IDXFile.encode(dimensions: [2], bytes: [1, 2]))
        assertDataError(try IDXFile.read(path: path, rank: 1), kind: .corrupt, path: path,
                        mentions: ["not a gzip file", "1f 8b"])
    }

    func testGarbageAfterTheGzipStream() {
        let directory = TemporaryDirectory()
        let path = directory.write("tail.gz", Gzip.compress(IDXFile.encode(dimensions: [2], bytes: [1, 2])) + [0x42, 0x42])
        assertDataError(try IDXFile.read(path: path, rank: 1), kind: .corrupt, path: path,
                        mentions: ["unexpected data after the end of the gzip stream"])
    }

    func testMoreDataThanTheHeaderDeclares() {
        let directory = TemporaryDirectory()
        let path = directory.write("long", IDXFile.encode(dimensions: [3], bytes: [1, 2, 3]) + [4])
        assertDataError(try IDXFile.read(path: path, rank: 1, itemName: "labels"), kind: .corrupt, path: path,
                        mentions: ["more data than its header declares (3 labels, 3 bytes after the header)"])
    }

    func testAskingForMoreItemsThanDeclared() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("five")
        try IDXFile.write(path: path, dimensions: [5], bytes: [0, 1, 2, 3, 4], gzip: false)
        assertDataError(try IDXFile.read(path: path, rank: 1, limit: 6, itemName: "labels"), kind: .mismatch, path: path,
                        mentions: ["asked for the first 6 labels but the header declares only 5"])
    }

    /// A corrupt header declaring ~2^64 bytes must fail cleanly, not overflow or allocate.
    func testAbsurdHeaderSizes() {
        let directory = TemporaryDirectory()
        let huge: [UInt8] = [0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]
        let overflow = directory.write("overflow", huge)
        assertDataError(try IDXFile.read(path: overflow, rank: 3), kind: .corrupt, path: overflow,
                        mentions: ["impossible size 4294967295×4294967295×4294967295"])
        // Large but representable: 4 GiB declared in a tiny gzip file.
        let big: [UInt8] = [0, 0, 8, 3, 0, 0, 0x10, 0, 0, 0, 4, 0, 0, 0, 4, 0, 1, 2, 3]
        let packed = directory.write("big.gz", Gzip.compress(big))
        assertDataError(try IDXFile.read(path: packed, rank: 3), kind: .truncated, path: packed,
                        mentions: ["declares 4096 items (4294967296 bytes of data)", "the file has only 3"])
    }

    /// Every strict prefix of a valid file (plain or gzipped) is an error, never a crash.
    func testEveryTruncationOfASmallFileFails() throws {
        let file = IDXFile.encode(dimensions: [3, 2, 2], bytes: fixtureBytes(12, seed: 10))
        let compressed = Gzip.compress(file)
        let directory = TemporaryDirectory()
        for (name, bytes) in [("plain", file), ("packed.gz", compressed)] {
            for length in 0..<bytes.count {
                let path = directory.write("\(name)-\(length)", Array(bytes[..<length]))
                XCTAssertThrowsError(try IDXFile.read(path: path, rank: 3), "\(name) cut at \(length)") { error in
                    XCTAssert(error is DataError, "\(error)")
                }
            }
        }
    }
}
