#pragma once
// What the rehearsal forum's page routes share (pages.cpp, pages_files.cpp, pages_html.cpp,
// pages_json.cpp, pages_feeds.cpp): the request as they see it, escaping for HTML and XML, times as feeds and
// sitemaps write them, Discourse's URL builders, topic lists, and the answers they build.
// Internal to forumgate_rehearsal_api.

#include "base/text.hpp"
#include "rehearsal/forum.hpp"
#include "rehearsal/http_server.hpp"
#include "rehearsal/request.hpp"
#include "rehearsal/serializers.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::pages {

using serializers::author;
using serializers::topic_slug;

/// The site's title (SiteSetting.title), in page titles, feeds and the news sitemap.
constexpr std::string_view SITE_TITLE = "Rehearsal forum";

/// Represents one request as the page routes see it: the forum, who asks, the decoded path
/// segments with a format suffix (`.json`, `.rss`, `.xml`, `.txt`) taken off the last one, the
/// query, and the absolute base URL taken from the Host header.
struct page_request
{
    page_request(forum_state const &forum, viewer asking, request const &asked);

    forum_state const &state;
    viewer who;
    api_request const &raw;
    request const &parsed;
    std::vector<std::string> const &parts; ///< path segments, percent-decoded
    std::string const &format;             ///< "", "json", "rss", "xml" or "txt"
    parameters const &query;               ///< the query string, decoded, in order
    std::string base;                      ///< `http://{host}`, no slash at the end
    std::string hostname;                  ///< the host without its port (RSS guids)

    /// \return the first query value named `name`, or nullopt.
    [[nodiscard]] std::optional<std::string> param(std::string_view name) const;
    /// \return `?page=N` as a number ≥ 0 (0 when absent or not a number); negative numbers
    /// are kept negative so that topic pages can refuse them.
    [[nodiscard]] std::int64_t page() const;
    /// \return whether the path is exactly `pattern` ("*" matches any one segment).
    [[nodiscard]] bool is(std::initializer_list<std::string_view> pattern) const;
    /// \return `path` (starting with `/`) made absolute on this site.
    [[nodiscard]] std::string absolute(std::string_view path) const { return base + std::string{path}; }
};

// -- Text ---------------------------------------------------------------------------------------

/// \return `text` percent-encoded for one URL path segment or query value: every byte but
/// ASCII letters, digits and `-._~` becomes `%XX`.
[[nodiscard]] std::string percent_encode(std::string_view text);
/// \return `text` escaped for HTML or XML text and attribute values (`& < > " '`), without the
/// control characters XML 1.0 forbids (all below U+0020 but tab, newline and carriage return).
[[nodiscard]] std::string escape_text(std::string_view text);
/// Appends `text` escaped as escape_text() escapes it.
void append_escaped(std::string &out, std::string_view text);
/// \return `html` inside `<![CDATA[…]]>`, with any `]]>` in it split across two sections and
/// the control characters XML forbids removed, so the feed stays well formed.
[[nodiscard]] std::string cdata(std::string_view html);
/// \return `when` as RFC 2822 in UTC, as Ruby's Time#rfc2822 in Rails: `Thu, 09 Jul 2026 21:00:11 +0000`.
[[nodiscard]] std::string rfc2822(timestamp when);
/// \return `when` as Ruby's Time#xmlschema in UTC: `2024-05-01T12:00:00Z` (no fraction).
[[nodiscard]] std::string xml_schema_time(timestamp when);
/// Appends `when` as xml_schema_time() writes it.
void append_xml_schema_time(std::string &out, timestamp when);
/// \return `when` as the crawler view prints dates: `May 1, 2024`.
[[nodiscard]] std::string long_date(timestamp when);
/// \return `id` as a number if `text` is all digits (no sign), else nullopt.
[[nodiscard]] std::optional<std::int64_t> to_id(std::string_view text);
/// \return the text of `html` without its tags and surrounding spaces, cut at `length` bytes
/// (on a character boundary, with "…" added) when longer.
[[nodiscard]] std::string plain_text(std::string_view html, std::size_t length);

// -- Discourse's URLs (relative, percent-encoded) -------------------------------------------------

/// \return `/t/{slug}/{id}`, with `/{post_number}` when given (Post#url writes `/1` too).
[[nodiscard]] std::string topic_path(topic const &subject, std::optional<int> post_number = std::nullopt);
/// \return `/c/{slug path}/{id}` (Category#url).
[[nodiscard]] std::string category_path(forum_state const &state, category const &place);
/// \return `/u/{username, lowercased}`.
[[nodiscard]] std::string user_path(user const &account);
/// \return `/tag/{name}`.
[[nodiscard]] std::string tag_path(std::string_view name);

// -- Topic lists ----------------------------------------------------------------------------------

/// How a topic list is ordered.
enum class list_order
{
    latest,  ///< pinned first, then by bump time, newest first (TopicQuery#list_latest)
    created, ///< by creation time, newest first (the latest feed, a category's feed)
    top,     ///< most liked, then most posts, then most viewed (all time)
};

/// Which topics a list holds.
struct list_filter
{
    std::optional<std::int64_t> category_id{}; ///< with its subcategories, at any depth
    std::optional<std::string> tag{};
    std::optional<std::int64_t> user_id{}; ///< topics the user created
};

/// Sorts `listed` in `order`.
void sort_topics(std::vector<topic const *> &listed, list_order order);
/// \return the topics `who` sees in lists (regular, not deleted, listed unless staff) that
/// match `filter`, in `order`.
[[nodiscard]] std::vector<topic const *> list_topics(forum_state const &state, viewer const &who,
                                                     list_filter const &filter, list_order order);
/// \return the posts of `subject` that `who` may see, by post number (the post stream).
[[nodiscard]] std::vector<post const *> visible_posts(forum_state const &state, viewer const &who,
                                                      topic const &subject);

// -- Shared by the HTML and JSON routes ----------------------------------------------------------

/// \return the tag a `/tag/{name}[/{id}][/l/{filter}]` path names, if tagging is on and it
/// exists and the filter is `latest` or `top` (set in `filter`); else nullptr.
[[nodiscard]] tag const *requested_tag(page_request const &request, std::string &filter);

/// What /about counts.
struct site_counts
{
    std::size_t topics = 0;
    std::size_t posts = 0;
    std::size_t users = 0;
    std::size_t likes = 0;
};

/// \return the public topics (listed for anonymous readers), their posts and likes, and the
/// real users (not system, not staged).
[[nodiscard]] site_counts count_site(forum_state const &state);
/// \return the admins (`admins`) or the moderators who are not admins, by id.
[[nodiscard]] std::vector<user const *> staff_of(forum_state const &state, bool admins);

// -- Answers --------------------------------------------------------------------------------------

constexpr std::string_view HTML_TYPE = "text/html; charset=utf-8";

/// Represents the parts of an HTML page's head beside its title.
struct page_head
{
    std::string title;       ///< without the site title (added)
    std::string canonical;   ///< absolute; none when empty
    std::string description; ///< meta description, plain text
    std::string next;        ///< absolute URL of the next page, if any
    std::string prev;        ///< absolute URL of the previous page, if any
    std::string feed;        ///< absolute URL of the page's RSS feed, if any
};

/// \return a whole HTML5 page: doctype, head (charset, title, description, canonical, next/prev,
/// feed) and a body with the site's header and `main` (HTML, already escaped).
[[nodiscard]] api_response html_page(page_request const &request, int status, page_head const &head,
                                     std::string_view main);
/// \return Discourse's 404 page (text/html).
[[nodiscard]] api_response not_found_page(page_request const &request);
/// \return a redirect (301 or 302) to `path` made absolute, with Rails' small HTML body.
[[nodiscard]] api_response redirect(page_request const &request, int status, std::string_view path);
// JSON answers and errors, as the API writes them.
using serializers::error_answer;
using serializers::json_answer;
using serializers::not_found_answer;

// -- Routes, one file each -----------------------------------------------------------------------

/// Uploads as files (pages_files.cpp): `/uploads/…`, `/secure-uploads/…`,
/// `/secure-media-uploads/…`. \return nullopt for other paths.
[[nodiscard]] std::optional<api_response> answer_file(page_request const &request);
/// `POST /uploads/lookup-urls` (pages_files.cpp).
[[nodiscard]] api_response lookup_upload_urls(page_request const &request);
/// The HTML routes (pages_html.cpp): topics, posts, categories, users, tags, lists, static
/// pages; a 404 page for anything else.
[[nodiscard]] api_response answer_html(page_request const &request);
/// The JSON routes that belong with the pages (pages_json.cpp): `/tag/{name}.json`,
/// `/tag/{name}/l/{filter}.json`, `/about.json`. \return nullopt for other paths.
[[nodiscard]] std::optional<api_response> answer_page_json(page_request const &request);
/// RSS feeds (pages_feeds.cpp). \return a 404 page for an unknown feed.
[[nodiscard]] api_response answer_feed(page_request const &request);
/// Sitemaps and robots.txt (pages_feeds.cpp). \return a 404 page for an unknown one.
[[nodiscard]] api_response answer_sitemap(page_request const &request);

} // namespace forumgate::rehearsal::pages
