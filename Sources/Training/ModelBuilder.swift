import TensorKernels

/// Turns a `ModelArchitecture` into layers for a given image shape. Each weight tensor draws from its
/// own random stream (stream = 1 + its position among the weights), so adding a layer never
/// changes the initial values of the layers before it.
struct ModelBuilder {
    let channels: Int
    let height: Int
    let width: Int
    let classes: Int
    let ghostBatch: Int?
    let seed: UInt64
    let pool: ThreadPool
    private var nextStream: UInt64 = 1

    init(channels: Int, height: Int, width: Int, classes: Int, ghostBatch: Int?, seed: UInt64, pool: ThreadPool) {
        self.channels = channels; self.height = height; self.width = width; self.classes = classes
        self.ghostBatch = ghostBatch; self.seed = seed; self.pool = pool
    }

    private mutating func random() -> DeterministicRandom {
        defer { nextStream += 1 }
        return DeterministicRandom(seed: seed, stream: nextStream)
    }

    mutating func build(_ architecture: ModelArchitecture) -> Sequential {
        switch architecture {
        case .mlp(let hidden): return mlp(hidden: hidden)
        case .cnn: return cnn()
        case .wrn(let depth, let width): return wrn(depth: depth, widen: width)
        }
    }

    private mutating func linear(_ name: String, _ inputs: Int, _ outputs: Int) -> Linear {
        var generator = random()
        return Linear(name: name, inputs: inputs, outputs: outputs, random: &generator, pool: pool)
    }

    private mutating func conv(_ name: String, _ inC: Int, _ outC: Int, kernel: Int, stride: Int = 1, padding: Int) -> Conv2d {
        var generator = random()
        return Conv2d(name: name, inChannels: inC, outChannels: outC, kernel: kernel, stride: stride, padding: padding,
                      bias: false, random: &generator, pool: pool)
    }

    private mutating func mlp(hidden: [Int]) -> Sequential {
        var layers: [Layer] = [Flatten()]
        var inputs = channels * height * width
        for (index, size) in hidden.enumerated() {
            layers.append(linear("fc\(index + 1)", inputs, size))
            layers.append(ReLU(pool: pool))
            inputs = size
        }
        layers.append(linear("fc\(hidden.count + 1)", inputs, classes))
        return Sequential(layers)
    }

    /// The first convolution and its batch norm, ReLU and pool run as one fused layer when
    /// the patch is short enough for the direct kernel (1 to 3 input channels).
    private mutating func cnn() -> Sequential {
        let flattened = (height / 2 / 2) * (width / 2 / 2) * 64
        let conv1 = conv("conv1", channels, 32, kernel: 3, padding: 1)
        let bn1 = BatchNormReLUPool(name: "bn1", channels: 32, ghostBatch: ghostBatch, pool: pool)
        let firstBlock: [Layer] = 9 * channels <= directPatchLimit
            ? [ConvBatchNormReLUPool(convolution: conv1, batchNorm: bn1, pool: pool)] : [conv1, bn1]
        return Sequential(firstBlock + [
            conv("conv2", 32, 64, kernel: 3, padding: 1),
            BatchNormReLUPool(name: "bn2", channels: 64, ghostBatch: ghostBatch, pool: pool),
            Flatten(),
            linear("fc1", flattened, 128), ReLU(pool: pool),
            linear("fc2", 128, classes),
        ])
    }

    /// WRN-d-k: conv3×3 → 16, three groups of n = (d − 4)/6 blocks with 16k, 32k, 64k channels
    /// (strides 1, 2, 2: 28×28 → 28, 14, 7; 32×32 → 32, 16, 8), BN, ReLU, global average pool,
    /// linear → classes.
    private mutating func wrn(depth: Int, widen: Int) -> Sequential {
        let blocksPerGroup = (depth - 4) / 6
        let widths = [16, 16 * widen, 32 * widen, 64 * widen]
        var layers: [Layer] = [conv("conv1", channels, widths[0], kernel: 3, padding: 1)]
        var inC = widths[0]
        for group in 0..<3 {
            for block in 0..<blocksPerGroup {
                var generator = random()
                layers.append(ResidualBlock(name: "group\(group + 1).block\(block + 1)", inChannels: inC,
                                            outChannels: widths[group + 1], stride: block == 0 && group > 0 ? 2 : 1,
                                            ghostBatch: ghostBatch, random: &generator, pool: pool))
                inC = widths[group + 1]
            }
        }
        layers += [BatchNorm(name: "bn", channels: inC, ghostBatch: ghostBatch, fusedReLU: true, pool: pool),
                   GlobalAveragePool(pool: pool), linear("fc", inC, classes)]
        return Sequential(layers)
    }
}

