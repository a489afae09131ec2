@testable import ScheduleLanguage
import TestSupport

/// Token-level mutations of `.sched` text: deleted, duplicated, swapped and replaced tokens,
/// inserted random characters, truncation. Seeded, so every failure reproduces.
struct Mutator {
    var random: TestRandom

    init(seed: UInt64) { random = TestRandom(seed: seed) }

    /// Tokens (with their leading trivia) likely to matter to the grammar.
    static let pool = [
        "at", "every", "epoch", "epochs", "step", "steps", "from", "until", "keep", "noise", "lr", "batch", "momentum",
        "schedule", "data", "size", "model", "wrn", "sgd", "policy", "hybrid", ":", ",", "(", ")", "[", "]", "=", "*=",
        "/=", "*", "/", "+", "-", "%", "0", "60", "0.1", ".5", "5e-4", "50k", "1.2.3", "5e", "\n", "\r\n", "\r", "#",
        "# comment", "\t", " ", "é", "中", "😀", ";", "@", "\u{0}", "\u{FEFF}", "99999999999999999999", "1e999",
    ]

    mutating func mutate(_ text: String) -> String {
        let source = SourceFile(path: "m", text: text)
        var pieces = Lexer.tokenize(source).map { token in
            source.slice(SourceRange(start: token.leadingTrivia.start, end: token.range.end))
        }
        for _ in 0..<(1 + random.below(3)) {
            let index = pieces.isEmpty ? 0 : random.below(pieces.count)
            switch random.below(7) {
            case 0 where !pieces.isEmpty:
                pieces.remove(at: index)
            case 1 where !pieces.isEmpty:
                pieces.insert(pieces[index], at: index)
            case 2 where pieces.count > 1:
                let other = random.below(pieces.count)
                pieces.swapAt(index, other)
            case 3 where !pieces.isEmpty:
                pieces[index] = (random.below(2) == 0 ? " " : "") + Mutator.pool[random.below(Mutator.pool.count)]
            case 4:
                pieces.insert(" " + Mutator.pool[random.below(Mutator.pool.count)], at: index)
            case 5:
                pieces.insert(randomCharacters(), at: index)
            default:
                let joined = pieces.joined()
                let scalars = Array(joined.unicodeScalars)
                let cut = scalars.isEmpty ? 0 : random.below(scalars.count)
                pieces = [String(String.UnicodeScalarView(scalars[..<cut]))]
            }
        }
        return pieces.joined()
    }

    /// 1–4 random scalars: ASCII (controls included), Latin, CJK, emoji.
    mutating func randomCharacters() -> String {
        var text = ""
        for _ in 0..<(1 + random.below(4)) {
            let value: UInt32
            switch random.below(4) {
            case 0, 1: value = UInt32(random.below(128))
            case 2: value = 0xA0 + UInt32(random.below(0x700))
            default: value = [0x4E2D, 0x1F600, 0x2212, 0x301, 0xFEFF, 0x200B][random.below(6)]
            }
            text.unicodeScalars.append(Unicode.Scalar(value)!)
        }
        return text
    }
}
