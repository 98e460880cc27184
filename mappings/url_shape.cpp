#include "mappings/url_shape.hpp"

#include "base/enum_names.hpp"
#include "base/text.hpp"
#include "base/url_codec.hpp"

#include <algorithm>
#include <limits>

namespace forumgate::mappings {

// ---------------------------------------------------------------------------------------------
// parsed_url

namespace {

// True if `query` holds a control byte, raw or escaped (`%0D`, `%00`, `%7F`...). The whole query
// is looked at, not only the parameters kept: a control byte is never part of a real link.
bool has_escaped_control(std::string_view query) noexcept
{
    for (std::size_t i = 0; i + 2 < query.size(); ++i) {
        if (query[i] != '%') {
            continue;
        }
        char const hi = query[i + 1];
        char const lo = query[i + 2];
        bool const lo_hex = (lo >= '0' && lo <= '9') || (lo >= 'a' && lo <= 'f') || (lo >= 'A' && lo <= 'F');
        if (lo_hex && (hi == '0' || hi == '1' || (hi == '7' && (lo == 'f' || lo == 'F')))) {
            return true;
        }
    }
    return false;
}

} // namespace

parsed_url::status parsed_url::parse(std::string_view target)
{
    m_segment_count = 0;
    m_param_count = 0;
    m_buffer.clear();

    if (target.size() > MAX_TARGET_LENGTH) {
        return status::too_long;
    }
    // A raw control byte (CR, LF, NUL, TAB...) anywhere, even in a fragment, is no URL at all.
    if (base::has_control_bytes(target)) {
        return status::malformed;
    }
    if (auto const hash = target.find('#'); hash != std::string_view::npos) {
        target = target.substr(0, hash);
    }
    if (target.empty() || target.front() != '/') {
        return status::malformed;
    }
    std::string_view path = target;
    std::string_view query;
    if (auto const q = target.find('?'); q != std::string_view::npos) {
        path = target.substr(0, q);
        query = target.substr(q + 1);
    }
    if (has_escaped_control(query)) {
        return status::malformed;
    }
    // Decoded text is never longer than the raw text, so the views taken below stay valid.
    m_buffer.reserve(target.size());

    if (auto const result = parse_path(path); result != status::ok) {
        return result;
    }
    parse_query(query);
    return status::ok;
}

parsed_url::status parsed_url::parse_path(std::string_view path)
{
    // Split on the raw `/` first, so that an escaped %2F stays inside its segment. A path with
    // too many segments is still read to its end: a bad escape further on makes it malformed.
    bool too_deep = false;
    std::size_t pos = 1;
    while (pos <= path.size()) {
        // One pass over the raw segment finds its end and tells whether it needs decoding and
        // checking: parse() has refused raw control bytes, so a segment of plain ASCII without
        // an escape is copied as it is.
        std::size_t const begin = pos;
        unsigned int bytes = 0; // every byte OR-ed together: bit 7 tells a non-ASCII byte
        bool escaped = false;
        for (; pos < path.size() && path[pos] != '/'; ++pos) {
            auto const byte = static_cast<unsigned char>(path[pos]);
            bytes |= byte;
            escaped = escaped || byte == '%';
        }
        std::string_view const raw = path.substr(begin, pos - begin);
        ++pos;
        if (raw.empty()) {
            continue;
        }
        std::size_t const start = m_buffer.size();
        bool const plain = !escaped && bytes < 0x80U;
        if (plain) {
            m_buffer.append(raw);
        } else if (!base::append_percent_decoded(m_buffer, raw)) {
            return status::malformed;
        }
        std::string_view const segment{m_buffer.data() + start, m_buffer.size() - start};
        if (!plain && (base::has_control_bytes(segment) || !base::is_valid_utf8(segment))) {
            return status::malformed;
        }
        if (segment.empty() || segment == ".") {
            continue;
        }
        if (segment == "..") {
            if (m_segment_count > 0) {
                --m_segment_count;
            }
            continue;
        }
        if (m_segment_count == MAX_SEGMENTS) {
            too_deep = true;
            m_buffer.resize(start);
            continue;
        }
        m_segments[m_segment_count++] = segment;
    }
    if (too_deep) {
        m_segment_count = 0;
        return status::too_deep;
    }
    return status::ok;
}

void parsed_url::parse_query(std::string_view query)
{
    // Query parameters: a malformed one is skipped, never fatal (trackers write odd things).
    std::size_t qpos = 0;
    while (qpos < query.size() && m_param_count < MAX_PARAMS) {
        std::string_view const pair = base::next_piece(query, '&', qpos);
        if (pair.empty()) {
            continue;
        }
        auto const eq = pair.find('=');
        std::string_view const raw_key = pair.substr(0, eq);
        std::string_view const raw_value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        std::size_t const key_start = m_buffer.size();
        if (!base::append_form_decoded(m_buffer, raw_key)) {
            m_buffer.resize(key_start);
            continue;
        }
        std::size_t const value_start = m_buffer.size();
        if (!base::append_form_decoded(m_buffer, raw_value)) {
            m_buffer.resize(key_start);
            continue;
        }
        std::string_view const key{m_buffer.data() + key_start, value_start - key_start};
        std::string_view const value{m_buffer.data() + value_start, m_buffer.size() - value_start};
        if (key.empty() || !base::is_valid_utf8(key) || !base::is_valid_utf8(value)) {
            m_buffer.resize(key_start);
            continue;
        }
        m_params[m_param_count++] = param{key, value};
    }
}

std::string_view parsed_url::param_value(std::string_view key) const noexcept
{
    for (std::size_t i = 0; i < m_param_count; ++i) {
        if (m_params[i].key == key) {
            return m_params[i].value;
        }
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// shapes

std::string_view to_string(url_kind kind) noexcept
{
    static constexpr std::array<std::string_view, 8> NAMES = {"topic", "post",   "category",  "user",
                                                              "tag",   "upload", "site_page", "other"};
    return base::enum_name(NAMES, kind, "other");
}

url_kind kind_of(shape_id id) noexcept
{
    using enum url_kind;
    // In shape_id's order: what each shape names, as the report counts it.
    static constexpr std::array KINDS = {
        other,     // unknown
        other,     // unmappable
        site_page, // site_page
        category,  // categories_root
        topic,     // topic
        topic,     // topic_by_slug
        topic,     // topic_resource
        post,      // post_link
        post,      // post_resource
        post,      // post_by_number
        post,      // post_by_date
        topic,     // raw_topic
        category,  // category
        category,  // category_by_slug
        tag,       // tag_in_category
        user,      // user
        user,      // user_avatar
        user,      // letter_avatar
        tag,       // tag
        tag,       // tag_intersection
        upload,    // upload_sha1
        upload,    // upload_short
        upload,    // upload_path
    };
    static_assert(KINDS.size() == static_cast<std::size_t>(shape_id::upload_path) + 1, "a kind for every shape");
    auto const index = static_cast<std::size_t>(id);
    return index < KINDS.size() ? KINDS[index] : other;
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) noexcept
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Takes `.json` or `.rss` off the last segment, as Rails' format routing does.
url_format strip_format(parsed_url &url)
{
    if (url.size() == 0) {
        return url_format::none;
    }
    std::size_t const last = url.size() - 1;
    std::string_view const segment = url[last];
    if (ends_with(segment, ".json") && segment.size() > 5) {
        url.trim_segment(last, 5);
        return url_format::json;
    }
    if (ends_with(segment, ".rss") && segment.size() > 4) {
        url.trim_segment(last, 4);
        return url_format::rss;
    }
    return url_format::none;
}

// Reads an id segment. An all-digit segment too large for 64 bits is still an id (of nothing).
bool read_id(std::string_view segment, url_shape &shape)
{
    if (!base::is_digits(segment)) {
        return false;
    }
    auto const value = base::parse_uint(segment);
    shape.number = value.value_or(0);
    shape.number_overflow = !value.has_value() || *value > std::numeric_limits<std::uint32_t>::max();
    return true;
}

bool read_post_number(std::string_view segment, url_shape &shape)
{
    if (segment == "last") {
        shape.last = true;
        return true;
    }
    if (!base::is_digits(segment)) {
        return false;
    }
    auto const value = base::parse_uint(segment);
    // A post number past any real topic reads as "the last post".
    if (!value || *value > std::numeric_limits<std::uint32_t>::max()) {
        shape.last = true;
    } else {
        shape.post_number = static_cast<std::uint32_t>(*value);
    }
    return true;
}

// Segments a tail may carry: list filters, sub-pages, periods. Letters, digits, `_`, `-`.
bool is_plain_word(std::string_view s) noexcept
{
    if (s.empty() || s.size() > 64) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

bool tail_is_plain(parsed_url const &url, std::size_t begin)
{
    for (std::size_t i = begin; i < url.size(); ++i) {
        if (!is_plain_word(url[i])) {
            return false;
        }
    }
    return true;
}

url_shape make(shape_id id, url_format format = url_format::none)
{
    url_shape shape;
    shape.id = id;
    shape.format = format;
    return shape;
}

// /t/…
url_shape parse_topic(parsed_url &url)
{
    url_format const format = strip_format(url);
    std::size_t const n = url.size();
    if (n < 2) {
        return make(shape_id::unknown);
    }
    url_shape shape = make(shape_id::topic, format);
    if (url[1] == "id_for" && n == 3) {
        shape.id = shape_id::topic_by_slug;
        shape.name = url[2];
        return shape;
    }
    if (url[1] == "external_id") {
        return make(shape_id::unmappable);
    }
    std::size_t rest = 0;
    if (read_id(url[1], shape)) {
        rest = 2; // /t/{id}…: Discourse never makes an all-digit slug
    } else if (n >= 3 && read_id(url[2], shape)) {
        shape.name = url[1];
        rest = 3;
    } else if (n == 2) {
        shape.id = shape_id::topic_by_slug; // /t/2019-agm: found by slug
        shape.name = url[1];
        return shape;
    } else {
        return make(shape_id::unknown);
    }
    if (rest == n) {
        return shape;
    }
    std::string_view const next = url[rest];
    if (rest + 1 == n) {
        if (read_post_number(next, shape)) {
            return format == url_format::rss ? make(shape_id::unknown) : shape;
        }
        if (next == "print" || next == "summary" || next == "wordpress") {
            shape.tail_begin = rest;
            shape.tail_end = n;
            return shape;
        }
        if (format == url_format::json && (next == "posts" || next == "post_ids" || next == "excerpts")) {
            shape.id = shape_id::topic_resource;
            shape.tail_begin = rest;
            shape.tail_end = n;
            return shape;
        }
    }
    return make(shape_id::unknown);
}

// /p/{id}[/{user_id}], /posts/…
url_shape parse_post(parsed_url &url)
{
    bool const short_link = url[0] == "p";
    url_format const format = strip_format(url);
    std::size_t const n = url.size();
    if (n == 1) {
        return short_link ? make(shape_id::unknown) : make(shape_id::site_page, format);
    }
    url_shape shape = make(shape_id::post_link, format);
    if (short_link) {
        if (n <= 3 && format == url_format::none && read_id(url[1], shape) && (n == 2 || base::is_digits(url[2]))) {
            return shape;
        }
        return make(shape_id::unknown);
    }
    if (url[1] == "by_number" && n == 4 && read_id(url[2], shape) && read_post_number(url[3], shape) && !shape.last) {
        shape.id = shape_id::post_by_number;
        return shape;
    }
    if (url[1] == "by-date" && n == 4 && read_id(url[2], shape) && is_plain_word(url[3])) {
        shape.id = shape_id::post_by_date;
        shape.tail_begin = 3;
        shape.tail_end = 4;
        return shape;
    }
    if (!read_id(url[1], shape)) {
        return make(shape_id::unknown);
    }
    if (n == 2) {
        if (format != url_format::none) {
            shape.id = shape_id::post_resource;
        }
        return shape;
    }
    if (n == 3 && (url[2] == "raw" || url[2] == "cooked" || url[2] == "revisions")) {
        shape.id = shape_id::post_resource;
        shape.tail_begin = 2;
        shape.tail_end = 3;
        return shape;
    }
    return make(shape_id::unknown);
}

// /raw/{topic_id}[/{n}]
url_shape parse_raw(parsed_url &url)
{
    url_shape shape = make(shape_id::raw_topic);
    std::size_t const n = url.size();
    if (n < 2 || n > 3 || !read_id(url[1], shape)) {
        return make(shape_id::unknown);
    }
    if (n == 3 && (!read_post_number(url[2], shape) || shape.last)) {
        return make(shape_id::unknown);
    }
    return shape;
}

bool is_category_keyword(std::string_view s) noexcept
{
    return s == "l" || s == "none" || s == "all" || s == "subcategories" || s == "show" || s == "find_by_slug";
}

// Reads a category path starting at segment `begin`: slugs, then an optional id, then a tail.
url_shape parse_category_path(parsed_url &url, std::size_t begin, url_format format)
{
    std::size_t const n = url.size();
    url_shape shape = make(shape_id::category, format);
    shape.name_begin = begin;
    std::size_t i = begin;
    while (i < n && !base::is_digits(url[i]) && !is_category_keyword(url[i])) {
        ++i;
    }
    if (i < n && read_id(url[i], shape)) {
        shape.tail_begin = i + 1;
    } else {
        if (i == begin) {
            return make(shape_id::unknown); // a tail with no category
        }
        shape.id = shape_id::category_by_slug;
        shape.tail_begin = i;
    }
    shape.name = i > begin ? url[begin] : std::string_view{};
    shape.name_end = i;
    shape.tail_end = n;
    if (!tail_is_plain(url, shape.tail_begin) || n - shape.tail_begin > 4) {
        return make(shape_id::unknown);
    }
    return shape;
}

// /c/…, /category/…
url_shape parse_category(parsed_url &url)
{
    url_format const format = strip_format(url);
    if (url.size() == 1) {
        return make(shape_id::categories_root, format);
    }
    return parse_category_path(url, 1, format);
}

// /u/{name}[tail], /users/{name}[tail]
url_shape parse_user(parsed_url &url)
{
    std::size_t const n = url.size();
    if (n == 1) {
        return make(shape_id::site_page, strip_format(url)); // the user directory
    }
    if (url[1] == "by-external") {
        return make(shape_id::unmappable);
    }
    url_shape shape = make(shape_id::user);
    shape.format = strip_format(url); // /u/john.smith.json: the controller chomps .json
    shape.name = url[1];
    shape.tail_begin = 2;
    shape.tail_end = n;
    if (shape.name.empty() || !tail_is_plain(url, 2)) {
        return make(shape_id::unknown);
    }
    return shape;
}

// /user_avatar/{host}/{name}/{size}/{version}.{ext}, /letter_avatar/{name}/{size}/{version}.{ext}
url_shape parse_avatar(parsed_url &url)
{
    bool const letter = url[0] == "letter_avatar";
    std::size_t const name_at = letter ? 1 : 2;
    if (url.size() != name_at + 3 || !base::is_digits(url[name_at + 1])) {
        return make(shape_id::unknown);
    }
    url_shape shape = make(letter ? shape_id::letter_avatar : shape_id::user_avatar);
    shape.name = url[name_at];
    shape.tail_begin = name_at + 1;
    shape.tail_end = url.size();
    return shape;
}

// /tag/{name}[tail]
url_shape parse_tag(parsed_url &url)
{
    url_format const format = strip_format(url);
    if (url.size() < 2 || !tail_is_plain(url, 2) || url.size() > 4) {
        return make(shape_id::unknown);
    }
    url_shape shape = make(shape_id::tag, format);
    shape.name = url[1];
    shape.tail_begin = 2;
    shape.tail_end = url.size();
    return shape;
}

// /tags, /tags/{name} (old), /tags/c/…/{id}/{tag}, /tags/intersection/…
url_shape parse_tags(parsed_url &url)
{
    url_format const format = strip_format(url);
    std::size_t const n = url.size();
    if (n == 1) {
        return make(shape_id::site_page, format);
    }
    if (url[1] == "intersection") {
        if (n < 3 || n > 2 + 5) {
            return make(shape_id::unknown);
        }
        url_shape shape = make(shape_id::tag_intersection, format);
        shape.tail_begin = 2;
        shape.tail_end = n;
        return shape;
    }
    if (url[1] == "c") {
        // /tags/c/{slug path}/{id}/{tag}[/l/{filter}]
        url_shape shape = make(shape_id::tag_in_category, format);
        std::size_t i = 2;
        while (i < n && !base::is_digits(url[i])) {
            ++i;
        }
        if (i == 2 || i + 1 >= n || !read_id(url[i], shape)) {
            return make(shape_id::unknown);
        }
        shape.name_begin = 2;
        shape.name_end = i;
        shape.name = url[2];
        shape.second_name = url[i + 1];
        shape.tail_begin = i + 2;
        shape.tail_end = n;
        if (!tail_is_plain(url, shape.tail_begin) || n - shape.tail_begin > 2) {
            return make(shape_id::unknown);
        }
        return shape;
    }
    if (url[1] == "none" || url[1] == "all" || url[1] == "upload" || url[1] == "list" || url[1] == "filter" ||
        url[1] == "personal_messages" || url[1] == "check") {
        return make(shape_id::site_page, format);
    }
    if (n > 4 || !tail_is_plain(url, 2)) {
        return make(shape_id::unknown);
    }
    url_shape shape = make(shape_id::tag, format);
    shape.name = url[1];
    shape.tail_begin = 2;
    shape.tail_end = n;
    return shape;
}

bool is_hex(std::string_view s) noexcept
{
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

// /uploads/…, /secure-media-uploads/…, /secure-uploads/…
url_shape parse_upload(parsed_url &url)
{
    std::size_t const n = url.size();
    if (n < 3) {
        return make(shape_id::unknown);
    }
    std::string_view const file = url[n - 1];
    auto const dot = file.rfind('.');
    std::string_view const stem = dot == std::string_view::npos ? file : file.substr(0, dot);
    std::string_view const extension = dot == std::string_view::npos ? std::string_view{} : file.substr(dot + 1);
    url_shape shape = make(shape_id::upload_path);
    shape.second_name = extension;
    if (url[1] == "short-url") {
        if (n != 3 || stem.empty()) {
            return make(shape_id::unknown);
        }
        shape.id = shape_id::upload_short;
        shape.name = stem;
        return shape;
    }
    // original/…/{sha1}.{ext}, optimized/…/{sha1}_{version}_{w}x{h}.{ext}, {site}/{sha1}.{ext}
    if (stem.size() >= 40 && is_hex(stem.substr(0, 40)) && (stem.size() == 40 || stem[40] == '_')) {
        shape.id = shape_id::upload_sha1;
        shape.name = stem.substr(0, 40);
        return shape;
    }
    shape.name = file;
    return shape;
}

// First segments that Discourse serves as site-wide pages, lists and feeds.
constexpr std::string_view SITE_PAGES[] = {
    "about",
    "admin",
    "badges",
    "bookmarks",
    "categories",
    "categories_and_hot",
    "categories_and_latest",
    "categories_and_top",
    "conduct",
    "directory_items",
    "embed",
    "faq",
    "favicon.ico",
    "filter",
    "g",
    "groups",
    "guidelines",
    "hot",
    "latest",
    "login",
    "manifest.webmanifest",
    "my",
    "new",
    "news.xml",
    "opensearch.xml",
    "password-reset",
    "posted",
    "posts",
    "privacy",
    "read",
    "robots.txt",
    "rules",
    "search",
    "signup",
    "sitemap.xml",
    "sitemap_recent.xml",
    "tags",
    "tos",
    "top",
    "unread",
    "user-badges",
};

bool is_site_page(std::string_view first) noexcept
{
    if (std::find(std::begin(SITE_PAGES), std::end(SITE_PAGES), first) != std::end(SITE_PAGES)) {
        return true;
    }
    // /sitemap_{N}.xml
    if (first.starts_with("sitemap_") && ends_with(first, ".xml")) {
        return base::is_digits(first.substr(8, first.size() - 8 - 4));
    }
    return false;
}

} // namespace

url_shape parse_shape(parsed_url &url)
{
    if (url.size() == 0) {
        return make(shape_id::site_page); // the home page
    }
    std::string_view const first = url[0];
    if (first == "t") {
        return parse_topic(url);
    }
    if (first == "p" || first == "posts") {
        return parse_post(url);
    }
    if (first == "raw") {
        return parse_raw(url);
    }
    if (first == "c" || first == "category") {
        return parse_category(url);
    }
    if (first == "u" || first == "users") {
        return parse_user(url);
    }
    if (first == "letter_avatar_proxy") {
        // /letter_avatar_proxy/{v}/letter/{letter}/{colour}/{size}.png: drawn from the letter
        // and colour alone, the same on any forum.
        return url.size() == 6 ? make(shape_id::site_page) : make(shape_id::unknown);
    }
    if (first == "user_avatar" || first == "letter_avatar") {
        return parse_avatar(url);
    }
    if (first == "tag") {
        return parse_tag(url);
    }
    if (first == "tags") {
        return parse_tags(url);
    }
    if (first == "uploads" || first == "secure-media-uploads" || first == "secure-uploads") {
        return parse_upload(url);
    }
    // Lists and feeds: /latest, /latest.json, /latest.rss, /top/weekly, /posts.rss…
    url_format const format = strip_format(url);
    if (is_site_page(url[0]) && url.size() <= 3 && tail_is_plain(url, 1)) {
        return make(shape_id::site_page, format);
    }
    return make(shape_id::unknown, format);
}

} // namespace forumgate::mappings
