import Foundation
import TensorKernels

/// numpy's matmul timed by python3, the same way `timeGEMM` times ours (the method of the
/// numpy_gemm.py reference script the performance docs quote, which is not part of the repository).
public struct NumpyReference {
    /// Why numpy could not be timed (python3 or numpy missing, the script failed).
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    static let script = """
    import os, sys, time
    import numpy as np
    m, n, k, ta, tb = (int(x) for x in sys.argv[1:6])
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    a = a.T if ta else a
    b = b.T if tb else b
    a @ b  # warm up
    reps = max(3, int(2e9 / (2 * m * n * k)))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = min(best, (time.perf_counter() - t) / reps)
    print(2 * m * n * k / best / 1e9)
    """

    /// GFLOP/s of numpy on `shape` with `threads` BLAS threads; throws `Unavailable` when
    /// python3 or numpy cannot be run.
    public func gflops(_ shape: GEMMShape, threads: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, "\(shape.m)", "\(shape.n)", "\(shape.k)",
                             shape.transposeA ? "1" : "0", shape.transposeB ? "1" : "0"]
        var environment = ProcessInfo.processInfo.environment
        for variable in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] {
            environment[variable] = "\(threads)"
        }
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Unavailable(description: "cannot run python3 (\(error.localizedDescription))")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if process.terminationStatus == 127 { throw Unavailable(description: "python3 is not on PATH") }
        guard process.terminationStatus == 0, let value = Double(text) else {
            let lastLine = errorText.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw Unavailable(description: lastLine.contains("No module named") ? "numpy is not installed (\(lastLine))" : "python3 failed: \(lastLine)")
        }
        return value
    }
}
