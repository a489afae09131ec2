import Foundation
import XCTest

/// What `schedc run` cannot run, though it checks, is coded like the checker's diagnostics
/// (S5xx, docs/language.md "Cannot run (S5xx)"). Each Golden/cannot-run/NAME.sched (or .json)
/// is run as its first line says (`# schedc run NAME.sched --data DIR`; a plan file as `schedc
/// run NAME.json`) in a scratch directory holding a copy of the inputs and `padded-32x32`, IDX
/// files of 32×32 images. Standard error must equal NAME.stderr, the exit status be the
/// code's, and no run directory be made. `SCHEDC_UPDATE_GOLDEN=1` rewrites the .stderr files.
final class RunRefusalGoldenTests: XCTestCase {
    let directory = repositoryRoot.appendingPathComponent("Tests/SchedcCLITests/Golden/cannot-run")
    var updating: Bool { ProcessInfo.processInfo.environment["SCHEDC_UPDATE_GOLDEN"] == "1" }

    func testEachRefusalPrintsItsCode() throws {
        let inputs = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sched") || $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(inputs.count, 5)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-cannot-run-\(getpid())")
        try? FileManager.default.removeItem(at: scratch)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try writePaddedImages(in: scratch.appendingPathComponent("padded-32x32"))
        var codes: Set<String> = []
        for input in inputs {
            let name = String(input[..<input.lastIndex(of: ".")!])
            let text = try String(contentsOf: directory.appendingPathComponent(input), encoding: .utf8)
            try text.write(to: scratch.appendingPathComponent(input), atomically: true, encoding: .utf8)
            var arguments = ["run", input]
            if let first = text.split(separator: "\n").first, first.hasPrefix("# schedc ") {
                arguments = first.dropFirst("# schedc ".count).split(separator: " ").map(String.init)
            }
            let out = "out-" + name
            let run = try runSchedc(arguments + ["--out", out], in: scratch, environment: ["SCHEDC_DATA_DIR": ""])
            XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent(out).path), "\(name): no run directory")
            let code = run.stderr.range(of: "\\[S5[0-9][0-9]\\]\n$", options: .regularExpression).map { String(run.stderr[$0].dropFirst().prefix(4)) }
            XCTAssertNotNil(code, "\(name): the message ends with its code: \(run.stderr)")
            if let code {
                codes.insert(code)
                // Data that is missing or unusable is an I/O problem (2); the rest is the schedule's (1).
                XCTAssertEqual(run.status, ["S503", "S504"].contains(code) ? 2 : 1, "\(name): \(run.stderr)")
            }
            let golden = directory.appendingPathComponent(name + ".stderr")
            if updating {
                try run.stderr.write(to: golden, atomically: true, encoding: .utf8)
                continue
            }
            XCTAssertEqual(run.stderr, try String(contentsOf: golden, encoding: .utf8), "\(name): differs from \(name).stderr")
        }
        XCTAssertEqual(codes, ["S501", "S502", "S503", "S504", "S505"], "one case per code")
    }

    /// The four MNIST-format files with 32×32 images: 100 training and 2 000 test images (what
    /// a subset run evaluates on), uncompressed IDX (big-endian dimensions after the magic).
    func writePaddedImages(in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func idx(_ dimensions: [Int], fill: (Int) -> UInt8) -> Data {
            var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
            for dimension in dimensions { bytes += withUnsafeBytes(of: UInt32(dimension).bigEndian, Array.init) }
            bytes += (0..<dimensions.reduce(1, *)).map(fill)
            return Data(bytes)
        }
        for (prefix, count) in [("train", 100), ("t10k", 2_000)] {
            try idx([count, 32, 32]) { UInt8(truncatingIfNeeded: $0 &* 37) }
                .write(to: folder.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
            try idx([count]) { UInt8($0 % 10) }.write(to: folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
        }
    }
}
