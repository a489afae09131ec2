import ScheduleAnalysis
import ScheduleLanguage

/// Semantic tokens (full document): the legend's types, how each token of the tree is
/// classified, and LSP's relative encoding.
enum SemanticTokenType: Int, CaseIterable {
    case keyword, property, enumMember, parameter, variable, number, `operator`, comment

    var name: String {
        switch self {
        case .keyword: return "keyword"
        case .property: return "property"
        case .enumMember: return "enumMember"
        case .parameter: return "parameter"
        case .variable: return "variable"
        case .number: return "number"
        case .operator: return "operator"
        case .comment: return "comment"
        }
    }

    static let legend = SemanticTokensLegend(tokenTypes: allCases.map(\.name), tokenModifiers: [])

    /// The words the parser recognises by their text (keywords are contextual in the language).
    static let keywords: Set<String> = ["at", "every", "from", "until", "keep", "epoch", "epochs", "step", "steps", "size"]

    /// Every classified token, in source order.
    static func tokens(_ analysis: Analysis) -> [(range: SourceRange, type: SemanticTokenType)] {
        var names: [Int: SemanticTokenType] = [:]
        func classify(_ value: ValueSyntax) {
            switch value {
            case .number: break
            case .name(let name, let arguments):
                names[name.range.start] = keywords.contains(name.text) ? .keyword : .enumMember
                for argument in arguments?.arguments ?? [] {
                    if let label = argument.label { names[label.range.start] = .parameter }
                    classify(argument.value)
                }
            case .list(let list):
                list.elements.forEach(classify)
            }
        }
        func classify(_ action: ActionSyntax?) {
            guard let action else { return }
            names[action.target.range.start] = .variable
        }
        for statement in analysis.syntax.statements {
            switch statement {
            case .setting(let setting):
                names[setting.name.range.start] = .property
                setting.values.forEach(classify)
            case .at(let event):
                classify(event.action)
            case .every(let event):
                classify(event.action)
            case .invalid:
                break
            }
        }
        var result: [(range: SourceRange, type: SemanticTokenType)] = []
        for token in analysis.tokens {
            if let comment = token.comment { result.append((comment, .comment)) }
            let type: SemanticTokenType?
            switch token.kind {
            case .identifier:
                type = names[token.range.start] ?? (keywords.contains(analysis.syntax.text(of: token)) ? .keyword : .variable)
            case .number: type = .number
            case .equals, .starEquals, .slashEquals, .star, .slash, .plus, .minus, .percent: type = .operator
            default: type = nil
            }
            if let type, !token.range.isEmpty { result.append((token.range, type)) }
        }
        return result
    }

    /// LSP's encoding: five integers per token (line delta, start delta, length, type, modifiers).
    static func encode(_ tokens: [(range: SourceRange, type: SemanticTokenType)], converter: PositionConverter) -> [Int] {
        var data: [Int] = []
        data.reserveCapacity(tokens.count * 5)
        var previous = LSPPosition(line: 0, character: 0)
        for token in tokens {
            let start = converter.position(token.range.start), end = converter.position(token.range.end)
            guard end.line == start.line else { continue } // tokens never span lines; be safe
            data += [start.line - previous.line, start.line == previous.line ? start.character - previous.character : start.character,
                     end.character - start.character, token.type.rawValue, 0]
            previous = start
        }
        return data
    }
}
