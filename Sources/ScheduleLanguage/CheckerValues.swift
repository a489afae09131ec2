/// Typed reading of values and arguments, each reporting what is wrong (S104–S106, S108).
/// Malformed numbers were already reported by the parser (S002) and are skipped silently.
extension Checker {
    /// How a message quotes a value: its source text, shortened when long.
    func quote(_ value: ValueSyntax) -> String {
        let text = source.slice(value.range)
        return "'" + (text.count > 32 ? String(text.prefix(29)) + "..." : text) + "'"
    }

    /// The one value of a setting; S104 when it has more.
    mutating func singleValue(_ setting: SettingSyntax, expects: String) -> ValueSyntax? {
        guard let first = setting.values.first else { return nil }
        if setting.values.count > 1 {
            let extra = SourceRange(start: first.range.end, end: setting.values.last!.range.end)
            error(.wrongKindOfValue, "'\(setting.name.text)' takes one value: \(expects)", at: setting.values[1].range.union(extra),
                  fixIts: [.remove(extra, "remove the extra values")])
            return nil
        }
        return first
    }

    /// The number written in `value`, or nil (S104 when it is not a number).
    mutating func number(_ value: ValueSyntax, _ subject: String, expects: String = "a number") -> NumberSyntax? {
        guard case .number(let number) = value else {
            error(.wrongKindOfValue, "\(subject) takes \(expects), found \(quote(value))", at: value.range)
            return nil
        }
        return number.isMalformed ? nil : number
    }

    /// A finite number in a range: `minimum` (inclusive or not) and an optional exclusive `below`.
    mutating func real(_ value: ValueSyntax, _ subject: String, greaterThan minimum: Double? = nil,
                       atLeast inclusiveMinimum: Double? = nil, below: Double? = nil) -> Double? {
        guard let number = number(value, subject) else { return nil }
        return real(number, subject, greaterThan: minimum, atLeast: inclusiveMinimum, below: below)
    }

    mutating func real(_ number: NumberSyntax, _ subject: String, greaterThan minimum: Double? = nil,
                       atLeast inclusiveMinimum: Double? = nil, below: Double? = nil) -> Double? {
        let value = number.value
        var requirement: [String] = []
        var ok = value.isFinite
        if let minimum {
            requirement.append("greater than \(NumberLiteral.describe(minimum))")
            ok = ok && value > minimum
        }
        if let inclusiveMinimum {
            requirement.append("at least \(NumberLiteral.describe(inclusiveMinimum))")
            ok = ok && value >= inclusiveMinimum
        }
        if let below {
            requirement.append("less than \(NumberLiteral.describe(below))")
            ok = ok && value < below
        }
        guard ok else {
            let literal = source.slice(number.range)
            // A literal that is not zero but rounds to it ("1e-400") is said as written.
            let mantissa = literal.prefix { $0 != "e" && $0 != "E" }
            let underflow = value == 0 && mantissa.contains { ("1"..."9").contains($0) }
            let found = !value.isFinite ? "'\(literal)' (too large)"
                : underflow ? "'\(literal)' (too small: it rounds to 0)" : NumberLiteral.describe(value)
            error(.outOfRange, "\(subject) must be \(requirement.joined(separator: " and ")), found \(found)", at: number.range)
            return nil
        }
        return value
    }

    /// A whole number of at least `minimum`: S106 when written as a decimal (with a fix-it when
    /// its value is whole), S105 when too small or beyond Int.
    mutating func integer(_ value: ValueSyntax, _ subject: String, atLeast minimum: Int, expects: String = "a whole number") -> Int? {
        guard let number = number(value, subject, expects: expects) else { return nil }
        return integer(number, subject, atLeast: minimum)
    }

    mutating func integer(_ number: NumberSyntax, _ subject: String, atLeast minimum: Int) -> Int? {
        guard number.isIntegerLiteral else {
            var fixIts: [Diagnostic.FixIt] = []
            let value = number.value
            if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
                fixIts = [.replace(number.range, with: String(Int64(value)), "write '\(Int64(value))'")]
            }
            error(.notAWholeNumber, "\(subject) must be a whole number, found '\(source.slice(number.range))'", at: number.range,
                  fixIts: fixIts)
            return nil
        }
        guard let integer = number.integerValue else {
            error(.outOfRange, "\(subject) is too large (at most \(Int.max)), found '\(source.slice(number.range))'", at: number.range)
            return nil
        }
        guard integer >= minimum else {
            let requirement = minimum == 1 ? "positive" : "at least \(minimum)"
            error(.outOfRange, "\(subject) must be \(requirement), found \(integer)", at: number.range)
            return nil
        }
        return integer
    }

    /// Matches `arguments` to named parameters (positional ones in order, then labelled ones).
    /// Reports S108 for too many, unknown, repeated or missing arguments (with `usage` as a
    /// note when required ones are missing) and returns nil.
    mutating func bindArguments(_ arguments: ArgumentListSyntax?, of callee: NameSyntax, parameters: [String],
                                required: Set<String> = [], usage: String? = nil) -> [String: ValueSyntax]? {
        var bound: [String: ValueSyntax] = [:]
        var ok = true
        for (position, argument) in (arguments?.arguments ?? []).enumerated() {
            let parameter: String
            if let label = argument.label {
                guard parameters.contains(label.text) else {
                    let suggestion = Suggestion.closest(to: label.text, in: parameters)
                    let quoted = parameters.map { "'\($0)'" }
                    let known = quoted.isEmpty ? "no options"
                        : quoted.count == 1 ? "the option \(quoted[0])"
                        : "the options " + quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
                    error(.arguments, "'\(callee.text)' has no option '\(label.text)'", at: label.range,
                          notes: [.init("'\(callee.text)' takes \(known)")],
                          fixIts: suggestion.map { [.replace(label.range, with: $0, "did you mean '\($0)'?")] } ?? [])
                    ok = false
                    continue
                }
                parameter = label.text
            } else {
                guard position < parameters.count, !parameters.isEmpty else {
                    let takes = parameters.isEmpty ? "no arguments" : "\(parameters.count) argument\(parameters.count == 1 ? "" : "s")"
                    error(.arguments, "'\(callee.text)' takes \(takes)", at: argument.range)
                    ok = false
                    continue
                }
                parameter = parameters[position]
            }
            if bound[parameter] != nil {
                error(.arguments, "'\(parameter)' is given twice to '\(callee.text)'", at: argument.range)
                ok = false
                continue
            }
            bound[parameter] = argument.value
        }
        let missing = parameters.filter { required.contains($0) && bound[$0] == nil }.map { "'\($0)'" }
        if ok, !missing.isEmpty {
            let list = missing.count == 1 ? missing[0] : missing.dropLast().joined(separator: ", ") + " and " + missing.last!
            error(.arguments, "'\(callee.text)' needs \(list)", at: arguments?.range ?? callee.range,
                  notes: usage.map { [.init($0)] } ?? [])
            ok = false
        }
        return ok ? bound : nil
    }
}
