import Training

/// The state of a run after a whole epoch: everything needed to continue it bit for bit
/// (docs/running.md, "Checkpoint format"). Shuffles come from (seed, epoch) and the model has no
/// other randomness, so weights, batch-norm buffers and the optimiser's slots and counters are
/// the whole state.
///
/// Binary, little-endian, written atomically (temporary file, fsync, rename):
///
///     magic "SCHEDCKP" (8 bytes) · version u32 = 1 · schedule hash (32 bytes, SHA-256)
///     epochs_completed u64 · updates u64 · samples u64
///     seconds f64 · evaluation_seconds f64 · phase count u32 · phase seconds f64 × count
///     optimizer steps u64 · beta1 product f64 · beta2 product f64
///     model tensors: count u32, then each: name length u16 · name (UTF-8) · rank u8 ·
///                    dims u64 × rank · values f32 × product(dims)
///     optimizer tensors: the same
///     SHA-256 of every byte before it (32 bytes)
public struct Checkpoint: Equatable, Sendable {
    public static let magic: [UInt8] = Array("SCHEDCKP".utf8)
    public static let formatVersion: UInt32 = 1
    /// The file name inside a run directory.
    public static let fileName = "checkpoint.bin"

    /// `RunSpecification.scheduleHash` of the run that wrote it.
    public var scheduleHash: [UInt8]
    public var epochsCompleted: Int
    /// Updates and training samples performed so far.
    public var updates: Int
    public var samples: Int
    /// Wall time of the run up to this checkpoint (across resumes), and the part spent evaluating.
    public var seconds: Double
    public var evaluationSeconds: Double
    /// Wall time spent in the updates of each plan phase (index = phase).
    public var phaseSeconds: [Double]
    public var optimizerCounters: OptimizerCounters
    public var modelState: [NamedTensor]
    public var optimizerState: [NamedTensor]

    public init(scheduleHash: [UInt8], epochsCompleted: Int, updates: Int, samples: Int, seconds: Double,
                evaluationSeconds: Double, phaseSeconds: [Double], optimizerCounters: OptimizerCounters,
                modelState: [NamedTensor], optimizerState: [NamedTensor]) {
        self.scheduleHash = scheduleHash
        self.epochsCompleted = epochsCompleted
        self.updates = updates
        self.samples = samples
        self.seconds = seconds
        self.evaluationSeconds = evaluationSeconds
        self.phaseSeconds = phaseSeconds
        self.optimizerCounters = optimizerCounters
        self.modelState = modelState
        self.optimizerState = optimizerState
    }

    /// The file's bytes.
    public func encoded() -> [UInt8] {
        var out = ByteWriter()
        out.bytes += Checkpoint.magic
        out.u32(Checkpoint.formatVersion)
        out.bytes += scheduleHash
        out.u64(UInt64(epochsCompleted))
        out.u64(UInt64(updates))
        out.u64(UInt64(samples))
        out.f64(seconds)
        out.f64(evaluationSeconds)
        out.u32(UInt32(phaseSeconds.count))
        for value in phaseSeconds { out.f64(value) }
        out.u64(UInt64(optimizerCounters.steps))
        out.f64(optimizerCounters.beta1Product)
        out.f64(optimizerCounters.beta2Product)
        for tensors in [modelState, optimizerState] {
            out.u32(UInt32(tensors.count))
            for tensor in tensors { out.tensor(tensor) }
        }
        out.bytes += SHA256.hash(out.bytes)
        return out.bytes
    }

    /// Reads a checkpoint file's bytes; `path` is for messages. Anything that is not a complete,
    /// intact checkpoint of this format is a `RunError(.checkpoint)` saying what is wrong.
    public init(decoding bytes: [UInt8], path: String) throws {
        func fail(_ problem: String) -> RunError { RunError(.checkpoint, "\(path): \(problem)") }
        guard bytes.count >= Checkpoint.magic.count, Array(bytes[0..<Checkpoint.magic.count]) == Checkpoint.magic else {
            throw fail(bytes.isEmpty ? "the checkpoint is empty" : "not a schedc checkpoint (no SCHEDCKP magic number)")
        }
        guard bytes.count >= 12 else { throw fail("the checkpoint is truncated (\(bytes.count) bytes)") }
        let version = UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24
        guard version == Checkpoint.formatVersion else {
            throw fail("checkpoint format version \(version); this schedc reads version \(Checkpoint.formatVersion)")
        }
        guard bytes.count >= 12 + 32 + 32 else { throw fail("the checkpoint is truncated (\(bytes.count) bytes)") }
        let body = bytes[0..<(bytes.count - 32)]
        guard SHA256.hash(body) == Array(bytes[(bytes.count - 32)...]) else {
            throw fail("the checkpoint is damaged: its SHA-256 does not match its contents (truncated or corrupt)")
        }
        var reader = ByteReader(bytes: Array(body), offset: 12, fail: fail)
        scheduleHash = try reader.take(32)
        epochsCompleted = try reader.int()
        updates = try reader.int()
        samples = try reader.int()
        seconds = try reader.f64()
        evaluationSeconds = try reader.f64()
        let phaseCount = try reader.count(elementSize: 8)
        phaseSeconds = try (0..<phaseCount).map { _ in try reader.f64() }
        optimizerCounters = OptimizerCounters(steps: try reader.int(), beta1Product: try reader.f64(), beta2Product: try reader.f64())
        modelState = try reader.tensors()
        optimizerState = try reader.tensors()
        guard reader.isAtEnd else { throw fail("the checkpoint has \(reader.remaining) unexpected bytes before its checksum") }
    }

    public static func read(from path: String) throws -> Checkpoint {
        try Checkpoint(decoding: try FileIO.read(path), path: path)
    }

    /// Writes the checkpoint atomically: a crash leaves the previous checkpoint or this one.
    public func write(to path: String) throws {
        try FileIO.writeAtomically(encoded(), to: path)
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) { for shift in [0, 8] { bytes.append(UInt8(truncatingIfNeeded: value >> UInt16(shift))) } }
    mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
    mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    mutating func tensor(_ tensor: NamedTensor) {
        let name = Array(tensor.name.utf8)
        u16(UInt16(name.count))
        bytes += name
        bytes.append(UInt8(tensor.shape.count))
        for dimension in tensor.shape { u64(UInt64(dimension)) }
        let start = bytes.count
        bytes += [UInt8](repeating: 0, count: tensor.values.count * 4)
        bytes.withUnsafeMutableBufferPointer { buffer in
            var offset = start
            for value in tensor.values {
                let bits = value.bitPattern
                buffer[offset] = UInt8(truncatingIfNeeded: bits)
                buffer[offset + 1] = UInt8(truncatingIfNeeded: bits >> 8)
                buffer[offset + 2] = UInt8(truncatingIfNeeded: bits >> 16)
                buffer[offset + 3] = UInt8(truncatingIfNeeded: bits >> 24)
                offset += 4
            }
        }
    }
}

/// Reads the checkpoint body with a bounds check before every read.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let fail: (String) -> RunError

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw fail("the checkpoint ends early (at byte \(offset))") }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func unsigned(_ size: Int) throws -> UInt64 {
        guard size <= remaining else { throw fail("the checkpoint ends early (at byte \(offset))") }
        var value: UInt64 = 0
        for i in 0..<size { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        offset += size
        return value
    }

    mutating func int() throws -> Int {
        let value = try unsigned(8)
        guard value <= UInt64(Int.max) else { throw fail("a count at byte \(offset - 8) is out of range") }
        return Int(value)
    }

    mutating func f64() throws -> Double { Double(bitPattern: try unsigned(8)) }

    /// A u32 count of elements of at least `elementSize` bytes that must fit in what is left.
    mutating func count(elementSize: Int) throws -> Int {
        let value = Int(try unsigned(4))
        guard value <= remaining / max(1, elementSize) else { throw fail("a count at byte \(offset - 4) exceeds the file") }
        return value
    }

    mutating func tensors() throws -> [NamedTensor] {
        let count = try self.count(elementSize: 3)
        var tensors: [NamedTensor] = []
        for _ in 0..<count {
            let nameLength = Int(try unsigned(2))
            guard let name = String(validating: try take(nameLength), as: UTF8.self), !name.isEmpty else {
                throw fail("a tensor name at byte \(offset - nameLength) is not UTF-8 text")
            }
            let rank = Int(try unsigned(1))
            var shape: [Int] = []
            var elements = 1
            for _ in 0..<rank {
                let dimension = try int()
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= remaining / 4 else { throw fail("tensor '\(name)' is larger than the file") }
                shape.append(dimension)
                elements = product
            }
            guard elements * 4 <= remaining else { throw fail("tensor '\(name)' is larger than the file") }
            var values = [Float](repeating: 0, count: elements)
            values.withUnsafeMutableBufferPointer { target in
                var at = offset
                for i in 0..<elements {
                    let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                    target[i] = Float(bitPattern: bits)
                    at += 4
                }
            }
            offset += elements * 4
            tensors.append(NamedTensor(name: name, shape: shape, values: values))
        }
        return tensors
    }
}
