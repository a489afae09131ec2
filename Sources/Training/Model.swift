import TensorKernels

/// A network with a softmax cross-entropy head, built from a `ModelArchitecture` for a data set's
/// image shape, plus the buffers a training pass needs.
///
/// Images come in as the data sets store them (NCHW, see `Dataset`) and are laid out NHWC for
/// the layers. A pass over many examples runs in *chunks* of at most `chunkExamples` examples,
/// on one or two lanes, by the one cutting rule (`PassCut`): memory stays bounded for any
/// batch, and the results are those of one big pass because chunks are cut at multiples of the
/// ghost batch (batch-norm statistics never cross a ghost batch). Within a chunk, the convolutional layers up to the
/// last batch norm (the `stem`) run in *pieces* of `pieceExamples` examples that stay in the
/// caches, with the statistics still over whole ghost batches (see `PiecewiseStem`).
public final class Model {
    public let architecture: ModelArchitecture
    public let network: Sequential
    public let channels: Int
    public let height: Int
    public let width: Int
    public let classes: Int
    public let ghostBatch: Int?
    public let pool: ThreadPool
    /// Every learnable tensor, in a fixed order (the order of the layers).
    public let parameters: [Parameter]
    /// Non-learned state (batch-norm running statistics).
    public let buffers: [Buffer]
    /// Largest number of examples one chunk of a training pass holds.
    public var chunkExamples: Int
    /// Largest number of examples one evaluation chunk holds (no ghost-batch constraint there:
    /// evaluation uses the running statistics).
    public var evaluationChunkExamples: Int

    /// Examples per piece of a training pass through the convolutional stem (see
    /// `PiecewiseStem`): small enough that a piece's activations stay in the caches, whatever
    /// the ghost batch. Any positive value gives the same statistics.
    public var pieceExamples: Int = Model.preferredPieceExamples {
        didSet { apiPrecondition(pieceExamples > 0, "a piece needs at least one example") }
    }
    /// How many lanes the chunks of a pass with ghost batches take turns on (see
    /// ChunkLanes.swift): 2, or 1 to run every chunk on this model (one gradient sum).
    public var chunkLanes: Int = 2 {
        didSet { apiPrecondition((1...2).contains(chunkLanes), "chunk lanes must be 1 or 2") }
    }
    /// The model the odd chunks of a pass run on when `chunkLanes` is 2, built on first use.
    var secondLane: Model?
    /// The leading layers up to the last batch norm, run in pieces; nil without batch norm.
    let stem: PiecewiseStem?
    /// Whether training passes run the convolutional layers in pieces (`pieceExamples`): models
    /// with batch norm at the top level (cnn); not mlp (no batch norm) nor wrn (batch norm
    /// inside residual blocks, which run whole chunks).
    public var runsInPieces: Bool { stem != nil }
    /// The layers after the stem (the whole network when there is no stem).
    let head: Sequential

    private let input = Tensor(shape: [0])
    private let logitsGradient = Tensor(shape: [0])
    private var labels: [Int32] = []
    private var passIndices: [Int] = []

    /// Activation and gradient memory a chunk may use: 32 Mi Floats (128 MiB).
    public static let chunkBudgetFloats = 1 << 25
    /// Examples a chunk of a batch-norm model aims for (rounded up to the ghost batch).
    public static let preferredChunkExamples = 32
    /// Examples per piece of the convolutional stem (see `pieceExamples`). Measured on the CNN
    /// (batch 512, ghost batch 128): pieces of 16 ran best on 2 threads, 8 on 1 thread (3 %
    /// ahead of 16), 32 and 64 slower. It must not depend on the thread count: the parameter
    /// gradients add up piece by piece, and 1 and 2 threads must give the same bits.
    public static let preferredPieceExamples = 16
    /// Largest chunk of a model without batch norm (the MLP): its GEMMs are as efficient at 512
    /// rows as at 2048, and 512 rows of activations stay in the caches (measured: at batch 2048,
    /// chunks of 512 are faster than one pass).
    public static let preferredDenseChunkExamples = 512

    /// Builds `architecture` for images of channels × height × width and `classes` labels; parameters
    /// initialised from DeterministicRandom(seed: seed, stream: 1 + layer stream), biases zero.
    public init(architecture: ModelArchitecture, channels: Int, height: Int, width: Int, classes: Int, ghostBatch: Int? = nil,
                seed: UInt64, pool: ThreadPool = .shared) {
        apiPrecondition(channels > 0 && height > 0 && width > 0 && classes > 1, "a model needs an image shape and ≥ 2 classes")
        self.architecture = architecture
        self.channels = channels
        self.height = height
        self.width = width
        self.classes = classes
        self.ghostBatch = architecture.usesBatchNorm ? ghostBatch : nil
        self.pool = pool
        var builder = ModelBuilder(channels: channels, height: height, width: width, classes: classes,
                                   ghostBatch: self.ghostBatch, seed: seed, pool: pool)
        network = builder.build(architecture)
        stem = PiecewiseStem(network)
        head = Sequential(Array(network.layers.dropFirst(stem?.count ?? 0)))
        parameters = network.parameters
        buffers = network.buffers
        let perExample = max(1, network.floatsPerExample(inputShape: [height, width, channels]))
        let fitting = max(1, Model.chunkBudgetFloats / perExample)
        // Convolutional models evaluate in small chunks too (cache); the MLP's GEMMs want rows.
        evaluationChunkExamples = architecture.usesBatchNorm ? min(fitting, Model.preferredChunkExamples) : fitting
        // Chunks of 32 to 512 examples ran within 2 % of each other on the CNN (the stem's pieces
        // keep the activations in the caches), so batch-norm models take the smallest.
        chunkExamples = PassCut.chunkExamples(usesBatchNorm: architecture.usesBatchNorm, ghostBatch: self.ghostBatch,
                                              fitting: fitting, preferred: Model.preferredChunkExamples,
                                              dense: Model.preferredDenseChunkExamples)
        apiPrecondition(Set(parameters.map(\.name)).count == parameters.count, "parameter names must be unique")
    }

    public var featuresPerExample: Int { channels * height * width }

    /// Number of learnable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Sets every parameter gradient to zero (before the passes of an update).
    public func zeroGradients() {
        for parameter in parameters {
            let gradient = parameter.gradient.data
            parallelElements(parameter.gradient.count, pool: pool) { range in
                (gradient + range.lowerBound).update(repeating: 0, count: range.count)
            }
        }
    }

    /// Forward and backward over `count` examples that belong to a batch of `batchSize`:
    /// adds to every parameter gradient this pass's share of the gradient of the batch's mean
    /// loss (each example weighs 1/batchSize), so the passes of one batch sum to its full-batch
    /// gradient. `example(i)` gives the dataset index of the pass's i-th example.
    /// Returns the pass's summed (unweighted) loss and correct predictions.
    public func accumulateGradients(from dataset: Dataset, count: Int, batchSize: Int, example: (Int) -> Int) -> CrossEntropyResult {
        apiPrecondition(count > 0 && batchSize >= count, "a pass needs 1...batchSize examples")
        checkShape(of: dataset)
        let cut = PassCut.cut(passSize: count, chunkExamples: chunkExamples, ghostBatch: ghostBatch, lanes: chunkLanes,
                              threads: pool.threadCount)
        if cut.usesTwoLanes {
            return accumulateGradientsOnTwoLanes(cut, from: dataset, batchSize: batchSize, example: example)
        }
        var total = CrossEntropyResult(lossSum: 0, correct: 0)
        for chunk in cut.chunks {
            let result = trainChunk(chunk, from: dataset, batchSize: batchSize, example: example)
            total.lossSum += result.lossSum
            total.correct += result.correct
        }
        return total
    }

    /// Forward, loss and backward of the pass's examples `chunk` (positions in the pass, whose
    /// dataset indices `example` gives): adds their share of the batch's gradient to the
    /// parameter gradients; returns their summed loss and correct predictions.
    func trainChunk(_ chunk: Range<Int>, from dataset: Dataset, batchSize: Int, example: (Int) -> Int) -> CrossEntropyResult {
        let size = chunk.count
        gather(from: dataset, count: size) { example(chunk.lowerBound + $0) }
        let features = stem?.forward(input, pieceExamples: pieceExamples) ?? input
        let logits = head.forward(features, mode: .training)
        logitsGradient.resize(logits.shape)
        let result = labels.withUnsafeBufferPointer {
            softmaxCrossEntropy(logits: logits.data, labels: $0.baseAddress!, rows: size, classes: classes,
                                gradient: logitsGradient.data, gradientScale: 1 / Float(batchSize), pool: pool)
        }
        if let stem {
            stem.backward(head.backward(logitsGradient, needsInputGradient: true)!, pieceExamples: pieceExamples)
        } else {
            _ = head.backward(logitsGradient, needsInputGradient: false)
        }
        return result
    }

    /// Convenience: the pass is `indices` (dataset positions), in order.
    public func accumulateGradients(from dataset: Dataset, indices: some Collection<Int>, batchSize: Int) -> CrossEntropyResult {
        // Copied once into a concrete buffer: the per-example lookups then run specialised code
        // (a generic collection from another module costs a witness call and metadata per example).
        passIndices.removeAll(keepingCapacity: true)
        passIndices.append(contentsOf: indices)
        return passIndices.withUnsafeBufferPointer { buffer in
            accumulateGradients(from: dataset, count: buffer.count, batchSize: batchSize) { buffer[$0] }
        }
    }

    /// Evaluation-mode loss and accuracy over examples `range` of `dataset` (running batch-norm
    /// statistics; parameters and buffers untouched), `batchSize` examples at a time.
    public func evaluate(_ dataset: Dataset, range: Range<Int>? = nil, batchSize: Int = 500) -> CrossEntropyResult {
        checkShape(of: dataset)
        let range = range ?? 0..<dataset.count
        var total = CrossEntropyResult(lossSum: 0, correct: 0)
        var first = range.lowerBound
        while first < range.upperBound {
            let size = min(batchSize, evaluationChunkExamples, range.upperBound - first)
            let start = first
            gather(from: dataset, count: size) { start + $0 }
            let logits = network.forward(input, mode: .evaluation)
            let result = labels.withUnsafeBufferPointer {
                softmaxCrossEntropy(logits: logits.data, labels: $0.baseAddress!, rows: size, classes: classes,
                                    gradient: nil, gradientScale: 0, pool: pool)
            }
            total.lossSum += result.lossSum
            total.correct += result.correct
            first += size
        }
        return total
    }

    private func checkShape(of dataset: Dataset) {
        apiPrecondition(dataset.channels == channels && dataset.height == height && dataset.width == width,
                     "data set images are \(dataset.channels)×\(dataset.height)×\(dataset.width), the model takes \(channels)×\(height)×\(width)")
        apiPrecondition(dataset.classes <= classes, "data set has \(dataset.classes) classes, the model \(classes)")
    }

    /// input [count, H, W, C] ← the examples `example(0..<count)`, transposed from NCHW; labels likewise.
    private func gather(from dataset: Dataset, count: Int, example: (Int) -> Int) {
        input.resize([count, height, width, channels])
        if labels.count != count { labels = [Int32](repeating: 0, count: count) }
        let features = featuresPerExample, positions = height * width, C = channels
        let destination = input.data
        dataset.images.withUnsafeBufferPointer { images in
            for i in 0..<count {
                let index = example(i)
                apiPrecondition(index >= 0 && index < dataset.count, "example \(index) outside the data set of \(dataset.count)")
                let source = images.baseAddress! + index * features
                let target = destination + i * features
                if C == 1 {
                    target.update(from: source, count: features)
                } else {
                    for c in 0..<C { for p in 0..<positions { target[p * C + c] = source[c * positions + p] } }
                }
                labels[i] = dataset.labels[index]
            }
        }
    }
}
