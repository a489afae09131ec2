import TensorKernels

// A training pass through a convolutional network in *pieces* of examples.
//
// Ghost batch norm needs the statistics of a whole ghost batch before it can normalise any
// example of it, and the sums of a whole ghost batch's gradients before it can return any
// input gradient. Run layer by layer, a pass of one ghost batch of 128 28×28 images streams
// tensors of 12.8 MB through every kernel, and each layer finds its input evicted from the
// caches. Run in pieces, the pass becomes a few *sweeps* over the examples, cut at the
// batch-norm layers (the barriers). For a plain stack conv1, bn1, conv2, bn2:
//
//   forward   sweep 1: conv1 → bn1 statistics            (per piece)   bn1 finishes its statistics
//             sweep 2: bn1 → conv2 → bn2 statistics     (per piece)   bn2 finishes its statistics
//             sweep 3: bn2                               (per piece)   → the head, whole pass
//   backward  sweep 4: bn2 gradient sums                 (per piece)   bn2 finishes its coefficients
//             sweep 5: bn2 → conv2 → bn1 gradient sums   (per piece)   bn1 finishes its coefficients
//             sweep 6: bn1 → conv1                       (per piece)
//
// so the layers of one sweep hand a piece's activations to each other while they are still
// in the caches, whatever the ghost batch. Activations a later sweep reads (every layer's
// input, the barriers' output gradients) span the pass; the gradients passed between layers
// within a sweep live in two piece-sized buffers that stay cached. The statistics layers keep
// per-example partial sums and combine them in example order, so the cut into pieces changes
// no statistic; parameter gradients add up piece by piece in a fixed order (deterministic;
// float reassociation only).
//
// A barrier's backward only produces its input gradient (its parameter gradients come with
// its gradient sums). When the first layer is a barrier — the cnn's conv1 + bn1 fused as
// `ConvBatchNormReLUPool`, which gathers conv1's weight gradient with its sums — sweep 6
// disappears, and the gradient reaching the first layer is needed by sweep 5 only.

/// A layer whose training pass can run in pieces of its examples.
protocol PiecewiseLayer: Layer {
    /// Starts a training pass over all of `input`'s examples (keeping `input` for the backward)
    /// and returns the output tensor, sized for the pass, that `forward(piece:)` fills.
    func beginPass(_ input: Tensor) -> Tensor
    /// Forward of examples `piece` of the pass.
    func forward(piece: Range<Int>)
    /// Backward of examples `piece`: adds to the parameter gradients and writes the input
    /// gradient when asked. Both gradient pointers point at the piece's first example.
    func backward(piece: Range<Int>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?)
}

/// A piecewise layer with statistics over groups of examples (ghost batch norm): every piece
/// must have run `accumulateStatistics` before `finishStatistics`, which must come before any
/// `forward(piece:)`; likewise `accumulateGradientSums`, `finishGradientSums`, `backward`.
protocol PiecewiseStatisticsLayer: PiecewiseLayer {
    func accumulateStatistics(piece: Range<Int>)
    func finishStatistics()
    /// `outputGradient` points at the piece's first example.
    func accumulateGradientSums(piece: Range<Int>, outputGradient: UnsafePointer<Float>)
    func finishGradientSums()
}

/// The leading layers of a network, up to and including its last statistics layer, run in
/// pieces (see the top of this file). The layers after it (the head) run on the whole pass.
final class PiecewiseStem {
    let layers: [PiecewiseLayer]
    /// Indices of the statistics layers in `layers`; the last one is the last layer.
    let barriers: [Int]
    /// Input tensor of each layer in the current pass.
    private var inputs: [Tensor] = []
    /// Input gradient of layer i when layer i − 1 is a barrier (read by two sweeps), else nil;
    /// nil too for layer 1 when layer 0 is a barrier (no sweep after its gradient sums).
    private let passGradients: [Tensor?]
    /// The two buffers the other input gradients alternate between within a sweep.
    private let pieceGradients = (Tensor(shape: [0]), Tensor(shape: [0]))

    /// The stem of `network`: its longest prefix of piecewise layers that ends at a statistics
    /// layer; nil when there is none (no batch norm, or one inside a layer that cannot run in pieces).
    init?(_ network: Sequential) {
        var prefix: [PiecewiseLayer] = []
        var stem: [PiecewiseLayer] = []
        for layer in network.layers {
            guard let piecewise = layer as? PiecewiseLayer else { break }
            prefix.append(piecewise)
            if piecewise is PiecewiseStatisticsLayer { stem = prefix }
        }
        guard !stem.isEmpty else { return nil }
        layers = stem
        barriers = stem.indices.filter { stem[$0] is PiecewiseStatisticsLayer }
        passGradients = stem.indices.map { $0 > 1 && stem[$0 - 1] is PiecewiseStatisticsLayer ? Tensor(shape: [0]) : nil }
    }

    /// How many of the network's leading layers the stem covers.
    var count: Int { layers.count }

    /// Training forward of `input` [N, ...] in pieces of `pieceExamples`; returns the last
    /// layer's output for the whole pass.
    func forward(_ input: Tensor, pieceExamples: Int) -> Tensor {
        inputs = []
        var current = input
        for layer in layers {
            inputs.append(current)
            current = layer.beginPass(current)
        }
        let pieces = Self.pieces(of: input.shape[0], size: pieceExamples)
        var start = 0
        for b in barriers {
            let barrier = layers[b] as! PiecewiseStatisticsLayer
            for piece in pieces {
                for i in start..<b { layers[i].forward(piece: piece) }
                barrier.accumulateStatistics(piece: piece)
            }
            barrier.finishStatistics()
            start = b  // the next sweep begins by normalising
        }
        for piece in pieces {
            for i in start..<layers.count { layers[i].forward(piece: piece) }
        }
        return current
    }

    /// Training backward from the gradient of the stem's output (the whole pass) in pieces of
    /// `pieceExamples`. The first layer's input gradient is not computed.
    func backward(_ outputGradient: Tensor, pieceExamples: Int) {
        let batch = inputs[0].shape[0]
        let pieceExamples = min(max(1, pieceExamples), batch)
        let perExample = inputs.map { $0.count / batch }
        for (i, tensor) in passGradients.enumerated() {
            tensor?.resize(inputs[i].shape)
        }
        let largest = (1..<max(1, layers.count)).map { perExample[$0] }.max() ?? 0
        for buffer in [pieceGradients.0, pieceGradients.1] where buffer.count < largest * pieceExamples {
            buffer.resize([largest * pieceExamples])
        }
        let pieces = Self.pieces(of: batch, size: pieceExamples)
        let outputPerExample = outputGradient.count / batch

        /// Runs layers (low ..< high).reversed() on `piece`, starting from the gradient of
        /// layer high − 1's output; returns the gradient of layer low's input (nil below layer 0).
        func sweep(_ piece: Range<Int>, layers range: Range<Int>, from gradient: UnsafePointer<Float>) -> UnsafePointer<Float>? {
            var current: UnsafePointer<Float>? = gradient
            var useFirst = true
            for i in range.reversed() {
                let destination: UnsafeMutablePointer<Float>?
                if i == 0 {
                    destination = nil
                } else if let tensor = passGradients[i] {
                    destination = tensor.data + piece.lowerBound * perExample[i]
                } else {
                    destination = (useFirst ? pieceGradients.0 : pieceGradients.1).data
                    useFirst.toggle()
                }
                layers[i].backward(piece: piece, outputGradient: current!, inputGradient: destination)
                current = destination.map { UnsafePointer($0) }
            }
            return current
        }
        /// The gradient of layer i's output at `piece`: the stem's output gradient for the last
        /// layer, else the next layer's pass-long input gradient (layer i is a barrier).
        func barrierOutputGradient(_ i: Int, _ piece: Range<Int>) -> UnsafePointer<Float> {
            if i == layers.count - 1 { return UnsafePointer(outputGradient.data + piece.lowerBound * outputPerExample) }
            return UnsafePointer(passGradients[i + 1]!.data + piece.lowerBound * perExample[i + 1])
        }

        var end = layers.count  // layers end... have finished their backward
        var top = layers.count - 1  // the barrier whose output gradient starts the next sweep
        for b in barriers.reversed() {
            let barrier = layers[b] as! PiecewiseStatisticsLayer
            for piece in pieces {
                let start = barrierOutputGradient(top, piece)
                let gradient = b + 1 < end ? sweep(piece, layers: (b + 1)..<end, from: start)! : start
                barrier.accumulateGradientSums(piece: piece, outputGradient: gradient)
            }
            barrier.finishGradientSums()
            end = b + 1
            top = b
        }
        if barriers.first == 0 { return }
        for piece in pieces {
            _ = sweep(piece, layers: 0..<end, from: barrierOutputGradient(top, piece))
        }
    }

    /// 0..<count cut into consecutive ranges of `size` (the last one shorter).
    static func pieces(of count: Int, size: Int) -> [Range<Int>] {
        let size = min(max(1, size), max(1, count))
        return stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }
}
