/// A tensor of saved state: its dotted name, shape and values (row-major).
public struct NamedTensor: Equatable, Sendable, Codable {
    public let name: String
    public let shape: [Int]
    public let values: [Float]
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// A checkpoint that does not fit the model or optimiser it is loaded into.
public struct StateError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Model {
    /// Every parameter ("conv1.weight", "bn1.gamma", ...) and buffer ("bn1.running_mean",
    /// "bn1.running_var"), in layer order: what a checkpoint saves.
    public var stateTensors: [NamedTensor] {
        parameters.map { NamedTensor(name: $0.name, shape: $0.value.shape, values: $0.value.values) }
            + buffers.map { NamedTensor(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.values) }
    }

    /// Overwrites every parameter and buffer with the entries of the same name. All must be
    /// present with the right shapes; entries the model does not have are an error too.
    public func loadState(_ tensors: [NamedTensor]) throws {
        var byName: [String: NamedTensor] = [:]
        for entry in tensors {
            guard byName[entry.name] == nil else { throw StateError("state '\(entry.name)' appears twice") }
            byName[entry.name] = entry
        }
        let targets = parameters.map { ($0.name, $0.value) } + buffers.map { ($0.name, $0.tensor) }
        for (name, tensor) in targets {
            guard let entry = byName.removeValue(forKey: name) else { throw StateError("state '\(name)' is missing") }
            guard entry.shape == tensor.shape, entry.values.count == tensor.count else {
                throw StateError("state '\(name)' has shape \(entry.shape), the model expects \(tensor.shape)")
            }
        }
        if let extra = byName.keys.sorted().first {
            throw StateError("state '\(extra)' does not belong to model \(architecture)")
        }
        let all = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, tensor) in targets { tensor.setValues(all[name]!.values) }
    }
}
