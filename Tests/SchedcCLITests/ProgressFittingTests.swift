import XCTest
@testable import schedc

/// A progress line on a narrow terminal drops whole fields instead of cutting a number short.
final class ProgressFittingTests: XCTestCase {
    let fields = ["phase 2/3  epoch 8/18", "42%", "B 128", "ε 0.05", "loss 1.0657", "9985 samples/s", "ETA 0:19"]

    func testWholeFieldsOnly() {
        XCTAssertEqual(ProgressDisplay.fitted(fields, columns: 200),
                       "phase 2/3  epoch 8/18  42%  B 128  ε 0.05  loss 1.0657  9985 samples/s  ETA 0:19")
        // 50 columns: "… loss 1.0657" is 60 characters, so the loss goes whole, not as "loss 1.0".
        XCTAssertEqual(ProgressDisplay.fitted(fields, columns: 50), "phase 2/3  epoch 8/18  42%  B 128  ε 0.05")
        for columns in 10...120 {
            let line = ProgressDisplay.fitted(fields, columns: columns)
            XCTAssertLessThan(line.count, max(11, columns), "\(columns)")
            XCTAssertFalse(line.hasSuffix("ETA 0:1"), "\(columns): \(line)")
            XCTAssertFalse(line.hasSuffix("loss 1.0") || line.hasSuffix("loss 1.06"), "\(columns): \(line)")
        }
    }
}
