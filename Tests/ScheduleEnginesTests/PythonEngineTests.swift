import Foundation
import TestSupport
import XCTest

/// Runs the PyTorch engine's own tests (Tests/ScheduleEnginesTests/python, plain unittest files)
/// with Debian's /usr/bin/python3, so that `swift test` covers the Python module too: the clock
/// against the planner, the shuffle against Swift's values, real two-rank DDP over gloo, and
/// SIGKILL + resume. Without torch the test fails and says what to install — it never skips.
final class PythonEngineTests: XCTestCase {
    func testPythonModuleUnitTests() throws {
        try PythonEngine.requireTorch()
        let result = try PythonEngine.run(["-m", "unittest", "discover", "-s", PythonEngine.testsDirectory.path, "-t",
                                           PythonEngine.testsDirectory.path],
                                          in: PythonEngine.testsDirectory)
        XCTAssertEqual(result.status, 0, "the Python engine's unit tests failed:\n\(result.output)")
    }
}

/// Where the Python half lives and how to run Debian's Python on it.
enum PythonEngine {
    /// Debian's Python, the one python3-torch installs for (the `python3` first on PATH may be
    /// another, without torch).
    static let interpreter = "/usr/bin/python3"

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let testsDirectory = root.appendingPathComponent("Tests/ScheduleEnginesTests/python")
    static let module = root.appendingPathComponent("Sources/ScheduleEngines/Python/schedc_torch.py")

    typealias Result = ChildProcess.Result

    /// Fails with the install advice unless `interpreter` can import torch.
    static func requireTorch(file: StaticString = #filePath, line: UInt = #line) throws {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            XCTFail("\(interpreter) is missing: install python3-torch (Debian: apt-get install python3-torch)", file: file, line: line)
            throw CancellationError()
        }
        let probe = try run(["-c", "import torch, torch.distributed; print(torch.__version__)"], in: testsDirectory)
        guard probe.status == 0 else {
            XCTFail("torch is not importable by \(interpreter): install python3-torch (Debian: apt-get install "
                    + "python3-torch)\n\(probe.output)", file: file, line: line)
            throw CancellationError()
        }
    }

    /// Runs `interpreter` with `arguments` in `directory`, `environment` added; stdout and stderr
    /// together.
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Result {
        try start(arguments, in: directory, environment: environment).finish()
    }

    /// Starts `interpreter` with `arguments` (no byte-code files written into the repository).
    static func start(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> ChildProcess {
        var environment = environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        return try ChildProcess.start(URL(fileURLWithPath: interpreter), arguments, in: directory, environment: environment)
    }
}
