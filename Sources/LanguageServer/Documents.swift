import Foundation
import ScheduleAnalysis
import ScheduleLanguage

/// Converts between the analysis's UTF-8 byte offsets and the client's positions in the
/// negotiated encoding, for one version of a document.
public struct PositionConverter: Sendable {
    public let source: SourceFile
    public let encoding: PositionEncoding

    public init(source: SourceFile, encoding: PositionEncoding) {
        self.source = source
        self.encoding = encoding
    }

    public func position(_ offset: Int) -> LSPPosition {
        let position = source.position(of: offset, in: encoding)
        return LSPPosition(line: position.line, character: position.character)
    }

    public func range(_ range: SourceRange) -> LSPRange {
        LSPRange(start: position(range.start), end: position(range.end))
    }

    public func offset(_ position: LSPPosition) -> Int {
        source.offset(of: Position(line: position.line, character: position.character), in: encoding)
    }

    /// A client range as bytes; a range whose end comes before its start is read as empty.
    public func sourceRange(_ range: LSPRange) -> SourceRange {
        let start = offset(range.start)
        return SourceRange(start: start, end: max(start, offset(range.end)))
    }

    public func edit(_ edit: TextEdit) -> LSPTextEdit {
        LSPTextEdit(range: range(edit.range), newText: edit.newText)
    }
}

/// A converter for offsets that come mostly in order (a sorted list of diagnostics): each
/// one's line is looked for from the line of the one before.
struct PositionCursor {
    let converter: PositionConverter
    private var line = 0

    init(_ converter: PositionConverter) { self.converter = converter }

    mutating func position(_ offset: Int) -> LSPPosition {
        let position = converter.source.position(of: offset, in: converter.encoding, nearLine: line)
        line = position.line
        return LSPPosition(line: position.line, character: position.character)
    }

    mutating func range(_ range: SourceRange) -> LSPRange {
        let start = position(range.start)
        return LSPRange(start: start, end: position(range.end))
    }

    mutating func edit(_ edit: TextEdit) -> LSPTextEdit {
        LSPTextEdit(range: range(edit.range), newText: edit.newText)
    }
}

/// Why a change could not be applied (the document is then left as it was and the client is told).
public enum DocumentChangeError: Error, Hashable, Sendable, CustomStringConvertible {
    case edit(index: Int, TextEditError)

    public var description: String {
        switch self {
        case .edit(let index, let error): return "change \(index + 1): \(error)"
        }
    }
}

/// One open document: its text and version as the client last sent them, the analysis of that
/// text (computed when first needed), and the last analysis that produced a plan, which hover
/// and inlay hints fall back on, marked stale, while the text has errors.
public struct OpenDocument: Sendable {
    public let uri: String
    public private(set) var version: Int
    public private(set) var text: String
    private var cachedAnalysis: Analysis?
    /// The newest analysis that had a plan (possibly of an older version).
    public private(set) var lastPlanned: Analysis?
    /// The newest analysis made (possibly of an older version): the next one reuses its work.
    private var lastAnalysed: Analysis?
    /// Analyses replaced since the server last took them (`takeRetired`): it frees them once
    /// the new version's diagnostics are out, off the path from keystroke to diagnostics.
    private var retired: [Analysis] = []

    public init(uri: String, version: Int, text: String) {
        self.uri = uri
        self.version = version
        self.text = text
    }

    /// The analysis of the current text (the whole analysis: diagnostics, lints and plan).
    public mutating func analysis() -> Analysis {
        if let cachedAnalysis { return cachedAnalysis }
        let analysis = Analysis(Document(path: OpenDocument.path(ofURI: uri), text: text, version: version), options: .lint,
                                reusing: lastAnalysed)
        if let replaced = lastAnalysed { retired.append(replaced) }
        lastAnalysed = analysis
        cachedAnalysis = analysis
        if analysis.plan != nil {
            if let replaced = lastPlanned { retired.append(replaced) }
            lastPlanned = analysis
        }
        return analysis
    }

    /// Applies `changes` in order: each range refers to the text left by the changes before it,
    /// and a change without a range replaces the whole text. All or nothing.
    public mutating func apply(_ changes: [TextDocumentContentChangeEvent], version: Int, encoding: PositionEncoding) throws(DocumentChangeError) {
        var text = self.text
        for (index, change) in changes.enumerated() {
            guard let range = change.range else {
                text = change.text
                continue
            }
            let converter = PositionConverter(source: SourceFile(path: "", text: text), encoding: encoding)
            do {
                text = try TextEdit.apply([TextEdit(range: converter.sourceRange(range), newText: change.text)], to: text).text
            } catch {
                throw .edit(index: index, error)
            }
        }
        self.text = text
        self.version = version
        cachedAnalysis = nil
    }

    /// The analyses replaced since the last call, for the caller to free when it likes.
    public mutating func takeRetired() -> [Analysis] {
        defer { retired = [] }
        return retired
    }

    /// What diagnostics call the document: the file name of a `file:` URI, else the URI.
    static func path(ofURI uri: String) -> String {
        guard uri.hasPrefix("file://") else { return uri }
        let path = String(uri.dropFirst("file://".count))
        return path.removingPercentEncoding ?? path
    }
}
