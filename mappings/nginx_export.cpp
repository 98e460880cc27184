#include "mappings/nginx_export.hpp"

#include "base/error.hpp"
#include "mappings/resolver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace forumgate::mappings {
namespace {

// nginx matches these against $request_uri, the request target exactly as the client sent it:
// nginx's $uri is decoded and would turn an escaped `%2F` inside a slug into a new segment, where
// the resolver keeps it inside its segment. A query makes none of them match (the resolver keeps
// some parameters and turns `page` into a post number), nor does a path nginx would have to
// normalise (`//`, `.`, `..`, an escaped ASCII byte): those go to the fallback.

// One percent-escaped UTF-8 character outside ASCII, valid as the resolver requires it (no
// overlong form, no surrogate, nothing above U+10FFFF).
constexpr std::string_view CONT = "%[89ABab][0-9A-Fa-f]";
std::string utf8_escape()
{
    return fmt::format("(?:%(?:[Cc][2-9A-Fa-f]|[Dd][0-9A-Fa-f]){0}"
                       "|%[Ee]0%[ABab][0-9A-Fa-f]{0}"
                       "|%[Ee][1-9A-Ca-cEeFf]{0}{0}"
                       "|%[Ee][Dd]%[89][0-9A-Fa-f]{0}"
                       "|%[Ff]0%[9ABab][0-9A-Fa-f]{0}{0}"
                       "|%[Ff][1-3]{0}{0}{0}"
                       "|%[Ff]4%8[0-9A-Fa-f]{0}{0})",
                       CONT);
}

// A slug segment: unreserved characters and escaped non-ASCII, at least one of them neither a
// digit nor a dot (an all-digit segment is an id; `.` and `..` are dot segments). `excluded`
// lists words that are route words at that place, not slugs.
std::string slug_segment(std::string_view excluded)
{
    return fmt::format("(?!(?:{})/)(?=[^/]*[^/0-9.])(?:[A-Za-z0-9_~.-]|{})+", excluded, utf8_escape());
}

// The keys of the target map: a letter for the shape, then the ids as the URL has them.
struct key_shape
{
    std::string pattern;      // regex on $request_uri
    std::string_view key;     // the key it makes, with captures
    std::string_view example; // for the comment
};

std::vector<key_shape> key_shapes()
{
    std::string const topic_slug = slug_segment("id_for|external_id");
    // Route words of a category path (the resolver's is_category_keyword).
    std::string const category_slug = slug_segment("l|none|all|subcategories|show|find_by_slug");
    return {
        {fmt::format("^/t/(?:{}/)?([0-9]+)/?$", topic_slug), "t$1", "/t/{slug}/{id}, /t/{id}"},
        {fmt::format("^/t/(?:{}/)?([0-9]+)/([0-9]+|last)/?$", topic_slug), "t$1/$2",
         "/t/{slug}/{id}/{n}, /t/{id}/{n}, …/last"},
        {"^/p/([0-9]+)/?$", "p$1", "/p/{id}"},
        {fmt::format("^/c/(?:{}/){{0,3}}([0-9]+)/?$", category_slug), "c$1", "/c/{slugs}/{id}, /c/{id}"},
        {"^(/uploads/[A-Za-z0-9_~./-]+)$", "u$1", "/uploads/… (exact path)"},
    };
}

// An upload key the uploads pattern above can produce: plain characters, no dot segment.
bool plain_upload_path(std::string_view path)
{
    if (!path.starts_with("/uploads/") || path.find("/.") != std::string_view::npos) {
        return false;
    }
    return std::ranges::all_of(path, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '~' ||
               c == '.' || c == '/' || c == '-';
    });
}

// Bytes nginx's hash takes for a key (NGX_HASH_ELT_SIZE on 64 bits).
std::size_t hash_element_size(std::size_t key_length)
{
    return sizeof(void *) + ((key_length + 2 + sizeof(void *) - 1) & ~(sizeof(void *) - 1));
}

std::size_t round_up(std::size_t value, std::size_t step)
{
    return (value + step - 1) / step * step;
}

class entry_writer
{
public:
    entry_writer(snapshot const &map, std::ostream &out) : m_map{map}, m_out{out} {}

    // Resolves `target` on the main old host and writes `key answer` if the resolver answers
    // 301 or 410. \return true if it wrote an entry.
    bool write(std::string_view key, std::string const &target, std::size_t &count, nginx_export_counts &counts)
    {
        decision const d = resolve(request{"", target}, m_map, m_scratch);
        if (d.status == 410) {
            m_out << "    " << key << " 410;\n";
            ++counts.gone;
        } else if (d.status == 301) {
            m_out << "    " << key << " \"" << escape(d.location) << "\";\n";
        } else {
            return false;
        }
        ++count;
        return true;
    }

private:
    // A value is a string with variables to nginx; the resolver writes only URL characters, of
    // which `$` is the one nginx reads as a variable: it becomes ${forumgate_dollar}.
    static std::string escape(std::string_view location)
    {
        std::string out;
        out.reserve(location.size());
        for (char const c : location) {
            if (c == '$') {
                out += "${forumgate_dollar}";
            } else {
                out.push_back(c);
            }
        }
        return out;
    }

    snapshot const &m_map;
    std::ostream &m_out;
    parsed_url m_scratch;
};

void write_map_file(snapshot const &map, std::ostream &out, nginx_export_counts &counts)
{
    // Sizes first, from bounds: the entries are written as they are resolved.
    std::size_t bound = map.size().topics * 2 + map.size().posts * 2 + map.size().categories;
    std::size_t longest_key = 24; // "t4294967295/4294967295" and the like
    auto const &uploads = map.upload_paths();
    for (std::size_t i = 0; i < uploads.size(); ++i) {
        if (plain_upload_path(uploads.key(i))) {
            ++bound;
            longest_key = std::max(longest_key, uploads.key(i).size() + 1);
        }
    }
    // A bucket holds at least four of the longest keys; nginx allocates only what buckets use.
    std::size_t const bucket = std::max<std::size_t>(128, round_up(4 * hash_element_size(longest_key) + 8, 64));
    std::size_t const max_size = std::max<std::size_t>(1024, bound);

    out << fmt::format("# The old forum's URLs answered by nginx: written by `forumgate map export --format nginx`\n"
                       "# from map version {}, for the new forum {}.\n"
                       "# Include it in nginx's http block, and {} in the server block of the old\n"
                       "# host names. Every answer below is forumgate's own (`forumgate resolve`). Do not edit:\n"
                       "# export again after the map changes.\n\n",
                       map.version(), map.settings().new_base, NGINX_LOCATIONS_FILE);
    out << fmt::format("# nginx's defaults (1024 buckets of 64 bytes) hold a few hundred keys; these hold\n"
                       "# every key below. Remove them if nginx.conf sets larger ones itself.\n"
                       "map_hash_max_size {};\nmap_hash_bucket_size {};\n\n",
                       max_size, bucket);
    out << "# A `$` in a new URL (nginx has no other way to write one in a value).\n"
           "geo $forumgate_dollar {\n    default \"$\";\n}\n\n";
    out << "# The request target, as sent, to a key: a shape letter and the old ids.\n"
           "map $request_uri $forumgate_key {\n    default \"\";\n";
    for (auto const &shape : key_shapes()) {
        out << "    # " << shape.example << "\n    \"~" << shape.pattern << "\" " << shape.key << ";\n";
    }
    out << "}\n\n";
    out << "# Key to answer: the new URL (301), or 410 for what was deliberately not migrated.\n"
           "map $forumgate_key $forumgate_target {\n    default \"\";\n";

    entry_writer entries{map, out};
    for (auto const &topic : map.topics()) {
        if (topic.old_id == 0) {
            continue; // a gap between dense ids
        }
        entries.write(fmt::format("t{}", topic.old_id), fmt::format("/t/{}", topic.old_id), counts.topics, counts);
        entries.write(fmt::format("t{}/last", topic.old_id), fmt::format("/t/{}/last", topic.old_id),
                      counts.post_numbers, counts);
        // Post numbers the map lists; any other number lands on the nearest of these, which
        // nginx cannot compute, so the fallback answers it.
        for (auto const &post : map.posts_of(topic)) {
            std::uint32_t const number = post.old_post_number & ~snapshot::POST_HIDDEN;
            entries.write(fmt::format("t{}/{}", topic.old_id, number), fmt::format("/t/{}/{}", topic.old_id, number),
                          counts.post_numbers, counts);
        }
    }
    map.for_each_post_id([&](std::uint32_t old_id, snapshot::post const &) {
        entries.write(fmt::format("p{}", old_id), fmt::format("/p/{}", old_id), counts.post_links, counts);
    });
    for (auto const &category : map.categories()) {
        entries.write(fmt::format("c{}", category.old_id), fmt::format("/c/{}", category.old_id), counts.categories,
                      counts);
    }
    for (std::size_t i = 0; i < uploads.size(); ++i) {
        std::string const path{uploads.key(i)};
        if (plain_upload_path(path)) {
            entries.write("u" + path, path, counts.uploads, counts);
        }
    }
    out << "}\n";
}

void write_locations_file(snapshot const &map, nginx_export_options const &options, std::ostream &out)
{
    std::string server_names;
    for (auto const &host : map.settings().old_hosts) {
        server_names += ' ' + host;
    }
    out << fmt::format(
        "# The old forum's URLs: nginx answers from {0} what the map lists, and passes the rest to\n"
        "# the fallback below. Written by `forumgate map export --format nginx` (map version {1}).\n"
        "# Include it in the server block of the old host names, e.g.\n"
        "#\n"
        "#     server {{\n"
        "#         listen 443 ssl;\n"
        "#         server_name{2};\n"
        "#         ssl_certificate …; ssl_certificate_key …;\n"
        "#         include {3};\n"
        "#     }}\n"
        "#\n"
        "# nginx answers, exactly as forumgate would: /t/{{slug}}/{{id}} and /t/{{id}}, each with a post\n"
        "# number the map lists or /last; /p/{{id}}; /c/{{slugs}}/{{id}}; /uploads/… by exact path.\n"
        "# The fallback answers everything else: a query (?page=N, tracking parameters), a post number\n"
        "# the map does not list (forumgate lands on the nearest migrated post), topics without post\n"
        "# rows, .json/.rss and /print, old slugs without an id (/t/{{slug}}, /c/{{slug}}), users,\n"
        "# tags, uploads by SHA-1 (thumbnails, short URLs, secure uploads), site pages, custom rules,\n"
        "# and any target nginx would have to normalise (//, .., an escaped ASCII character).\n\n",
        NGINX_MAP_FILE, map.version(), server_names, NGINX_LOCATIONS_FILE);
    out << fmt::format("location / {{\n"
                       "    error_page 418 = @forumgate_fallback;\n"
                       "    if ($forumgate_target = \"\") {{\n"
                       "        return 418;\n"
                       "    }}\n"
                       "    if ($forumgate_target = 410) {{\n"
                       "        add_header Cache-Control \"public, max-age={1}\" always;\n"
                       "        return 410;\n"
                       "    }}\n"
                       "    add_header Cache-Control \"public, max-age={0}\";\n"
                       "    return 301 $forumgate_target;\n"
                       "}}\n\n",
                       options.permanent_max_age, options.miss_max_age);
    if (options.fallback.empty()) {
        out << fmt::format(
            "# Run `forumgate map export --format nginx --fallback http://ADDRESS:PORT` to pass these to\n"
            "# forumgate serve instead.\n"
            "location @forumgate_fallback {{\n"
            "    add_header Cache-Control \"public, max-age={}\" always;\n"
            "    return 404;\n"
            "}}\n",
            options.miss_max_age);
    } else {
        out << fmt::format("# forumgate serve answers the rest (its Host check needs the old host name).\n"
                           "location @forumgate_fallback {{\n"
                           "    proxy_pass {};\n"
                           "    proxy_set_header Host $host;\n"
                           "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                           "    proxy_set_header X-Forwarded-Proto $scheme;\n"
                           "    proxy_redirect off;\n"
                           "}}\n",
                           options.fallback);
    }
}

} // namespace

void check_nginx_fallback(std::string const &fallback)
{
    if (fallback.empty()) {
        return;
    }
    std::string_view rest = fallback;
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else {
        throw input_error{fmt::format("fallback {}: not an http:// or https:// URL", fallback)};
    }
    // nginx refuses a URI part in proxy_pass inside a named location; the request's own target
    // is passed on as it came.
    if (rest.empty() || rest.find('/') != std::string_view::npos) {
        throw input_error{
            fmt::format("fallback {}: give only scheme, host and port (http://127.0.0.1:8080), no path", fallback)};
    }
    auto const bad = std::ranges::find_if(rest, [](char c) {
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                 c == ':' || c == '[' || c == ']' || c == '_');
    });
    if (bad != rest.end()) {
        throw input_error{fmt::format("fallback {}: '{}' cannot be part of a host and port", fallback, *bad)};
    }
}

nginx_export_counts write_nginx_export(snapshot const &map, nginx_export_options const &options, std::ostream &map_out,
                                       std::ostream &locations_out)
{
    check_nginx_fallback(options.fallback);
    nginx_export_counts counts;
    write_map_file(map, map_out, counts);
    write_locations_file(map, options, locations_out);
    return counts;
}

} // namespace forumgate::mappings
