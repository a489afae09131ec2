/// The order in which an epoch visits a data set's examples.
///
/// Epoch e's order depends only on (seed, e): it is drawn from its own generator stream, so
/// a run resumed at epoch e shuffles exactly as the uninterrupted run did.
public enum EpochOrder {
    /// Random streams reserved for epoch shuffles ("SHUF"): epoch e uses streamBase + e.
    public static let streamBase: UInt64 = 0x5348_5546_0000_0000

    /// A permutation of 0..<count (Fisher–Yates).
    public static func shuffled(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        dataPrecondition(count >= 0 && epoch >= 0, "count and epoch are non-negative")
        var random = DeterministicRandom(seed: seed, stream: streamBase &+ UInt64(epoch))
        var order = Array(0..<count)
        order.withUnsafeMutableBufferPointer { order in
            var i = count - 1
            while i > 0 {
                let j = random.nextUnbiasedIndex(below: i + 1)
                order.swapAt(i, j)
                i -= 1
            }
        }
        return order
    }
}

/// One epoch's shuffled order, served in batches whose size may change at any step.
public struct EpochCursor: Sendable {
    public let epoch: Int
    public let order: [Int]
    /// How many indices have been served.
    public private(set) var position = 0

    public init(count: Int, seed: UInt64, epoch: Int) {
        self.epoch = epoch
        order = EpochOrder.shuffled(count: count, seed: seed, epoch: epoch)
    }

    public var remaining: Int { order.count - position }
    public var isFinished: Bool { position == order.count }

    /// The next `size` indices, fewer at the end of the epoch; nil once the epoch is over.
    public mutating func next(_ size: Int) -> ArraySlice<Int>? {
        dataPrecondition(size > 0, "a batch holds at least one example")
        guard position < order.count else { return nil }
        let end = min(position + size, order.count)
        defer { position = end }
        return order[position..<end]
    }
}

/// Examples gathered into contiguous memory, ready for a forward pass.
///
/// images: count × channels × height × width; labels: count
public struct DataBatch: Sendable {
    public var images: [Float]
    public var labels: [Int32]
    public let channels: Int
    public let height: Int
    public let width: Int

    public var count: Int { labels.count }
}

extension Dataset {
    /// Copies the examples at `indices`, in that order, into contiguous buffers.
    ///
    /// images: indices.count × featuresPerExample floats; labels: indices.count.
    /// One memcpy per example. An index outside 0..<count is a programming error and stops the
    /// program (kept even in -Ounchecked builds, where a `precondition` would not be).
    public func gather<Indices: Collection>(_ indices: Indices, images destination: UnsafeMutablePointer<Float>,
                                            labels labelDestination: UnsafeMutablePointer<Int32>) where Indices.Element == Int {
        let features = featuresPerExample
        images.withUnsafeBufferPointer { source in
            labels.withUnsafeBufferPointer { sourceLabels in
                var row = 0
                for index in indices {
                    guard index >= 0 && index < count else {
                        fatalError("gather: index \(index) outside the data set's 0..<\(count)")
                    }
                    (destination + row * features).update(from: source.baseAddress! + index * features, count: features)
                    labelDestination[row] = sourceLabels[index]
                    row += 1
                }
            }
        }
    }

    /// The examples at `indices` as a new batch.
    public func gather<Indices: Collection>(_ indices: Indices) -> DataBatch where Indices.Element == Int {
        let batchCount = indices.count
        var gatheredLabels = [Int32](repeating: 0, count: batchCount)
        let gatheredImages = [Float](unsafeUninitializedCapacity: batchCount * featuresPerExample) { buffer, initialized in
            gatheredLabels.withUnsafeMutableBufferPointer { labelBuffer in
                gather(indices, images: buffer.baseAddress!, labels: labelBuffer.baseAddress!)
            }
            initialized = batchCount * featuresPerExample
        }
        return DataBatch(images: gatheredImages, labels: gatheredLabels, channels: channels, height: height, width: width)
    }

    /// Examples `range` as a new batch (evaluation walks the data set in order): one memcpy.
    public func batch(_ range: Range<Int>) -> DataBatch {
        guard range.lowerBound >= 0 && range.upperBound <= count else {
            fatalError("batch: range \(range) outside the data set's 0..<\(count)")
        }
        let features = featuresPerExample
        return DataBatch(images: Array(images[(range.lowerBound * features)..<(range.upperBound * features)]),
                     labels: Array(labels[range]), channels: channels, height: height, width: width)
    }

    /// The first `count` examples as a data set of their own.
    public func prefix(_ count: Int) -> Dataset {
        let kept = Swift.min(Swift.max(count, 0), self.count)
        return Dataset(images: Array(images[..<(kept * featuresPerExample)]), labels: Array(labels[..<kept]),
                       channels: channels, height: height, width: width, classes: classes)
    }

    /// How many examples each class has (index = label).
    public func labelHistogram() -> [Int] {
        var histogram = [Int](repeating: 0, count: classes)
        for label in labels { histogram[Int(label)] += 1 }
        return histogram
    }
}

extension DeterministicRandom {
    /// Uniform in 0..<bound without modulo bias (Lemire's multiply-shift with rejection).
    /// Written out rather than `Int.random(in:using:)` so the sequence cannot change with the
    /// standard library.
    mutating func nextUnbiasedIndex(below bound: Int) -> Int {
        dataPrecondition(bound > 0, "the bound is positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }
}
