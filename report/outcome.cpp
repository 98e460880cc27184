#include "report/outcome.hpp"

#include "base/enum_names.hpp"

namespace forumgate::report {
namespace {

// In the order of the enums' values.
constexpr std::array<std::string_view, OUTCOME_COUNT> OUTCOME_NAMES = {
    "redirected", "passed_through", "chain", "restricted", "not_found",
    "gone",       "target_broken",  "loop",  "off_site",   "error"};
constexpr std::array<std::string_view, OUTCOME_COUNT> OUTCOME_LABELS = {
    "redirected",          "passed through", "redirect chain", "members only", "not found",
    "gone (not migrated)", "target broken",  "redirect loop",  "off-site",     "error"};
constexpr std::array<std::string_view, MISS_REASON_COUNT> MISS_REASON_NAMES = {
    "none",       "never_imported", "restricted", "not_migrated", "unknown_shape",
    "unmappable", "unknown_host",   "malformed",  "map_differs",  "unknown"};
constexpr std::array<std::string_view, MISS_REASON_COUNT> MISS_REASON_LABELS = {
    "",
    "id never imported",
    "restricted on the old forum",
    "deliberately not migrated",
    "unknown shape",
    "route with no meaning on the new forum",
    "not an old host",
    "malformed URL",
    "redirector's map differs from the store's",
    "unknown (no map given)"};

} // namespace

std::string_view to_string(url_outcome value) noexcept
{
    return base::enum_name(OUTCOME_NAMES, value, "error");
}

std::string_view label(url_outcome value) noexcept
{
    return base::enum_name(OUTCOME_LABELS, value, "error");
}

std::string_view to_string(miss_reason value) noexcept
{
    return base::enum_name(MISS_REASON_NAMES, value, "unknown");
}

std::string_view label(miss_reason value) noexcept
{
    return base::enum_name(MISS_REASON_LABELS, value, "");
}

} // namespace forumgate::report
