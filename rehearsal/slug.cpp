#include "rehearsal/slug.hpp"

#include "base/enum_names.hpp"
#include "base/text.hpp"
#include "base/url_codec.hpp"

#include <array>

namespace forumgate::rehearsal {
namespace {

// slug_method's values as Discourse spells them, in the enum's order.
constexpr std::array<std::string_view, 3> SLUG_METHOD_NAMES = {"ascii", "encoded", "none"};

// Rails' I18n default approximations (I18n::Backend::Transliterator::HashTransliterator),
// U+00C0 to U+017F in order. An empty entry has no approximation and becomes a separator.
// clang-format off
constexpr std::array<char const *, 0x180 - 0xC0> LATIN_APPROXIMATIONS = {
    /* U+00C0 */ "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    /* U+00D0 */ "D", "N", "O", "O", "O", "O", "O", "x", "O", "U", "U", "U", "U", "Y", "Th", "ss",
    /* U+00E0 */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    /* U+00F0 */ "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
    /* U+0100 */ "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
    /* U+0110 */ "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
    /* U+0120 */ "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
    /* U+0130 */ "I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
    /* U+0140 */ "l", "L", "l", "N", "n", "N", "n", "N", "n", "'n", "NG", "ng", "O", "o", "O", "o",
    /* U+0150 */ "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
    /* U+0160 */ "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
    /* U+0170 */ "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
};
// clang-format on

bool is_ascii_alnum(char32_t c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_ruby_space(char c) noexcept
{
    // Ruby's \s and String#strip: ASCII whitespace only.
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_emoji_name_char(char c) noexcept
{
    return is_ascii_alnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+';
}

// gsub(/:([\w\-+]+(?::t\d)?):/, ""): emoji codes such as :smile: and :wave:t2:.
std::string strip_emoji_codes(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ':') {
            std::size_t j = i + 1;
            while (j < text.size() && is_emoji_name_char(text[j])) {
                ++j;
            }
            if (j > i + 1 && j < text.size() && text[j] == ':') {
                // Prefer the skin-tone form when it is complete, as the regex's greedy
                // optional group does.
                if (j + 3 < text.size() && text[j + 1] == 't' && text[j + 2] >= '0' && text[j + 2] <= '9' &&
                    text[j + 3] == ':') {
                    i = j + 4;
                } else {
                    i = j + 1;
                }
                continue;
            }
        }
        out.push_back(text[i]);
        ++i;
    }
    return out;
}

// `string.tr("'", "").parameterize`: the result holds [a-z0-9_-] with runs of anything else
// as one `-`, no leading or trailing `-`.
std::string ascii_generator(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    bool pending_separator = false;
    auto const emit = [&](std::string_view piece) {
        for (char const c : piece) {
            if (!is_ascii_alnum(static_cast<unsigned char>(c)) && c != '_') {
                pending_separator = true; // the apostrophe of "ŉ" → "'n"
                continue;
            }
            if (pending_separator && !out.empty()) {
                out.push_back('-');
            }
            pending_separator = false;
            out.push_back(base::ascii_lower(c));
        }
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        char32_t const c = next_code_point(text, pos);
        if (c == '\'') {
            continue; // apostrophes are removed before parameterize: "Co-op's" → "co-ops"
        }
        if (is_ascii_alnum(c) || c == '_') {
            char const ch = static_cast<char>(c);
            emit(std::string_view{&ch, 1});
        } else if (c == '-') {
            // parameterize squeezes runs of the separator: a literal '-' joins the run.
            pending_separator = true;
        } else if (c >= 0x300 && c <= 0x36F) {
            // Combining marks: Rails composes to NFC first, so "e" + U+0301 is "é" → "e".
            continue;
        } else if (c >= 0xC0 && c < 0x180 && *LATIN_APPROXIMATIONS[c - 0xC0] != '\0') {
            emit(LATIN_APPROXIMATIONS[c - 0xC0]);
        } else {
            pending_separator = true;
        }
    }
    return out;
}

bool is_encoded_filter_char(char c) noexcept
{
    // Slug::CHAR_FILTER_REGEXP: :/?#[]@!$&'()*+,;=_.~%\`^|{}"<> and whitespace.
    constexpr std::string_view FILTER = ":/?#[]@!$&'()*+,;=_.~%\\`^|{}\"<>";
    return FILTER.find(c) != std::string_view::npos || is_ruby_space(c);
}

// string.strip.gsub(/\s+/, "-").gsub(CHAR_FILTER_REGEXP, "").downcase, then CGI.escape.
std::string encoded_generator(std::string_view text)
{
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && (is_ruby_space(text[begin]) || text[begin] == '\0')) {
        ++begin;
    }
    while (end > begin && (is_ruby_space(text[end - 1]) || text[end - 1] == '\0')) {
        --end;
    }
    std::string kept;
    for (std::size_t i = begin; i < end; ++i) {
        char const c = text[i];
        if (is_ruby_space(c)) {
            if (kept.empty() || kept.back() != '-' || !is_ruby_space(text[i - 1])) {
                kept.push_back('-');
            }
        } else if (!is_encoded_filter_char(c)) {
            kept.push_back(c);
        }
    }
    // CGI.escape keeps exactly the unreserved characters (letters, digits, `-._~`) here: its
    // space-to-`+` rule never applies, as white space became `-` above.
    std::string out;
    base::append_encoded_query_component(out, lowercase_utf8(kept));
    return out;
}

// prettify_slug: squeeze runs of '-' and trim them at both ends.
std::string squeeze_and_trim(std::string_view slug)
{
    std::string out;
    out.reserve(slug.size());
    for (char const c : slug) {
        if (c == '-' && (out.empty() || out.back() == '-')) {
            continue;
        }
        out.push_back(c);
    }
    while (!out.empty() && out.back() == '-') {
        out.pop_back();
    }
    return out;
}

bool is_only_digits(std::string_view slug) noexcept
{
    for (char const c : slug) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true; // also for "": Slug.slug_is_only_numbers? treats blank as numeric
}

} // namespace

std::string_view to_string(slug_method method) noexcept
{
    return base::enum_name(SLUG_METHOD_NAMES, method, "ascii");
}

std::optional<slug_method> parse_slug_method(std::string_view name) noexcept
{
    for (std::size_t index = 0; index < SLUG_METHOD_NAMES.size(); ++index) {
        if (SLUG_METHOD_NAMES[index] == name) {
            return static_cast<slug_method>(index);
        }
    }
    return std::nullopt;
}

std::string slug_for(std::string_view title, slug_method method, std::string_view default_slug)
{
    std::string const text = strip_emoji_codes(title);
    std::string slug = method == slug_method::ascii     ? ascii_generator(text)
                       : method == slug_method::encoded ? encoded_generator(text)
                                                        : std::string{}; // none: always the default
    for (char &c : slug) {
        if (c == '_') {
            c = '-';
        }
    }
    if (method != slug_method::encoded && slug.size() > SLUG_MAX_LENGTH) {
        slug.resize(SLUG_MAX_LENGTH); // all ASCII here, so bytes are characters
    }
    slug = squeeze_and_trim(slug);
    if (is_only_digits(slug)) {
        return std::string{default_slug};
    }
    return slug;
}

char32_t next_code_point(std::string_view text, std::size_t &pos) noexcept
{
    constexpr char32_t REPLACEMENT = 0xFFFD;
    return base::next_utf8(text, pos).value_or(REPLACEMENT);
}

void append_utf8(std::string &out, char32_t code_point)
{
    auto const put = [&out](unsigned value) { out.push_back(static_cast<char>(value)); };
    if (code_point < 0x80) {
        put(code_point);
    } else if (code_point < 0x800) {
        put(0xC0U | (code_point >> 6U));
        put(0x80U | (code_point & 0x3FU));
    } else if (code_point < 0x10000) {
        put(0xE0U | (code_point >> 12U));
        put(0x80U | ((code_point >> 6U) & 0x3FU));
        put(0x80U | (code_point & 0x3FU));
    } else {
        put(0xF0U | (code_point >> 18U));
        put(0x80U | ((code_point >> 12U) & 0x3FU));
        put(0x80U | ((code_point >> 6U) & 0x3FU));
        put(0x80U | (code_point & 0x3FU));
    }
}

std::string_view ruby_strip(std::string_view text) noexcept
{
    while (!text.empty() && is_ruby_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_ruby_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::size_t utf8_length(std::string_view text) noexcept
{
    std::size_t count = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        (void)next_code_point(text, pos);
        ++count;
    }
    return count;
}

std::string lowercase_utf8(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t const start = pos;
        char32_t c = next_code_point(text, pos);
        if (c == 0xFFFD && pos == start + 1 && static_cast<unsigned char>(text[start]) >= 0x80) {
            out.push_back(text[start]); // keep an invalid byte as it was
            continue;
        }
        if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
            (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F)) {
            c += 0x20;
        } else if (c >= 0x400 && c <= 0x40F) {
            c += 0x50;
        } else if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) {
            c |= 1U;
        } else if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) {
            c += (c & 1U);
        } else if (c == 0x178) {
            c = 0xFF;
        }
        append_utf8(out, c);
    }
    return out;
}

} // namespace forumgate::rehearsal
