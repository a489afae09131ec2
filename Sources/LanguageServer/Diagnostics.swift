import ScheduleAnalysis
import ScheduleLanguage

/// The analysis's diagnostics as LSP diagnostics: exactly what `schedc lint --format json`
/// prints for the file (code, severity, range, `source`, message, notes as related information,
/// fix-its under `data.fixes`), with ranges in the negotiated encoding and `codeDescription`
/// linking the code's entry in docs/language.md.
enum Diagnostics {
    /// From `parallelFrom` diagnostics on, converted in two halves at once (the same result).
    static func lsp(_ analysis: Analysis, uri: String, links: CodeLinks, converter: PositionConverter,
                    parallelFrom: Int = JSONWriter.parallelDiagnostics) -> [LSPDiagnostic] {
        let diagnostics = analysis.diagnostics
        // Each half in order, so each position is looked for from the line of the one before.
        return TwoHalves.elements(diagnostics.count, parallelFrom: parallelFrom, state: { PositionCursor(converter) }) { cursor, index in
            lsp(diagnostics[index], uri: uri, links: links, cursor: &cursor)
        }
    }

    static func lsp(_ diagnostic: Diagnostic, uri: String, links: CodeLinks, converter: PositionConverter) -> LSPDiagnostic {
        var cursor = PositionCursor(converter)
        return lsp(diagnostic, uri: uri, links: links, cursor: &cursor)
    }

    static func lsp(_ diagnostic: Diagnostic, uri: String, links: CodeLinks, cursor: inout PositionCursor) -> LSPDiagnostic {
        let range = cursor.range(diagnostic.range)
        let related = diagnostic.notes.map { note in
            LSPDiagnostic.RelatedInformation(location: Location(uri: uri, range: cursor.range(note.range ?? diagnostic.range)),
                                             message: note.message)
        }
        let fixes = diagnostic.fixIts.map { fixIt in
            LSPDiagnostic.Fix(title: fixIt.message, edits: fixIt.edits.map { cursor.edit($0) })
        }
        return LSPDiagnostic(range: range, severity: diagnostic.severity.rawValue,
                             code: diagnostic.code.rawValue,
                             codeDescription: .init(href: links.href(diagnostic.code)),
                             source: "schedc", message: diagnostic.message,
                             relatedInformation: related.isEmpty ? nil : related,
                             data: fixes.isEmpty ? nil : LSPDiagnostic.FixData(fixes: fixes))
    }
}

/// Quick fixes (one per fix-it of each diagnostic the requested range touches) and "format document".
enum CodeActions {
    static let quickFixKind = "quickfix"
    /// LSP has no standard kind for formatting; `source.*` actions show under "Source Action".
    static let formatKind = "source.format"

    static func actions(in range: SourceRange, only: [String]?, analysis: Analysis, uri: String, links: CodeLinks,
                        converter: PositionConverter) -> [CodeAction] {
        func wanted(_ kind: String) -> Bool {
            guard let only else { return true }
            return only.contains { kind == $0 || kind.hasPrefix($0 + ".") }
        }
        var actions: [CodeAction] = []
        if wanted(quickFixKind) {
            for diagnostic in analysis.diagnostics where touches(diagnostic.range, range) {
                let lsp = Diagnostics.lsp(diagnostic, uri: uri, links: links, converter: converter)
                for fixIt in diagnostic.fixIts {
                    actions.append(CodeAction(title: fixIt.message, kind: quickFixKind, diagnostics: [lsp],
                                              isPreferred: diagnostic.fixIts.count == 1 ? true : nil,
                                              edit: WorkspaceEdit(changes: [uri: fixIt.edits.map(converter.edit)])))
                }
            }
        }
        if wanted(formatKind), let edits = analysis.formattingEdits, !edits.isEmpty {
            actions.append(CodeAction(title: "Format document", kind: formatKind, diagnostics: nil, isPreferred: nil,
                                      edit: WorkspaceEdit(changes: [uri: edits.map(converter.edit)])))
        }
        return actions
    }

    /// Overlapping, or touching (an empty range at either end counts, as a cursor there does).
    static func touches(_ a: SourceRange, _ b: SourceRange) -> Bool {
        a.start <= b.end && b.start <= a.end
    }
}

/// Each code's `codeDescription.href`: its entry in docs/language.md (computed once, not per diagnostic).
struct CodeLinks {
    private let hrefs: [DiagnosticCode: String]

    init(documentation: String) {
        hrefs = Dictionary(uniqueKeysWithValues: DiagnosticCode.allCases.map { ($0, documentation + "#" + $0.entry.documentationAnchor) })
    }

    func href(_ code: DiagnosticCode) -> String { hrefs[code]! }
}
