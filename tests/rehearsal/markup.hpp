#pragma once
// Test support for the rehearsal forum's pages (pages*_test.cpp): a strict markup checker that
// parses the HTML pages, feeds and sitemaps and refuses anything malformed.

#include <cstddef>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::test_support {

/// Represents one parsed element: its name, attributes, children and the text directly in it
/// (entities decoded, CDATA sections included).
struct node
{
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::vector<node> children;
    std::string text;

    [[nodiscard]] std::optional<std::string> attribute(std::string_view key) const
    {
        for (auto const &[name_, value] : attributes) {
            if (name_ == key) {
                return value;
            }
        }
        return std::nullopt;
    }

    /// Every element named `wanted` below this one, in document order.
    [[nodiscard]] std::vector<node const *> all(std::string_view wanted) const
    {
        std::vector<node const *> out;
        collect(wanted, out);
        return out;
    }

    /// The text of the first child named `wanted` ("" if none).
    [[nodiscard]] std::string child_text(std::string_view wanted) const
    {
        for (auto const &child : children) {
            if (child.name == wanted) {
                return child.text;
            }
        }
        return {};
    }

private:
    void collect(std::string_view wanted, std::vector<node const *> &out) const
    {
        for (auto const &child : children) {
            if (child.name == wanted) {
                out.push_back(&child);
            }
            child.collect(wanted, out);
        }
    }
};

/// Parses a whole XML document, or an HTML5 page written in the XML-like way the rehearsal
/// forum writes them (void elements unclosed, boolean attributes, named entities), and throws
/// std::runtime_error naming the offset of the first fault: unbalanced or misnested tags, bad
/// names, unquoted or duplicate attributes, unknown or malformed entities, `<` in text or
/// attribute values, control characters, `]]>` in XML text, invalid UTF-8, trailing content.
class markup_parser
{
public:
    markup_parser(std::string_view text, bool html) : m_text(text), m_html(html) {}

    node document()
    {
        check_utf8();
        skip_space();
        if (!m_html && m_text.substr(m_pos, 5) == "<?xml") {
            auto const end = m_text.find("?>", m_pos);
            expect(end != std::string_view::npos, "unterminated XML declaration");
            m_pos = end + 2;
        }
        skip_space();
        if (m_html) {
            expect(m_text.substr(m_pos, 15) == "<!DOCTYPE html>", "no <!DOCTYPE html>");
            m_pos += 15;
        }
        skip_space();
        node root = element();
        skip_space();
        expect(m_pos == m_text.size(), "content after the root element");
        return root;
    }

private:
    void fail(std::string const &message) const
    {
        throw std::runtime_error{"offset " + std::to_string(m_pos) + ": " + message + " near «" +
                                 std::string{m_text.substr(m_pos > 40 ? m_pos - 40 : 0, 80)} + "»"};
    }
    void expect(bool ok, std::string const &message) const
    {
        if (!ok) {
            fail(message);
        }
    }

    void check_utf8()
    {
        for (std::size_t i = 0; i < m_text.size();) {
            auto const c = static_cast<unsigned char>(m_text[i]);
            std::size_t length = c < 0x80 ? 1 : (c >> 5U) == 6 ? 2 : (c >> 4U) == 14 ? 3 : (c >> 3U) == 30 ? 4 : 0;
            m_pos = i;
            expect(length != 0 && i + length <= m_text.size(), "invalid UTF-8");
            for (std::size_t k = 1; k < length; ++k) {
                expect((static_cast<unsigned char>(m_text[i + k]) >> 6U) == 2, "invalid UTF-8");
            }
            expect(c >= 0x20 || c == '\t' || c == '\n' || c == '\r', "control character");
            i += length;
        }
        m_pos = 0;
    }

    void skip_space()
    {
        while (m_pos < m_text.size() &&
               (m_text[m_pos] == ' ' || m_text[m_pos] == '\n' || m_text[m_pos] == '\t' || m_text[m_pos] == '\r')) {
            ++m_pos;
        }
    }

    static bool name_char(char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == ':' || c == '.';
    }

    std::string name()
    {
        auto const start = m_pos;
        expect(m_pos < m_text.size() && ((m_text[m_pos] >= 'a' && m_text[m_pos] <= 'z') ||
                                         (m_text[m_pos] >= 'A' && m_text[m_pos] <= 'Z') || m_text[m_pos] == '_'),
               "bad name");
        while (m_pos < m_text.size() && name_char(m_text[m_pos])) {
            ++m_pos;
        }
        return std::string{m_text.substr(start, m_pos - start)};
    }

    /// Decodes the entity at m_pos (which is '&') and appends it.
    void entity(std::string &out)
    {
        auto const end = m_text.find(';', m_pos);
        expect(end != std::string_view::npos && end - m_pos <= 12, "unterminated entity");
        auto const body = m_text.substr(m_pos + 1, end - m_pos - 1);
        if (body == "amp") {
            out += '&';
        } else if (body == "lt") {
            out += '<';
        } else if (body == "gt") {
            out += '>';
        } else if (body == "quot") {
            out += '"';
        } else if (body == "apos") {
            out += '\'';
        } else if (!body.empty() && body[0] == '#') {
            bool const hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
            auto const digits = body.substr(hex ? 2 : 1);
            expect(!digits.empty(), "empty character reference");
            unsigned long code = 0;
            for (char const c : digits) {
                int const value = (c >= '0' && c <= '9')          ? c - '0'
                                  : hex && (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                  : hex && (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                                  : -1;
                expect(value >= 0, "bad character reference");
                code = code * (hex ? 16 : 10) + static_cast<unsigned long>(value);
                expect(code <= 0x10FFFF, "character reference out of range");
            }
            expect(code >= 0x20 || code == 9 || code == 10 || code == 13, "reference to a control character");
            if (code < 0x80) {
                out += static_cast<char>(code);
            } else if (code < 0x800) {
                out += static_cast<char>(0xC0 | (code >> 6U));
                out += static_cast<char>(0x80 | (code & 0x3FU));
            } else if (code < 0x10000) {
                out += static_cast<char>(0xE0 | (code >> 12U));
                out += static_cast<char>(0x80 | ((code >> 6U) & 0x3FU));
                out += static_cast<char>(0x80 | (code & 0x3FU));
            } else {
                out += static_cast<char>(0xF0 | (code >> 18U));
                out += static_cast<char>(0x80 | ((code >> 12U) & 0x3FU));
                out += static_cast<char>(0x80 | ((code >> 6U) & 0x3FU));
                out += static_cast<char>(0x80 | (code & 0x3FU));
            }
        } else {
            // HTML knows many more names (&hellip;, &rsquo;); XML only the five above.
            expect(
                m_html && !body.empty() &&
                    std::ranges::all_of(body, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }),
                "unknown entity &" + std::string{body} + ";");
            out += "&" + std::string{body} + ";";
        }
        m_pos = end + 1;
    }

    node element()
    {
        expect(m_text.substr(m_pos, 1) == "<", "expected an element");
        ++m_pos;
        node out;
        out.name = name();
        std::set<std::string> seen;
        while (true) {
            bool const spaced = m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n');
            skip_space();
            expect(m_pos < m_text.size(), "unterminated start tag");
            if (m_text.substr(m_pos, 2) == "/>") {
                m_pos += 2;
                return out;
            }
            if (m_text[m_pos] == '>') {
                ++m_pos;
                break;
            }
            expect(spaced, "attributes must be separated by spaces");
            auto key = name();
            expect(seen.insert(key).second, "duplicate attribute " + key);
            std::string value;
            if (m_text.substr(m_pos, 1) == "=") {
                ++m_pos;
                expect(m_pos < m_text.size() && (m_text[m_pos] == '"' || m_text[m_pos] == '\''),
                       "unquoted attribute value");
                char const quote = m_text[m_pos++];
                while (true) {
                    expect(m_pos < m_text.size(), "unterminated attribute value");
                    char const c = m_text[m_pos];
                    if (c == quote) {
                        ++m_pos;
                        break;
                    }
                    expect(c != '<', "< in an attribute value");
                    if (c == '&') {
                        entity(value);
                    } else {
                        value += c;
                        ++m_pos;
                    }
                }
            } else {
                expect(m_html, "attribute without a value");
            }
            out.attributes.emplace_back(std::move(key), std::move(value));
        }
        static std::set<std::string, std::less<>> const VOID{"area",  "base", "br",   "col",    "embed", "hr", "img",
                                                             "input", "link", "meta", "source", "track", "wbr"};
        if (m_html && VOID.contains(out.name)) {
            return out;
        }
        while (true) {
            expect(m_pos < m_text.size(), "unclosed <" + out.name + ">");
            if (m_text.substr(m_pos, 2) == "</") {
                m_pos += 2;
                auto const closing = name();
                expect(closing == out.name, "</" + closing + "> closes <" + out.name + ">");
                skip_space();
                expect(m_text.substr(m_pos, 1) == ">", "bad end tag");
                ++m_pos;
                return out;
            }
            if (m_text.substr(m_pos, 9) == "<![CDATA[") {
                auto const end = m_text.find("]]>", m_pos);
                expect(end != std::string_view::npos, "unterminated CDATA");
                out.text += m_text.substr(m_pos + 9, end - m_pos - 9);
                m_pos = end + 3;
            } else if (m_text.substr(m_pos, 4) == "<!--") {
                auto const end = m_text.find("-->", m_pos);
                expect(end != std::string_view::npos, "unterminated comment");
                m_pos = end + 3;
            } else if (m_text[m_pos] == '<') {
                out.children.push_back(element());
            } else if (m_text[m_pos] == '&') {
                entity(out.text);
            } else {
                expect(m_html || m_text.substr(m_pos, 3) != "]]>", "]]> in text");
                out.text += m_text[m_pos++];
            }
        }
    }

    std::string_view m_text;
    bool m_html;
    std::size_t m_pos = 0;
};

inline node parse_xml(std::string_view text)
{
    return markup_parser{text, false}.document();
}

inline node parse_html(std::string_view text)
{
    return markup_parser{text, true}.document();
}

} // namespace forumgate::rehearsal::test_support
