import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What a test needs to know about an XML document: its root, element counts, text contents.
public struct XMLSummary {
    public var root = ""
    public var counts: [String: Int] = [:]
    public var texts: [String] = []
    /// Every `id` attribute, in document order (tests check they are unique).
    public var ids: [String] = []
    public var text: String { texts.joined(separator: "\n") }
}

public struct XMLParseError: Error, CustomStringConvertible {
    public var description: String
}

/// Parses `document` with Foundation's XMLParser; throws on malformed XML.
public func parseXML(_ document: String) throws -> XMLSummary {
    final class Delegate: NSObject, XMLParserDelegate {
        var summary = XMLSummary()
        var current = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if summary.root.isEmpty { summary.root = name }
            summary.counts[name, default: 0] += 1
            if let id = attributes["id"] { summary.ids.append(id) }
            current = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" || name == "title" { summary.texts.append(current) }
            current = ""
        }
    }
    let parser = XMLParser(data: Data(document.utf8))
    let delegate = Delegate()
    parser.delegate = delegate
    guard parser.parse() else {
        throw XMLParseError(description: parser.parserError.map { "\($0)" } ?? "malformed XML")
    }
    return delegate.summary
}
