import TensorKernels
import Training

/// One GEMM product a model's training step multiplies, named for the layer and pass it serves.
public struct ModelGEMMProduct: Sendable, Equatable {
    public var name: String
    public var shape: GEMMShape

    public init(_ name: String, _ shape: GEMMShape) {
        self.name = name
        self.shape = shape
    }
}

extension ModelGEMMProduct {
    /// The products of a training step of the runtime's MLP and CNN, as `gemm` receives them
    /// (recorded from `Model.trainStep` with ghost batch 128): the MLP at batch 128 and per dense
    /// chunk (every larger batch runs in such chunks); the CNN at any batch — conv2 over the
    /// im2col blocks of a stem piece (4 images, 784 rows of 3×3×32 patches), its linear layers
    /// per chunk of one ghost batch. Weights are stored out × in, so a forward product is X·Wᵀ (nt),
    /// a weight gradient dYᵀ·X (tn) and an input gradient dY·W (nn); a model's first learning
    /// layer has no input gradient. `schedc bench gemm --sizes models` times them.
    public static let trainingProducts: [ModelGEMMProduct] =
        mlp(rows: 128, label: "batch 128")
            + mlp(rows: Model.preferredDenseChunkExamples, label: "\(Model.preferredDenseChunkExamples)-example chunk") + cnn

    private static func mlp(rows: Int, label: String) -> [ModelGEMMProduct] {
        linear("mlp 784→512", rows: rows, inputs: 784, outputs: 512, label: label, inputGradient: false)
            + linear("mlp 512→512", rows: rows, inputs: 512, outputs: 512, label: label)
            + linear("mlp 512→10", rows: rows, inputs: 512, outputs: 10, label: label)
    }

    private static var cnn: [ModelGEMMProduct] {
        // conv2 (32 → 64 channels, 3×3, on 14×14) over a piece of the stem, in the im2col
        // blocks `Conv2dGeometry` cuts it into.
        let conv2 = Conv2dGeometry(batch: Model.preferredPieceExamples, height: 14, width: 14, inChannels: 32, outChannels: 64,
                                   kernel: 3, padding: 1)
        return linear("cnn conv2 (im2col)", rows: conv2.chunkImages * conv2.positions, inputs: conv2.patch,
                      outputs: conv2.outChannels, label: "\(conv2.chunkImages) images")
            + linear("cnn 3136→128", rows: 128, inputs: 3136, outputs: 128, label: "ghost batch 128")
            + linear("cnn 128→10", rows: 128, inputs: 128, outputs: 10, label: "ghost batch 128")
    }

    /// Forward, weight gradient and (unless it is the first layer) input gradient of a layer
    /// y = x·Wᵀ over `rows` examples (or patches).
    private static func linear(_ layer: String, rows: Int, inputs: Int, outputs: Int, label: String,
                               inputGradient: Bool = true) -> [ModelGEMMProduct] {
        var products = [
            ModelGEMMProduct("\(layer) forward, \(label)", GEMMShape(m: rows, n: outputs, k: inputs, transposeB: true)),
            ModelGEMMProduct("\(layer) weight gradient, \(label)", GEMMShape(m: outputs, n: inputs, k: rows, transposeA: true)),
        ]
        if inputGradient {
            products.append(ModelGEMMProduct("\(layer) input gradient, \(label)", GEMMShape(m: rows, n: inputs, k: outputs)))
        }
        return products
    }
}
