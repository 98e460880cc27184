#pragma once
// Percent-encoding, UTF-8 checks and query strings: the byte-level rules every URL passes.

#include "base/text.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace forumgate::base {

/// Appends the percent-decoded form of `in` to `out` (`+` stays `+`).
/// \return false if `in` has a malformed escape (`%` not followed by two hex digits).
[[nodiscard]] bool append_percent_decoded(std::string &out, std::string_view in);

/// Like append_percent_decoded, but `+` decodes to a space (query strings, form bodies).
[[nodiscard]] bool append_form_decoded(std::string &out, std::string_view in);

/// Appends `segment` as one path segment: every byte outside RFC 3986 unreserved characters
/// and the sub-delimiters that are safe in a path is escaped, including `/`, `\`, `%`, `?`, `#`,
/// controls and all non-ASCII bytes, so the result can never change the URL's structure.
void append_encoded_segment(std::string &out, std::string_view segment);

/// \return whether append_encoded_segment would append `segment` unchanged (nothing to escape):
/// a map can note it once per slug and skip the byte-by-byte pass on every answer.
[[nodiscard]] bool is_plain_segment(std::string_view segment) noexcept;

/// Appends `component` as a query key or value (unreserved characters kept, the rest escaped).
void append_encoded_query_component(std::string &out, std::string_view component);

/// Appends `byte` as a percent escape (`%2F`), upper-case hex as RFC 3986 recommends.
void append_escaped_byte(std::string &out, unsigned char byte);

/// Decodes the UTF-8 character at `pos` (\pre pos < s.size()) and moves `pos` past it.
/// \return its code point, or nullopt for a malformed sequence (overlong, surrogate, beyond
/// U+10FFFF, cut short, a stray continuation byte), past whose first byte `pos` moves.
[[nodiscard]] std::optional<char32_t> next_utf8(std::string_view s, std::size_t &pos) noexcept;

/// \return true if `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

} // namespace forumgate::base
