import ScheduleLanguage

/// Renders diagnostics for people, in the swiftc/rustc style:
///
///     bad.sched:7:1: error: unknown setting 'lerning_rate' [S101]
///      7 | lerning_rate 0.1
///        | ^~~~~~~~~~~~
///        = help: did you mean 'lr'?
///      7 | lr 0.1
///        | ~~
///
/// - the header names the file, the 1-based line and display column (`SourceFile.location`),
///   the severity, the message and the code;
/// - the source line is printed with tabs expanded to the same tab stops the column uses, and
///   the range is underlined (`^` then `~`; a lone `^` marks an insertion point), so the
///   underline sits under the text whatever tabs or non-ASCII characters precede it;
/// - notes without a place follow as `= note:`; notes with a place get their own header and
///   snippet; each fix-it is a `= help:` line followed by the line as the fix would leave it
///   (`~` under replaced text, `+` under inserted text, `-` under deleted text; whole inserted
///   or removed lines are shown as `N + text` / `N - text`).
///
/// A source line longer than `maxLineBytes` is shown only around the range, with `…` where it
/// is cut, so a diagnostic costs output in proportion to what it points at, not to the line.
///
/// Shared by every command that prints diagnostics (check, lint, fmt, and later plan and run).
struct DiagnosticRenderer {
    let style: Style

    /// Lines up to this many bytes are printed whole (every line of the golden cases is).
    static let maxLineBytes = 160
    /// Bytes shown before the point of interest on a cut line.
    static let contextBefore = 60

    /// Errors printed per file by default (like Go's and Swift's compilers); `--error-limit 0`
    /// lifts the cap, and JSON output always keeps every diagnostic.
    static let defaultErrorLimit = 20

    init(colour: Bool) {
        style = Style(enabled: colour)
    }

    /// All diagnostics of one file, each followed by a blank line.
    func render(_ diagnostics: [Diagnostic], in source: SourceFile) -> String {
        diagnostics.map { render($0, in: source) + "\n" }.joined()
    }

    /// The diagnostics of one file as `write` receives them, one at a time (so output streams),
    /// until `errorLimit` errors are shown (nil: no limit); then a line saying how many errors
    /// and warnings were left out.
    func render(_ diagnostics: [Diagnostic], in source: SourceFile, errorLimit: Int?, write: (String) -> Void) {
        var errorsShown = 0
        for (index, diagnostic) in diagnostics.enumerated() {
            if let errorLimit, errorsShown >= errorLimit {
                let rest = diagnostics[index...]
                let errors = rest.filter { $0.severity == .error }.count
                let others = rest.count - errors
                var parts: [String] = []
                if errors > 0 { parts.append("\(errors) more error\(errors == 1 ? "" : "s")") }
                if others > 0 { parts.append("\(others) more diagnostic\(others == 1 ? "" : "s")") }
                write("\(source.path): \(parts.joined(separator: " and ")) not shown (--error-limit 0 shows all)\n\n")
                return
            }
            write(render(diagnostic, in: source) + "\n")
            if diagnostic.severity == .error { errorsShown += 1 }
        }
    }

    func render(_ diagnostic: Diagnostic, in source: SourceFile) -> String {
        let gutter = String(source.lineCount + 1).count
        var output = header(source, diagnostic.range, severity: diagnostic.severity, message: diagnostic.message,
                            code: diagnostic.code)
        output += snippet(source, diagnostic.range, gutter: gutter, severity: diagnostic.severity)
        for note in diagnostic.notes where note.range == nil {
            output += margin(gutter) + style.bold("= note: ") + note.message + "\n"
        }
        for note in diagnostic.notes {
            guard let range = note.range else { continue }
            output += header(source, range, severity: nil, message: note.message, code: nil)
            output += snippet(source, range, gutter: gutter, severity: nil)
        }
        for fixIt in diagnostic.fixIts {
            output += margin(gutter) + style.green("= help: ") + fixIt.message + "\n"
            output += fixSnippet(fixIt, in: source, gutter: gutter)
        }
        return output
    }

    /// "found 2 errors and 1 warning", or nil when there is nothing to say.
    static func summary(errors: Int, warnings: Int) -> String? {
        guard errors + warnings > 0 else { return nil }
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        var parts: [String] = []
        if errors > 0 { parts.append(count(errors, "error")) }
        if warnings > 0 { parts.append(count(warnings, "warning")) }
        return "found " + parts.joined(separator: " and ")
    }

    // MARK: - Pieces

    private func header(_ source: SourceFile, _ range: SourceRange, severity: Diagnostic.Severity?, message: String,
                        code: DiagnosticCode?) -> String {
        let (line, column) = source.location(of: range.start)
        let label: String
        switch severity {
        case .error?: label = style.red("error:")
        case .warning?: label = style.yellow("warning:")
        case .information?: label = style.cyan("info:")
        case .hint?: label = style.cyan("hint:")
        case nil: label = style.cyan("note:")
        }
        let location = style.bold("\(source.path):\(line):\(column):")
        return "\(location) \(label) \(style.bold(message))" + (code.map { " [\($0)]" } ?? "") + "\n"
    }

    private func margin(_ gutter: Int) -> String {
        String(repeating: " ", count: gutter + 2)
    }

    private func gutterLine(_ number: Int?, _ gutter: Int, separator: String = "|") -> String {
        let text = number.map(String.init) ?? ""
        return style.blue(" " + String(repeating: " ", count: gutter - text.count) + text + " " + separator) + " "
    }

    /// The line holding `range.start`, with markers under the range (clipped to that line).
    private func snippet(_ source: SourceFile, _ range: SourceRange, gutter: Int, severity: Diagnostic.Severity?) -> String {
        let line = source.lineIndex(containing: range.start)
        let content = source.lineContentRange(line)
        let shown = LineWindow(Array(source.bytes[content.start..<content.end]),
                               focus: min(max(0, range.start - content.start), content.end - content.start))
        let startColumn = shown.column(atLineOffset: min(range.start, content.end) - content.start)
        let endColumn = shown.column(atLineOffset: min(max(range.end, range.start), content.end) - content.start)
        let markers = endColumn > startColumn ? "^" + String(repeating: "~", count: endColumn - startColumn - 1) : "^"
        let coloured: String
        switch severity {
        case .error?: coloured = style.red(markers)
        case .warning?: coloured = style.yellow(markers)
        default: coloured = style.cyan(markers)
        }
        return gutterLine(line + 1, gutter) + shown.text + "\n"
            + gutterLine(nil, gutter) + String(repeating: " ", count: startColumn) + coloured + "\n"
    }

    /// The part of one line a snippet prints: the whole line when it is short, else about
    /// `maxLineBytes` from `contextBefore` bytes before the focus, with `…` at each cut end.
    /// Columns count from the start of what is printed, so markers line up with `text`.
    private struct LineWindow {
        let bytes: [UInt8]
        let start: Int, end: Int
        let cutStart: Bool
        let text: String

        init(_ bytes: [UInt8], focus: Int) {
            self.bytes = bytes
            var start = 0, end = bytes.count
            if bytes.count > DiagnosticRenderer.maxLineBytes {
                start = LineWindow.scalarStart(bytes, max(0, focus - DiagnosticRenderer.contextBefore))
                end = LineWindow.scalarStart(bytes, min(bytes.count, start + DiagnosticRenderer.maxLineBytes))
            }
            self.start = start
            self.end = end
            cutStart = start > 0
            text = (cutStart ? "…" : "") + DiagnosticRenderer.printable(String(decoding: bytes[start..<end], as: UTF8.self))
                + (end < bytes.count ? "…" : "")
        }

        /// The display column of a byte offset of the line (offsets outside the window clamp to it).
        func column(atLineOffset offset: Int) -> Int {
            let offset = LineWindow.scalarStart(bytes, min(max(offset, start), end))
            return (cutStart ? 1 : 0) + SourceFile.displayWidth(of: String(decoding: bytes[start..<offset], as: UTF8.self))
        }

        /// `offset` moved back to the first byte of its UTF-8 sequence.
        static func scalarStart(_ bytes: [UInt8], _ offset: Int) -> Int {
            var offset = offset
            while offset > 0, offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset -= 1 }
            return offset
        }
    }

    /// The line as a terminal shows it: tabs expanded to the tab stops, control characters
    /// replaced by U+FFFD (one column, as `SourceFile.width(of:)` counts them).
    fileprivate static func printable(_ text: String) -> String {
        var output = ""
        var column = 0
        for character in text {
            if character == "\t" {
                let next = SourceFile.advance(column, over: character)
                output += String(repeating: " ", count: next - column)
                column = next
                continue
            }
            if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
               scalar.properties.generalCategory == .control {
                output += "\u{FFFD}"
            } else {
                output += String(character)
            }
            column = SourceFile.advance(column, over: character)
        }
        return output
    }

    // MARK: - Fix-its

    private func fixSnippet(_ fixIt: Diagnostic.FixIt, in source: SourceFile, gutter: Int) -> String {
        let edits = fixIt.edits.sorted { $0.range < $1.range }
        // Whole lines inserted.
        if edits.count == 1, let edit = edits.first, edit.range.isEmpty, edit.newText.hasSuffix("\n") {
            var text = edit.newText
            var firstLine = source.lineIndex(containing: edit.range.start) + 1
            if text.hasPrefix("\n") { // appended after a last line without a newline
                text.removeFirst()
                firstLine += 1
            }
            return text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
                gutterLine(firstLine + index, gutter, separator: "+") + style.green(DiagnosticRenderer.printable(String(line))) + "\n"
            }.joined()
        }
        // Whole lines removed.
        if edits.count == 1, let edit = edits.first, edit.newText.isEmpty, !edit.range.isEmpty,
           source.isLineStart(edit.range.start),
           edit.range.end == source.bytes.count || source.isLineStart(edit.range.end) {
            let first = source.lineIndex(containing: edit.range.start)
            let last = source.lineIndex(containing: edit.range.end - 1)
            return (first...last).map { line in
                gutterLine(line + 1, gutter, separator: "-") + style.red(DiagnosticRenderer.printable(source.lineText(line))) + "\n"
            }.joined()
        }
        // Edits within one line.
        guard let first = edits.first else { return "" }
        let line = source.lineIndex(containing: first.range.start)
        let content = source.lineContentRange(line)
        guard edits.allSatisfy({ $0.range.start >= content.start && $0.range.end <= content.end && !$0.newText.contains("\n") })
        else { return "" }
        if edits.allSatisfy({ $0.newText.isEmpty }) {
            // Pure deletion: the original line, with '-' under what goes.
            let shown = LineWindow(Array(source.bytes[content.start..<content.end]), focus: first.range.start - content.start)
            var markers = ""
            var column = 0
            for edit in edits {
                let start = shown.column(atLineOffset: edit.range.start - content.start)
                let end = shown.column(atLineOffset: edit.range.end - content.start)
                markers += String(repeating: " ", count: max(0, start - column)) + String(repeating: "-", count: max(1, end - start))
                column = max(end, start + 1)
            }
            return gutterLine(line + 1, gutter) + shown.text + "\n"
                + gutterLine(nil, gutter) + style.red(markers) + "\n"
        }
        // The line as the fix leaves it, then `~`/`+` under where each edit's text landed.
        let onLine = edits.map { TextEdit(range: SourceRange(start: $0.range.start - content.start, end: $0.range.end - content.start),
                                          newText: $0.newText) }
        guard let patched = try? TextEdit.apply(onLine, to: source.slice(content)) else { return "" }
        let shown = LineWindow(Array(patched.text.utf8), focus: patched.insertedRanges.first?.start ?? 0)
        var markers = ""
        for (edit, inserted) in zip(onLine, patched.insertedRanges) {
            let startColumn = shown.column(atLineOffset: inserted.start), endColumn = shown.column(atLineOffset: inserted.end)
            let symbol: Character = edit.range.isEmpty ? "+" : "~"
            markers += String(repeating: " ", count: max(0, startColumn - markers.count))
                + String(repeating: symbol, count: max(1, endColumn - startColumn))
        }
        return gutterLine(line + 1, gutter) + shown.text + "\n"
            + gutterLine(nil, gutter) + style.green(markers) + "\n"
    }
}
