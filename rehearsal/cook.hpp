#pragma once
// A small Markdown → HTML renderer ("cooking", as Discourse calls it): enough of Discourse's
// output for realistic `cooked` fields, not a full CommonMark implementation.

#include <functional>
#include <string>
#include <string_view>

namespace forumgate::rehearsal {

/// Turns `upload://{base62}.{ext}` into the upload's URL; returns "" for an unknown upload.
using upload_url_resolver = std::function<std::string(std::string_view short_url)>;

/// Cooks raw Markdown the way Discourse's defaults do for the common cases:
/// - blocks: paragraphs (a single newline is a `<br>`), `#` headings, `-`/`*` lists,
///   `>` block quotes, ``` fenced code, and `[quote="name, post:N, topic:T"]…[/quote]` as
///   Discourse's `<aside class="quote">` (nested quotes included);
/// - inline: `[text](url)`, `![alt|WxH](url)`, bare http(s) URLs, `**bold**`, `*em*`,
///   `` `code` `` and `@mentions`; `upload://` URLs are resolved through `uploads`;
/// - every other character is HTML-escaped, so raw HTML is shown, not interpreted.
/// \return the HTML, "" for an empty or blank `raw`.
[[nodiscard]] std::string cook(std::string_view raw, upload_url_resolver const &uploads = {});

/// \return `text` with `& < > " '` escaped as HTML entities (Rails' ERB::Util.html_escape).
[[nodiscard]] std::string escape_html(std::string_view text);

/// \return a topic title as Discourse's `fancy_title`: HTML-escaped, with straight double
/// quotes made typographic (&ldquo; &rdquo;), apostrophes &rsquo;, `...` &hellip; and ` -- `
/// &ndash; (HtmlPrettify's main rules).
[[nodiscard]] std::string fancy_title(std::string_view title);

} // namespace forumgate::rehearsal
