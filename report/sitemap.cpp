#include "report/sitemap.hpp"

#include "base/error.hpp"
#include "base/line_reader.hpp"
#include "base/text.hpp"
#include "base/url_codec.hpp"
#include "report/web_fetcher.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace forumgate::report {
namespace {

/// Sitemap indexes may not list indexes (the protocol), but some generators nest them; deeper
/// than this is a cycle or a mistake.
constexpr int MAX_DEPTH = 4;

/// More sitemaps than this from one source is a generator gone wrong (the protocol allows an
/// index of 50,000 sitemaps; Discourse writes one per 10,000 topics).
constexpr std::uint64_t MAX_DOCUMENTS = 50'000;

/// Redirects followed when fetching a sitemap (http → https, a moved forum).
constexpr int MAX_REDIRECTS = 5;

/// Represents a sitemap being scanned, for messages with line numbers.
class xml_scan
{
public:
    xml_scan(std::string_view xml, std::string_view name) : m_xml{xml}, m_name{name} {}

    [[noreturn]] void fail(std::size_t pos, std::string_view message) const
    {
        auto const line =
            1 +
            std::count(m_xml.begin(), m_xml.begin() + static_cast<std::ptrdiff_t>(std::min(pos, m_xml.size())), '\n');
        throw input_error{fmt::format("{}:{}: {}", m_name, line, message)};
    }

    /// \return the position after `end`, searched from `pos`; fails with `what` if absent.
    std::size_t skip_past(std::size_t pos, std::string_view end, std::string_view what) const
    {
        auto const found = m_xml.find(end, pos);
        if (found == std::string_view::npos) {
            fail(pos, fmt::format("{} is not closed", what));
        }
        return found + end.size();
    }

    /// Appends the text between `begin` and `end` with its entities decoded.
    void append_text(std::string &out, std::size_t begin, std::size_t end) const
    {
        for (std::size_t i = begin; i < end; ++i) {
            char const c = m_xml[i];
            if (c != '&') {
                out.push_back(c);
                continue;
            }
            auto const semicolon = m_xml.find(';', i);
            if (semicolon == std::string_view::npos || semicolon >= end || semicolon - i > 12) {
                fail(i, "an & that starts no entity (write &amp;)");
            }
            std::string_view const entity = m_xml.substr(i + 1, semicolon - i - 1);
            if (entity == "amp") {
                out.push_back('&');
            } else if (entity == "lt") {
                out.push_back('<');
            } else if (entity == "gt") {
                out.push_back('>');
            } else if (entity == "quot") {
                out.push_back('"');
            } else if (entity == "apos") {
                out.push_back('\'');
            } else if (entity.starts_with('#')) {
                append_character(out, entity, i);
            } else {
                fail(i, fmt::format("unknown entity &{};", entity));
            }
            i = semicolon;
        }
    }

    [[nodiscard]] std::string_view xml() const noexcept { return m_xml; }

private:
    void append_character(std::string &out, std::string_view entity, std::size_t pos) const
    {
        bool const hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
        std::string_view const digits = entity.substr(hex ? 2 : 1);
        std::uint32_t code = 0;
        for (char const c : digits) {
            int digit = -1;
            if (c >= '0' && c <= '9') {
                digit = c - '0';
            } else if (hex && c >= 'a' && c <= 'f') {
                digit = c - 'a' + 10;
            } else if (hex && c >= 'A' && c <= 'F') {
                digit = c - 'A' + 10;
            }
            if (digit < 0 || code > 0x10FFFFU) {
                fail(pos, fmt::format("bad character reference &{};", entity));
            }
            code = code * (hex ? 16U : 10U) + static_cast<std::uint32_t>(digit);
        }
        if (digits.empty() || code == 0 || code > 0x10FFFFU || (code >= 0xD800U && code <= 0xDFFFU)) {
            fail(pos, fmt::format("bad character reference &{};", entity));
        }
        // UTF-8
        if (code < 0x80U) {
            out.push_back(static_cast<char>(code));
        } else if (code < 0x800U) {
            out.push_back(static_cast<char>(0xC0U | (code >> 6U)));
            out.push_back(static_cast<char>(0x80U | (code & 0x3FU)));
        } else if (code < 0x10000U) {
            out.push_back(static_cast<char>(0xE0U | (code >> 12U)));
            out.push_back(static_cast<char>(0x80U | ((code >> 6U) & 0x3FU)));
            out.push_back(static_cast<char>(0x80U | (code & 0x3FU)));
        } else {
            out.push_back(static_cast<char>(0xF0U | (code >> 18U)));
            out.push_back(static_cast<char>(0x80U | ((code >> 12U) & 0x3FU)));
            out.push_back(static_cast<char>(0x80U | ((code >> 6U) & 0x3FU)));
            out.push_back(static_cast<char>(0x80U | (code & 0x3FU)));
        }
    }

    std::string_view m_xml;
    std::string_view m_name;
};

/// The qualified name of the tag starting at `pos` (just after '<' or "</").
std::string_view tag_name(std::string_view xml, std::size_t pos)
{
    auto const end = xml.find_first_of(" \t\r\n/>", pos);
    return xml.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
}

std::string_view prefix_of(std::string_view qualified)
{
    auto const colon = qualified.find(':');
    return colon == std::string_view::npos ? std::string_view{} : qualified.substr(0, colon);
}

std::string_view local_of(std::string_view qualified)
{
    auto const colon = qualified.find(':');
    return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

bool is_web_url(std::string_view s)
{
    return (s.size() > 7 && base::iequals(s.substr(0, 7), "http://")) ||
           (s.size() > 8 && base::iequals(s.substr(0, 8), "https://"));
}

} // namespace

sitemap_document parse_sitemap(std::string_view xml, std::string_view name)
{
    xml_scan const scan{xml, name};
    sitemap_document out;
    std::size_t pos = xml.starts_with("\xEF\xBB\xBF") ? 3 : 0;

    // Skip the prolog: the XML declaration, comments, a doctype.
    for (;;) {
        pos = xml.find('<', pos);
        if (pos == std::string_view::npos) {
            scan.fail(xml.size(), "no root element: not a sitemap");
        }
        std::string_view const rest = xml.substr(pos);
        if (rest.starts_with("<?")) {
            pos = scan.skip_past(pos, "?>", "an XML declaration");
        } else if (rest.starts_with("<!--")) {
            pos = scan.skip_past(pos, "-->", "a comment");
        } else if (rest.starts_with("<!")) {
            pos = scan.skip_past(pos, ">", "a doctype");
        } else {
            break;
        }
    }
    std::string_view const root = tag_name(xml, pos + 1);
    if (local_of(root) == "sitemapindex") {
        out.index = true;
    } else if (local_of(root) != "urlset") {
        scan.fail(pos, fmt::format("not a sitemap: the root element is <{}>, not <urlset> or <sitemapindex>", root));
    }
    // Page and sitemap URLs are the <loc> elements of the sitemap namespace (the root's prefix);
    // image:loc, video:loc and the like are not pages.
    std::string const loc_name = prefix_of(root).empty() ? std::string{"loc"} : std::string{prefix_of(root)} + ":loc";
    pos = scan.skip_past(pos, ">", fmt::format("the <{}> tag", root));

    for (;;) {
        pos = xml.find('<', pos);
        if (pos == std::string_view::npos) {
            scan.fail(xml.size(), fmt::format("the document ends before </{}> (it was cut short?)", root));
        }
        std::string_view const rest = xml.substr(pos);
        if (rest.starts_with("<!--")) {
            pos = scan.skip_past(pos, "-->", "a comment");
            continue;
        }
        if (rest.starts_with("<![CDATA[")) {
            pos = scan.skip_past(pos, "]]>", "a CDATA section");
            continue;
        }
        if (rest.starts_with("<?")) {
            pos = scan.skip_past(pos, "?>", "a processing instruction");
            continue;
        }
        if (rest.starts_with("</")) {
            if (tag_name(xml, pos + 2) == root) {
                return out;
            }
            pos = scan.skip_past(pos, ">", "a closing tag");
            continue;
        }
        std::size_t const tag_start = pos;
        std::string_view const name_here = tag_name(xml, pos + 1);
        pos = scan.skip_past(pos, ">", fmt::format("the <{}> tag", name_here));
        if (name_here != loc_name || xml[pos - 2] == '/') {
            continue;
        }
        // The text of a <loc>: character data, entities and CDATA sections, no elements.
        std::string text;
        for (;;) {
            auto const next = xml.find('<', pos);
            if (next == std::string_view::npos) {
                scan.fail(tag_start, "a <loc> is not closed");
            }
            scan.append_text(text, pos, next);
            std::string_view const after = xml.substr(next);
            if (after.starts_with("<![CDATA[")) {
                auto const end = scan.skip_past(next, "]]>", "a CDATA section");
                text.append(xml.substr(next + 9, end - 3 - (next + 9)));
                pos = end;
                continue;
            }
            if (after.starts_with("</") && tag_name(xml, next + 2) == loc_name) {
                pos = scan.skip_past(next, ">", "</loc>");
                break;
            }
            scan.fail(next, "a <loc> holds markup instead of a URL");
        }
        std::string_view const url = base::trim(text);
        if (url.empty()) {
            scan.fail(tag_start, "an empty <loc>");
        }
        out.locations.emplace_back(url);
    }
}

sitemap_totals read_sitemaps(std::string const &source, web_fetcher &fetcher,
                             std::function<void(std::string_view)> const &add)
{
    struct pending
    {
        std::string where; ///< a URL or a file
        bool file = false;
        int depth = 0;
    };
    sitemap_totals totals;
    std::vector<pending> stack{{source, !is_web_url(source), 0}};
    std::set<std::string> seen{source};
    while (!stack.empty()) {
        pending const current = std::move(stack.back());
        stack.pop_back();
        if (++totals.documents > MAX_DOCUMENTS) {
            throw input_error{fmt::format("{}: more than {} sitemaps", source, MAX_DOCUMENTS)};
        }
        std::string text;
        if (current.file) {
            text = base::read_text_file(current.where, MAX_SITEMAP_BYTES);
        } else {
            auto [answer, final_url] = fetcher.get_following(current.where, MAX_REDIRECTS);
            if (answer.status != 200) {
                throw input_error{
                    fmt::format("{}: HTTP {}{}", current.where, answer.status,
                                final_url == current.where ? std::string{} : " (from " + final_url + ")")};
            }
            text = base::gunzip_if_compressed(std::move(answer.body), current.where, MAX_SITEMAP_BYTES);
        }
        auto const document = parse_sitemap(text, current.where);
        if (!document.index) {
            for (auto const &url : document.locations) {
                add(url);
            }
            totals.urls += document.locations.size();
            continue;
        }
        if (current.depth == MAX_DEPTH) {
            throw input_error{fmt::format("{}: sitemap indexes nested more than {} deep", current.where, MAX_DEPTH)};
        }
        // Each new one once, in the order listed: pushed in reverse.
        std::vector<pending> listed;
        for (auto const &location : document.locations) {
            pending next{location, false, current.depth + 1};
            if (current.file) {
                // A saved copy of the whole set: the listed sitemap's file beside the index.
                std::string_view path = location;
                path = path.substr(0, path.find_first_of("?#"));
                auto const slash = path.rfind('/');
                auto const local = std::filesystem::path{current.where}.parent_path() /
                                   std::string{path.substr(slash == std::string_view::npos ? 0 : slash + 1)};
                if (!local.filename().empty() && std::filesystem::is_regular_file(local)) {
                    next.where = local.string();
                    next.file = true;
                }
            }
            if (!next.file && !is_web_url(next.where)) {
                throw input_error{
                    fmt::format("{}: the index lists '{}', which is no http(s) URL", current.where, location)};
            }
            if (seen.insert(next.where).second) {
                listed.push_back(std::move(next));
            }
        }
        stack.insert(stack.end(), std::make_move_iterator(listed.rbegin()), std::make_move_iterator(listed.rend()));
    }
    return totals;
}

} // namespace forumgate::report
