/// A half-open range of UTF-8 byte offsets into one source file.
///
/// Offsets, not line/column pairs, are what every stage stores: they are exact, cheap and
/// independent of tabs or non-ASCII text. `SourceFile` turns them into 1-based line/column
/// for humans and 0-based UTF-16 positions for LSP-shaped output.
public struct SourceRange: Hashable, Sendable, Comparable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        precondition(start <= end, "a source range ends before it starts")
        self.start = start
        self.end = end
    }

    /// An empty range at `offset` (an insertion point, e.g. for a missing token).
    public static func at(_ offset: Int) -> SourceRange { SourceRange(start: offset, end: offset) }

    public var isEmpty: Bool { start == end }

    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }

    public static func < (a: SourceRange, b: SourceRange) -> Bool {
        (a.start, a.end) < (b.start, b.end)
    }
}
