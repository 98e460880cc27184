#include "importer/markdown.hpp"

#include <algorithm>

namespace forumgate::importer {

std::vector<bool> code_mask(std::string_view raw)
{
    std::vector<bool> code(raw.size(), false);
    auto mark = [&](std::size_t from, std::size_t to) {
        std::fill(code.begin() + static_cast<std::ptrdiff_t>(from), code.begin() + static_cast<std::ptrdiff_t>(to),
                  true);
    };
    std::size_t at = 0;
    while ((at = raw.find("```", at)) != std::string_view::npos) {
        auto const end = raw.find("```", at + 3);
        auto const stop = end == std::string_view::npos ? raw.size() : end + 3;
        mark(at, stop);
        at = stop;
    }
    // Inline spans are looked for in the text outside the fenced blocks only: a backtick or a
    // line break inside a block neither opens, closes nor ends a span.
    std::vector<bool> const fenced = code;
    auto next_outside = [&](std::size_t from, char wanted) {
        for (auto i = from; i < raw.size(); ++i) {
            if (raw[i] == wanted && !fenced[i]) {
                return i;
            }
        }
        return std::string_view::npos;
    };
    at = 0;
    while ((at = next_outside(at, '`')) != std::string_view::npos) {
        auto const end = next_outside(at + 1, '`');
        if (end == std::string_view::npos || next_outside(at, '\n') < end) {
            ++at;
            continue;
        }
        mark(at, end + 1);
        at = end + 1;
    }
    return code;
}

std::string without_code(std::string_view raw)
{
    std::string out{raw};
    auto const code = code_mask(raw);
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (code[i]) {
            out[i] = ' ';
        }
    }
    return out;
}

} // namespace forumgate::importer
