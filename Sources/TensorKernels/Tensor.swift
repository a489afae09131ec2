#if canImport(Glibc)
import Glibc
#endif

/// What happens when tensor storage cannot be allocated. Tensors are made deep inside layers
/// that do not throw, so a failure cannot travel back as a Swift error; the program that
/// trains installs a handler that records the failure and exits with a clear message (schedc
/// marks the run failed, resumable). Without one, the allocation traps as before.
public enum TensorMemory {
    /// Called with the bytes that could not be allocated; it must not return.
    nonisolated(unsafe) public static var allocationFailureHandler: ((_ bytes: Int) -> Never)?
}

/// A dense Float tensor, row-major, with storage it owns.
///
/// A reference type on purpose: layers keep their activation and gradient buffers across
/// steps and resize them in place (`resize`), so a training step allocates nothing once the
/// buffers have reached the largest batch seen. Storage is 64-byte aligned for SIMD loads.
public final class Tensor {
    public private(set) var shape: [Int]
    /// Number of elements: the product of `shape`.
    public private(set) var count: Int
    /// Elements the storage can hold without reallocating.
    public private(set) var capacity: Int
    public private(set) var data: UnsafeMutablePointer<Float>

    /// A tensor of `shape` filled with zeros.
    public init(shape: [Int]) {
        kernelPrecondition(shape.allSatisfy { $0 >= 0 }, "tensor dimensions must be non-negative")
        self.shape = shape
        count = shape.reduce(1, *)
        capacity = max(count, 1)
        data = Tensor.allocate(capacity)
        data.initialize(repeating: 0, count: capacity)
    }

    /// A tensor of `shape` holding `values` (row-major).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        kernelPrecondition(values.count == count, "\(values.count) values do not fill shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { free(data) }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        var raw: UnsafeMutableRawPointer?
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        let status = overflow ? ENOMEM : posix_memalign(&raw, 64, bytes)
        guard status == 0, let raw else {
            if let handler = TensorMemory.allocationFailureHandler { handler(overflow ? .max : bytes) }
            kernelPrecondition(false, "out of memory allocating \(count) floats")
            fatalError()
        }
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Gives the tensor a new shape, growing the storage only when it is too small.
    /// Contents are unspecified afterwards (callers overwrite them).
    public func resize(_ newShape: [Int]) {
        let newCount = newShape.reduce(1, *)
        if newCount > capacity {
            free(data)
            capacity = newCount
            data = Tensor.allocate(newCount)
            data.initialize(repeating: 0, count: newCount)
        }
        shape = newShape
        count = newCount
    }

    /// Reinterprets the same elements under another shape with the same count.
    public func reshape(_ newShape: [Int]) {
        kernelPrecondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// The elements as an array (a copy).
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// Overwrites every element; `values.count` must equal `count`.
    public func setValues(_ values: [Float]) {
        kernelPrecondition(values.count == count, "\(values.count) values for a tensor of \(count)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// Copies another tensor's shape and elements into this one.
    public func copy(from other: Tensor) {
        resize(other.shape)
        data.update(from: other.data, count: count)
    }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }
}
