import Foundation

// The LSP 3.17 structures the server reads and writes: only the members it uses. Decoding
// ignores members it does not know, so any client's messages decode.

public struct LSPPosition: Hashable, Sendable, Codable {
    public var line: Int
    public var character: Int
    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }
}

public struct LSPRange: Hashable, Sendable, Codable {
    public var start: LSPPosition
    public var end: LSPPosition
    public init(start: LSPPosition, end: LSPPosition) {
        self.start = start
        self.end = end
    }
}

public struct Location: Hashable, Sendable, Codable {
    public var uri: String
    public var range: LSPRange
}

public struct LSPTextEdit: Hashable, Sendable, Codable {
    public var range: LSPRange
    public var newText: String
}

public struct TextDocumentIdentifier: Hashable, Sendable, Codable {
    public var uri: String
}

public struct TextDocumentPositionParams: Hashable, Sendable, Codable {
    public var textDocument: TextDocumentIdentifier
    public var position: LSPPosition
}

// MARK: - Lifecycle

struct InitializeParams: Decodable {
    struct ClientCapabilities: Decodable {
        struct General: Decodable { var positionEncodings: [String]? }
        var general: General?
    }
    struct ClientInfo: Decodable {
        var name: String
        var version: String?
    }
    var processId: Int?
    var clientInfo: ClientInfo?
    var capabilities: ClientCapabilities?
}

struct InitializeResult: Encodable {
    struct ServerCapabilities: Encodable {
        struct TextDocumentSync: Encodable {
            var openClose = true
            /// 2: incremental (a change without `range` still replaces the whole text).
            var change = 2
        }
        struct CompletionOptions: Encodable {
            var triggerCharacters: [String]
            var resolveProvider = false
        }
        struct CodeActionOptions: Encodable {
            var codeActionKinds: [String]
        }
        struct SemanticTokensOptions: Encodable {
            var legend: SemanticTokensLegend
            var full = true
            var range = false
        }
        var positionEncoding: String
        var textDocumentSync = TextDocumentSync()
        var hoverProvider = true
        var completionProvider: CompletionOptions
        var documentFormattingProvider = true
        var codeActionProvider: CodeActionOptions
        var documentSymbolProvider = true
        var semanticTokensProvider: SemanticTokensOptions
        var foldingRangeProvider = true
        var inlayHintProvider = true
    }
    struct ServerInfo: Encodable {
        var name: String
        var version: String
    }
    var capabilities: ServerCapabilities
    var serverInfo: ServerInfo
}

struct CancelParams: Decodable {
    var id: RequestID
}

// MARK: - Text synchronisation

struct TextDocumentItem: Decodable {
    var uri: String
    var languageId: String?
    var version: Int
    var text: String
}

struct DidOpenTextDocumentParams: Decodable {
    var textDocument: TextDocumentItem
}

struct VersionedTextDocumentIdentifier: Decodable {
    var uri: String
    var version: Int
}

public struct TextDocumentContentChangeEvent: Hashable, Sendable, Codable {
    /// Absent: `text` replaces the whole document.
    public var range: LSPRange?
    public var text: String
    public init(range: LSPRange?, text: String) {
        self.range = range
        self.text = text
    }
}

struct DidChangeTextDocumentParams: Decodable {
    var textDocument: VersionedTextDocumentIdentifier
    var contentChanges: [TextDocumentContentChangeEvent]
}

struct DidCloseTextDocumentParams: Decodable {
    var textDocument: TextDocumentIdentifier
}

// MARK: - Diagnostics

/// A diagnostic as `schedc lint --format json` prints it, plus `codeDescription`.
public struct LSPDiagnostic: Hashable, Sendable, Codable {
    public struct CodeDescription: Hashable, Sendable, Codable {
        public var href: String
    }
    public struct RelatedInformation: Hashable, Sendable, Codable {
        public var location: Location
        public var message: String
    }
    public struct Fix: Hashable, Sendable, Codable {
        public var title: String
        public var edits: [LSPTextEdit]
    }
    public struct FixData: Hashable, Sendable, Codable {
        public var fixes: [Fix]
    }
    public var range: LSPRange
    public var severity: Int
    public var code: String
    public var codeDescription: CodeDescription?
    public var source: String
    public var message: String
    public var relatedInformation: [RelatedInformation]?
    /// The fix-its, in the shape `schedc lint --format json` gives them.
    public var data: FixData?
}

struct PublishDiagnosticsParams: Encodable {
    var uri: String
    var version: Int?
    var diagnostics: [LSPDiagnostic]
}

// MARK: - Language features

public struct MarkupContent: Hashable, Sendable, Codable {
    public var kind = "markdown"
    public var value: String
}

public struct Hover: Hashable, Sendable, Codable {
    public var contents: MarkupContent
    public var range: LSPRange?
}

struct InlayHintParams: Decodable {
    var textDocument: TextDocumentIdentifier
    var range: LSPRange
}

public struct InlayHint: Hashable, Sendable, Codable {
    public var position: LSPPosition
    public var label: String
    public var paddingLeft: Bool?
    public var tooltip: String?
}

public struct CompletionItem: Hashable, Sendable, Codable {
    public var label: String
    /// LSP's CompletionItemKind: 10 property, 12 value, 14 keyword, 15 snippet, 20 enum member, 24 operator.
    public var kind: Int
    public var detail: String?
    public var documentation: MarkupContent?
    public var insertText: String?
    /// 1 plain text, 2 snippet.
    public var insertTextFormat: Int?
    public var sortText: String?
}

public struct CompletionList: Hashable, Sendable, Codable {
    public var isIncomplete = false
    public var items: [CompletionItem]
}

struct DocumentFormattingParams: Decodable {
    var textDocument: TextDocumentIdentifier
}

struct CodeActionParams: Decodable {
    struct Context: Decodable {
        var only: [String]?
    }
    var textDocument: TextDocumentIdentifier
    var range: LSPRange
    var context: Context?
}

public struct WorkspaceEdit: Hashable, Sendable, Codable {
    public var changes: [String: [LSPTextEdit]]
}

public struct CodeAction: Hashable, Sendable, Codable {
    public var title: String
    public var kind: String
    public var diagnostics: [LSPDiagnostic]?
    public var isPreferred: Bool?
    public var edit: WorkspaceEdit
}

public struct DocumentSymbol: Hashable, Sendable, Codable {
    public var name: String
    public var detail: String?
    /// LSP's SymbolKind: 7 property, 24 event, 8 field (a phase).
    public var kind: Int
    public var range: LSPRange
    public var selectionRange: LSPRange
    public var children: [DocumentSymbol]?
}

public struct SemanticTokensLegend: Hashable, Sendable, Codable {
    public var tokenTypes: [String]
    public var tokenModifiers: [String]
}

public struct SemanticTokens: Hashable, Sendable, Codable {
    public var data: [Int]
}

public struct FoldingRange: Hashable, Sendable, Codable {
    public var startLine: Int
    public var endLine: Int
    public var kind: String?
}

struct LogMessageParams: Encodable {
    /// 1 error, 2 warning, 3 info, 4 log.
    var type: Int
    var message: String
}
