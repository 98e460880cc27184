// Fuzz target: sitemaps and sitemap indexes (report::parse_sitemap), as the coverage report reads
// them from the old forum or from saved files. The input is the document.
//
// Invariants: a document is either read or refused with an input_error "NAME:LINE: …" (no other
// exception, no crash, and a line number within the document); every location read is
// non-empty and trimmed of white space.

#include "base/error.hpp"
#include "report/sitemap.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

namespace {

using namespace forumgate;

constexpr std::string_view NAME = "sitemap.xml";

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void check_refusal(std::string_view message, std::string_view xml)
{
    fuzz::check(message.starts_with(std::string{NAME} + ":"), "a refusal names the document", message);
    std::string_view const position = message.substr(NAME.size() + 1);
    std::uint64_t line = 0;
    auto const [end, ec] = std::from_chars(position.data(), position.data() + position.size(), line);
    fuzz::check(ec == std::errc{} && end < position.data() + position.size() && *end == ':', "a refusal has a line",
                message);
    auto const lines = static_cast<std::uint64_t>(std::count(xml.begin(), xml.end(), '\n')) + 1;
    fuzz::check(line >= 1 && line <= lines, "the line of a refusal is in the document", message);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    std::string_view const xml = fuzz::text_of(data, size);
    try {
        auto const document = report::parse_sitemap(xml, NAME);
        for (std::string const &location : document.locations) {
            fuzz::check(!location.empty(), "a location is not empty");
            fuzz::check(!is_space(location.front()) && !is_space(location.back()), "a location is trimmed", location);
        }
    } catch (input_error const &e) {
        check_refusal(e.what(), xml);
    }
    return 0;
}
