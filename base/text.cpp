#include "base/text.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace forumgate::base {

std::string ascii_lower(std::string_view s)
{
    std::string out{s};
    for (char &c : out) {
        c = ascii_lower(c);
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view trim(std::string_view s) noexcept
{
    constexpr std::string_view SPACE = " \t\r\n";
    auto const first = s.find_first_not_of(SPACE);
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(SPACE) - first + 1);
}

int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool has_control_bytes(std::string_view s) noexcept
{
    // Eight bytes at a time. (w - 0x20 in every byte) & ~w has a byte's high bit set only if
    // some byte of w is below 0x20 (a borrow can set bits above a byte that is, never alone);
    // x = w ^ 0x7F in every byte has a zero byte exactly where w holds 0x7F.
    constexpr std::uint64_t ONES = 0x0101010101010101ULL;
    constexpr std::uint64_t HIGH_BITS = 0x8080808080808080ULL;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, s.data() + i, sizeof word);
        std::uint64_t const below_space = (word - ONES * 0x20U) & ~word;
        std::uint64_t const del = word ^ (ONES * 0x7FU);
        if ((((del - ONES) & ~del) | below_space) & HIGH_BITS) {
            return true;
        }
    }
    for (; i < s.size(); ++i) {
        auto const byte = static_cast<unsigned char>(s[i]);
        if (byte < 0x20U || byte == 0x7FU) {
            return true;
        }
    }
    return false;
}

bool is_digits(std::string_view s) noexcept
{
    if (s.empty()) {
        return false;
    }
    for (char const c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept
{
    if (s.empty()) {
        return std::nullopt;
    }
    // One pass; the overflow checks are flags of the multiply and add, not a division a digit.
    std::uint64_t value = 0;
    for (char const c : s) {
        auto const digit = static_cast<std::uint64_t>(static_cast<unsigned char>(c)) - '0';
        if (digit > 9U) {
            return std::nullopt;
        }
        if (__builtin_mul_overflow(value, 10U, &value) || __builtin_add_overflow(value, digit, &value)) {
            return std::nullopt;
        }
    }
    return value;
}

void append_html_escaped(std::string &out, std::string_view text)
{
    for (char const c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out.push_back(c);
        }
    }
}

std::string html_escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    append_html_escaped(out, text);
    return out;
}

} // namespace forumgate::base
