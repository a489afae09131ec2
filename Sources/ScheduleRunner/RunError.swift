/// Why a run could not start, continue or finish. Every case has a lowercase message that names
/// the file or setting concerned; the CLI prints it and chooses the exit status by `kind`.
public struct RunError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The schedule cannot be run: no `model`, a data set with no loader, `data size N`
        /// (exit 1, like a schedule error).
        case notRunnable
        /// A file of the run could not be read or written, the data set could not be loaded,
        /// a run directory is missing, damaged or in use (exit 2).
        case io
        /// A checkpoint that is not one, is damaged, or belongs to another schedule (exit 2).
        case checkpoint
        /// Training produced a non-finite loss (exit 1).
        case diverged
        /// The runner broke one of its own invariants (update count ≠ plan): a bug (exit 1).
        case internalError
    }

    /// Why a schedule or plan that checks cannot run, when that is the error: each has a
    /// diagnostic code (S5xx, docs/language.md) the CLI prints after the message.
    public enum Refusal: String, CaseIterable, Sendable {
        /// The plan names no model.
        case noModel
        /// `data size N`, or a data set schedc plans but has no loader for.
        case dataSetWithoutLoader
        /// No directory in the search order holds the data set.
        case dataSetNotFound
        /// The data is there but cannot be used: unreadable, damaged, labels out of range, or
        /// another image shape or number of examples than the data set's and the plan's.
        case unusableData
        /// A plan that is not valid (a plan file's, or one that breaks `Plan.validate`).
        case planRefused
    }

    public let kind: Kind
    public let message: String
    public let refusal: Refusal?

    public init(_ kind: Kind, _ message: String, refusal: Refusal? = nil) {
        self.kind = kind
        self.message = message
        self.refusal = refusal
    }

    public var description: String {
        kind == .internalError ? "internal error: \(message) (this is a bug in schedc; please report it)" : message
    }
}
