import Glibc

/// A deterministic, learnable image data set made from a seed, for tests and benchmarks on a
/// machine with no data installed.
///
/// Each class is a fixed pattern of Gaussian blobs (positions, widths, brightness and colour
/// drawn from the seed). An example of class c renders c's blobs with their centres jittered
/// and their brightness varied, adds uniform pixel noise and clamps to [0, 1]. Example i of a
/// split depends only on (seed, split, i): a smaller set is a prefix of a larger one.
public struct SyntheticDataset: Sendable {
    public var seed: UInt64
    public var classes = 10
    public var channels = 1
    public var height = 28
    public var width = 28
    public var blobsPerClass = 3
    /// Standard deviation of each blob centre's displacement, in pixels.
    public var jitter: Float = 1.5
    /// Half-width of the uniform noise added to every pixel.
    public var noise: Float = 0.2

    /// Random streams reserved for synthetic data ("SYNT"): class patterns, then examples.
    static let streamBase: UInt64 = 0x5359_4E54_0000_0000

    public init(seed: UInt64) { self.seed = seed }

    public enum Split: UInt64, Sendable {
        case train = 1
        case test = 2
    }

    /// The first `trainCount` training and `testCount` test examples.
    public func make(trainCount: Int, testCount: Int) -> DatasetSplit {
        DatasetSplit(train: examples(trainCount, of: .train), test: examples(testCount, of: .test))
    }

    /// The first `count` examples of `split`.
    public func examples(_ count: Int, of split: Split) -> Dataset {
        dataPrecondition(classes >= 1 && channels >= 1 && height >= 1 && width >= 1 && blobsPerClass >= 1,
                     "a synthetic data set needs at least one class, channel, pixel and blob")
        let patterns = (0..<classes).map(pattern(ofClass:))
        let features = channels * height * width
        var labels = [Int32](repeating: 0, count: count)
        let images = [Float](unsafeUninitializedCapacity: count * features) { buffer, initialized in
            var rowProfile = [Float](repeating: 0, count: height)
            var columnProfile = [Float](repeating: 0, count: width)
            for index in 0..<count {
                var random = DeterministicRandom(seed: seed, stream: SyntheticDataset.streamBase
                                                 &+ (split.rawValue << 40) &+ UInt64(index))
                let label = random.nextUnbiasedIndex(below: classes)
                labels[index] = Int32(label)
                let image = buffer.baseAddress! + index * features
                image.initialize(repeating: 0, count: features)
                for blob in patterns[label] {
                    let centreY = blob.y + jitter * random.nextNormal()
                    let centreX = blob.x + jitter * random.nextNormal()
                    let brightness = blob.brightness * (0.75 + 0.5 * random.nextUniformFloat())
                    // A Gaussian is separable: exp(-(dx² + dy²) / 2σ²) = g(dx) · g(dy).
                    let scale = -1 / (2 * blob.sigma * blob.sigma)
                    for y in 0..<height { rowProfile[y] = expf(scale * square(Float(y) - centreY)) }
                    for x in 0..<width { columnProfile[x] = expf(scale * square(Float(x) - centreX)) }
                    for channel in 0..<channels {
                        let weight = brightness * blob.colour[channel]
                        let plane = image + channel * height * width
                        for y in 0..<height {
                            let rowWeight = weight * rowProfile[y]
                            for x in 0..<width { plane[y * width + x] += rowWeight * columnProfile[x] }
                        }
                    }
                }
                for i in 0..<features {
                    let noisy = image[i] + noise * (2 * random.nextUniformFloat() - 1)
                    image[i] = min(max(noisy, 0), 1)
                }
            }
            initialized = count * features
        }
        return Dataset(images: images, labels: labels, channels: channels, height: height, width: width, classes: classes)
    }

    struct Blob {
        var y: Float, x: Float, sigma: Float, brightness: Float
        var colour: [Float]
    }

    /// Class `label`'s blobs, from their own stream so they do not depend on any example.
    func pattern(ofClass label: Int) -> [Blob] {
        var random = DeterministicRandom(seed: seed, stream: SyntheticDataset.streamBase &+ UInt64(label))
        let side = Float(min(height, width))
        return (0..<blobsPerClass).map { _ in
            Blob(y: Float(height) * (0.15 + 0.7 * random.nextUniformFloat()),
                 x: Float(width) * (0.15 + 0.7 * random.nextUniformFloat()),
                 sigma: side * (0.05 + 0.08 * random.nextUniformFloat()),
                 brightness: 0.6 + 0.4 * random.nextUniformFloat(),
                 colour: (0..<channels).map { _ in channels == 1 ? 1 : 0.2 + 0.8 * random.nextUniformFloat() })
        }
    }
}

@inline(__always) private func square(_ x: Float) -> Float { x * x }
