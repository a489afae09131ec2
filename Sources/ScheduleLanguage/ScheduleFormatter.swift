/// `schedc fmt`: rewrites a file in canonical style (docs/language.md, "Canonical style").
///
/// - one statement per line, single spaces between tokens, `, ` between list items, `: `
///   after event times and argument labels, no space inside brackets;
/// - setting values start in column 13 (names padded to 12 characters, one space at least);
///   the `schedule NAME` header line takes a single space;
/// - numbers normalised (`.50` → `0.5`, `5E-04` → `5e-4`, `50K` → `50k`, `007` → `7`),
///   units normalised (`at epoch`, `every 20 epochs`, `warmup 5 epochs`; singular after `1`);
/// - every comment kept: whole-line comments start in column 1; trailing comments of a
///   paragraph (lines between blank lines) are aligned one space after the longest of the
///   statements that carry one;
/// - at most one blank line in a row, none at the start or end; "\n" line endings; a final
///   newline.
///
/// Files with syntax errors are refused (formatting a guess could lose text).
public enum ScheduleFormatter {
    /// Column (0-based) at which setting values start.
    public static let settingValueColumn = 12

    public struct Refused: Error, Sendable {
        /// The syntax errors that stop formatting.
        public let diagnostics: [Diagnostic]
    }

    /// The canonical text of `source`; throws `Refused` when it has syntax errors.
    public static func format(_ source: SourceFile) throws -> String {
        let tree = Parser.parse(source)
        guard !tree.hasSyntaxErrors else { throw Refused(diagnostics: tree.diagnostics) }
        return format(tree)
    }

    /// The edits that turn the tree's text into its canonical text: none when it is formatted
    /// already, else one edit spanning from the first to the last character that changes (so
    /// an editor keeps the cursor and the undo step small). Nil when it has syntax errors.
    public static func edits(toFormat tree: SyntaxTree) -> [TextEdit]? {
        guard !tree.hasSyntaxErrors else { return nil }
        let old = Array(tree.source.text.unicodeScalars), new = Array(format(tree).unicodeScalars)
        guard old != new else { return [] }
        var prefix = 0
        while prefix < min(old.count, new.count), old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < min(old.count, new.count) - prefix, old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
        func utf8Count(_ scalars: ArraySlice<Unicode.Scalar>) -> Int { scalars.reduce(0) { $0 + UTF8.width($1) } }
        let start = utf8Count(old[..<prefix])
        let end = tree.source.bytes.count - utf8Count(old[(old.count - suffix)...])
        var replacement = String.UnicodeScalarView()
        replacement.append(contentsOf: new[prefix..<(new.count - suffix)])
        return [TextEdit(range: SourceRange(start: start, end: end), newText: String(replacement))]
    }

    /// The canonical text of a tree without syntax errors.
    public static func format(_ tree: SyntaxTree) -> String {
        precondition(!tree.hasSyntaxErrors, "the formatter only formats files without syntax errors")
        var lines: [Line] = []
        var statements = tree.statements.makeIterator()
        var nextStatement = statements.next()
        var lineStatement: Statement?
        for token in tree.tokens {
            if let statement = nextStatement, token.range.start == statement.range.start, !token.isLineEnd {
                lineStatement = statement
                nextStatement = statements.next()
            }
            guard token.isLineEnd else { continue }
            let comment = token.comment.map { trimTrailingSpace(tree.source.slice($0)) }
            let code = lineStatement.map { Printer(source: tree.source).statement($0) }
            if token.kind == .endOfFile, code == nil, comment == nil { break }
            lines.append(Line(code: code, comment: comment))
            lineStatement = nil
        }
        return layout(lines)
    }

    struct Line {
        var code: String?
        var comment: String?
        var isBlank: Bool { code == nil && comment == nil }
    }

    /// Blank-line rules and trailing-comment alignment.
    static func layout(_ input: [Line]) -> String {
        var lines: [Line] = []
        for line in input {
            if line.isBlank, lines.last?.isBlank ?? true { continue }
            lines.append(line)
        }
        while lines.last?.isBlank == true { lines.removeLast() }
        var output = ""
        var paragraphStart = 0
        while paragraphStart < lines.count {
            var paragraphEnd = paragraphStart
            while paragraphEnd < lines.count, !lines[paragraphEnd].isBlank { paragraphEnd += 1 }
            let paragraph = lines[paragraphStart..<paragraphEnd]
            let commentColumn = paragraph.filter { $0.code != nil && $0.comment != nil }.map { $0.code!.count }.max().map { $0 + 1 }
            for line in paragraph {
                switch (line.code, line.comment) {
                case (let code?, let comment?):
                    output += code + String(repeating: " ", count: max(1, commentColumn! - code.count)) + comment + "\n"
                case (let code?, nil):
                    output += code + "\n"
                case (nil, let comment?):
                    output += comment + "\n"
                case (nil, nil):
                    break
                }
            }
            if paragraphEnd < lines.count { output += "\n" }
            paragraphStart = paragraphEnd + 1
        }
        return output
    }

    static func trimTrailingSpace(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}

/// Canonical text of statements and values.
private struct Printer {
    let source: SourceFile

    func statement(_ statement: Statement) -> String {
        switch statement {
        case .setting(let setting): return self.setting(setting)
        case .at(let event): return at(event)
        case .every(let event): return every(event)
        case .invalid(let range): return source.slice(range)
        }
    }

    func setting(_ setting: SettingSyntax) -> String {
        var values = setting.values.map(value)
        // `warmup 5 epoch` → `warmup 5 epochs`.
        if setting.name.text == "warmup", values.count == 2, let unit = Parser.unitWords[values[1]] {
            values[1] = unitName(unit, plural: values[0] != "1")
        }
        return SettingCatalog.line(setting.name.text, values.joined(separator: " "))
    }

    func value(_ value: ValueSyntax) -> String {
        switch value {
        case .number(let number):
            return self.number(number)
        case .name(let name, let arguments):
            guard let arguments else { return name.text }
            let list = arguments.arguments.map { argument in
                let value = self.value(argument.value)
                // A span of `adapt batch(...)`: `every: 1 steps` → `every: 1 step`.
                let unit = argument.unit.map { " " + unitName($0.unit, plural: value != "1") } ?? ""
                return (argument.label.map { $0.text + ": " } ?? "") + value + unit
            }
            return name.text + "(" + list.joined(separator: ", ") + ")"
        case .list(let list):
            return "[" + list.elements.map(self.value).joined(separator: ", ") + "]"
        }
    }

    func number(_ number: NumberSyntax) -> String {
        (number.isNegative ? "-" : "") + NumberLiteral.canonical(number.literal)
    }

    func unitName(_ unit: TimeUnit, plural: Bool) -> String {
        (unit == .epoch ? "epoch" : "step") + (plural ? "s" : "")
    }

    func at(_ event: AtEventSyntax) -> String {
        let times = event.times.map { number($0.number) + ($0.isPercent ? "%" : "") }.joined(separator: ", ")
        let unit = event.unit.map { unitName($0.unit, plural: false) + " " } ?? ""
        return "at " + unit + times + ": " + action(event.action!)
    }

    func every(_ event: EveryEventSyntax) -> String {
        let interval = number(event.interval)
        var text = "every " + interval + " " + unitName(event.unit.unit, plural: interval != "1")
        if let from = event.from { text += " from " + number(from) }
        if let until = event.until { text += " until " + number(until) }
        return text + ": " + action(event.action!)
    }

    func action(_ action: ActionSyntax) -> String {
        action.target.text + " " + action.operation.rawValue + " " + number(action.value) + (action.keepNoise != nil ? ", keep noise" : "")
    }
}
