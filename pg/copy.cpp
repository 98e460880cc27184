#include "pg/copy.hpp"

#include "base/text.hpp"

namespace forumgate::pg {

namespace {

// The bytes COPY's text format must escape, and the letter each is written with after `\`.
constexpr std::string_view ESCAPED_BYTES = "\\\t\n\r";
constexpr std::string_view ESCAPE_LETTERS = "\\tnr";

} // namespace

void append_copy_text(std::string &out, std::string_view value)
{
    if (value.find_first_of(ESCAPED_BYTES) == std::string_view::npos) {
        out.append(value);
        return;
    }
    for (char const c : value) {
        auto const escaped = ESCAPED_BYTES.find(c);
        if (escaped == std::string_view::npos) {
            out.push_back(c);
        } else {
            out.push_back('\\');
            out.push_back(ESCAPE_LETTERS[escaped]);
        }
    }
}

void append_copy_unescaped(std::string &out, std::string_view in)
{
    std::size_t pos = 0;
    while (pos < in.size()) {
        auto const slash = in.find('\\', pos);
        if (slash == std::string_view::npos || slash + 1 == in.size()) {
            out.append(in.substr(pos));
            return;
        }
        out.append(in.substr(pos, slash - pos));
        char const c = in[slash + 1];
        pos = slash + 2;
        if (auto const control = base::control_escape(c)) {
            out.push_back(*control);
        } else if (c == 'x') {
            unsigned value = 0;
            std::size_t digits = 0;
            while (digits < 2 && pos < in.size() && base::hex_value(in[pos]) >= 0) {
                value = value * 16 + static_cast<unsigned>(base::hex_value(in[pos++]));
                ++digits;
            }
            out.push_back(digits == 0 ? 'x' : static_cast<char>(value));
        } else if (c >= '0' && c <= '7') {
            unsigned value = static_cast<unsigned>(c - '0');
            for (int digits = 1; digits < 3 && pos < in.size() && in[pos] >= '0' && in[pos] <= '7'; ++digits) {
                value = value * 8 + static_cast<unsigned>(in[pos++] - '0');
            }
            out.push_back(static_cast<char>(value));
        } else {
            out.push_back(c); // "\\" and any other escaped character stand for themselves
        }
    }
}

} // namespace forumgate::pg
