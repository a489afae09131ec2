import Foundation
import XCTest
import Training

// Shared fixtures for the Data*Tests files: every data file these tests read is generated
// here, in a temporary directory, so the tests need nothing installed.

/// A fresh directory under the system's temporary directory, removed when released.
final class TemporaryDirectory {
    let path: String

    init() {
        let template = NSTemporaryDirectory() + "schedc-data-tests-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else { fatalError("mkdtemp failed for \(template)") }
        path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `name` inside this directory (created as a folder when `directory` is true).
    func path(_ name: String, directory: Bool = false) -> String {
        let full = path + "/" + name
        if directory { try! FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true) }
        return full
    }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let full = path(name)
        precondition(FileManager.default.createFile(atPath: full, contents: Data(bytes)), "cannot write \(full)")
        return full
    }

    func read(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path(name))!)
    }
}

/// Deterministic pseudo-random bytes (every value 0...255 occurs), different per seed.
func fixtureBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var random = DeterministicRandom(seed: seed, stream: 99)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next() >> 56) }
}

/// Labels 0..<classes, deterministic per seed.
func fixtureLabels(_ count: Int, classes: Int = 10, seed: UInt64) -> [UInt8] {
    var random = DeterministicRandom(seed: seed, stream: 98)
    return (0..<count).map { _ in UInt8(random.next() % UInt64(classes)) }
}

/// The pixel bytes and labels written into an MNIST-format fixture.
struct MNISTFixture {
    var trainImages: [UInt8], trainLabels: [UInt8], testImages: [UInt8], testLabels: [UInt8]
    var height: Int, width: Int
}

/// Writes the four MNIST-format files into `directory` (created if needed); small images keep it fast.
@discardableResult
func writeMNISTFixture(in directory: String, trainCount: Int = 50, testCount: Int = 20,
                       height: Int = 6, width: Int = 5, gzip: Bool, seed: UInt64 = 1) throws -> MNISTFixture {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let fixture = MNISTFixture(trainImages: fixtureBytes(trainCount * height * width, seed: seed),
                               trainLabels: fixtureLabels(trainCount, seed: seed),
                               testImages: fixtureBytes(testCount * height * width, seed: seed + 1),
                               testLabels: fixtureLabels(testCount, seed: seed + 1),
                               height: height, width: width)
    let suffix = gzip ? ".gz" : ""
    try IDXFile.write(path: "\(directory)/\(MNISTFormat.trainImages)\(suffix)", dimensions: [trainCount, height, width],
                      bytes: fixture.trainImages, gzip: gzip)
    try IDXFile.write(path: "\(directory)/\(MNISTFormat.trainLabels)\(suffix)", dimensions: [trainCount],
                      bytes: fixture.trainLabels, gzip: gzip)
    try IDXFile.write(path: "\(directory)/\(MNISTFormat.testImages)\(suffix)", dimensions: [testCount, height, width],
                      bytes: fixture.testImages, gzip: gzip)
    try IDXFile.write(path: "\(directory)/\(MNISTFormat.testLabels)\(suffix)", dimensions: [testCount],
                      bytes: fixture.testLabels, gzip: gzip)
    return fixture
}

/// Asserts that `body` throws a DataError of `kind` whose path is `path` and whose message
/// contains every fragment in `mentions`.
func assertDataError<T>(_ body: @autoclosure () throws -> T, kind: DataError.Kind, path: String,
                        mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error for \(path), got success", file: file, line: line)
    } catch let error as DataError {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        XCTAssertEqual(error.path, path, "\(error)", file: file, line: line)
        for fragment in mentions {
            XCTAssert(error.problem.contains(fragment), "\"\(error.problem)\" does not mention \"\(fragment)\"", file: file, line: line)
        }
        // The project's message style: lowercase start, no trailing period.
        XCTAssertFalse(error.problem.hasSuffix("."), "\(error)", file: file, line: line)
        XCTAssertEqual(error.problem.first.map { String($0).lowercased() }, error.problem.first.map(String.init),
                       "\(error)", file: file, line: line)
        XCTAssertEqual(error.description, "\(path): \(error.problem)", file: file, line: line)
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
    }
}

/// Pixel bytes back from [0, 1] floats (exact: loaders store b / 255).
func pixelBytes(_ floats: ArraySlice<Float>) -> [UInt8] {
    floats.map { UInt8(($0 * 255).rounded()) }
}

/// CRC-32 (IEEE, as zlib's crc32 and Python's zlib.crc32), for checksums recorded in tests.
/// Table-driven: the test target is built without optimisation and checksums megabytes.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    bytes.withUnsafeBufferPointer { buffer in
        crc32Table.withUnsafeBufferPointer { table in
            for byte in buffer { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
    }
    return ~crc
}

private let crc32Table: [UInt32] = (0..<256).map { index in
    var entry = UInt32(index)
    for _ in 0..<8 { entry = (entry >> 1) ^ (0xEDB8_8320 & (0 &- (entry & 1))) }
    return entry
}

final class DataFixturesTests: XCTestCase {
    /// The checksum helper the subset tests rely on agrees with zlib's published check value.
    func testCRC32MatchesTheStandardCheckValue() {
        XCTAssertEqual(crc32(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(crc32([]), 0)
    }

    func testTemporaryDirectoryIsRemoved() {
        var path = ""
        do {
            let directory = TemporaryDirectory()
            path = directory.write("x", [1, 2, 3])
            XCTAssertEqual(directory.read("x"), [1, 2, 3])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }
}
