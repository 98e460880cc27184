#pragma once
// Text helpers used across the tree: ASCII case, trimming, digits, hex and HTML escaping.
// Everything here is byte-wise ASCII: host names, usernames, tags and HTTP tokens compare
// case-insensitively in ASCII only, as Discourse and HTTP do.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace forumgate::base {

/// \return `c` lower-cased if it is an ASCII capital, else `c`.
[[nodiscard]] constexpr char ascii_lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII lower-casing (usernames, host names, tags compare case-insensitively).
[[nodiscard]] std::string ascii_lower(std::string_view s);

/// \return true if `a` equals `b` ignoring ASCII case.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// \return `s` without leading and trailing spaces, tabs, CR and LF.
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

/// \return the value of an ASCII hex digit, or -1 if `c` is none.
[[nodiscard]] int hex_value(char c) noexcept;

/// \return the byte that the C escape `\` + `letter` stands for (b, f, n, r, t, v: backspace,
/// form feed, LF, CR, TAB, vertical tab), or nullopt for any other letter. PostgreSQL's COPY
/// text and Apache's access log both escape control bytes this way.
[[nodiscard]] constexpr std::optional<char> control_escape(char letter) noexcept
{
    switch (letter) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'v':
        return '\v';
    default:
        return std::nullopt;
    }
}

/// \return true if `s` holds a byte below 0x20 or 0x7F (CR, LF, NUL, TAB...).
[[nodiscard]] bool has_control_bytes(std::string_view s) noexcept;

/// Reads `text` as pieces between `separator`s (path segments, query pairs, list items).
/// \pre pos <= text.size(). \return the piece that starts at `pos`, up to the next separator or
/// the end, and moves `pos` past that separator: past the end (text.size() + 1) after the last.
[[nodiscard]] constexpr std::string_view next_piece(std::string_view text, char separator, std::size_t &pos) noexcept
{
    std::size_t end = text.find(separator, pos);
    if (end == std::string_view::npos) {
        end = text.size();
    }
    std::string_view const piece = text.substr(pos, end - pos);
    pos = end + 1;
    return piece;
}

/// \return true if `s` is non-empty and all ASCII digits.
[[nodiscard]] bool is_digits(std::string_view s) noexcept;

/// Parses an all-digit string. \return nullopt if not all digits or it overflows 64 bits.
[[nodiscard]] std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;

/// Appends `text` with the five characters that HTML gives meaning escaped (`&`, `<`, `>`, `"`
/// and `'`, as Rails' ERB::Util.html_escape does), safe in element content and quoted attributes.
void append_html_escaped(std::string &out, std::string_view text);

/// \return `text` escaped as append_html_escaped does.
[[nodiscard]] std::string html_escape(std::string_view text);

} // namespace forumgate::base
