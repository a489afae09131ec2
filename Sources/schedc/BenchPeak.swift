import Foundation
import TensorKernels

/// `schedc bench peak`: the processor's fused multiply-add peak, measured — the ceiling the
/// GEMM's and the training's GFLOP/s are read against. `BenchCommand` dispatches here.
enum BenchPeak {
    static let usage = """
    schedc bench peak [--threads LIST] [--seconds S] [--format text|json]
        fp32 FMA peak GFLOP/s: each thread runs twelve independent chains of fused
        multiply-adds in registers (no memory traffic), the best of three rounds; in ymm
        (8 floats) and, where the processor has AVX-512, zmm (16 floats). The same loop as
        docs/reference/fma_peak.c, compiled by the kernels' settings. `bench gemm` and
        `bench train` measure it before and after their figures (and say when the two
        differ: the machine's speed changed); `bench train` prints its GFLOP/s as a share.
        --threads LIST     thread counts, e.g. 1,2 (default: 1 and the number of cores)
        --seconds S        seconds per measurement, split over its three rounds (default: 1)
        --format FORMAT    text or json (an array of records: width, threads, gflops)
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: [], options: ["--threads", "--seconds", "--format"])
        if let extra = parsed.positionals.first { throw CLIError("unexpected argument '\(extra)'") }
        let threadCounts = try BenchGEMM.integerList(parsed.value("--threads") ?? BenchGEMM.defaultThreadCounts,
                                                     option: "--threads", range: 1...256)
        var seconds = 1.0
        if let text = parsed.value("--seconds") {
            guard let value = Double(text), value >= 0.01, value <= 60 else {
                throw CLIError("option '--seconds' needs a number of seconds in [0.01, 60], not '\(text)'")
            }
            seconds = value
        }
        let json = try parsed.choice("--format", among: ["text", "json"], default: "text") == "json"
        if !json { print("FMA peak, fp32: processor \(HostProcessor.current.summary)") }
        var records: [String] = []
        for threads in threadCounts {
            let pool = ThreadPool(threads: threads)
            for width in FMAVectorWidth.available {
                let peak = FMAPeak.measure(width, pool: pool, seconds: seconds)
                if json {
                    records.append("{\"width\": \"\(width.rawValue)\", \"threads\": \(threads), \"gflops\": \(String(format: "%.2f", peak.gflops))}")
                } else {
                    print("\(width.rawValue)  threads=\(threads)  " + String(format: "%7.1f GFLOP/s", peak.gflops))
                }
            }
        }
        if json { print("[\n  " + records.joined(separator: ",\n  ") + "\n]") }
        return ExitCode.success
    }
}
