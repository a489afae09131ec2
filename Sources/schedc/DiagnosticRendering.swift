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
/// Shared by every command that prints diagnostics (check, lint, fmt, and later plan and run).
struct DiagnosticRenderer {
    let style: Style

    init(colour: Bool) {
        style = Style(enabled: colour)
    }

    /// All diagnostics of one file, each followed by a blank line.
    func render(_ diagnostics: [Diagnostic], in source: SourceFile) -> String {
        diagnostics.map { render($0, in: source) + "\n" }.joined()
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
        let text = source.lineText(line)
        let startColumn = displayColumn(source, from: content.start, to: min(range.start, content.end))
        let endColumn = displayColumn(source, from: content.start, to: min(max(range.end, range.start), content.end))
        let markers = endColumn > startColumn ? "^" + String(repeating: "~", count: endColumn - startColumn - 1) : "^"
        let coloured: String
        switch severity {
        case .error?: coloured = style.red(markers)
        case .warning?: coloured = style.yellow(markers)
        default: coloured = style.cyan(markers)
        }
        return gutterLine(line + 1, gutter) + printable(text) + "\n"
            + gutterLine(nil, gutter) + String(repeating: " ", count: startColumn) + coloured + "\n"
    }

    /// Display columns between two offsets of one line (tabs expanded from the line start).
    private func displayColumn(_ source: SourceFile, from lineStart: Int, to offset: Int) -> Int {
        SourceFile.displayWidth(of: source.slice(SourceRange(start: lineStart, end: max(lineStart, offset))))
    }

    /// The line as a terminal shows it: tabs expanded to the tab stops, control characters
    /// replaced by U+FFFD (one column, as `SourceFile.width(of:)` counts them).
    private func printable(_ text: String) -> String {
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
                gutterLine(firstLine + index, gutter, separator: "+") + style.green(printable(String(line))) + "\n"
            }.joined()
        }
        // Whole lines removed.
        if edits.count == 1, let edit = edits.first, edit.newText.isEmpty, !edit.range.isEmpty,
           source.lineStarts.contains(edit.range.start),
           edit.range.end == source.bytes.count || source.lineStarts.contains(edit.range.end) {
            let first = source.lineIndex(containing: edit.range.start)
            let last = source.lineIndex(containing: edit.range.end - 1)
            return (first...last).map { line in
                gutterLine(line + 1, gutter, separator: "-") + style.red(printable(source.lineText(line))) + "\n"
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
            var markers = ""
            var column = 0
            for edit in edits {
                let start = displayColumn(source, from: content.start, to: edit.range.start)
                let end = displayColumn(source, from: content.start, to: edit.range.end)
                markers += String(repeating: " ", count: max(0, start - column)) + String(repeating: "-", count: max(1, end - start))
                column = max(end, start + 1)
            }
            return gutterLine(line + 1, gutter) + printable(source.lineText(line)) + "\n"
                + gutterLine(nil, gutter) + style.red(markers) + "\n"
        }
        // The line as the fix leaves it, then `~`/`+` under where each edit's text landed.
        let onLine = edits.map { TextEdit(range: SourceRange(start: $0.range.start - content.start, end: $0.range.end - content.start),
                                          newText: $0.newText) }
        guard let patched = try? TextEdit.apply(onLine, to: source.slice(content)) else { return "" }
        let bytes = Array(patched.text.utf8)
        func column(at offset: Int) -> Int { SourceFile.displayWidth(of: String(decoding: bytes[..<offset], as: UTF8.self)) }
        var markers = ""
        for (edit, inserted) in zip(onLine, patched.insertedRanges) {
            let startColumn = column(at: inserted.start), endColumn = column(at: inserted.end)
            let symbol: Character = edit.range.isEmpty ? "+" : "~"
            markers += String(repeating: " ", count: max(0, startColumn - markers.count))
                + String(repeating: symbol, count: max(1, endColumn - startColumn))
        }
        return gutterLine(line + 1, gutter) + printable(patched.text) + "\n"
            + gutterLine(nil, gutter) + style.green(markers) + "\n"
    }
}
