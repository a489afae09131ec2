/// Pixel bytes as Float in [0, 1]: b / 255, so 0 and 255 map exactly to 0 and 1.
///
/// out: bytes.count floats
func unitIntervalFloats(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<Float>) {
    // A plain loop: compiled -Ounchecked for the host, it vectorises (8 lanes of AVX2).
    for i in 0..<bytes.count { out[i] = Float(bytes[i]) / 255 }
}

func unitIntervalFloats(_ bytes: [UInt8]) -> [Float] {
    [Float](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
        bytes.withUnsafeBufferPointer { unitIntervalFloats($0, into: buffer.baseAddress!) }
        initialized = bytes.count
    }
}

/// Label bytes as Int32, each checked to be in 0..<classes.
/// - Parameters: firstIndex: the index of `bytes[0]` in its file, for the message.
func checkedLabels(_ bytes: ArraySlice<UInt8>, classes: Int, path: String, firstIndex: Int = 0) throws -> [Int32] {
    var labels = [Int32]()
    labels.reserveCapacity(bytes.count)
    for (offset, byte) in bytes.enumerated() {
        guard Int(byte) < classes else {
            throw DataError(.labelOutOfRange, path: path,
                            "label \(byte) of item \(firstIndex + offset) is out of range (labels are 0 to \(classes - 1))")
        }
        labels.append(Int32(byte))
    }
    return labels
}
