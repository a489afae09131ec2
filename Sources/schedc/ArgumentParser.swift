import ScheduleLanguage

/// A small parser for `schedc` command lines: `--flag`, `--option value`, `--option=value`,
/// positional arguments, and `--` to end options. Unknown options are usage errors (exit 2).
struct ParsedArguments {
    private(set) var flags: Set<String> = []
    private(set) var options: [String: [String]] = [:]
    private(set) var positionals: [String] = []

    /// - flags: options without a value (e.g. "--check"); options: those that take one ("--format").
    init(_ arguments: [String], flags knownFlags: Set<String>, options knownOptions: Set<String>) throws {
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            if knownFlags.contains(name) {
                if inlineValue != nil { throw CLIError("option '\(name)' takes no value") }
                flags.insert(name)
            } else if knownOptions.contains(name) {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else if index < arguments.count {
                    value = arguments[index]
                    index += 1
                } else {
                    throw CLIError("option '\(name)' needs a value")
                }
                // A repeated option would silently keep only its last value.
                if let earlier = options[name]?.first {
                    throw CLIError("option '\(name)' is given twice ('\(earlier)' and '\(value)'); give it once")
                }
                options[name, default: []].append(value)
            } else {
                var message = "unknown option '\(name)'"
                if let suggestion = Suggestion.closest(to: name, in: Array(knownFlags) + Array(knownOptions)) {
                    message += "; did you mean '\(suggestion)'?"
                }
                throw CLIError(message)
            }
        }
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// The last value given for `option`, if any.
    func value(_ option: String) -> String? { options[option]?.last }

    /// The value of `option` parsed as an integer in `range`, or `defaultValue` when absent.
    func integer(_ option: String, default defaultValue: Int? = nil, in range: ClosedRange<Int> = 1...Int.max) throws -> Int? {
        guard let text = value(option) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw CLIError("option '\(option)' needs an integer in \(range.lowerBound)...\(range.upperBound == Int.max ? "" : String(range.upperBound)), not '\(text)'")
        }
        return number
    }

    /// The value of `option`, which must be one of `choices`.
    func choice(_ option: String, among choices: [String], default defaultValue: String) throws -> String {
        guard let text = value(option) else { return defaultValue }
        guard choices.contains(text) else {
            throw CLIError("option '\(option)' takes one of \(choices.joined(separator: ", ")), not '\(text)'")
        }
        return text
    }
}
