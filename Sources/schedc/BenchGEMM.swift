import Foundation
import Benchmarks
import JSONSupport
import TensorKernels

/// `schedc bench gemm`: GFLOP/s of the fp32 GEMM kernel, optionally beside numpy's (OpenBLAS)
/// measured in the same run with the same thread count.
enum BenchGEMM {
    static let usage = """
    schedc bench gemm [--threads LIST] [--sizes LIST] [--transpose LIST] [--kernel NAME]
                      [--blocking LIST] [--reference] [--mkl PYTHON] [--repeat N] [--format text|json]
        fp32 GEMM GFLOP/s, C = op(A)·op(B), timed like numpy_gemm.py: one warm-up call, then the
        best of three rounds of max(3, 2·10⁹/flops) calls. The kernels are always compiled
        optimised, so `swift run` measures the real thing.
        --threads LIST     thread counts, e.g. 1,2 (default: 1 and the number of cores)
        --sizes LIST       N for an N×N×N product, or MxNxK, e.g. 256,1024,32x512x784
                           (default: 256,512,1024,2048); or `models`: the \(ModelGEMMProduct.trainingProducts.count) products a
                           training step of the mlp and cnn multiplies, each with its own
                           transposes and named on its line (docs/performance.md)
        --transpose LIST   which operands are transposed: nn, tn (Aᵀ·B), nt (A·Bᵀ), tt
                           (default: nn; not with --sizes models)
        --kernel NAME      micro-kernel: auto, \(GEMMMicroKernel.allCases.map(\.rawValue).joined(separator: ", ")) (default: auto = \(GEMMMicroKernel.best.rawValue) here)
        --blocking LIST    cache blockings to time one after the other on each shape, as
                           KC:MC:NC or auto (the one derived from this processor's caches),
                           e.g. auto,256:252:4096 (default: auto). kc changes the summation
                           order, so a kc other than auto's gives slightly different bits
        --reference        also time numpy's matmul (python3 + numpy, OPENBLAS_NUM_THREADS etc.
                           set to the same thread count) right after each of ours, and print
                           the ratio; if python3 or numpy is missing, say so and go on
        --mkl PYTHON       also time Intel MKL's cblas_sgemm, run by PYTHON: the interpreter of
                           an environment made with `python3 -m venv mklenv && mklenv/bin/pip
                           install mkl numpy` (or set SCHEDC_MKL_PYTHON); prints its ratio and
                           the ratio to the better of numpy and MKL. Implies --reference
        --repeat N         measure everything N times over, shape by shape, ours first and the
                           references after it, then on every second repeat the references
                           first; end with the median of each figure and of each ratio, its
                           lowest–highest in brackets: the way to read ratios on a shared or
                           noisy machine (default: 1)
        --format FORMAT    text (one line per measurement, as it is made) or json (an array of
                           records: threads, m, n, k, transpose_a, transpose_b, kernel, kc,
                           mc, nc, gflops, seconds_per_call, fma_peak_gflops; product with
                           --sizes models; reference_gflops, ratio, mkl_gflops, mkl_ratio
                           and best_ratio when measured; repeat with --repeat)
        The first lines name the micro-kernel, the processor (vendor, family, model, vector
        units, caches), the cache blocking derived from its caches, and the FMA peak on each
        thread count, measured first (`schedc bench peak`): the ceiling of every figure. It is
        measured again at the end; if the two differ by more than 15 %, the command says so
        on standard error.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: ["--reference"],
                                         options: ["--threads", "--sizes", "--transpose", "--kernel", "--blocking", "--mkl", "--repeat",
                                                   "--format"])
        if let extra = parsed.positionals.first { throw CLIError("unexpected argument '\(extra)'") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threadCounts = try integerList(parsed.value("--threads") ?? defaultThreadCounts, option: "--threads", range: 1...256)
        let products = try parseProducts(parsed.value("--sizes") ?? "256,512,1024,2048", transposes: parsed.value("--transpose"))
        let kernelName = try parsed.choice("--kernel", among: ["auto"] + GEMMMicroKernel.allCases.map(\.rawValue),
                                           default: "auto")
        let kernel = GEMMMicroKernel(rawValue: kernelName) ?? .best
        let blockingOption = parsed.value("--blocking")
        let blockings = try parseBlockings(blockingOption ?? "auto", kernel: kernel)
        let json = try parsed.choice("--format", among: ["text", "json"], default: "text") == "json"
        let mklPython = parsed.value("--mkl") ?? ProcessInfo.processInfo.environment["SCHEDC_MKL_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
        var reference = parsed.has("--reference") || mklPython != nil ? GEMMReference(.numpy) : nil
        var mkl = mklPython.map { GEMMReference(.mkl, python: $0) }

        if !json {
            print("gemm: fp32, micro-kernel \(kernel.rawValue) (\(kernel.instructionSet))\(kernel.isNative ? "" : ", not native to this processor"), \(cores) cores")
            print("processor: \(HostProcessor.current.summary)")
            print("blocking: \(kernel.cacheBlocking) (from the caches)")
        }
        let repeatCount = try parsed.integer("--repeat", default: 1, in: 1...1000)!
        let pools = Dictionary(threadCounts.map { ($0, ThreadPool(threads: $0)) }, uniquingKeysWith: { first, _ in first })
        // The ceiling every figure below is read against, measured on the same threads first.
        let peaks = Dictionary(pools.map { ($0.key, FMAPeak.best(pool: $0.value, seconds: 0.5).gflops) }, uniquingKeysWith: max)
        if !json {
            print("FMA peak, measured now: " + threadCounts.map { String(format: "%d thread%@ %.1f", $0, $0 == 1 ? "" : "s", peaks[$0]!) }
                .joined(separator: ", ") + " GFLOP/s")
        }
        var records: [String] = []
        var measurements: [[Measurement]] = []  // one array per repeat, in the same order each time
        for repeatIndex in 1...repeatCount {
            var thisRepeat: [Measurement] = []
            for threads in threadCounts {
                for (shape, product) in products {
                    // Every blocking on a shape and the references once: what is compared runs in the same minute.
                    // Every second repeat times the references first: back to back, the second process
                    // measured up to 5 % slower (docs/performance.md), so neither side is always second.
                    let oursFirst = repeatIndex % 2 == 1
                    let timeOurs = { blockings.map { timeGEMM(shape, pool: pools[threads]!, microKernel: kernel, blocking: $0) } }
                    var timings = oursFirst ? timeOurs() : []
                    var referenceGFLOPS: Double?, mklGFLOPS: Double?
                    do {
                        referenceGFLOPS = try reference?.gflops(shape, threads: threads)
                    } catch {
                        printError("schedc bench gemm: no numpy reference: \(error)")
                        reference = nil  // said once; the rest is without it
                    }
                    do {
                        mklGFLOPS = try mkl?.gflops(shape, threads: threads)
                    } catch {
                        printError("schedc bench gemm: no MKL reference: \(error)")
                        mkl = nil
                    }
                    if !oursFirst { timings = timeOurs() }
                    for timing in timings {
                        let measurement = Measurement(timing: timing, reference: referenceGFLOPS, mkl: mklGFLOPS, product: product)
                        thisRepeat.append(measurement)
                        if json {
                            records.append(jsonRecord(measurement, repeatIndex: repeatCount > 1 ? repeatIndex : nil,
                                                      fmaPeak: peaks[threads]!))
                        } else {
                            let prefix = repeatCount > 1 ? "repeat \(repeatIndex)/\(repeatCount)  " : ""
                            print(prefix + textLine(measurement, showBlocking: blockingOption != nil))
                        }
                    }
                }
            }
            measurements.append(thisRepeat)
        }
        // Measured again at the end: far from the first, the machine's speed changed during the run.
        for threads in threadCounts {
            let first = peaks[threads]!, last = FMAPeak.best(pool: pools[threads]!, seconds: 0.5).gflops
            if FMAPeak.differ([first, last]) {
                printError(String(format: "schedc bench gemm: the FMA peak on %d thread%@ was %.0f GFLOP/s before the "
                                  + "measurements and %.0f after: the machine's speed changed during the run (another "
                                  + "process, or threads sharing a core); repeat it", threads, threads == 1 ? "" : "s", first, last))
            }
        }
        if json {
            print("[\n  " + records.joined(separator: ",\n  ") + "\n]")
        } else if repeatCount > 1 {
            print("medians of \(repeatCount) repeats (each ratio taken within its repeat; lowest–highest in brackets):")
            for position in measurements[0].indices {
                print(medianLine(measurements.map { $0[position] }, showBlocking: blockingOption != nil))
            }
        }
        return ExitCode.success
    }

    /// One timing of ours and the references measured right after it.
    struct Measurement {
        var timing: GEMMTiming
        var reference: Double?
        var mkl: Double?
        var product: String?

        var ratio: Double? { reference.map { timing.gflops / $0 } }
        var mklRatio: Double? { mkl.map { timing.gflops / $0 } }
        /// Ours over the better of numpy and MKL, when MKL was measured.
        var bestRatio: Double? { mkl.map { timing.gflops / max($0, reference ?? 0) } }
    }

    static func label(_ timing: GEMMTiming, showBlocking: Bool) -> String {
        var label = sizeLabel(timing.shape)
        if showBlocking { label += " [\(timing.blocking.kc):\(timing.blocking.mc):\(timing.blocking.nc)]" }
        return "threads=\(timing.threads)  " + label + String(repeating: " ", count: max(1, 24 - label.count))
    }

    /// The same shape's measurements over every repeat: medians, and the ratios' ranges.
    static func medianLine(_ repeats: [Measurement], showBlocking: Bool) -> String {
        func statistics(_ values: [Double?]) -> RepeatedMeasurement? { RepeatedMeasurement(values.compactMap { $0 }) }
        func ratio(_ values: [Double?]) -> String {
            guard let r = statistics(values) else { return "" }
            return String(format: "ratio %.2f (%.2f–%.2f)", r.median, r.lowest, r.highest)
        }
        var line = label(repeats[0].timing, showBlocking: showBlocking)
        line += String(format: "%7.1f GFLOP/s", statistics(repeats.map(\.timing.gflops))!.median)
        if let reference = statistics(repeats.map(\.reference)) {
            line += String(format: "   numpy %7.1f GFLOP/s   ", reference.median) + ratio(repeats.map(\.ratio))
        }
        if let mkl = statistics(repeats.map(\.mkl)) {
            line += String(format: "   mkl %7.1f GFLOP/s   ", mkl.median) + ratio(repeats.map(\.mklRatio))
            line += "   to the better " + ratio(repeats.map(\.bestRatio)).dropFirst("ratio ".count)
        }
        if let product = repeats[0].product { line += "   " + product }
        return line
    }

    static func textLine(_ measurement: Measurement, showBlocking: Bool = false) -> String {
        var line = label(measurement.timing, showBlocking: showBlocking)
        line += String(format: "%7.1f GFLOP/s", measurement.timing.gflops)
        if let reference = measurement.reference, let ratio = measurement.ratio {
            line += String(format: "   numpy %7.1f GFLOP/s   ratio %.2f", reference, ratio)
        }
        if let mkl = measurement.mkl, let mklRatio = measurement.mklRatio, let bestRatio = measurement.bestRatio {
            line += String(format: "   mkl %7.1f GFLOP/s   ratio %.2f", mkl, mklRatio)
            line += String(format: "   to the better %.2f", bestRatio)
        }
        if let product = measurement.product { line += "   " + product }
        return line
    }

    static func sizeLabel(_ shape: GEMMShape) -> String {
        shape.isSquare ? "n=\(shape.n)" : "m×n×k=\(shape.m)x\(shape.n)x\(shape.k)"
            + (shape.transposeA || shape.transposeB ? " \(shape.transposeA ? "t" : "n")\(shape.transposeB ? "t" : "n")" : "")
    }

    static func jsonRecord(_ measurement: Measurement, repeatIndex: Int?, fmaPeak: Double) -> String {
        let timing = measurement.timing, shape = timing.shape
        var fields = [
            "\"threads\": \(timing.threads)", "\"m\": \(shape.m)", "\"n\": \(shape.n)", "\"k\": \(shape.k)",
            "\"transpose_a\": \(shape.transposeA)", "\"transpose_b\": \(shape.transposeB)",
            "\"kernel\": \"\(timing.microKernel.rawValue)\"",
            "\"kc\": \(timing.blocking.kc)", "\"mc\": \(timing.blocking.mc)", "\"nc\": \(timing.blocking.nc)",
            "\"gflops\": \(String(format: "%.2f", timing.gflops))",
            "\"seconds_per_call\": \(String(format: "%.6g", timing.seconds))",
            "\"fma_peak_gflops\": \(String(format: "%.2f", fmaPeak))",
        ]
        if let repeatIndex { fields.append("\"repeat\": \(repeatIndex)") }
        if let product = measurement.product { fields.append("\"product\": \(JSONScalar.quote(product))") }
        if let reference = measurement.reference, let ratio = measurement.ratio {
            fields.append("\"reference_gflops\": \(String(format: "%.2f", reference))")
            fields.append("\"ratio\": \(String(format: "%.3f", ratio))")
        }
        if let mkl = measurement.mkl, let mklRatio = measurement.mklRatio, let bestRatio = measurement.bestRatio {
            fields.append("\"mkl_gflops\": \(String(format: "%.2f", mkl))")
            fields.append("\"mkl_ratio\": \(String(format: "%.3f", mklRatio))")
            fields.append("\"best_ratio\": \(String(format: "%.3f", bestRatio))")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// `--threads` when not given: 1 and the number of cores.
    static var defaultThreadCounts: String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return cores > 1 ? "1,\(cores)" : "1"
    }

    /// "1,2" → [1, 2], each in `range`.
    static func integerList(_ text: String, option: String, range: ClosedRange<Int>) throws -> [Int] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            guard let value = Int(item.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw CLIError("option '\(option)' needs integers in \(range.lowerBound)...\(range.upperBound) separated by commas, not '\(text)'")
            }
            return value
        }
    }

    /// "auto,256:252:4096" → blockings, auto being the kernel's own on this machine.
    static func parseBlockings(_ text: String, kernel: GEMMMicroKernel) throws -> [GEMMBlocking] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let item = item.trimmingCharacters(in: .whitespaces)
            if item == "auto" { return kernel.cacheBlocking }
            guard let blocking = GEMMBlocking(parsing: item) else {
                throw CLIError("option '--blocking' takes auto or KC:MC:NC (positive integers), separated by commas, not '\(item)'")
            }
            return blocking
        }
    }

    /// `--sizes models` → the models' training products (named), else `parseShapes` (unnamed).
    static func parseProducts(_ sizes: String, transposes: String?) throws -> [(shape: GEMMShape, product: String?)] {
        guard sizes.trimmingCharacters(in: .whitespaces) == "models" else {
            return try parseShapes(sizes, transposes: transposes ?? "nn").map { ($0, nil) }
        }
        if transposes != nil {
            throw CLIError("option '--transpose' does not go with '--sizes models': each product has its own transposes")
        }
        return ModelGEMMProduct.trainingProducts.map { ($0.shape, $0.name) }
    }

    /// Sizes ("1024" or "32x512x784") × transposes ("nn,tn") → shapes, sizes outermost.
    static func parseShapes(_ sizes: String, transposes: String) throws -> [GEMMShape] {
        let transposeFlags: [(Bool, Bool)] = try transposes.split(separator: ",", omittingEmptySubsequences: false).map {
            switch $0.trimmingCharacters(in: .whitespaces) {
            case "nn": (false, false)
            case "tn": (true, false)
            case "nt": (false, true)
            case "tt": (true, true)
            default: throw CLIError("option '--transpose' takes nn, tn, nt or tt (separated by commas), not '\($0)'")
            }
        }
        var shapes: [GEMMShape] = []
        for item in sizes.split(separator: ",", omittingEmptySubsequences: false) {
            let dimensions = item.trimmingCharacters(in: .whitespaces).split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard dimensions.count == 1 || dimensions.count == 3, dimensions.allSatisfy({ $0 != nil && $0! >= 1 }) else {
                throw CLIError("option '--sizes' takes N or MxNxK (positive integers, separated by commas), not '\(item)'")
            }
            let (m, n, k) = dimensions.count == 1 ? (dimensions[0]!, dimensions[0]!, dimensions[0]!)
                                                  : (dimensions[0]!, dimensions[1]!, dimensions[2]!)
            // Three operands in memory at once, plus the reference's copies.
            let bytes = 4 * (m * k + k * n + m * n)
            guard m <= 1 << 20, n <= 1 << 20, k <= 1 << 20, bytes <= 1 << 31 else {
                throw CLIError("size '\(item)' needs more than 2 GiB for its matrices")
            }
            for (transposeA, transposeB) in transposeFlags {
                shapes.append(GEMMShape(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB))
            }
        }
        return shapes
    }
}

