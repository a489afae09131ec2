import XCTest
import TensorKernels
@testable import Training

final class ModelTests: XCTestCase {
    private func maxRelativeDifference(_ a: [NamedTensor], _ b: [NamedTensor]) -> Float {
        var worst: Float = 0
        for (x, y) in zip(a, b) {
            let scale = max(1e-3, y.values.map(abs).max() ?? 0)
            for (u, v) in zip(x.values, y.values) { worst = max(worst, abs(u - v) / scale) }
        }
        return worst
    }

    // MARK: accumulation and chunking

    /// `batch` in passes of `micro` examples (the last one shorter); one pass for nil.
    private func passes(_ batch: Int, _ micro: Int?) -> [Int] {
        guard let micro, micro < batch else { return [batch] }
        return Array(repeating: micro, count: batch / micro) + (batch % micro > 0 ? [batch % micro] : [])
    }

    func testAccumulatingPassesEqualsOneFullBatchStep() {
        let data = prototypeDataset(count: 16, height: 8, width: 8, classes: 4, seed: 1)
        let batch = Array([3, 1, 4, 15, 9, 2, 6, 5, 13, 8, 7, 0])
        var results: [[NamedTensor]] = []
        for microBatch in [nil, 4, 2] as [Int?] {
            let model = Model(architecture: .cnn, channels: 1, height: 8, width: 8, classes: 4, ghostBatch: 2, seed: 3,
                              pool: ThreadPool(threads: 2))
            let optimizer = Optimizer(kind: .sgd, learningRate: 0.1, momentum: 0.9)
            for _ in 0..<2 { model.trainStep(on: data, indices: batch, passSizes: passes(batch.count, microBatch), optimizer: optimizer) }
            results.append(model.stateTensors)
        }
        XCTAssertLessThan(maxRelativeDifference(results[1], results[0]), 1e-5)
        XCTAssertLessThan(maxRelativeDifference(results[2], results[0]), 1e-5)
    }

    func testPassesOfAnySizeForAModelWithoutBatchNorm() {
        let data = prototypeDataset(count: 10, height: 5, width: 5, classes: 3, seed: 2)
        var results: [[NamedTensor]] = []
        for microBatch in [nil, 3] as [Int?] {
            let model = Model(architecture: .mlp(hidden: [12]), channels: 1, height: 5, width: 5, classes: 3, seed: 4,
                              pool: ThreadPool(threads: 1))
            let optimizer = Optimizer(kind: .adam, learningRate: 0.01)
            model.trainStep(on: data, indices: Array(0..<10), passSizes: passes(10, microBatch), optimizer: optimizer)
            results.append(model.stateTensors)
        }
        XCTAssertLessThan(maxRelativeDifference(results[1], results[0]), 1e-5)
    }

    func testChunkingInsideAPassChangesNothing() {
        let data = prototypeDataset(count: 12, height: 8, width: 8, classes: 3, seed: 5)
        var gradients: [[[Float]]] = []
        for chunk in [Int.max, 4, 2] {
            let model = Model(architecture: .cnn, channels: 1, height: 8, width: 8, classes: 3, ghostBatch: 2, seed: 6,
                              pool: ThreadPool(threads: 2))
            model.chunkExamples = chunk
            model.zeroGradients()
            _ = model.accumulateGradients(from: data, indices: Array(0..<12), batchSize: 12)
            gradients.append(model.parameters.map { $0.gradient.values } + model.buffers.map { $0.tensor.values })
        }
        for other in gradients.dropFirst() {
            for (a, b) in zip(other, gradients[0]) {
                let scale = max(1e-3, b.map(abs).max()!)
                XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()! / scale, 1e-5)
            }
        }
    }

    /// The stem runs its layers in pieces; pieces that do not divide the ghost batch (3 and 5
    /// against 4, a piece straddling two ghost batches) give the same statistics, bit for bit,
    /// and the same loss, as one piece holding the whole chunk. Parameter gradients add up piece
    /// by piece (float reassociation only).
    func testPiecesOfAnySizeGiveTheSameStatistics() {
        let data = prototypeDataset(count: 24, height: 8, width: 8, classes: 3, seed: 12)
        var runs: [(loss: Double, buffers: [[Float]], gradients: [[Float]])] = []
        for piece in [Int.max, 3, 5, 1] {
            let model = Model(architecture: .cnn, channels: 1, height: 8, width: 8, classes: 3, ghostBatch: 4, seed: 13,
                              pool: ThreadPool(threads: 2))
            model.chunkExamples = 12  // three ghost batches per chunk: pieces cross ghost batches
            model.pieceExamples = piece
            model.zeroGradients()
            let result = model.accumulateGradients(from: data, indices: Array(0..<24), batchSize: 24)
            runs.append((result.lossSum, model.buffers.map { $0.tensor.values }, model.parameters.map { $0.gradient.values }))
        }
        for (index, run) in runs.enumerated().dropFirst() {
            XCTAssertEqual(run.buffers, runs[0].buffers, "running statistics, run \(index)")
            XCTAssertEqual(run.loss, runs[0].loss, "loss, run \(index)")
            for (a, b) in zip(run.gradients, runs[0].gradients) {
                let scale = max(1e-3, b.map(abs).max()!)
                XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()! / scale, 1e-5, "run \(index)")
            }
        }
        // The batch-norm statistics did move away from their initial values (0 and 1).
        XCTAssertNotEqual(runs[0].buffers[0], [Float](repeating: 0, count: 32))
    }

    /// The piecewise pass (fused conv1 + bn1, the stem in pieces) against the plain layer path
    /// (`Sequential.forward` / `backward`, each layer over the whole pass, the unfused kernels):
    /// the same loss, running statistics and parameter gradients up to float reassociation, on
    /// 28×28 images with several ghost batches. A term missing from the pieces' gradients, or
    /// statistics gathered over the wrong examples, would show here far above rounding.
    func testPiecewisePassMatchesTheLayerPath() {
        let count = 24, classes = 10
        let data = prototypeDataset(count: count, height: 28, width: 28, classes: classes, seed: 21)
        func model() -> Model {
            Model(architecture: .cnn, channels: 1, height: 28, width: 28, classes: classes, ghostBatch: 8, seed: 22,
                  pool: ThreadPool(threads: 2))
        }
        let piecewise = model()
        XCTAssertTrue(piecewise.runsInPieces)
        piecewise.zeroGradients()
        let result = piecewise.accumulateGradients(from: data, indices: Array(0..<count), batchSize: count)

        let layered = model()
        layered.zeroGradients()
        let input = Tensor(shape: [count, 28, 28, 1], values: Array(data.images[0..<(count * 784)]))
        let logits = layered.network.forward(input, mode: .training)
        let logitsGradient = Tensor(shape: logits.shape)
        let labels = Array(data.labels[0..<count])
        let expected = labels.withUnsafeBufferPointer {
            softmaxCrossEntropy(logits: logits.data, labels: $0.baseAddress!, rows: count, classes: classes,
                                gradient: logitsGradient.data, gradientScale: 1 / Float(count), pool: layered.pool)
        }
        _ = layered.network.backward(logitsGradient, needsInputGradient: false)

        XCTAssertEqual(result.correct, expected.correct)
        XCTAssertEqual(result.lossSum, expected.lossSum, accuracy: 1e-5 * expected.lossSum)
        for (a, b) in zip(piecewise.buffers, layered.buffers) {
            let scale = max(1e-3, b.tensor.values.map(abs).max()!)
            XCTAssertLessThan(zip(a.tensor.values, b.tensor.values).map { abs($0 - $1) }.max()! / scale, 1e-5, a.name)
        }
        for (a, b) in zip(piecewise.parameters, layered.parameters) {
            let scale = max(1e-6, b.gradient.values.map(abs).max()!)
            XCTAssertGreaterThan(scale, 1e-6, "\(b.name) has a gradient")
            XCTAssertLessThan(zip(a.gradient.values, b.gradient.values).map { abs($0 - $1) }.max()! / scale, 1e-4, a.name)
        }
    }

    /// The pieces follow the layers up to the last batch norm; the layers after it, and models
    /// without batch norm (or with it inside residual blocks), run whole chunks.
    /// Records how `Sequential.backward` calls it; learns (has a parameter) or not.
    private final class BackwardSpy: Layer {
        let learns: Bool
        private(set) var calls: [Bool] = []
        init(learns: Bool) { self.learns = learns }
        func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
        func forward(_ input: Tensor, mode: Mode) -> Tensor { input }
        func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
            calls.append(needsInputGradient)
            return needsInputGradient ? outputGradient : nil
        }
        var parameters: [Parameter] { learns ? [Parameter(name: "spy.weight", shape: [1], decays: false)] : [] }
        func floatsPerExample(inputShape: [Int]) -> Int { 0 }
    }

    /// Layers in front of the first one with parameters learn nothing: unless the caller asks
    /// for the input gradient, the first learning layer is not asked for one (an MLP's first
    /// linear layer behind its Flatten), and nothing in front of it runs.
    func testBackwardStopsAtTheFirstLayerThatLearns() {
        for callerNeedsGradient in [false, true] {
            let front = BackwardSpy(learns: false), first = BackwardSpy(learns: true)
            let middle = BackwardSpy(learns: false), last = BackwardSpy(learns: true)
            let network = Sequential([front, first, middle, last])
            let gradient = network.backward(Tensor(shape: [2, 3]), needsInputGradient: callerNeedsGradient)
            XCTAssertEqual(last.calls, [true])
            XCTAssertEqual(middle.calls, [true])
            XCTAssertEqual(first.calls, [callerNeedsGradient])
            XCTAssertEqual(front.calls, callerNeedsGradient ? [true] : [])
            XCTAssertEqual(gradient != nil, callerNeedsGradient)
        }
    }

    func testStemCoversTheConvolutionalLayers() {
        // conv1 + bn1 fused (ConvBatchNormReLUPool), conv2, bn2.
        let cnn = Model(architecture: .cnn, channels: 1, height: 8, width: 8, classes: 3, ghostBatch: 4, seed: 1)
        XCTAssertEqual(cnn.stem?.count, 3)
        XCTAssertEqual(cnn.stem?.barriers, [0, 2])
        XCTAssertTrue(cnn.network.layers[0] is ConvBatchNormReLUPool)
        XCTAssertEqual(cnn.head.layers.count, cnn.network.layers.count - 3)
        XCTAssertTrue(cnn.head.layers.first is Flatten)
        let wholePass = Model(architecture: .cnn, channels: 3, height: 8, width: 8, classes: 3, ghostBatch: nil, seed: 1)
        XCTAssertEqual(wholePass.stem?.count, 3)
        // Four input channels make a patch of 36 Floats: too long for the fused first block.
        let wide = Model(architecture: .cnn, channels: 4, height: 8, width: 8, classes: 3, ghostBatch: 4, seed: 1)
        XCTAssertTrue(wide.network.layers[0] is Conv2d)
        XCTAssertEqual(wide.stem?.barriers, [1, 3])
        XCTAssertNil(Model(architecture: .mlp(hidden: [8]), channels: 1, height: 4, width: 4, classes: 2, seed: 1).stem)
        XCTAssertNil(Model(architecture: .wrn(depth: 10, width: 1), channels: 1, height: 8, width: 8, classes: 2, ghostBatch: 4,
                           seed: 1).stem)
    }

    func testChunkSizeIsAMultipleOfTheGhostBatch() {
        let model = Model(architecture: .cnn, channels: 1, height: 28, width: 28, classes: 10, ghostBatch: 48, seed: 1)
        XCTAssertEqual(model.chunkExamples % 48, 0)
        let wholePass = Model(architecture: .cnn, channels: 1, height: 28, width: 28, classes: 10, ghostBatch: nil, seed: 1)
        XCTAssertEqual(wholePass.chunkExamples, Int.max)
    }

    // MARK: determinism

    func testTwoRunsGiveBitIdenticalWeights() {
        // Large enough that GEMM, batch norm and the convolutions split work across threads.
        let data = prototypeDataset(count: 256, height: 16, width: 16, classes: 4, seed: 7)
        var byThreads: [[NamedTensor]] = []
        for threads in [1, 2] {
            func run() -> [NamedTensor] {
                let model = Model(architecture: .cnn, channels: 1, height: 16, width: 16, classes: 4, ghostBatch: 16, seed: 42,
                                  pool: ThreadPool(threads: threads))
                let optimizer = Optimizer(kind: .nesterov, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
                for step in 0..<4 {
                    model.trainStep(on: data, indices: Array((step * 64)..<(step * 64 + 64)), passSizes: [32, 32], optimizer: optimizer)
                }
                return model.stateTensors + optimizer.stateTensors
            }
            let first = run()
            XCTAssertEqual(first, run(), "threads \(threads)")
            byThreads.append(first)
        }
        // Every reduction has a fixed order independent of the thread count (GEMM's too), so
        // even 1 and 2 threads agree bit for bit.
        XCTAssertEqual(byThreads[0], byThreads[1], "1 thread against 2")
    }

    func testSeedsChangeTheInitialisation() {
        let a = Model(architecture: .mlp(hidden: [8]), channels: 1, height: 4, width: 4, classes: 2, seed: 1).stateTensors
        let b = Model(architecture: .mlp(hidden: [8]), channels: 1, height: 4, width: 4, classes: 2, seed: 2).stateTensors
        XCTAssertNotEqual(a, b)
    }

    // MARK: state

    func testStateRoundTripResumesToIdenticalWeights() throws {
        let data = prototypeDataset(count: 32, height: 8, width: 8, classes: 4, seed: 8)
        func make() -> (Model, Optimizer) {
            (Model(architecture: .cnn, channels: 1, height: 8, width: 8, classes: 4, ghostBatch: 4, seed: 9, pool: ThreadPool(threads: 2)),
             Optimizer(kind: .sgd, learningRate: 0.1, momentum: 0.9))
        }
        let (model, optimizer) = make()
        model.trainStep(on: data, indices: Array(0..<16), optimizer: optimizer)
        let (resumed, resumedOptimizer) = make()
        try resumed.loadState(model.stateTensors)
        try resumedOptimizer.loadState(optimizer.stateTensors, for: resumed.parameters)
        resumedOptimizer.counters = optimizer.counters
        XCTAssertEqual(resumed.stateTensors, model.stateTensors)
        model.trainStep(on: data, indices: Array(16..<32), optimizer: optimizer)
        resumed.trainStep(on: data, indices: Array(16..<32), optimizer: resumedOptimizer)
        XCTAssertEqual(resumed.stateTensors, model.stateTensors)
    }

    func testStateNamesAndShapes() {
        let model = Model(architecture: .cnn, channels: 1, height: 28, width: 28, classes: 10, ghostBatch: 128, seed: 1)
        let shapes = Dictionary(uniqueKeysWithValues: model.stateTensors.map { ($0.name, $0.shape) })
        XCTAssertEqual(shapes["conv1.weight"], [32, 3, 3, 1])
        XCTAssertEqual(shapes["conv2.weight"], [64, 3, 3, 32])
        XCTAssertEqual(shapes["bn2.running_var"], [64])
        XCTAssertEqual(shapes["fc1.weight"], [128, 3136])
        XCTAssertEqual(shapes["fc2.bias"], [10])
        XCTAssertEqual(model.parameterCount, 288 + 64 + 18_432 + 128 + 3136 * 128 + 128 + 1280 + 10)
        let mlp = Model(architecture: .mlp(hidden: [512, 512]), channels: 1, height: 28, width: 28, classes: 10, seed: 1)
        XCTAssertEqual(mlp.parameterCount, 784 * 512 + 512 + 512 * 512 + 512 + 5120 + 10)
    }

    func testLoadingMismatchedStateFailsWithAClearMessage() {
        let model = Model(architecture: .mlp(hidden: [4]), channels: 1, height: 2, width: 2, classes: 2, seed: 1)
        var state = model.stateTensors
        let first = state.removeFirst()
        XCTAssertThrowsError(try model.loadState(state)) { XCTAssertEqual("\($0)", "state 'fc1.weight' is missing") }
        XCTAssertThrowsError(try model.loadState([NamedTensor(name: first.name, shape: [2, 2], values: [0, 0, 0, 0])] + state)) {
            XCTAssertEqual("\($0)", "state 'fc1.weight' has shape [2, 2], the model expects [4, 4]")
        }
        XCTAssertThrowsError(try model.loadState([first] + state + [NamedTensor(name: "extra", shape: [1], values: [0])])) {
            XCTAssertEqual("\($0)", "state 'extra' does not belong to model mlp(hidden: [4])")
        }
    }

    // MARK: building

    func testModelArchitectureParsing() throws {
        XCTAssertEqual(try ModelArchitecture(parsing: "mlp"), .mlp(hidden: [512, 512]))
        XCTAssertEqual(try ModelArchitecture(parsing: "mlp(hidden: [256, 128, 64])"), .mlp(hidden: [256, 128, 64]))
        XCTAssertEqual(try ModelArchitecture(parsing: " cnn "), .cnn)
        XCTAssertEqual(try ModelArchitecture(parsing: "wrn(16, 4)"), .wrn(depth: 16, width: 4))
        XCTAssertEqual(try ModelArchitecture(parsing: "wrn(depth: 28, width: 10)"), .wrn(depth: 28, width: 10))
        XCTAssertEqual(try ModelArchitecture(parsing: ModelArchitecture.wrn(depth: 16, width: 4).description), .wrn(depth: 16, width: 4))
        XCTAssertThrowsError(try ModelArchitecture(parsing: "resnet")) {
            XCTAssertEqual("\($0)", "unknown model 'resnet'; the models are mlp, cnn and wrn")
        }
        XCTAssertThrowsError(try ModelArchitecture(parsing: "wrn(15, 4)")) {
            XCTAssertEqual("\($0)", "wrn depth must be 6·n + 4 with n ≥ 1 (10, 16, 22, 28, ...), not 15")
        }
        XCTAssertThrowsError(try ModelArchitecture(parsing: "mlp(hidden: [a])")) {
            XCTAssertEqual("\($0)", "model 'mlp' argument 'a' is not an integer")
        }
        XCTAssertThrowsError(try ModelArchitecture(parsing: "cnn(3")) { XCTAssertEqual("\($0)", "model 'cnn(3' is missing a closing ')'") }
    }

    func testWideResNetShapesFor28And32PixelImages() {
        for (channels, size, final) in [(1, 28, 7), (3, 32, 8)] {
            let model = Model(architecture: .wrn(depth: 16, width: 2), channels: channels, height: size, width: size, classes: 10,
                              ghostBatch: 4, seed: 1)
            XCTAssertEqual(model.network.outputShape(for: [size, size, channels]), [10])
            // The last group runs at size/4 with 64·k channels.
            let body = Sequential(Array(model.network.layers.dropLast(3)))
            XCTAssertEqual(body.outputShape(for: [size, size, channels]), [final, final, 128])
            XCTAssertEqual(model.stateTensors.first { $0.name == "fc.weight" }?.shape, [10, 128])
        }
    }

    // MARK: learning

    func testModelsLearnASyntheticTask() {
        let train = prototypeDataset(count: 256, height: 8, width: 8, classes: 4, noise: 0.6, seed: 10)
        let test = prototypeDataset(count: 128, height: 8, width: 8, classes: 4, noise: 0.6, seed: 10)
        for spec in [ModelArchitecture.mlp(hidden: [32]), .cnn, .wrn(depth: 10, width: 1)] {
            let model = Model(architecture: spec, channels: 1, height: 8, width: 8, classes: 4, ghostBatch: 16, seed: 11,
                              pool: ThreadPool(threads: 2))
            let optimizer = Optimizer(kind: .sgd, learningRate: 0.05, momentum: 0.9)
            let before = model.evaluate(on: test)
            for epoch in 0..<4 {
                for step in 0..<8 {
                    let start = (step * 32 + epoch * 7) % 224
                    model.trainStep(on: train, indices: Array(start..<(start + 32)), optimizer: optimizer)
                }
            }
            let after = model.evaluate(on: test)
            XCTAssertLessThan(after.meanLoss, before.meanLoss, "\(spec)")
            XCTAssertGreaterThan(after.accuracy, 0.9, "\(spec)")
        }
    }
}
