#include "mappings/snapshot.hpp"

#include "base/digest.hpp"
#include "base/error.hpp"
#include "base/host_name.hpp"
#include "base/text.hpp"
#include "base/url_codec.hpp"
#include "mappings/url_shape.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <utility>

namespace forumgate::mappings {
namespace {

// A host name as forumgate stores and compares it (base::normal_host_name): lower case, no
// trailing dot, IDNA's ASCII form. \throws input_error naming `what` when it is not a host name.
std::string checked_host(std::string_view host, std::string_view what)
{
    auto normal = base::normal_host_name(host);
    if (!normal) {
        throw input_error{fmt::format("{} '{}' is not a host name", what, host)};
    }
    return std::move(*normal);
}

// Characters a URL we redirect to may hold as they are (RFC 3986 reserved and unreserved, `%`).
bool is_url_char(char c) noexcept
{
    static constexpr std::string_view OTHERS = "-._~:/?#[]@!$&'()*+,;=%";
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           OTHERS.find(c) != std::string_view::npos;
}

struct split_url
{
    std::string scheme;
    std::string host;
    std::string port;
    std::string path;
    bool has_query_or_fragment = false;
};

std::optional<split_url> split_http_url(std::string_view url)
{
    split_url out;
    auto const colon = url.find("://");
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    out.scheme = base::ascii_lower(url.substr(0, colon));
    if (out.scheme != "http" && out.scheme != "https") {
        return std::nullopt;
    }
    std::string_view rest = url.substr(colon + 3);
    auto const path_start = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_start);
    std::string_view tail = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
    if (authority.find('@') != std::string_view::npos) {
        return std::nullopt;
    }
    if (auto const port = authority.rfind(':'); port != std::string_view::npos) {
        out.port = std::string{authority.substr(port + 1)};
        authority = authority.substr(0, port);
        if (!base::is_digits(out.port) || out.port.size() > 5) {
            return std::nullopt;
        }
    }
    out.host = base::ascii_lower(authority);
    auto const query = tail.find_first_of("?#");
    out.has_query_or_fragment = query != std::string_view::npos;
    out.path = std::string{tail.substr(0, query)};
    return out;
}

} // namespace

std::string host_of_url(std::string_view url)
{
    auto const split = split_http_url(url);
    return split ? split->host : std::string{};
}

void override_with(site_settings &settings, site_settings const &given)
{
    if (!given.new_base.empty()) {
        settings.new_base = given.new_base;
    }
    if (!given.old_hosts.empty()) {
        settings.old_hosts = given.old_hosts;
    }
    if (!given.upload_hosts.empty()) {
        settings.upload_hosts = given.upload_hosts;
    }
}

void normalise(site_settings &settings)
{
    auto const split = split_http_url(settings.new_base);
    if (!split || split->host.empty()) {
        throw input_error{fmt::format("new base '{}' is not an http(s) URL", settings.new_base)};
    }
    if (split->has_query_or_fragment) {
        throw input_error{fmt::format("new base '{}' must not have a query or fragment", settings.new_base)};
    }
    auto const new_host = checked_host(split->host, "new base host");
    if (!split->port.empty() && !base::valid_port(split->port)) {
        throw input_error{fmt::format("new base '{}': port {} is not from 1 to 65535", settings.new_base, split->port)};
    }
    std::string path = split->path;
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    bool const path_ok = std::all_of(path.begin(), path.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_' || c == '~' || c == '/';
    });
    if (!path_ok || path.find("//") != std::string::npos) {
        throw input_error{fmt::format("new base '{}' has a path forumgate cannot use safely", settings.new_base)};
    }
    settings.new_base = split->scheme + "://" + new_host + (split->port.empty() ? "" : ":" + split->port) + path;

    if (settings.old_hosts.empty()) {
        throw input_error{"no old host given: the map must name the old forum's host names"};
    }
    for (auto &host : settings.old_hosts) {
        // Accept a bare host or a host:port and store the host.
        std::string_view h = host;
        if (auto const colon = h.rfind(':'); colon != std::string_view::npos && base::is_digits(h.substr(colon + 1))) {
            h = h.substr(0, colon);
        }
        host = checked_host(h, "old host");
        if (host == new_host) {
            throw input_error{
                fmt::format("old host '{}' is also the new base's host: every redirect would loop", host)};
        }
    }
    for (auto &host : settings.upload_hosts) {
        host = checked_host(host, "upload host");
    }
}

// ---------------------------------------------------------------------------------------------
// rules

rule compile_rule(rule_row const &row)
{
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(1 << 20); // rules are small; a huge automaton is a mistake or an attack
    auto pattern = std::make_shared<re2::RE2 const>(row.pattern, options);
    if (!pattern->ok()) {
        throw input_error{fmt::format("rule '{}': {}", row.pattern, pattern->error())};
    }
    std::string error;
    if (!pattern->CheckRewriteString(row.replacement, &error)) {
        throw input_error{fmt::format("rule '{}': replacement '{}': {}", row.pattern, row.replacement, error)};
    }
    // A backslash may only start a back-reference (\1…\9); `\\` would put one in the path.
    bool stray_backslash = false;
    for (std::size_t i = 0; i < row.replacement.size(); ++i) {
        if (row.replacement[i] == '\\') {
            bool const group =
                i + 1 < row.replacement.size() && row.replacement[i + 1] >= '0' && row.replacement[i + 1] <= '9';
            stray_backslash = stray_backslash || !group;
            ++i;
        }
    }
    if (row.replacement.empty() || row.replacement.front() != '/' || row.replacement.starts_with("//") ||
        base::has_control_bytes(row.replacement) || stray_backslash) {
        throw input_error{fmt::format("rule '{}': replacement '{}' must be a path starting with one '/'", row.pattern,
                                      row.replacement)};
    }
    return rule{std::move(pattern), row.replacement, row.kind};
}

// ---------------------------------------------------------------------------------------------
// layer_keys

namespace {

template <typename T>
void merge_sorted(std::vector<T> &into, std::vector<T> const &more)
{
    into.insert(into.end(), more.begin(), more.end());
    std::sort(into.begin(), into.end());
    into.erase(std::unique(into.begin(), into.end()), into.end());
}

} // namespace

void layer_keys::merge(layer_keys const &other)
{
    merge_sorted(topics, other.topics);
    merge_sorted(users, other.users);
    merge_sorted(tags, other.tags);
    categories = categories || other.categories;
    uploads = uploads || other.uploads;
    rules = rules || other.rules;
    settings = settings || other.settings;
}

// ---------------------------------------------------------------------------------------------
// snapshot

bool snapshot::is_old_host(std::string_view host) const noexcept
{
    // Clients send lower case almost always: try the exact comparison first.
    return std::any_of(m_old_hosts.begin(), m_old_hosts.end(),
                       [host](std::string const &h) { return h == host || base::iequals(h, host); });
}

bool snapshot::is_upload_host(std::string_view host) const noexcept
{
    return std::any_of(m_upload_hosts.begin(), m_upload_hosts.end(),
                       [host](std::string const &h) { return base::iequals(h, host); });
}

snapshot::topic const *snapshot::find_own_topic(std::uint64_t old_id) const noexcept
{
    if (m_topics_dense) {
        std::uint64_t const index = old_id - m_first_topic_id; // wraps for ids below the first
        if (index < m_topics.size() && m_topics[index].old_id == old_id) {
            return &m_topics[index];
        }
        return nullptr;
    }
    auto const index = m_topic_by_id.find(old_id);
    return index ? &m_topics[*index] : nullptr;
}

snapshot::topic const *snapshot::find_topic(std::uint64_t old_id) const noexcept
{
    topic const *own = find_own_topic(old_id);
    if (own != nullptr || !m_below || hides_topic(old_id)) {
        return own;
    }
    return m_below->find_topic(old_id);
}

std::string_view snapshot::old_slug_at(std::uint32_t index) const noexcept
{
    topic const &t = m_topics[index];
    if ((t.flags & TOPIC_OLD_SLUG_IS_NEW) != 0) {
        return std::string_view{m_slugs.data() + t.new_slug_offset, t.new_slug_length};
    }
    auto const entry = m_other_old_slug_of.find(index);
    if (!entry) {
        return {};
    }
    std::uint32_t const begin = *entry == 0 ? 0 : m_other_old_slug_ends[*entry - 1];
    return std::string_view{m_other_old_slugs.data() + begin, m_other_old_slug_ends[*entry] - begin};
}

std::optional<std::uint32_t> snapshot::find_own_topic_by_slug(std::string_view old_slug) const noexcept
{
    return m_topic_by_slug.find(old_slug, [this](std::uint32_t index) { return old_slug_at(index); });
}

snapshot::topic const *snapshot::find_topic_by_slug(std::string_view old_slug) const noexcept
{
    auto const index = find_own_topic_by_slug(old_slug);
    topic const *own = index ? &m_topics[*index] : nullptr;
    if (!m_below) {
        return own;
    }
    // The lowest old id among the topics with this slug: the one below unless this layer hides
    // it (then this layer holds it under the same slug: snapshot_builder::check_slug_holders).
    topic const *under = m_below->find_topic_by_slug(old_slug);
    if (under == nullptr || hides_topic(under->old_id)) {
        return own;
    }
    return own == nullptr || under->old_id < own->old_id ? under : own;
}

bool snapshot::holds_under_slug(topic const &t, std::string_view old_slug) const noexcept
{
    if (m_below && !holds(t)) {
        return m_below->holds_under_slug(t, old_slug);
    }
    auto const index = find_own_topic_by_slug(old_slug);
    return index && &m_topics[*index] == &t;
}

void snapshot::topics_with_old_slugs(std::vector<std::string> const &old_slugs, std::vector<std::uint32_t> &out) const
{
    std::vector<snapshot const *> above;
    for (snapshot const *at = this; at != nullptr; at = at->m_below.get()) {
        for (std::size_t i = 0; i < at->m_topics.size(); ++i) {
            std::uint32_t const old_id = at->m_topics[i].old_id;
            if (old_id == 0) {
                continue; // a gap between dense ids
            }
            std::string_view const old_slug = at->old_slug_at(static_cast<std::uint32_t>(i));
            if (old_slug.empty() || !std::binary_search(old_slugs.begin(), old_slugs.end(), old_slug, std::less<>{})) {
                continue;
            }
            if (std::none_of(above.begin(), above.end(),
                             [old_id](snapshot const *upper) { return upper->hides_topic(old_id); })) {
                out.push_back(old_id);
            }
        }
        above.push_back(at);
    }
}

snapshot::post const *snapshot::find_post(std::uint64_t old_id) const noexcept
{
    if (auto const index = m_post_by_id.find(old_id)) {
        return &m_posts[*index];
    }
    if (!m_below) {
        return nullptr;
    }
    // A post of a topic this layer holds is here or gone.
    post const *under = m_below->find_post(old_id);
    return under != nullptr && hides_topic(m_below->topic_of(*under).old_id) ? nullptr : under;
}

void snapshot::prefetch_topic(std::uint64_t old_id, int step) const noexcept
{
    if (step == 0) {
        // Every layer's entry: a layer is small and mostly in cache already.
        for (snapshot const *s = this; s != nullptr; s = s->m_below.get()) {
            if (!s->m_topics_dense) {
                s->m_topic_by_id.prefetch(old_id);
            } else if (std::uint64_t const index = old_id - s->m_first_topic_id; index < s->m_topics.size()) {
                __builtin_prefetch(s->m_topics.data() + index);
            }
        }
        return;
    }
    topic const *t = step == 1 ? find_topic(old_id) : nullptr; // a topic's chain has 2 steps
    if (t == nullptr) {
        return;
    }
    __builtin_prefetch(new_slug(*t).data());
    auto const posts = posts_of(*t);
    if (!posts.empty()) {
        __builtin_prefetch(posts.data() + posts.size() / 2); // a binary search's first probe
    }
}

void snapshot::prefetch_post(std::uint64_t old_id, int step) const noexcept
{
    if (step == 0) {
        for (snapshot const *s = this; s != nullptr; s = s->m_below.get()) {
            s->m_post_by_id.prefetch(old_id);
        }
        return;
    }
    if (step == 1) {
        for (snapshot const *s = this; s != nullptr; s = s->m_below.get()) {
            if (auto const index = s->m_post_by_id.find(old_id)) {
                __builtin_prefetch(s->m_posts.data() + *index);
                return;
            }
        }
        return;
    }
    post const *p = find_post(old_id);
    if (p == nullptr) {
        return;
    }
    topic const &t = topic_of(*p);
    if (step == 2) {
        __builtin_prefetch(&t);
    } else {
        __builtin_prefetch(new_slug(t).data());
    }
}

snapshot::category const *snapshot::find_category(std::uint64_t old_id) const noexcept
{
    if (categories_below()) {
        return m_below->find_category(old_id);
    }
    auto const index = m_category_by_id.find(old_id);
    return index ? &m_categories[*index] : nullptr;
}

snapshot::category const *snapshot::find_category_by_path(std::string_view old_slug_path) const
{
    if (categories_below()) {
        return m_below->find_category_by_path(old_slug_path);
    }
    std::string const key = base::ascii_lower(old_slug_path);
    if (auto const index = m_category_by_path.find(key)) {
        return &m_categories[*index];
    }
    if (key.find('/') == std::string::npos) {
        auto const index = m_category_by_leaf.find(key);
        if (index && *index != UINT32_MAX) {
            return &m_categories[*index];
        }
    }
    return nullptr;
}

snapshot::renamed const *snapshot::find_user(std::string_view old_username) const
{
    return find_user_lower(base::ascii_lower(old_username));
}

snapshot::renamed const *snapshot::find_user_lower(std::string_view lower) const noexcept
{
    if (auto const index = m_user_by_name.find(lower)) {
        return &m_users[*index];
    }
    return m_below && !m_hidden_users.find(lower) ? m_below->find_user_lower(lower) : nullptr;
}

snapshot::renamed const *snapshot::find_tag(std::string_view old_name) const
{
    return find_tag_lower(base::ascii_lower(old_name));
}

snapshot::renamed const *snapshot::find_tag_lower(std::string_view lower) const noexcept
{
    if (auto const index = m_tag_by_name.find(lower)) {
        return &m_tags[*index];
    }
    return m_below && !m_hidden_tags.find(lower) ? m_below->find_tag_lower(lower) : nullptr;
}

snapshot::renamed const *snapshot::find_upload_by_sha1(std::string_view sha1_hex) const
{
    if (uploads_below()) {
        return m_below->find_upload_by_sha1(sha1_hex);
    }
    auto const index = m_upload_by_sha1.find(base::ascii_lower(sha1_hex));
    return index ? &m_uploads[*index] : nullptr;
}

snapshot::renamed const *snapshot::find_upload_by_path(std::string_view old_path) const
{
    if (uploads_below()) {
        return m_below->find_upload_by_path(old_path);
    }
    auto const index = m_upload_by_path.find(old_path);
    return index ? &m_uploads[*index] : nullptr;
}

std::size_t snapshot::memory_bytes() const noexcept
{
    std::size_t bytes = sizeof(*this);
    bytes += m_topics.capacity() * sizeof(topic) + m_slugs.capacity();
    bytes += m_topic_by_id.memory_bytes() + m_topic_by_slug.memory_bytes();
    bytes += m_other_old_slugs.capacity() + m_other_old_slug_ends.capacity() * sizeof(std::uint32_t) +
             m_other_old_slug_of.memory_bytes();
    bytes += m_posts.capacity() * sizeof(post) + m_post_by_id.memory_bytes();
    bytes += m_categories.capacity() * sizeof(category) + m_category_by_id.memory_bytes();
    for (auto const &c : m_categories) {
        bytes += c.new_slug_path.capacity() > 15 ? c.new_slug_path.capacity() : 0;
    }
    bytes += m_rules.capacity() * sizeof(rule);
    bytes += m_category_by_path.memory_bytes() + m_category_by_leaf.memory_bytes();
    for (auto const *list : {&m_users, &m_tags, &m_uploads}) {
        bytes += list->capacity() * sizeof(renamed);
        for (auto const &entry : *list) {
            bytes += entry.new_name.capacity() > 15 ? entry.new_name.capacity() : 0;
        }
    }
    bytes += m_user_by_name.memory_bytes() + m_tag_by_name.memory_bytes();
    bytes += m_upload_by_sha1.memory_bytes() + m_upload_by_path.memory_bytes();
    if (m_below) {
        bytes += m_keys.topics.capacity() * sizeof(std::uint32_t) + m_hidden_topics.memory_bytes();
        for (auto const *names : {&m_keys.users, &m_keys.tags}) {
            bytes += names->capacity() * sizeof(std::string);
            for (auto const &name : *names) {
                bytes += name.capacity() > 15 ? name.capacity() : 0;
            }
        }
        bytes += m_hidden_users.memory_bytes() + m_hidden_tags.memory_bytes();
        bytes += m_below->memory_bytes();
    }
    return bytes;
}

// ---------------------------------------------------------------------------------------------
// snapshot_builder

namespace {

std::uint32_t checked_id(std::uint64_t id, std::string_view what, std::uint64_t row_id)
{
    if (id == 0 || id > UINT32_MAX) {
        throw input_error{fmt::format("{} {}: id {} is out of range (1 to 4294967295)", what, row_id, id)};
    }
    return static_cast<std::uint32_t>(id);
}

// Discourse stores slugs percent-encoded when slug_generation_method is `encoded`; the snapshot
// keeps their text (the resolver escapes it again when it writes a Location, and decodes the
// request before it looks a slug up). Text that does not decode to clean UTF-8 is kept as it is.
template <typename String>
void append_slug_text(String &out, std::string_view slug)
{
    if (slug.find('%') != std::string_view::npos) {
        std::string text;
        if (base::append_percent_decoded(text, slug) && base::is_valid_utf8(text) && !base::has_control_bytes(text) &&
            text.find('/') == std::string::npos) {
            out.append(text);
            return;
        }
    }
    out.append(slug);
}

// An old slug as the slug index keys it: its text in lower case.
template <typename String>
void append_old_slug(String &out, std::string_view slug)
{
    std::size_t const start = out.size();
    append_slug_text(out, slug);
    for (std::size_t i = start; i < out.size(); ++i) {
        out[i] = base::ascii_lower(out[i]);
    }
}

// A slug path as stored and looked up: decoded, lower case, no empty segments.
std::string normal_slug_path(std::string_view path)
{
    std::string out;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::string_view const segment = base::next_piece(path, '/', pos);
        if (segment.empty()) {
            continue;
        }
        if (!out.empty()) {
            out.push_back('/');
        }
        std::size_t const start = out.size();
        append_slug_text(out, segment);
        std::string const lower = base::ascii_lower(std::string_view{out}.substr(start));
        out.replace(start, std::string::npos, lower);
    }
    return out;
}

} // namespace

snapshot_builder::snapshot_builder(site_settings settings) : m_snapshot{std::make_unique<snapshot>()}
{
    normalise(settings);
    auto const split = split_http_url(settings.new_base);
    m_snapshot->m_base_path = split->path;
    m_snapshot->m_base_origin = settings.new_base.substr(0, settings.new_base.size() - split->path.size());
    m_snapshot->m_old_hosts = settings.old_hosts;
    m_snapshot->m_upload_hosts = settings.upload_hosts;
    m_snapshot->m_upload_hosts.push_back(split->host);
    m_snapshot->m_new_host = split->host;
    m_snapshot->m_settings = std::move(settings);
}

snapshot_builder::snapshot_builder(std::shared_ptr<snapshot const> below, layer_keys keys, snapshot::level level,
                                   site_settings settings)
    : snapshot_builder{std::move(settings)}
{
    if (!keys.rules) {
        m_snapshot->m_rules = below->m_rules; // a layer's rules are the map's: the top one's are used
    }
    m_snapshot->m_level = level;
    m_snapshot->m_keys = std::move(keys);
    m_snapshot->m_below = std::move(below);
}

snapshot_builder::~snapshot_builder() = default;

void snapshot_builder::stored_slugs(topic_row const &row, std::string &new_slug, std::string &old_slug)
{
    new_slug.clear();
    old_slug.clear();
    if (!row.restricted) {
        append_slug_text(new_slug, row.new_slug);
        append_old_slug(old_slug, row.old_slug);
    }
}

std::uint32_t snapshot_builder::checked_topic(topic_row const &row)
{
    checked_id(row.old_id, "topic", row.old_id);
    std::uint32_t const new_id = row.new_id ? checked_id(*row.new_id, "topic", row.old_id) : 0;
    if (row.new_slug.size() > 0xFFFF || row.old_slug.size() > 0xFFFF) {
        throw input_error{fmt::format("topic {}: slug longer than 65535 bytes", row.old_id)};
    }
    return new_id;
}

void snapshot_builder::add(topic_row const &row)
{
    ++m_rows;
    std::uint32_t const new_id = checked_topic(row);
    auto const old_id = static_cast<std::uint32_t>(row.old_id); // checked too
    big_string &slugs = m_snapshot->m_slugs;
    std::size_t const new_slug_offset = slugs.size();
    std::size_t const old_slug_offset = m_old_slugs.size();
    // A restricted topic keeps no slug at all: none to show in a Location, and no lookup by old
    // slug that would tell a stranger that the topic exists.
    if (!row.restricted) {
        append_slug_text(slugs, row.new_slug);
        append_old_slug(m_old_slugs, row.old_slug);
    }
    pending_topic const topic{old_id,
                              new_id,
                              static_cast<std::uint32_t>(new_slug_offset),
                              static_cast<std::uint32_t>(old_slug_offset),
                              static_cast<std::uint16_t>(slugs.size() - new_slug_offset),
                              static_cast<std::uint16_t>(m_old_slugs.size() - old_slug_offset),
                              row.restricted};
    m_pending_topics.push_back(topic);
}

snapshot::post snapshot_builder::stored_post(post_row const &row)
{
    checked_id(row.old_id, "post", row.old_id);
    checked_id(row.old_topic_id, "post", row.old_id);
    if (row.old_post_number == 0 || row.old_post_number >= snapshot::POST_HIDDEN) {
        throw input_error{fmt::format("post {}: post number {} is out of range", row.old_id, row.old_post_number)};
    }
    snapshot::post post{};
    post.old_post_number = row.old_post_number | (row.hidden ? snapshot::POST_HIDDEN : 0U);
    if (row.new_id) {
        if (!row.new_topic_id || !row.new_post_number) {
            throw input_error{
                fmt::format("post {}: a migrated post needs its new topic id and new post number", row.old_id)};
        }
        post.new_id = checked_id(*row.new_id, "post", row.old_id);
        post.new_topic_id = checked_id(*row.new_topic_id, "post", row.old_id);
        if (*row.new_post_number == 0 || *row.new_post_number >= snapshot::POST_HIDDEN) {
            throw input_error{
                fmt::format("post {}: new post number {} is out of range", row.old_id, *row.new_post_number)};
        }
        post.new_post_number = *row.new_post_number;
    }
    return post;
}

void snapshot_builder::add(post_row const &row)
{
    ++m_rows;
    snapshot::post const post = stored_post(row); // checks the old ids too
    m_posts.push_back({static_cast<std::uint32_t>(row.old_id), static_cast<std::uint32_t>(row.old_topic_id),
                       post.old_post_number, post.new_id, post.new_topic_id, post.new_post_number});
}

void snapshot_builder::add(category_row const &row)
{
    ++m_rows;
    checked_id(row.old_id, "category", row.old_id);
    if (row.new_id) {
        checked_id(*row.new_id, "category", row.old_id);
    }
    category_row copy = row;
    copy.old_slug_path = normal_slug_path(row.old_slug_path);
    m_category_rows.push_back(std::move(copy));
}

void snapshot_builder::add(user_row const &row)
{
    ++m_rows;
    if (row.old_username.empty()) {
        throw input_error{"user with an empty old username"};
    }
    m_users.emplace_back(base::ascii_lower(row.old_username), row.new_username);
}

void snapshot_builder::add(tag_row const &row)
{
    ++m_rows;
    if (row.old_name.empty()) {
        throw input_error{"tag with an empty old name"};
    }
    m_tags.emplace_back(base::ascii_lower(row.old_name), row.new_name);
}

void snapshot_builder::add(upload_row const &row)
{
    ++m_rows;
    if (row.new_url) {
        std::string_view const url = *row.new_url;
        if (!std::all_of(url.begin(), url.end(), is_url_char)) {
            throw input_error{fmt::format(
                "upload {}: new URL '{}' has characters a URL cannot hold; percent-encode them", row.old_path, url)};
        }
        if (url.starts_with("//")) {
            throw input_error{
                fmt::format("upload {}: new URL '{}' is protocol-relative; give the full URL", row.old_path, url)};
        }
        auto const scheme_end = url.find("://");
        if (url.find("//", scheme_end == std::string_view::npos ? 0 : scheme_end + 3) != std::string_view::npos) {
            throw input_error{fmt::format("upload {}: new URL '{}' has '//' in its path", row.old_path, url)};
        }
        if (!url.starts_with("/")) {
            auto const split = split_http_url(url);
            if (!split || split->host.empty()) {
                throw input_error{
                    fmt::format("upload {}: new URL '{}' is neither a path nor an http(s) URL", row.old_path, url)};
            }
            if (!m_snapshot->is_upload_host(split->host)) {
                throw input_error{
                    fmt::format("upload {}: new URL host '{}' is neither the new forum nor an upload host",
                                row.old_path, split->host)};
            }
        }
    }
    m_upload_rows.push_back(row);
}

void snapshot_builder::add(rule_row const &row)
{
    ++m_rows;
    m_snapshot->m_rules.push_back(compile_rule(row));
}

std::shared_ptr<snapshot const> snapshot_builder::build()
{
    snapshot &snap = *m_snapshot;
    std::size_t const distinct_topics = build_topics();
    if (!m_refusal.empty()) {
        m_snapshot = std::make_unique<snapshot>();
        return nullptr;
    }
    build_categories();

    // Users and tags: case-insensitive old names.
    build_names(m_users, snap.m_users, snap.m_user_by_name);
    build_names(m_tags, snap.m_tags, snap.m_tag_by_name);

    build_uploads();

    snap.m_slugs.shrink_to_fit();
    snap.m_counts = {distinct_topics,    snap.m_posts.size(),   snap.m_categories.size(), snap.m_users.size(),
                     snap.m_tags.size(), snap.m_uploads.size(), snap.m_rules.size()};
    snap.m_version = m_version;
    snap.m_rows = std::exchange(m_rows, 0);
    if (snap.m_below) {
        finish_layer(distinct_topics);
    }
    m_category_rows = {};
    std::shared_ptr<snapshot const> result{std::move(m_snapshot)};
    m_snapshot = std::make_unique<snapshot>();
    return result;
}

// Topics: the listed ones, plus any that only posts name (no slug known), by old id.
std::size_t snapshot_builder::build_topics()
{
    snapshot &snap = *m_snapshot;
    sort_topics_and_posts();
    std::size_t const distinct_topics = choose_topic_layout();
    // Every pending post becomes the post at the same index of snap.m_posts (add_topic takes
    // them in order, and none is left out): the id table is built from the pending list.
    if (auto const duplicate = snap.m_post_by_id.build_from(m_posts.size(), [this](std::size_t i) {
            return std::pair{m_posts[i].old_id, static_cast<std::uint32_t>(i)};
        })) {
        throw input_error{fmt::format("post {} appears more than once", *duplicate)};
    }
    snap.m_posts.reserve(m_posts.size());

    // The pending posts' pages are given back as they are consumed: the pending list shrinks as
    // the snapshot's grows, instead of both being resident whole (440 MB for 10M posts).
    constexpr std::size_t RELEASE_EVERY = 1U << 16U;
    std::size_t released = 0;
    std::size_t next_topic = 0;
    std::size_t next_post = 0;
    while (next_topic < m_pending_topics.size() || next_post < m_posts.size()) {
        std::uint32_t const listed =
            next_topic < m_pending_topics.size() ? m_pending_topics[next_topic].old_id : UINT32_MAX;
        std::uint32_t const by_post = next_post < m_posts.size() ? m_posts[next_post].old_topic_id : UINT32_MAX;
        if (listed <= by_post) {
            add_topic(&m_pending_topics[next_topic++], listed, next_post);
        } else {
            add_topic(nullptr, by_post, next_post);
        }
        if (next_post - released >= RELEASE_EVERY) {
            release_pages(m_posts.data() + released, m_posts.data() + next_post);
            released = next_post;
        }
    }
    m_posts = {};

    if (!snap.m_topics_dense) {
        id_pairs topic_ids;
        topic_ids.reserve(snap.m_topics.size());
        for (std::size_t i = 0; i < snap.m_topics.size(); ++i) {
            topic_ids.emplace_back(snap.m_topics[i].old_id, static_cast<std::uint32_t>(i));
        }
        (void)snap.m_topic_by_id.build(topic_ids); // unique: checked in sort_topics_and_posts
    }
    index_old_topic_slugs();
    if (snap.m_below && !check_slug_holders()) {
        m_pending_topics = {};
        m_old_slugs = {};
        return 0;
    }
    m_pending_topics = {};
    m_old_slugs = {};
    return distinct_topics;
}

void snapshot_builder::sort_topics_and_posts()
{
    std::sort(m_pending_topics.begin(), m_pending_topics.end(),
              [](pending_topic const &a, pending_topic const &b) { return a.old_id < b.old_id; });
    for (std::size_t i = 1; i < m_pending_topics.size(); ++i) {
        if (m_pending_topics[i].old_id == m_pending_topics[i - 1].old_id) {
            throw input_error{fmt::format("topic {} appears more than once", m_pending_topics[i].old_id)};
        }
    }
    std::sort(m_posts.begin(), m_posts.end(), [](pending_post const &a, pending_post const &b) {
        return a.old_topic_id != b.old_topic_id
                   ? a.old_topic_id < b.old_topic_id
                   : (a.old_post_number & ~snapshot::POST_HIDDEN) < (b.old_post_number & ~snapshot::POST_HIDDEN);
    });
}

// Dense ids (few gaps) get the direct layout; count the distinct topic ids to decide.
std::size_t snapshot_builder::choose_topic_layout()
{
    snapshot &snap = *m_snapshot;
    std::size_t distinct_topics = 0;
    std::uint32_t first_id = UINT32_MAX;
    std::uint32_t last_id = 0;
    std::size_t t = 0;
    std::size_t p = 0;
    while (t < m_pending_topics.size() || p < m_posts.size()) {
        std::uint32_t const listed = t < m_pending_topics.size() ? m_pending_topics[t].old_id : UINT32_MAX;
        std::uint32_t const by_post = p < m_posts.size() ? m_posts[p].old_topic_id : UINT32_MAX;
        std::uint32_t const id = std::min(listed, by_post);
        while (t < m_pending_topics.size() && m_pending_topics[t].old_id == id) {
            ++t;
        }
        while (p < m_posts.size() && m_posts[p].old_topic_id == id) {
            ++p;
        }
        first_id = std::min(first_id, id);
        last_id = std::max(last_id, id);
        ++distinct_topics;
    }
    snap.m_topics_dense = distinct_topics > 0 && std::uint64_t{last_id} - first_id + 1 <=
                                                     id_table::DENSE_SLOTS_PER_KEY * distinct_topics + 1024;
    snap.m_first_topic_id = snap.m_topics_dense ? first_id : 0;
    snap.m_topics.reserve(snap.m_topics_dense ? last_id - first_id + 1 : distinct_topics);
    return distinct_topics;
}

void snapshot_builder::add_topic(pending_topic const *pending, std::uint32_t old_id, std::size_t &next_post)
{
    snapshot &snap = *m_snapshot;
    if (snap.m_topics_dense) {
        // Empty entries for the gaps (old_id 0 never matches a lookup).
        while (snap.m_topics.size() < old_id - snap.m_first_topic_id) {
            snap.m_topics.push_back({0, 0, 0, static_cast<std::uint32_t>(snap.m_posts.size()), 0, 0, 0});
        }
    }
    auto const topic_index = static_cast<std::uint32_t>(snap.m_topics.size());
    snapshot::topic topic{old_id, 0, 0, static_cast<std::uint32_t>(snap.m_posts.size()), 0, 0, 0};
    if (pending != nullptr) {
        topic.new_id = pending->new_id;
        topic.new_slug_offset = pending->new_slug_offset;
        topic.new_slug_length = pending->new_slug_length;
        topic.flags = pending->restricted ? snapshot::TOPIC_RESTRICTED : 0;
        if (base::is_plain_segment(
                std::string_view{snap.m_slugs.data() + topic.new_slug_offset, topic.new_slug_length})) {
            topic.flags |= snapshot::TOPIC_NEW_SLUG_PLAIN;
        }
    }
    std::uint32_t previous_number = 0;
    while (next_post < m_posts.size() && m_posts[next_post].old_topic_id == old_id) {
        pending_post const &p = m_posts[next_post++];
        std::uint32_t const number = p.old_post_number & ~snapshot::POST_HIDDEN;
        if (number == previous_number) {
            throw input_error{fmt::format("topic {}: post number {} appears more than once", old_id, number)};
        }
        previous_number = number;
        if ((p.old_post_number & snapshot::POST_HIDDEN) != 0) {
            topic.flags |= snapshot::TOPIC_HAS_HIDDEN_POSTS;
        }
        if (pending == nullptr && topic.new_id == 0 && p.new_topic_id != 0) {
            topic.new_id = p.new_topic_id; // a topic known only through its posts
        }
        snap.m_posts.push_back({p.old_post_number, p.new_post_number, p.new_topic_id, p.new_id, topic_index});
    }
    topic.post_count = static_cast<std::uint32_t>(snap.m_posts.size()) - topic.first_post;
    snap.m_topics.push_back(topic);
}

// Old slugs, for /t/{slug} links: the topic with the lowest old id wins a shared slug.
void snapshot_builder::index_old_topic_slugs()
{
    snapshot &snap = *m_snapshot;
    std::vector<std::uint32_t> indexed;
    indexed.reserve(m_pending_topics.size());
    id_pairs other;
    std::size_t listed_index = 0;
    for (std::size_t i = 0; i < snap.m_topics.size() && listed_index < m_pending_topics.size(); ++i) {
        pending_topic const &pending = m_pending_topics[listed_index];
        if (snap.m_topics[i].old_id != pending.old_id) {
            continue;
        }
        ++listed_index;
        if (pending.old_slug_length == 0) {
            continue;
        }
        auto const index = static_cast<std::uint32_t>(i);
        snapshot::topic &t = snap.m_topics[i];
        std::string_view const old_slug =
            std::string_view{m_old_slugs}.substr(pending.old_slug_offset, pending.old_slug_length);
        if (old_slug == std::string_view{snap.m_slugs.data() + t.new_slug_offset, t.new_slug_length}) {
            t.flags |= snapshot::TOPIC_OLD_SLUG_IS_NEW;
        } else {
            other.emplace_back(index, static_cast<std::uint32_t>(snap.m_other_old_slug_ends.size()));
            snap.m_other_old_slugs.append(old_slug);
            snap.m_other_old_slug_ends.push_back(static_cast<std::uint32_t>(snap.m_other_old_slugs.size()));
        }
        indexed.push_back(index);
    }
    (void)snap.m_other_old_slug_of.build(other); // one entry per topic index
    snap.m_other_old_slugs.shrink_to_fit();
    snap.m_other_old_slug_ends.shrink_to_fit();
    // In old id order: the lowest old id of a shared slug is found.
    snap.m_topic_by_slug.build(indexed, [&snap](std::uint32_t index) { return snap.old_slug_at(index); });
    snap.m_topic_by_slug.for_each(
        [&snap](std::uint32_t index) { snap.m_topics[index].flags |= snapshot::TOPIC_SLUG_HOLDER; });
}

bool snapshot_builder::check_slug_holders()
{
    snapshot const &snap = *m_snapshot;
    snapshot const &below = *snap.m_below;
    std::size_t listed = 0;
    // The old slugs below that no longer lead to their topic, with that topic.
    std::vector<std::pair<std::string, std::uint32_t>> left;
    for (std::uint32_t const old_id : snap.m_keys.topics) {
        snapshot::topic const *under = below.find_topic(old_id);
        if (under == nullptr || (under->flags & snapshot::TOPIC_SLUG_HOLDER) == 0) {
            continue;
        }
        while (listed < m_pending_topics.size() && m_pending_topics[listed].old_id < old_id) {
            ++listed;
        }
        bool still_holds = false;
        if (listed < m_pending_topics.size() && m_pending_topics[listed].old_id == old_id) {
            pending_topic const &now = m_pending_topics[listed];
            still_holds = now.old_slug_length > 0 &&
                          below.holds_under_slug(
                              *under, std::string_view{m_old_slugs}.substr(now.old_slug_offset, now.old_slug_length));
        }
        if (!still_holds) {
            left.emplace_back(below.old_slug(*under), old_id);
        }
    }
    if (left.empty()) {
        return true;
    }
    // Where each slug leads now is known if the layer holds every topic below that has it (the
    // usual case: a slug no other topic has). One walk over the topics below, for all of them.
    std::sort(left.begin(), left.end());
    std::vector<std::string> slugs;
    for (auto const &[slug, old_id] : left) {
        if (slugs.empty() || slugs.back() != slug) {
            slugs.push_back(slug);
        }
    }
    std::vector<std::uint32_t> sharers;
    below.topics_with_old_slugs(slugs, sharers);
    auto const &keys = snap.m_keys.topics;
    auto const outside = std::find_if(sharers.begin(), sharers.end(), [&keys](std::uint32_t old_id) {
        return !std::binary_search(keys.begin(), keys.end(), old_id);
    });
    if (outside == sharers.end()) {
        return true;
    }
    std::string const shared{below.old_slug(*below.find_topic(*outside))};
    auto const leaver = std::lower_bound(left.begin(), left.end(), std::pair{shared, std::uint32_t{0}});
    m_refusal = fmt::format("topic {} left the old slug that leads to it (removed, restricted or renamed), which "
                            "topic {} also has",
                            leaver != left.end() ? leaver->second : 0, *outside);
    return false;
}

void snapshot_builder::finish_layer(std::size_t distinct_topics)
{
    snapshot &snap = *m_snapshot;
    snapshot const &below = *snap.m_below;
    layer_keys const &keys = snap.m_keys;
    snapshot::counts counts = below.size();
    id_pairs hidden;
    hidden.reserve(keys.topics.size());
    for (std::uint32_t const old_id : keys.topics) {
        hidden.emplace_back(old_id, 0);
        if (snapshot::topic const *under = below.find_topic(old_id)) {
            counts.topics -= 1;
            counts.posts -= below.posts_of(*under).size();
        }
    }
    (void)snap.m_hidden_topics.build(hidden); // keys are unique
    counts.topics += distinct_topics;
    counts.posts += snap.m_posts.size();
    for (auto const &name : keys.users) {
        snap.m_hidden_users.add(name, 0);
        counts.users -= below.find_user_lower(name) != nullptr ? 1 : 0;
    }
    snap.m_hidden_users.build();
    counts.users += snap.m_users.size();
    for (auto const &name : keys.tags) {
        snap.m_hidden_tags.add(name, 0);
        counts.tags -= below.find_tag_lower(name) != nullptr ? 1 : 0;
    }
    snap.m_hidden_tags.build();
    counts.tags += snap.m_tags.size();
    if (keys.categories) {
        counts.categories = snap.m_categories.size();
    }
    if (keys.uploads) {
        counts.uploads = snap.m_uploads.size();
    }
    counts.rules = snap.m_rules.size();
    snap.m_counts = counts;
}

void snapshot_builder::build_categories()
{
    snapshot &snap = *m_snapshot;
    std::sort(m_category_rows.begin(), m_category_rows.end(),
              [](category_row const &a, category_row const &b) { return a.old_id < b.old_id; });
    id_pairs category_ids;
    std::vector<std::pair<std::string, std::uint32_t>> leaves;
    for (auto const &row : m_category_rows) {
        auto const index = static_cast<std::uint32_t>(snap.m_categories.size());
        snap.m_categories.push_back({static_cast<std::uint32_t>(row.old_id),
                                     static_cast<std::uint32_t>(row.new_id.value_or(0)), row.restricted,
                                     normal_slug_path(row.new_slug_path)});
        category_ids.emplace_back(static_cast<std::uint32_t>(row.old_id), index);
        if (!row.old_slug_path.empty()) {
            snap.m_category_by_path.add(row.old_slug_path, index);
            auto const slash = row.old_slug_path.rfind('/');
            leaves.emplace_back(slash == std::string::npos ? row.old_slug_path : row.old_slug_path.substr(slash + 1),
                                index);
        }
    }
    if (auto const duplicate = snap.m_category_by_id.build(category_ids)) {
        throw input_error{fmt::format("category {} appears more than once", *duplicate)};
    }
    snap.m_category_by_path.build();
    std::sort(leaves.begin(), leaves.end());
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        bool const shared = (i > 0 && leaves[i - 1].first == leaves[i].first) ||
                            (i + 1 < leaves.size() && leaves[i + 1].first == leaves[i].first);
        if (i == 0 || leaves[i - 1].first != leaves[i].first) {
            snap.m_category_by_leaf.add(leaves[i].first, shared ? UINT32_MAX : leaves[i].second);
        }
    }
    snap.m_category_by_leaf.build();
}

void snapshot_builder::build_names(renamed_rows &rows, std::vector<snapshot::renamed> &out, string_table &table)
{
    for (auto &[old_name, new_name] : rows) {
        table.add(old_name, static_cast<std::uint32_t>(out.size()));
        out.push_back({new_name.value_or(std::string{})});
    }
    table.build();
    rows = {};
}

std::string snapshot_builder::stored_slug_path(std::string_view path)
{
    return normal_slug_path(path);
}

snapshot_builder::upload_key snapshot_builder::stored_upload_key(std::string_view old_path)
{
    upload_key key;
    if (old_path.starts_with("upload://")) {
        std::string_view name = old_path.substr(9);
        name = name.substr(0, name.find('.'));
        auto sha1 = base::sha1_from_base62(name);
        if (!sha1) {
            throw input_error{fmt::format("upload {}: not a valid short URL", old_path)};
        }
        key.sha1 = std::move(*sha1);
        return key;
    }
    parsed_url url;
    if (url.parse(old_path) != parsed_url::status::ok) {
        throw input_error{fmt::format("upload {}: not a valid path", old_path)};
    }
    // Stored as the resolver looks it up: decoded segments, secure-upload prefixes as /uploads.
    for (std::size_t i = 0; i < url.size(); ++i) {
        key.path.push_back('/');
        bool const secure = i == 0 && (url[0] == "secure-uploads" || url[0] == "secure-media-uploads");
        key.path.append(secure ? std::string_view{"uploads"} : url[i]);
    }
    url_shape const shape = parse_shape(url);
    if (shape.id == shape_id::upload_sha1) {
        std::string_view const file = url[url.size() - 1];
        key.sha1 = base::ascii_lower(shape.name);
        key.thumbnail = file.size() > 40 && file[40] == '_';
    }
    return key;
}

// Uploads: by sha1 when the old path carries one, and by the whole normalised path. The
// sha1 of an optimized copy (a thumbnail) is its original's: an original row wins the sha1,
// whatever the order of the rows, so every form of the image leads to the full-size file.
void snapshot_builder::build_uploads()
{
    snapshot &snap = *m_snapshot;
    std::vector<std::pair<std::string, std::uint32_t>> thumbnail_sha1s;
    for (auto const &row : m_upload_rows) {
        auto const index = static_cast<std::uint32_t>(snap.m_uploads.size());
        snap.m_uploads.push_back({row.new_url.value_or(std::string{})});
        upload_key const key = stored_upload_key(row.old_path);
        if (!key.path.empty()) {
            snap.m_upload_by_path.add(key.path, index);
        }
        if (key.thumbnail) {
            thumbnail_sha1s.emplace_back(key.sha1, index);
        } else if (!key.sha1.empty()) {
            snap.m_upload_by_sha1.add(key.sha1, index);
        }
    }
    for (auto const &[sha1, index] : thumbnail_sha1s) {
        snap.m_upload_by_sha1.add(sha1, index);
    }
    snap.m_upload_by_path.build();
    snap.m_upload_by_sha1.build();
    m_upload_rows = {};
}

} // namespace forumgate::mappings
