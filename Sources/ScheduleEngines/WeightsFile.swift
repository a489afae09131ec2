import JSONSupport
import ScheduleLanguage
import SchedulePlanner

/// One tensor of a model's state, as the weights file stores it: its checkpoint name, shape
/// and values (row-major, the embedded runtime's layout).
public struct WeightsTensor: Hashable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The weights file every engine starts from (docs/engines.md): `W.json` lists the tensors,
/// `W.bin` holds their values, little-endian float32, concatenated in that order. Written from
/// the embedded runtime's freshly built model, so the PyTorch engine starts from exactly the
/// weights `schedc run` starts from.
public enum WeightsFile {
    public static let format = "schedc-weights"
    public static let version = 1

    /// The index (JSON text) and the data of `tensors`; `dataName` is the data file's name as
    /// the index refers to it (beside the index).
    public static func encode(_ tensors: [WeightsTensor], model: PlanModel?, seed: UInt64, dataName: String)
        -> (index: String, data: [UInt8]) {
        var data: [UInt8] = []
        data.reserveCapacity(tensors.reduce(0) { $0 + $1.values.count } * 4)
        var entries: [String] = []
        for tensor in tensors {
            let offset = data.count
            for value in tensor.values {
                let bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
            }
            entries.append("    {\"name\": \(JSONScalar.quote(tensor.name)), \"shape\": [\(tensor.shape.map(String.init).joined(separator: ", "))], "
                           + "\"offset\": \(offset), \"count\": \(tensor.values.count)}")
        }
        let index = """
        {
          "format": "\(format)",
          "version": \(version),
          "model": \(modelJSON(model)),
          "seed": \(seed),
          "tensors": [
        \(entries.joined(separator: ",\n"))
          ],
          "data": \(JSONScalar.quote(dataName))
        }

        """
        return (index, data)
    }

    /// The plan's model object: `{"kind": "mlp", "hidden": [512, 512]}`, `{"kind": "cnn"}`,
    /// `{"kind": "wrn", "depth": 16, "width": 4}`, or null.
    public static func modelJSON(_ model: PlanModel?) -> String {
        switch model {
        case nil: return "null"
        case .mlp(let hidden)?: return "{\"kind\": \"mlp\", \"hidden\": [\(hidden.map(String.init).joined(separator: ", "))]}"
        case .cnn?: return "{\"kind\": \"cnn\"}"
        case .wrn(let depth, let width)?: return "{\"kind\": \"wrn\", \"depth\": \(depth), \"width\": \(width)}"
        }
    }
}
