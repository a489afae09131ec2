import XCTest
import Foundation
import TensorKernels
@testable import Training

/// A small learnable data set: each class has a random prototype image; examples are their
/// class's prototype plus noise. Values in [0, 1] like real images.
func prototypeDataset(count: Int, channels: Int = 1, height: Int, width: Int, classes: Int, noise: Float = 0.3,
                      seed: UInt64) -> Dataset {
    var random = DeterministicRandom(seed: seed, stream: 99)
    let features = channels * height * width
    let prototypes = (0..<classes).map { _ in (0..<features).map { _ in random.nextUniformFloat() } }
    var images: [Float] = [], labels: [Int32] = []
    images.reserveCapacity(count * features)
    for i in 0..<count {
        let label = i % classes
        labels.append(Int32(label))
        for f in 0..<features {
            images.append(min(1, max(0, prototypes[label][f] + noise * (random.nextUniformFloat() - 0.5) * 2)))
        }
    }
    return Dataset(images: images, labels: labels, channels: channels, height: height, width: width, classes: classes)
}

func randomArray(_ count: Int, seed: UInt64, stream: UInt64 = 0, scale: Float = 1, awayFromZero: Float = 0) -> [Float] {
    var random = DeterministicRandom(seed: seed, stream: stream)
    return (0..<count).map { _ in
        let v = (random.nextUniformFloat() * 2 - 1) * scale
        return v >= 0 ? v + awayFromZero : v - awayFromZero
    }
}

/// ‖a − b‖₂ / max(‖b‖₂, tiny).
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    let difference = zip(a, b).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    let norm = b.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
    return difference / max(norm, 1e-12)
}

/// Up to `limit` distinct indices of 0..<count, spread deterministically.
func sampleIndices(_ count: Int, limit: Int, seed: UInt64) -> [Int] {
    if count <= limit { return Array(0..<count) }
    var random = DeterministicRandom(seed: seed, stream: 5)
    var chosen = Set<Int>()
    while chosen.count < limit { chosen.insert(Int(random.next() % UInt64(count))) }
    return chosen.sorted()
}

/// Checks a layer's backward (input gradient and every parameter gradient) against central
/// finite differences of L = Σ r ⊙ layer(x), r random, on a sample of coordinates.
/// The loss is summed in Double; every forward gets a fresh copy of x (ReLU works in place).
func checkLayerGradients(_ layer: Layer, inputShape: [Int], seed: UInt64, inputScale: Float = 1, awayFromZero: Float = 0,
                         step h: Float = 1e-3, tolerance: Double = 1e-2, file: StaticString = #filePath, line: UInt = #line) {
    let x = randomArray(inputShape.reduce(1, *), seed: seed, scale: inputScale, awayFromZero: awayFromZero)
    func output(_ input: [Float]) -> [Float] {
        layer.forward(Tensor(shape: inputShape, values: input), mode: .training).values
    }
    let outputCount = output(x).count
    let r = randomArray(outputCount, seed: seed, stream: 1)
    // (L(x + h·e) − L(x − h·e)) / 2h as Σ_j r_j·(y⁺_j − y⁻_j) / 2h: differencing each output
    // before summing keeps the rounding of the large common part out of the quotient.
    func slope(_ plus: [Float], _ minus: [Float]) -> Double {
        var sum = 0.0
        for j in 0..<r.count { sum += Double(r[j]) * (Double(plus[j]) - Double(minus[j])) }
        return sum / Double(2 * h)
    }
    for parameter in layer.parameters { parameter.gradient.fill(0) }
    let inputTensor = Tensor(shape: inputShape, values: x)
    let y = layer.forward(inputTensor, mode: .training)
    let dx = layer.backward(Tensor(shape: y.shape, values: r), needsInputGradient: true)!.values

    var analytic: [Double] = [], numeric: [Double] = []
    for i in sampleIndices(x.count, limit: 40, seed: seed) {
        var plus = x, minus = x
        plus[i] += h; minus[i] -= h
        numeric.append(slope(output(plus), output(minus)))
        analytic.append(Double(dx[i]))
    }
    if ProcessInfo.processInfo.environment["GRADCHECK_DEBUG"] != nil {
        for (a, n) in zip(analytic, numeric) where abs(a - n) > 1e-3 { print("component", a, n) }
    }
    XCTAssertLessThan(relativeError(analytic, numeric), tolerance, "input gradient", file: file, line: line)
    for parameter in layer.parameters {
        let gradient = parameter.gradient.values
        var analytic: [Double] = [], numeric: [Double] = []
        for i in sampleIndices(parameter.value.count, limit: 20, seed: seed + 1) {
            let saved = parameter.value[i]
            parameter.value[i] = saved + h
            let up = output(x)
            parameter.value[i] = saved - h
            let down = output(x)
            parameter.value[i] = saved
            numeric.append(slope(up, down))
            analytic.append(Double(gradient[i]))
        }
        XCTAssertLessThan(relativeError(analytic, numeric), tolerance, "gradient of \(parameter.name)", file: file, line: line)
    }
}
