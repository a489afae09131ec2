/// An IDX array of unsigned bytes (the MNIST file format), as read from a file.
///
/// bytes: dimensions[0] × dimensions[1] × … row-major; dimensions[0] counts the items read,
/// which is fewer than `declaredCount` when only a prefix was asked for.
public struct IDXArray: Equatable, Sendable {
    public var dimensions: [Int]
    /// The number of items the file's header declares.
    public var declaredCount: Int
    public var bytes: [UInt8]

    /// Bytes per item (the product of the dimensions after the first).
    public var itemSize: Int { dimensions.dropFirst().reduce(1, *) }
}

/// The IDX format (LeCun et al.): a big-endian header `00 00 <type> <rank>`, then `rank`
/// big-endian UInt32 dimensions, then the elements. idx1 files hold labels, idx3 files images.
/// Plain and gzipped files are read alike.
public enum IDXFile {
    /// Element type code for unsigned bytes, the only one MNIST-format data sets use.
    public static let unsignedByteType: UInt8 = 0x08

    /// The magic number of an unsigned-byte IDX file of `rank` dimensions (0x801 labels, 0x803 images).
    public static func magic(rank: Int) -> UInt32 { UInt32(unsignedByteType) << 8 | UInt32(rank) }

    /// Reads an unsigned-byte IDX file of `rank` dimensions: all its items, or the first `limit`.
    ///
    /// When the whole file is read, bytes past what the header declares are an error; with a
    /// limit, the rest of the file is not read (nor checked).
    /// - Parameter itemName: what the items are, for messages ("images", "labels").
    public static func read(path: String, rank: Int, limit: Int? = nil, itemName: String = "items") throws -> IDXArray {
        dataPrecondition(rank >= 1 && rank <= 255, "an IDX rank is 1...255")
        let file = try InputFile(path: path)
        let expectedMagic = magic(rank: rank)

        let magicBytes = try file.read(upTo: 4)
        if magicBytes.isEmpty {
            throw DataError(.truncated, path: path, "empty file, expected an idx\(rank) header (magic number \(hex(expectedMagic)))")
        }
        if magicBytes.count < 4 {
            throw DataError(.truncated, path: path, "truncated: the file ends inside the IDX header (\(magicBytes.count) bytes)")
        }
        let foundMagic = bigEndianUInt32(magicBytes, at: 0)
        if magicBytes[0] != 0 || magicBytes[1] != 0 {
            throw DataError(.corrupt, path: path,
                            "not an IDX file: bad magic number \(hex(foundMagic)), expected \(hex(expectedMagic)) (idx\(rank), unsigned bytes)")
        }
        if magicBytes[2] != unsignedByteType {
            throw DataError(.corrupt, path: path,
                            "unsupported IDX element type \(hex(magicBytes[2])) (\(typeName(magicBytes[2]))), expected unsigned bytes (0x08)")
        }
        if Int(magicBytes[3]) != rank {
            throw DataError(.corrupt, path: path,
                            "bad magic number \(hex(foundMagic)): an idx\(magicBytes[3]) file, expected idx\(rank) (magic number \(hex(expectedMagic)))")
        }

        let dimensionBytes = try file.read(upTo: 4 * rank)
        if dimensionBytes.count < 4 * rank {
            throw DataError(.truncated, path: path,
                            "truncated: the file ends inside the IDX header (\(4 + dimensionBytes.count) of \(4 + 4 * rank) bytes)")
        }
        let declared = (0..<rank).map { Int(bigEndianUInt32(dimensionBytes, at: 4 * $0)) }
        let declaredCount = declared[0]
        var itemSize = 1
        for dimension in declared.dropFirst() {
            let (product, overflow) = itemSize.multipliedReportingOverflow(by: dimension)
            if overflow {
                throw DataError(.corrupt, path: path, "the IDX header declares an impossible size \(shape(declared[...]))")
            }
            itemSize = product
        }

        var wanted = declaredCount
        if let limit {
            if limit > declaredCount {
                throw DataError(.mismatch, path: path,
                                "asked for the first \(limit) \(itemName) but the header declares only \(declaredCount)")
            }
            wanted = limit
        }
        let (payload, overflow) = wanted.multipliedReportingOverflow(by: itemSize)
        if overflow {
            throw DataError(.corrupt, path: path, "the IDX header declares an impossible size \(shape(declared[...]))")
        }
        let headerSize = 4 + 4 * rank
        // A plain file's size is known before reading: fail fast instead of allocating first.
        if !file.isGzip && file.sizeOnDisk - headerSize < payload {
            throw truncation(path: path, wanted: wanted, declaredCount: declaredCount, itemName: itemName,
                             payload: payload, available: max(0, file.sizeOnDisk - headerSize))
        }
        let bytes = try file.read(upTo: payload)
        if bytes.count < payload {
            throw truncation(path: path, wanted: wanted, declaredCount: declaredCount, itemName: itemName,
                             payload: payload, available: bytes.count)
        }
        if limit == nil, try file.hasMoreData() {
            throw DataError(.corrupt, path: path,
                            "the file holds more data than its header declares (\(declaredCount) \(itemName), \(payload) bytes after the header)")
        }
        var dimensions = declared
        dimensions[0] = wanted
        return IDXArray(dimensions: dimensions, declaredCount: declaredCount, bytes: bytes)
    }

    /// The bytes of an unsigned-byte IDX file holding `bytes` with these dimensions.
    public static func encode(dimensions: [Int], bytes: [UInt8]) -> [UInt8] {
        dataPrecondition(!dimensions.isEmpty && dimensions.count <= 255, "an IDX rank is 1...255")
        dataPrecondition(dimensions.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) }, "IDX dimensions are UInt32")
        dataPrecondition(dimensions.reduce(1, *) == bytes.count, "dimensions \(dimensions) do not match \(bytes.count) bytes")
        var file: [UInt8] = []
        file.reserveCapacity(4 + 4 * dimensions.count + bytes.count)
        appendBigEndian(magic(rank: dimensions.count), to: &file)
        for dimension in dimensions { appendBigEndian(UInt32(dimension), to: &file) }
        file.append(contentsOf: bytes)
        return file
    }

    /// Writes an unsigned-byte IDX file, gzipped when `gzip` is true.
    public static func write(path: String, dimensions: [Int], bytes: [UInt8], gzip: Bool) throws {
        try writeDataFile(path: path, bytes: encode(dimensions: dimensions, bytes: bytes), gzip: gzip)
    }

    private static func truncation(path: String, wanted: Int, declaredCount: Int, itemName: String,
                                   payload: Int, available: Int) -> DataError {
        let what = wanted == declaredCount
            ? "the header declares \(declaredCount) \(itemName) (\(payload) bytes of data)"
            : "the first \(wanted) of the \(declaredCount) \(itemName) the header declares need \(payload) bytes of data"
        return DataError(.truncated, path: path, "truncated: \(what) but the file has only \(available)")
    }

    private static func typeName(_ code: UInt8) -> String {
        switch code {
        case 0x08: return "unsigned byte"
        case 0x09: return "signed byte"
        case 0x0B: return "short"
        case 0x0C: return "int"
        case 0x0D: return "float"
        case 0x0E: return "double"
        default: return "unknown"
        }
    }

    private static func shape(_ dimensions: ArraySlice<Int>) -> String {
        dimensions.map(String.init).joined(separator: "×")
    }
}

@inline(__always)
func bigEndianUInt32(_ bytes: [UInt8], at index: Int) -> UInt32 {
    UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
}

func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
    bytes.append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
}

/// `0x00000801` for magic numbers, `0x0d` for single bytes.
func hex<T: FixedWidthInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, T.bitWidth / 4 - digits.count)) + digits
}
