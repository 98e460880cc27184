#pragma once
// Times as Discourse writes them in JSON: ISO-8601 in UTC with milliseconds
// ("2020-01-27T11:32:03.646Z").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace forumgate::base {

/// A moment with Discourse's precision (its JSON carries milliseconds).
using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

/// \return `when` as `YYYY-MM-DDTHH:MM:SS.mmmZ`, always with three decimals.
[[nodiscard]] std::string format_time(timestamp when);

/// Parses the ISO-8601 forms a client sends as `created_at`: `YYYY-MM-DD`,
/// `YYYY-MM-DDTHH:MM[:SS[.fraction]]` with `T` or a space, then `Z`, `±HH:MM`, `±HHMM` or
/// nothing (UTC, as Discourse's default time zone). Digits beyond milliseconds are dropped.
/// \return the moment, or nullopt if `text` is not such a date.
[[nodiscard]] std::optional<timestamp> parse_time(std::string_view text);

} // namespace forumgate::base
