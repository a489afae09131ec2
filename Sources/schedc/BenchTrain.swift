import Foundation
import Benchmarks
import TensorKernels
import Training

/// `schedc bench train`: training and evaluation throughput of the runtime's models on
/// synthetic data (no data files needed). `BenchCommand` dispatches `bench train` here.
enum BenchTrain {
    static let usage = """
    schedc bench train [--model mlp|cnn|wrn|all] [--batches LIST] [--threads LIST] [--ghost-batch N]
                       [--piece N] [--lanes N] [--seconds S] [--repeat N] [--torch PYTHON]
                       [--format text|json]
        training samples/s: one step = forward, backward and optimiser step (SGD, momentum 0.9,
        weight decay 5e-4) on consecutive batches of 10 000 synthetic 28×28×1 images with 10
        classes (no data files); then
        evaluation samples/s (forward only, running batch-norm statistics). Each figure is the
        best of --repeat rounds, a round being as many steps as fill --seconds after one warm-up
        step; the rounds go round-robin over the batch sizes of a model and thread count, so a
        change in the machine's load falls on all of them alike. The text table shows the
        spread of the training rounds ((best − slowest) / best).
        --model NAME       mlp (784-512-512-10), cnn (two conv layers), wrn (WRN-16-4), or all
                           (mlp and cnn; default)
        --batches LIST     batch sizes, e.g. 32,128 (default: 32,128,512,2048)
        --threads LIST     thread counts, e.g. 1,2 (default: 2)
        --ghost-batch N    ghost batch-norm size (default: 128; a smaller batch uses the whole
                           batch as one ghost batch)
        --piece N          examples per piece in which a training pass runs the cnn's
                           convolution and batch-norm layers (default: \(Model.preferredPieceExamples);
                           any size gives the same batch-norm statistics)
        --lanes N          2 (default): a pass of several ghost batches runs them on two lanes,
                           one core each; 1: one after the other, each on every core (a
                           different rounding of the gradient sum; docs/runtime.md)
        --seconds S        timed seconds per round (default: 1)
        --repeat N         rounds per figure, the best kept (default: 3)
        --torch PYTHON     also train the mlp and cnn with PyTorch on the CPU, run by PYTHON (an
                           interpreter with torch: a venv with `pip install torch`, or Debian's
                           python3 with python3-torch), right after ours with the same batches,
                           threads, seconds and rounds, and print its samples/s and our ratio
                           to it; if it cannot run, say why and go on without it
        --format FORMAT    text (one line per configuration, once a model and thread count has
                           been measured at every batch size) or json (an array of records:
                           model, batch, threads, samples_per_second, train_rounds (every round's
                           samples/s, in order), eval_samples_per_second, peak_rss_mb,
                           ghost_batch, piece_examples, lanes, gflops, fma_peak_gflops,
                           fma_peak_measurements, and with --torch pytorch_samples_per_second)
        GFLOP/s is the training rate of the convolutions' and linear layers' multiply-adds
        (forward, weight gradient, input gradient but the first layer's; mlp and cnn). "of FMA
        peak" is it as a share of this machine's FMA peak on the same threads (`schedc bench
        peak`; "63 % of 99": 99 GFLOP/s peak), the higher of two measurements, right before
        the model's training rounds and right after them; when they differ by more than 15 %
        the command says so on standard error.
        peak_rss_mb is the process's resident-memory high-water mark while that configuration
        alone ran its first step and an evaluation (reset before each through
        /proc/self/clear_refs).
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, flags: [],
                                         options: ["--model", "--batches", "--threads", "--ghost-batch", "--piece", "--lanes", "--seconds", "--repeat",
                                                   "--torch", "--format"])
        if let extra = parsed.positionals.first { throw CLIError("unexpected argument '\(extra)'") }
        let modelChoice = try parsed.choice("--model", among: ["mlp", "cnn", "wrn", "all"], default: "all")
        let models: [(String, ModelArchitecture)] = switch modelChoice {
        case "mlp": [("mlp", .mlp(hidden: [512, 512]))]
        case "cnn": [("cnn", .cnn)]
        case "wrn": [("wrn", .wrn(depth: 16, width: 4))]
        default: [("mlp", .mlp(hidden: [512, 512])), ("cnn", .cnn)]
        }
        let batches = try integerList(parsed.value("--batches") ?? "32,128,512,2048", option: "--batches", range: 1...65_536)
        let threadCounts = try integerList(parsed.value("--threads") ?? "2", option: "--threads", range: 1...256)
        let ghostBatch = try parsed.integer("--ghost-batch", default: 128, in: 1...65_536)!
        let pieceExamples = try parsed.integer("--piece", default: Model.preferredPieceExamples, in: 1...65_536)!
        let lanes = try parsed.integer("--lanes", default: 2, in: 1...2)!
        let seconds: Double
        if let text = parsed.value("--seconds") {
            guard let value = Double(text), value > 0, value <= 3600 else {
                throw CLIError("option '--seconds' needs a number of seconds in (0, 3600], not '\(text)'")
            }
            seconds = value
        } else {
            seconds = 1
        }
        let rounds = try parsed.integer("--repeat", default: 3, in: 1...100)!
        let format = try parsed.choice("--format", among: ["text", "json"], default: "text")
        var torch = parsed.value("--torch").map { PyTorchTrainingReference(python: $0) }

        // As in training, batches walk through a data set larger than the caches (10 000 images,
        // 31 MB, like the shipped subset), so no batch size finds its data already cached.
        let data = TrainingBenchmark.syntheticData(count: max(TrainingBenchmark.syntheticCount, batches.max()!), seed: 1)
        var records: [TrainingBenchmark.Record] = []
        if format == "text" {
            print("schedc bench train: synthetic 28×28×1 images, 10 classes, SGD momentum 0.9, ghost batch \(ghostBatch)")
            print("model  batch  threads  train samples/s  spread  GFLOP/s  of FMA peak  eval samples/s  peak RSS MiB"
                  + (torch == nil ? "" : "  PyTorch samples/s  ratio"))
        }
        if torch != nil, let other = models.first(where: { PyTorchTrainingReference.scriptModel(for: $0.1) == nil }) {
            printError("schedc bench train: no PyTorch reference for \(other.0) (only mlp and cnn)")
        }
        for (name, architecture) in models {
            for threads in threadCounts {
                let setup = TrainingBenchmark.Setup(name: name, architecture: architecture, data: data, threads: threads,
                                                    ghostBatch: ghostBatch, pieceExamples: pieceExamples, lanes: lanes)
                var group = TrainingBenchmark.measure(setup, batches: batches, seconds: seconds, rounds: rounds)
                if let reference = torch, PyTorchTrainingReference.scriptModel(for: architecture) != nil {
                    do {
                        // Right after ours, same batches, threads, seconds and rounds: compared within the minute.
                        let figures = try reference.samplesPerSecond(architecture, threads: threads, batches: batches,
                                                                     seconds: seconds, rounds: rounds)
                        for index in group.indices { group[index].pytorch_samples_per_second = figures[group[index].batch] }
                    } catch {
                        printError("schedc bench train: no PyTorch reference: \(error)")
                        torch = nil  // said once; the rest is without it
                    }
                }
                if let peaks = group.first?.fma_peak_measurements, FMAPeak.differ(peaks) {
                    printError(String(format: "schedc bench train: the FMA peak on %d thread%@ was %.0f GFLOP/s before the %@'s rounds "
                                      + "and %.0f after: the machine's speed changed under them (another process, or threads "
                                      + "sharing a core); its figures are suspect", threads, threads == 1 ? "" : "s",
                                      peaks[0], name, peaks[peaks.count - 1]))
                }
                for record in group {
                    records.append(record)
                    if format == "text" { print(textLine(record)) }
                }
            }
        }
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(records), as: UTF8.self))
        }
        return ExitCode.success
    }

    private static func integerList(_ text: String, option: String, range: ClosedRange<Int>) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map(range.contains) ?? false }) else {
            throw CLIError("option '\(option)' needs comma-separated integers in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return values.map { $0! }
    }

    private static func textLine(_ r: TrainingBenchmark.Record) -> String {
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var line = r.model.padding(toLength: 5, withPad: " ", startingAt: 0)
        line += pad(String(r.batch), 7) + pad(String(r.threads), 9)
        line += pad(String(format: "%.0f", r.samples_per_second), 17)
        let slowest = r.train_rounds.min() ?? r.samples_per_second
        line += pad(String(format: "%.1f %%", 100 * (r.samples_per_second - slowest) / max(r.samples_per_second, 1)), 8)
        line += pad(r.gflops.map { String(format: "%.1f", $0) } ?? "-", 9)
        var share = "-"
        if let gflops = r.gflops, let peak = r.fma_peak_gflops {
            share = String(format: "%.0f %% of %.0f", 100 * gflops / peak, peak)
        }
        line += pad(share, 13)
        line += pad(String(format: "%.0f", r.eval_samples_per_second), 16)
        line += pad(String(format: "%.0f", r.peak_rss_mb), 14)
        if let reference = r.pytorch_samples_per_second {
            line += pad(String(format: "%.0f", reference), 19) + pad(String(format: "%.2f×", r.samples_per_second / reference), 7)
        }
        return line
    }
}
