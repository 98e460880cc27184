#include "base/url_codec.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace forumgate::base {
namespace {

constexpr char HEX_DIGITS[] = "0123456789ABCDEF";

// Byte classes, computed once: which bytes may stand unescaped in a path segment or a query
// component of a Location we send.
struct char_classes
{
    std::array<bool, 256> segment{};
    std::array<bool, 256> query{};

    constexpr char_classes()
    {
        for (int c = 0; c < 256; ++c) {
            bool const unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                    c == '-' || c == '.' || c == '_' || c == '~';
            query[static_cast<std::size_t>(c)] = unreserved;
            // Sub-delimiters that are harmless inside one segment; `;` and `=` are left out
            // on purpose (matrix parameters confuse some proxies), as are `'` and `"`.
            segment[static_cast<std::size_t>(c)] = unreserved || c == '!' || c == '$' || c == '(' || c == ')' ||
                                                   c == '*' || c == '+' || c == ',' || c == ':' || c == '@' || c == '&';
        }
    }
};

constexpr char_classes CLASSES{};

bool decode(std::string &out, std::string_view in, bool plus_is_space)
{
    // Most segments hold nothing to decode: copy them whole.
    if (in.find('%') == std::string_view::npos && (!plus_is_space || in.find('+') == std::string_view::npos)) {
        out.append(in);
        return true;
    }
    for (std::size_t i = 0; i < in.size(); ++i) {
        char const c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) {
                return false;
            }
            int const hi = hex_value(in[i + 1]);
            int const lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) {
                return false;
            }
            out.push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return true;
}

void encode(std::string &out, std::string_view in, std::array<bool, 256> const &safe)
{
    std::size_t i = 0;
    while (i < in.size()) {
        // Append runs of safe bytes in one go; escape the others one by one.
        std::size_t run = i;
        while (run < in.size() && safe[static_cast<unsigned char>(in[run])]) {
            ++run;
        }
        out.append(in.data() + i, run - i);
        if (run == in.size()) {
            return;
        }
        append_escaped_byte(out, static_cast<unsigned char>(in[run]));
        i = run + 1;
    }
}

} // namespace

bool append_percent_decoded(std::string &out, std::string_view in)
{
    return decode(out, in, false);
}

bool append_form_decoded(std::string &out, std::string_view in)
{
    return decode(out, in, true);
}

void append_escaped_byte(std::string &out, unsigned char byte)
{
    char const escaped[3] = {'%', HEX_DIGITS[byte >> 4U], HEX_DIGITS[byte & 0xFU]};
    out.append(escaped, 3);
}

void append_encoded_segment(std::string &out, std::string_view segment)
{
    encode(out, segment, CLASSES.segment);
}

bool is_plain_segment(std::string_view segment) noexcept
{
    return std::ranges::all_of(segment, [](char c) { return CLASSES.segment[static_cast<unsigned char>(c)]; });
}

void append_encoded_query_component(std::string &out, std::string_view component)
{
    encode(out, component, CLASSES.query);
}

std::optional<char32_t> next_utf8(std::string_view s, std::size_t &pos) noexcept
{
    auto const lead = static_cast<unsigned char>(s[pos]);
    if (lead < 0x80U) {
        ++pos;
        return lead;
    }
    std::size_t length = 0;
    char32_t code_point = 0;
    if ((lead & 0xE0U) == 0xC0U) {
        length = 2;
        code_point = lead & 0x1FU;
    } else if ((lead & 0xF0U) == 0xE0U) {
        length = 3;
        code_point = lead & 0x0FU;
    } else if ((lead & 0xF8U) == 0xF0U) {
        length = 4;
        code_point = lead & 0x07U;
    } else {
        ++pos;
        return std::nullopt;
    }
    if (pos + length > s.size()) {
        ++pos;
        return std::nullopt;
    }
    for (std::size_t k = 1; k < length; ++k) {
        auto const next = static_cast<unsigned char>(s[pos + k]);
        if ((next & 0xC0U) != 0x80U) {
            ++pos;
            return std::nullopt;
        }
        code_point = (code_point << 6U) | (next & 0x3FU);
    }
    static constexpr char32_t MINIMUM[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < MINIMUM[length] || code_point > 0x10FFFFU || (code_point >= 0xD800U && code_point <= 0xDFFFU)) {
        ++pos;
        return std::nullopt;
    }
    pos += length;
    return code_point;
}

bool is_valid_utf8(std::string_view s) noexcept
{
    for (std::size_t pos = 0; pos < s.size();) {
        // Runs of ASCII, the common case, eight bytes at a time.
        if (std::uint64_t word = 0; pos + 8 <= s.size()) {
            std::memcpy(&word, s.data() + pos, sizeof word);
            if ((word & 0x8080808080808080ULL) == 0) {
                pos += 8;
                continue;
            }
        }
        if (!next_utf8(s, pos)) {
            return false;
        }
    }
    return true;
}

} // namespace forumgate::base
