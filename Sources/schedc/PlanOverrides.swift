import ScheduleLanguage

/// A setting given on the `schedc plan` command line instead of in the file
/// (`--max-batch 1024` plans as if the file said `max_batch 1024`).
///
/// An override is applied to the *source text* and the edited text is compiled again, so it
/// goes through exactly the checker's rules (batch ≤ max_batch ≤ N, ghost_batch divides
/// micro_batch, a known policy, ...) with no second copy of them here. The edited line
/// carries a comment naming the option, so a diagnostic that shows it explains itself:
///
///     max_batch   64  # --max-batch 64 (the file says 5120)
struct SettingOverride: Equatable {
    /// The setting's name in the language: "max_batch".
    var setting: String
    /// The command-line option that gave it: "--max-batch".
    var option: String
    /// The value as source text: "1024", "hybrid(2)".
    var value: String

    /// The options `schedc plan` takes, in the order they are applied and reported.
    static let options: [(option: String, setting: String)] = [
        ("--max-batch", "max_batch"), ("--micro-batch", "micro_batch"), ("--policy", "policy"),
    ]

    /// The overrides given in `arguments`: integers for the batch sizes (checked here: the
    /// language's own literals are not needed on a command line), one line of source text for
    /// the policy (checked by the checker, which knows the policies and suggests corrections).
    static func parse(_ arguments: ParsedArguments) throws -> [SettingOverride] {
        var overrides: [SettingOverride] = []
        for (option, setting) in options {
            guard let text = arguments.value(option) else { continue }
            if setting == "policy" {
                let unprintable = text.unicodeScalars.contains { $0 == "#" || $0.properties.generalCategory == .control }
                guard !text.trimmingSpaces.isEmpty, !unprintable else {
                    throw CLIError("option '\(option)' takes a policy such as 'decay_lr' or 'hybrid(1)', not '\(text.escapingControlCharacters)'")
                }
                overrides.append(SettingOverride(setting: setting, option: option, value: text.trimmingSpaces))
            } else {
                guard let number = try arguments.integer(option) else { continue }
                overrides.append(SettingOverride(setting: setting, option: option, value: String(number)))
            }
        }
        return overrides
    }

    /// "--max-batch 1024".
    var commandLine: String { "\(option) \(value)" }

    /// `source` with each override written in: a setting the file has gets its value replaced
    /// (the rest of the file keeps its bytes, so every other line and column stays where it
    /// was); a setting it lacks is appended as a last line (settings may follow events).
    static func apply(_ overrides: [SettingOverride], to tree: SyntaxTree) -> SourceFile {
        let source = tree.source
        var edits: [TextEdit] = []
        var appended = ""
        let newline = source.text.contains("\r\n") ? "\r\n" : "\n"  // the file's own line ending
        for override in overrides {
            if let range = valueRange(of: override.setting, in: tree) {
                edits.append(TextEdit(range: range, newText: "\(override.value)  # \(override.commandLine) (the file says \(source.slice(range)))"))
            } else {
                appended += SettingCatalog.line(override.setting, override.value) + "  # \(override.commandLine) (not in the file)" + newline
            }
        }
        if !appended.isEmpty {
            let endsLine = source.bytes.last.map { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") } ?? true
            edits.append(TextEdit(range: .at(source.bytes.count), newText: (endsLine ? "" : newline) + appended))
        }
        // Each override edits the value tokens of a different setting (or appends), so the
        // edits are inside the file, on token boundaries and disjoint: applying cannot fail.
        do {
            return SourceFile(path: source.path, text: try TextEdit.apply(edits, to: source.text).text)
        } catch {
            preconditionFailure("setting overrides produced conflicting edits: \(error)")
        }
    }

    /// "max_batch 1024 (the file says 5120), policy decay_lr (the file says increase_batch)".
    static func describe(_ overrides: [SettingOverride], in tree: SyntaxTree) -> String {
        overrides.map { override in
            guard let range = valueRange(of: override.setting, in: tree) else {
                return "\(override.setting) \(override.value) (not in the file)"
            }
            return "\(override.setting) \(override.value) (the file says \(tree.source.slice(range)))"
        }.joined(separator: ", ")
    }

    /// Where the value of `setting` is written (its first statement, all its values), if it is.
    static func valueRange(of setting: String, in tree: SyntaxTree) -> SourceRange? {
        for statement in tree.statements {
            guard case .setting(let written) = statement, written.name.text == setting else { continue }
            guard let first = written.values.first, let last = written.values.last else { return nil }
            return first.range.union(last.range)
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }

    /// Control characters shown as \u{…}, for quoting a bad argument in a message.
    var escapingControlCharacters: String {
        unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }
}
