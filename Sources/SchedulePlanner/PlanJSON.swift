/// The JSON form of a plan (`schedc plan FILE --format json`, docs/plan-json.md): one object,
/// keys in a fixed documented order, two-space indentation, numbers in their shortest exact
/// form (a plan read back with `JSONDecoder` equals the one written). Hand-written rather than
/// `JSONEncoder` because its key order is not stable.
extension Plan {
    public func jsonText() -> String {
        let out = JSONWriter()
        out.object {
            out.key("schedule") { out.string(schedule) }
            out.key("dataset") { out.optional(dataset, out.string) }
            out.key("dataset_size") { out.int(datasetSize) }
            out.key("epochs") { out.int(epochs) }
            out.key("policy") { out.string(policy) }
            out.key("max_batch") { out.int(maxBatch) }
            out.key("micro_batch") { out.optional(microBatch, out.int) }
            out.key("ghost_batch") { out.optional(ghostBatch, out.int) }
            out.key("warmup") {
                if let warmup {
                    out.object {
                        out.key("length") { out.number(warmup.length) }
                        out.key("unit") { out.string(warmup.unit) }
                        out.key("updates") { out.int(warmup.updates) }
                    }
                } else { out.null() }
            }
            out.key("total_updates") { out.int(totalUpdates) }
            out.key("phases") {
                out.array(phases) { phase in
                    out.object {
                        out.key("start_epoch") { out.number(phase.startEpoch) }
                        out.key("end_epoch") { out.number(phase.endEpoch) }
                        out.key("start_update") { out.int(phase.startUpdate) }
                        out.key("end_update") { out.int(phase.endUpdate) }
                        out.key("start_sample") { out.int(phase.startSample) }
                        out.key("end_sample") { out.int(phase.endSample) }
                        out.key("batch") { out.int(phase.batch) }
                        out.key("micro_batch") { out.int(phase.microBatch) }
                        out.key("accumulation") { out.int(phase.accumulation) }
                        out.key("pass_sizes") { out.inlineArray(phase.passSizes.map(String.init)) }
                        out.key("lr") { out.number(phase.learningRate) }
                        out.key("momentum") { out.number(phase.momentum) }
                        out.key("noise") { out.number(phase.noise) }
                        out.key("updates") { out.int(phase.updates) }
                        out.key("warmup") { out.bool(phase.warmup) }
                    }
                }
            }
            out.key("changes") {
                out.array(changes) { change in
                    out.object {
                        out.key("epoch") { out.number(change.epoch) }
                        out.key("update") { out.int(change.update) }
                        out.key("sample") { out.int(change.sample) }
                        out.key("event_index") { out.optional(change.eventIndex, out.int) }
                        out.key("at") { out.string(change.at) }
                        out.key("event") { out.string(change.event) }
                        out.key("effect") { out.string(change.effect) }
                        out.key("limit") { out.optional(change.limit?.rawValue, out.string) }
                        out.key("note") { out.optional(change.note, out.string) }
                        out.key("before") { out.state(change.before) }
                        out.key("after") { out.state(change.after) }
                    }
                }
            }
        }
        return out.text + "\n"
    }
}

/// A minimal pretty-printing JSON writer: objects and arrays one member per line.
private final class JSONWriter {
    var text = ""
    private var indent = 0
    private var first = true

    func object(_ body: () -> Void) {
        text += "{"
        indent += 1
        first = true
        body()
        indent -= 1
        if !first { newline() }
        text += "}"
        first = false
    }

    func key(_ name: String, _ value: () -> Void) {
        if !first { text += "," }
        newline()
        string(name)
        text += ": "
        value()
        first = false
    }

    func array<T>(_ items: [T], _ element: (T) -> Void) {
        text += "["
        indent += 1
        for (i, item) in items.enumerated() {
            if i > 0 { text += "," }
            newline()
            element(item)
        }
        indent -= 1
        if !items.isEmpty { newline() }
        text += "]"
        first = false
    }

    /// A short array of already-encoded scalars on one line: `[1024, 1024]`.
    func inlineArray(_ encoded: [String]) { text += "[" + encoded.joined(separator: ", ") + "]" }

    func state(_ s: OptimizerState) {
        text += "{\"batch\": \(s.batch), \"lr\": \(Self.encode(s.learningRate)), \"momentum\": \(Self.encode(s.momentum))}"
    }

    func string(_ s: String) { text += JSONScalar.quote(s) }

    func int(_ value: Int) { text += String(value) }
    func number(_ value: Double) { text += Self.encode(value) }
    func bool(_ value: Bool) { text += value ? "true" : "false" }
    func null() { text += "null" }

    func optional<T>(_ value: T?, _ write: (T) -> Void) {
        if let value { write(value) } else { null() }
    }

    /// A plan number (`JSONScalar.number`); a plan never holds a non-finite one.
    static func encode(_ value: Double) -> String {
        precondition(value.isFinite, "plans hold finite numbers only")
        return JSONScalar.number(value)
    }

    private func newline() {
        text += "\n" + String(repeating: "  ", count: indent)
    }
}
