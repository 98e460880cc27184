#pragma once
// The old forum's sitemaps (sitemaps.org protocol 0.9): a `urlset` lists pages, a
// `sitemapindex` lists further sitemaps. Discourse serves /sitemap.xml as an index of
// /sitemap_1.xml…, /sitemap_recent.xml and /news.xml.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::report {

class web_fetcher;

/// What one sitemap document lists.
struct sitemap_document
{
    bool index = false;                 ///< a sitemapindex: `locations` are further sitemaps
    std::vector<std::string> locations; ///< the text of each <loc>, entities decoded, trimmed
};

/// Parses a sitemap or sitemap index. `name` (file or URL) is used in messages.
/// \throws input_error "NAME:LINE: …" if it is not one: another root element, a <loc> not
/// closed, an unknown entity, a document that ends early.
[[nodiscard]] sitemap_document parse_sitemap(std::string_view xml, std::string_view name);

/// Counts for the report.
struct sitemap_totals
{
    std::uint64_t documents = 0; ///< sitemaps and indexes read
    std::uint64_t urls = 0;      ///< page URLs listed (repeats included)
};

/// Largest sitemap accepted, decompressed. The protocol allows 50 MB; a little slack.
inline constexpr std::size_t MAX_SITEMAP_BYTES = std::size_t{64} << 20U;

/// Reads the sitemap at `source`, an http(s) URL or a file (plain or gzip), and every sitemap
/// an index lists, depth first (each at most once). A sitemap listed by an index that was read
/// from a file is read from the file of the same name in the same folder when there is one,
/// else fetched. Calls `add(url)` for each page URL.
/// \throws input_error naming the sitemap (and line) that could not be read or parsed.
sitemap_totals read_sitemaps(std::string const &source, web_fetcher &fetcher,
                             std::function<void(std::string_view)> const &add);

} // namespace forumgate::report
