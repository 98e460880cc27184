#include "base/url_codec.hpp"

#include <array>

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
        auto const byte = static_cast<unsigned char>(in[run]);
        char const escaped[3] = {'%', HEX_DIGITS[byte >> 4U], HEX_DIGITS[byte & 0xFU]};
        out.append(escaped, 3);
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

void append_encoded_segment(std::string &out, std::string_view segment)
{
    encode(out, segment, CLASSES.segment);
}

void append_encoded_query_component(std::string &out, std::string_view component)
{
    encode(out, component, CLASSES.query);
}

bool is_valid_utf8(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size()) {
        auto const c = static_cast<unsigned char>(s[i]);
        if (c < 0x80U) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0U) == 0xC0U) {
            len = 2;
            cp = c & 0x1FU;
        } else if ((c & 0xF0U) == 0xE0U) {
            len = 3;
            cp = c & 0x0FU;
        } else if ((c & 0xF8U) == 0xF0U) {
            len = 4;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (i + len > s.size()) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            auto const cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0U) != 0x80U) {
                return false;
            }
            cp = (cp << 6U) | (cc & 0x3FU);
        }
        static constexpr std::uint32_t MIN_FOR_LEN[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < MIN_FOR_LEN[len] || cp > 0x10FFFFU || (cp >= 0xD800U && cp <= 0xDFFFU)) {
            return false;
        }
        i += len;
    }
    return true;
}

} // namespace forumgate::base
