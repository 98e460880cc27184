#include "importer/rewrite.hpp"

#include "base/digest.hpp"
#include "base/url_codec.hpp"
#include "importer/markdown.hpp"
#include "mappings/old_url.hpp"
#include "mappings/resolver.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <optional>

namespace forumgate::importer {

namespace {

using mappings::snapshot;

/// One replacement of raw[begin, end) by text.
struct edit
{
    std::size_t begin;
    std::size_t end;
    std::string text;
};

bool is_url_end(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ')' || c == ']' || c == '"' || c == '\'' ||
           c == '<' || c == '>' || c == '|';
}

/// \return the end of a URL starting at `from`, without trailing sentence punctuation.
std::size_t url_end(std::string_view raw, std::size_t from)
{
    std::size_t end = from;
    while (end < raw.size() && !is_url_end(raw[end])) {
        ++end;
    }
    while (end > from && std::string_view{".,;:!?"}.find(raw[end - 1]) != std::string_view::npos) {
        --end;
    }
    return end;
}

class rewriter
{
public:
    rewriter(std::string_view raw, snapshot const &map) : m_raw(raw), m_map(map), m_code(code_mask(raw)) {}

    rewrite_result run()
    {
        links();
        quotes();
        short_urls();
        mentions();
        hashtags();
        // Apply the edits from the end; overlapping ones (a quote's topic inside a link) keep
        // the first found.
        std::ranges::sort(m_edits, {}, &edit::begin);
        rewrite_result out;
        std::size_t at = 0;
        for (auto const &change : m_edits) {
            if (change.begin < at) {
                continue;
            }
            out.raw.append(m_raw.substr(at, change.begin - at));
            out.raw += change.text;
            at = change.end;
            ++out.changes;
        }
        out.raw.append(m_raw.substr(at));
        out.problems = std::move(m_problems);
        return out;
    }

private:
    void replace(std::size_t begin, std::size_t end, std::string text)
    {
        if (m_raw.substr(begin, end - begin) != text) {
            m_edits.push_back({begin, end, std::move(text)});
        }
    }

    /// Resolves `url` (absolute on an old host, or a path) and, when the map places it,
    /// replaces it: absolute stays absolute, a path stays a path.
    void link(std::size_t begin, std::size_t end, bool relative)
    {
        std::string_view const url = m_raw.substr(begin, end - begin);
        auto const main_host = m_map.settings().old_hosts.empty()
                                   ? std::string_view{}
                                   : std::string_view{m_map.settings().old_hosts.front()};
        auto const request = mappings::request_from_url(url, main_host);
        if (!request) {
            return;
        }
        auto const decision = mappings::resolve(*request, m_map);
        using mappings::outcome;
        using mappings::reason;
        if (decision.what == outcome::redirect || decision.what == outcome::pass_through) {
            if (relative) {
                if (decision.what == outcome::pass_through) {
                    return; // the same path on the new forum: nothing to change
                }
                auto location = std::string_view{decision.location};
                location.remove_prefix(std::min(location.size(), m_map.base_origin().size()));
                replace(begin, end, std::string{location});
            } else {
                replace(begin, end, decision.location);
            }
            if (decision.why == reason::nearest_post) {
                m_problems.push_back("link " + std::string{url} +
                                     ": that post was not imported; it now points at the nearest one");
            }
            return;
        }
        if (decision.what == outcome::not_found || decision.what == outcome::gone) {
            m_problems.push_back("link " + std::string{url} + ": " + std::string{mappings::to_string(decision.why)} +
                                 " (left as written; the redirector answers " + std::to_string(decision.status) + ")");
        }
    }

    void links()
    {
        // Absolute links on an old host.
        for (std::size_t at = 0; (at = m_raw.find("http", at)) != std::string_view::npos;) {
            auto const start = at;
            std::string_view rest = m_raw.substr(at);
            std::size_t scheme = rest.starts_with("https://") ? 8 : rest.starts_with("http://") ? 7 : 0;
            at += scheme == 0 ? 4 : scheme;
            if (scheme == 0 || m_code[start] ||
                (start > 0 && (std::isalnum(static_cast<unsigned char>(m_raw[start - 1])) != 0))) {
                continue;
            }
            auto const end = url_end(m_raw, start);
            auto const host_end = m_raw.find_first_of("/:?#", start + scheme);
            auto const host = m_raw.substr(start + scheme, std::min(host_end, end) - start - scheme);
            if (m_map.is_old_host(base::ascii_lower(host))) {
                link(start, end, false);
            }
            at = std::max(at, end);
        }
        // Relative links where markdown or HTML puts a link: `](/…)`, `href="/…"`,
        // `src="/…"`, and reference definitions `[x]: /…`.
        static RE2 const position{R"re((\]\(|href=["']|src=["']|^\[[^\]\n]+\]:[ \t]*)(/[^/\s]))re"};
        re2::StringPiece input{m_raw.data(), m_raw.size()};
        re2::StringPiece lead;
        re2::StringPiece path_start;
        std::string_view const whole = m_raw;
        // RE2's ^ matches only at the text's start without multi-line mode: scan line by line.
        std::size_t line_start = 0;
        while (line_start < whole.size()) {
            auto line_end = whole.find('\n', line_start);
            line_end = line_end == std::string_view::npos ? whole.size() : line_end;
            re2::StringPiece line{whole.data() + line_start, line_end - line_start};
            while (RE2::FindAndConsume(&line, position, &lead, &path_start)) {
                auto const begin = static_cast<std::size_t>(path_start.data() - whole.data());
                if (!m_code[begin]) {
                    link(begin, url_end(whole, begin), true);
                }
            }
            line_start = line_end + 1;
        }
        (void)input;
    }

    void quotes()
    {
        static RE2 const quote{R"re(\[quote="([^"\]\n]*)"\])re"};
        each_match_outside_code(quote,
                                [this](std::size_t begin, std::string_view inside) { quote_fields(begin, inside); });
    }

    /// Calls `on_match(begin, group)` with the first group of each match of `pattern` (which has
    /// one group) that does not start inside code, in order.
    template <typename on_match_fn>
    void each_match_outside_code(RE2 const &pattern, on_match_fn &&on_match)
    {
        re2::StringPiece input{m_raw.data(), m_raw.size()};
        re2::StringPiece group;
        while (RE2::FindAndConsume(&input, pattern, &group)) {
            auto const begin = static_cast<std::size_t>(group.data() - m_raw.data());
            if (!m_code[begin]) {
                on_match(begin, std::string_view{group.data(), group.size()});
            }
        }
    }

    void quote_fields(std::size_t begin, std::string_view inside)
    {
        // "name, post:N, topic:T[, full:true][, username:u]"
        std::vector<std::string> fields;
        for (std::size_t at = 0; at <= inside.size();) {
            auto const comma = inside.find(',', at);
            auto field = inside.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
            while (!field.empty() && field.front() == ' ') {
                field.remove_prefix(1);
            }
            fields.emplace_back(field);
            if (comma == std::string_view::npos) {
                break;
            }
            at = comma + 1;
        }
        std::optional<std::uint64_t> topic_id;
        std::optional<std::uint64_t> post_number;
        bool has_username_field = false;
        for (auto const &field : fields) {
            if (field.starts_with("topic:")) {
                topic_id = base::parse_uint(std::string_view{field}.substr(6));
            } else if (field.starts_with("post:")) {
                post_number = base::parse_uint(std::string_view{field}.substr(5));
            } else if (field.starts_with("username:")) {
                has_username_field = true;
            }
        }
        std::string const where = "quote [quote=\"" + std::string{inside} + "\"]";
        std::optional<std::uint32_t> new_topic;
        std::optional<std::uint32_t> new_number;
        if (topic_id) {
            auto const *topic = m_map.find_topic(*topic_id);
            if (topic == nullptr || topic->new_id == 0) {
                m_problems.push_back(where + ": topic " + std::to_string(*topic_id) +
                                     (topic == nullptr ? " is not in the map" : " is not imported"));
                return;
            }
            new_topic = topic->new_id;
            if (post_number) {
                for (auto const &post : m_map.posts_of(*topic)) {
                    if ((post.old_post_number & ~snapshot::POST_HIDDEN) == *post_number) {
                        if (post.new_post_number != 0) {
                            new_topic = post.new_topic_id;
                            new_number = post.new_post_number;
                        }
                        break;
                    }
                }
                if (!new_number) {
                    m_problems.push_back(where + ": post " + std::to_string(*post_number) + " of topic " +
                                         std::to_string(*topic_id) + " is not imported");
                    return;
                }
            }
        }
        std::string out;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            std::string field = fields[i];
            if (field.starts_with("topic:") && new_topic) {
                field = "topic:" + std::to_string(*new_topic);
            } else if (field.starts_with("post:") && new_number) {
                field = "post:" + std::to_string(*new_number);
            } else if (field.starts_with("username:")) {
                field = "username:" + renamed_user(field.substr(9));
            } else if (i == 0 && !has_username_field) {
                field = renamed_user(field);
            }
            out += (i == 0 ? "" : ", ") + field;
        }
        replace(begin, begin + inside.size(), out);
    }

    std::string renamed_user(std::string const &name) const
    {
        auto const *user = m_map.find_user(name);
        return user != nullptr && !user->new_name.empty() ? user->new_name : name;
    }

    void short_urls()
    {
        static RE2 const short_url{R"((upload://([A-Za-z0-9]+)(\.[A-Za-z0-9]+)?))"};
        re2::StringPiece input{m_raw.data(), m_raw.size()};
        re2::StringPiece whole;
        std::string base62;
        std::string extension;
        while (RE2::FindAndConsume(&input, short_url, &whole, &base62, &extension)) {
            auto const begin = static_cast<std::size_t>(whole.data() - m_raw.data());
            if (m_code[begin]) {
                continue;
            }
            std::string const text{whole.data(), whole.size()};
            auto const sha1 = base::sha1_from_base62(base62);
            auto const *upload = sha1 ? m_map.find_upload_by_sha1(*sha1) : nullptr;
            if (upload == nullptr || upload->new_name.empty()) {
                m_problems.push_back("upload " + text + ": not in the map" + (sha1 ? "" : " (not a valid short URL)"));
                continue;
            }
            auto replacement = short_url_of(upload->new_name);
            replace(begin, begin + whole.size(), replacement.empty() ? upload->new_name : replacement);
        }
    }

    void mentions()
    {
        static RE2 const mention{R"((?:^|[^\w@/.:`])@([\w][\w.\-]*[\w]|[\w]))"};
        each_match_outside_code(mention, [this](std::size_t begin, std::string_view name) {
            std::string const old_name{name};
            auto const *user = m_map.find_user(old_name);
            if (user != nullptr && !user->new_name.empty() && !base::iequals(user->new_name, old_name)) {
                replace(begin, begin + name.size(), user->new_name);
            }
        });
    }

    void hashtags()
    {
        static RE2 const hashtag{R"((?:^|[\s(])#([a-z0-9][a-z0-9_\-]*(?::[a-z0-9][a-z0-9_\-]*)?))"};
        each_match_outside_code(hashtag, [this](std::size_t begin, std::string_view tag) {
            std::string path{tag};
            std::replace(path.begin(), path.end(), ':', '/');
            auto const *category = m_map.find_category_by_path(path);
            if (category == nullptr || category->new_id == 0 || category->new_slug_path.empty()) {
                return; // a tag, or a heading-like word: not ours to change
            }
            std::string text = category->new_slug_path;
            std::replace(text.begin(), text.end(), '/', ':');
            replace(begin, begin + tag.size(), text);
        });
    }

    std::string_view m_raw;
    snapshot const &m_map;
    std::vector<bool> m_code;
    std::vector<edit> m_edits;
    std::vector<std::string> m_problems;
};

} // namespace

std::string short_url_of(std::string_view new_url)
{
    auto const slash = new_url.rfind('/');
    auto const name = new_url.substr(slash == std::string_view::npos ? 0 : slash + 1);
    auto const dot = name.find('.');
    auto const stem = name.substr(0, dot);
    if (stem.size() != 40 ||
        !std::ranges::all_of(stem, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
        return {};
    }
    return "upload://" + base::base62_from_sha1(stem) +
           (dot == std::string_view::npos ? "" : std::string{name.substr(dot)});
}

rewrite_result rewrite_post(std::string_view raw, mappings::snapshot const &map)
{
    return rewriter{raw, map}.run();
}

} // namespace forumgate::importer
