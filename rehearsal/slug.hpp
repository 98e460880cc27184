#pragma once
// Discourse's slug rules (lib/slug.rb): how a topic title or category name becomes the slug
// part of its URL.

#include <optional>
#include <string>
#include <string_view>

namespace forumgate::rehearsal {

/// The site setting `slug_generation_method`.
enum class slug_method
{
    ascii,   ///< transliterate to ASCII, everything else becomes `-` (Discourse's default)
    encoded, ///< keep the letters, percent-encode them (CGI.escape)
    none,    ///< no slug: always the default
};

/// \return the setting's value as Discourse spells it ("ascii", "encoded", "none").
[[nodiscard]] std::string_view to_string(slug_method method) noexcept;

/// \return the method named `name`, or nullopt if it is not one of Discourse's three.
[[nodiscard]] std::optional<slug_method> parse_slug_method(std::string_view name) noexcept;

/// The longest slug kept (Slug::MAX_LENGTH); `encoded` slugs are not truncated.
constexpr std::size_t SLUG_MAX_LENGTH = 255;

/// Computes `Slug.for(title, default_slug, 255, method:)`: strip emoji codes (`:smile:`,
/// `:wave:t2:`), then
/// - ascii: remove apostrophes, transliterate Latin-1 Supplement and Latin Extended-A letters
///   to ASCII (é→e, ß→ss, æ→ae, ł→l, as Rails' I18n approximations), lowercase, turn every
///   run of other characters into `-` (Chinese, Cyrillic and emoji therefore vanish);
/// - encoded: trim, whitespace runs → `-`, delete the URL-reserved characters, lowercase,
///   percent-encode as Ruby's CGI.escape;
/// - none: nothing;
///
/// then `_` → `-`, truncate to 255 (not for encoded), squeeze `-`, trim `-`. An empty or
/// all-digit result gives `default_slug` ("topic" for topics, "" for categories).
/// Invalid UTF-8 bytes count as "other characters".
[[nodiscard]] std::string slug_for(std::string_view title, slug_method method = slug_method::ascii,
                                   std::string_view default_slug = "topic");

/// \return `text` in lower case: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals
/// are folded (what Ruby's String#downcase does for those blocks); other bytes are kept.
[[nodiscard]] std::string lowercase_utf8(std::string_view text);

/// Decodes one UTF-8 code point at `pos` and advances `pos` past it.
/// \return the code point, or U+FFFD for an invalid or truncated sequence (advancing one byte).
[[nodiscard]] char32_t next_code_point(std::string_view text, std::size_t &pos) noexcept;

/// Appends the UTF-8 encoding of `code_point` to `out`.
void append_utf8(std::string &out, char32_t code_point);

/// \return `text` without leading and trailing ASCII white space: space, tab, LF, CR, and also
/// form feed and vertical tab (Ruby's `\s`, which Discourse's `strip` calls remove; base::trim
/// keeps those two).
[[nodiscard]] std::string_view ruby_strip(std::string_view text) noexcept;

/// \return the number of code points in `text` (what Ruby's String#length counts).
[[nodiscard]] std::size_t utf8_length(std::string_view text) noexcept;

} // namespace forumgate::rehearsal
