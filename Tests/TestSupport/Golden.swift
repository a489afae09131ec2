import Foundation
import XCTest

/// Compares `actual` with the golden file `Golden/<name>` beside the calling test file; with
/// SCHEDC_UPDATE_GOLDEN=1 in the environment it (re)writes the file instead and fails nothing.
public func assertGolden(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let url = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Golden").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["SCHEDC_UPDATE_GOLDEN"] == "1" {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            XCTFail("cannot write \(url.path): \(error)", file: file, line: line)
        }
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        XCTFail("missing golden file \(url.path); run the tests with SCHEDC_UPDATE_GOLDEN=1 to create it", file: file, line: line)
        return
    }
    if actual != expected {
        let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
        let firstDifference = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        let got = firstDifference < a.count ? a[firstDifference] : "<end of output>"
        let wanted = firstDifference < e.count ? e[firstDifference] : "<end of file>"
        XCTFail("""
            output differs from \(name) at line \(firstDifference + 1):
              expected: \(wanted)
              actual:   \(got)
            (SCHEDC_UPDATE_GOLDEN=1 regenerates the golden files)
            """, file: file, line: line)
    }
}
