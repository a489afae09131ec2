import Foundation
import TensorKernels
import Training

/// Training and evaluation throughput of the runtime's models on synthetic data: what
/// `schedc bench train` measures (the command parses its options and prints the records).
public enum TrainingBenchmark {
    public struct Record: Encodable, Sendable {
        public let model: String
        public let batch: Int
        public let threads: Int
        public let samples_per_second: Double
        public let eval_samples_per_second: Double
        public let peak_rss_mb: Double
        public let ghost_batch: Int?
        public let piece_examples: Int?
        /// Chunk lanes (models with ghost batch norm), nil for the others.
        public let lanes: Int?
        /// samples_per_second of every round, in the order they ran (the best is samples_per_second).
        public let train_rounds: [Double]
        /// samples_per_second × `trainingFlopsPerExample` / 10⁹: the rate of the convolutions'
        /// and linear layers' arithmetic (nil for a model it is not counted for).
        public let gflops: Double?
        /// This machine's FMA peak on the same threads (`FMAPeak.best`): the higher of
        /// `fma_peak_measurements`; nil where gflops is.
        public let fma_peak_gflops: Double?
        /// The FMA peak measured right before the model's training rounds and right after them,
        /// each for as long as one round (at most half a second). Far apart, the machine's speed
        /// changed under the measurement (another process, or two threads sharing one core).
        public let fma_peak_measurements: [Double]?
        /// PyTorch's samples/s for the same model, batch and threads, measured in the same run
        /// (`PyTorchTrainingReference`); nil when not asked for or not available.
        public var pytorch_samples_per_second: Double? = nil
    }

    /// Floating-point operations of one training example in the convolutions and linear
    /// layers (a multiply-add counts two): the forward product, the weight gradient, and the
    /// input gradient of every layer but the first (no one needs the image's gradient).
    /// Batch norm, activations, pooling, the loss and the optimiser are left out — a few per
    /// cent — so the figure compares with the FMA peak. Nil for WRN (not counted).
    public static func trainingFlopsPerExample(_ architecture: ModelArchitecture, inputs: Int = 784,
                                               classes: Int = 10) -> Double? {
        // Multiply-adds of each layer's forward pass for one example, input side first.
        var layers: [Int] = []
        switch architecture {
        case .mlp(let hidden):
            let widths = [inputs] + hidden + [classes]
            for index in 1..<widths.count { layers.append(widths[index - 1] * widths[index]) }
        case .cnn:
            // 28×28×1 → conv 3×3 32 (28×28) → pool → conv 3×3 64 (14×14) → pool → 7·7·64 → 128 → classes.
            layers = [28 * 28 * 32 * 9, 14 * 14 * 64 * 32 * 9, 7 * 7 * 64 * 128, 128 * classes]
        case .wrn:
            return nil
        }
        let forward = layers.reduce(0, +)
        return 2 * Double(3 * forward - layers[0])
    }

    public static let syntheticCount = 10_000

    /// Synthetic data: `count` uniform random images in [0, 1) and random labels.
    public static func syntheticData(count: Int, seed: UInt64) -> Dataset {
        var random = DeterministicRandom(seed: seed, stream: 7)
        let images = (0..<(count * 784)).map { _ in random.nextUniformFloat() }
        let labels = (0..<count).map { _ in Int32(random.next() % 10) }
        return Dataset(images: images, labels: labels, channels: 1, height: 28, width: 28, classes: 10)
    }

    /// What one group of measurements shares: a model, a thread count, the data.
    public struct Setup {
        public let name: String
        public let architecture: ModelArchitecture
        public let data: Dataset
        public let threads: Int
        public let ghostBatch: Int
        public let pieceExamples: Int
        public let lanes: Int

        public init(name: String, architecture: ModelArchitecture, data: Dataset, threads: Int, ghostBatch: Int,
                    pieceExamples: Int, lanes: Int) {
            self.name = name
            self.architecture = architecture
            self.data = data
            self.threads = threads
            self.ghostBatch = ghostBatch
            self.pieceExamples = pieceExamples
            self.lanes = lanes
        }
    }

    /// A model training on consecutive batches of the data set, from its first step on (the
    /// warm-up: buffers reach their size).
    private final class Trial {
        let model: Model
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
        let data: Dataset
        let batch: Int
        private var start = 0

        init(_ setup: Setup, batch: Int, pool: ThreadPool) {
            model = Model(architecture: setup.architecture, channels: 1, height: 28, width: 28, classes: 10,
                          ghostBatch: setup.ghostBatch, seed: 1, pool: pool)
            model.pieceExamples = setup.pieceExamples
            model.chunkLanes = setup.lanes
            data = setup.data
            self.batch = batch
            step()
        }

        private func nextBatch() -> Range<Int> {
            if start + batch > data.count { start = 0 }
            defer { start += batch }
            return start..<(start + batch)
        }

        func step() { model.trainStep(on: data, indices: nextBatch(), optimizer: optimizer) }
        func evaluate() { _ = model.evaluate(data, range: nextBatch(), batchSize: batch) }
    }

    /// One model and thread count at every batch size. Each batch size's peak memory is taken
    /// alone (a model, its warm-up step and an evaluation, then it is freed). The timed rounds
    /// then go round-robin over the batch sizes — round 1 of every batch size, then round 2, … —
    /// so a change in the machine's load during the run falls on all batch sizes alike instead
    /// of looking like a trend across them.
    public static func measure(_ setup: Setup, batches: [Int], seconds: Double, rounds: Int) -> [Record] {
        let pool = ThreadPool(threads: setup.threads)
        let peaks = batches.map { batch -> Double in
            resetPeakResidentMemory()
            Trial(setup, batch: batch, pool: pool).evaluate()
            return peakResidentMegabytes()
        }
        let trials = batches.map { Trial(setup, batch: $0, pool: pool) }
        let flopsPerExample = trainingFlopsPerExample(setup.architecture)
        func measurePeak() -> Double? { flopsPerExample == nil ? nil : FMAPeak.best(pool: pool, seconds: min(seconds, 0.5)).gflops }
        let peakBefore = measurePeak()
        var trainRates = [[Double]](repeating: [], count: trials.count)
        var evalRates = trainRates
        for _ in 0..<rounds {
            for (index, trial) in trials.enumerated() {
                trainRates[index].append(rate(seconds: seconds, batch: trial.batch) { trial.step() })
            }
        }
        let peaksMeasured = [peakBefore, measurePeak()].compactMap { $0 }
        let fmaPeak = peaksMeasured.max()
        for trial in trials { trial.evaluate() }  // warm-up
        for _ in 0..<rounds {
            for (index, trial) in trials.enumerated() {
                evalRates[index].append(rate(seconds: seconds / 2, batch: trial.batch) { trial.evaluate() })
            }
        }
        return trials.indices.map { index in
            let batch = trials[index].batch
            return Record(model: setup.name, batch: batch, threads: setup.threads, samples_per_second: trainRates[index].max()!,
                          eval_samples_per_second: evalRates[index].max()!, peak_rss_mb: peaks[index],
                          ghost_batch: setup.architecture.usesBatchNorm ? min(setup.ghostBatch, batch) : nil,
                          piece_examples: trials[index].model.runsInPieces ? min(setup.pieceExamples, batch) : nil,
                          lanes: trials[index].model.ghostBatch == nil ? nil : setup.lanes,
                          train_rounds: trainRates[index],
                          gflops: flopsPerExample.map { trainRates[index].max()! * $0 / 1e9 }, fma_peak_gflops: fmaPeak,
                          fma_peak_measurements: peaksMeasured.isEmpty ? nil : peaksMeasured)
        }
    }

    /// Examples per second of one round: `body` (one batch) at least 3 times and for at least `seconds`.
    private static func rate(seconds: Double, batch: Int, _ body: () -> Void) -> Double {
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds || calls < 3
        return Double(calls * batch) / elapsed
    }

    /// Resets the kernel's resident-set high-water mark (VmHWM) for this process.
    private static func resetPeakResidentMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// VmHWM from /proc/self/status in MiB (0 where there is no /proc).
    private static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }
}

