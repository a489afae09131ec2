/// A data file or directory that cannot be used: missing, truncated or corrupt.
///
/// The message always names the file (or directory) and says what is wrong, so the CLI can
/// print `description` as is: `<path>: <problem>`.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem, for callers and tests that branch on it.
    public enum Kind: String, Sendable {
        /// The file does not exist or cannot be opened or read.
        case unreadable
        /// The file ends before the data its header declares.
        case truncated
        /// The bytes are not what the format says (magic number, gzip stream, record size...).
        case corrupt
        /// Two files (or a file and a request) disagree on a count or a shape.
        case mismatch
        /// A label outside `0..<classes`.
        case labelOutOfRange
        /// No directory in the search order holds the data set.
        case notFound
    }

    public let kind: Kind
    /// The file or directory concerned.
    public let path: String
    /// What is wrong, lowercase, no trailing period.
    public let problem: String

    public init(_ kind: Kind, path: String, _ problem: String) {
        self.kind = kind
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// Stops the program on misuse of the data API — a programming error, never bad data (bad data
/// throws `DataError`). Unlike `precondition`, kept in the -Ounchecked builds this target uses.
@inline(__always)
func dataPrecondition(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
