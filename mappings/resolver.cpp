#include "mappings/resolver.hpp"

#include "base/digest.hpp"
#include "base/enum_names.hpp"
#include "base/url_codec.hpp"
#include "mappings/location_builder.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace forumgate::mappings {

namespace {

// In the order of the enums' values.
constexpr std::array<std::string_view, 5> OUTCOME_NAMES = {"redirect", "pass_through", "not_found", "gone",
                                                           "bad_request"};
constexpr std::array<std::string_view, 12> REASON_NAMES = {"mapped",     "nearest_post", "site_page",     "not_in_map",
                                                           "rule",       "unknown_host", "unknown_shape", "unknown_id",
                                                           "unmappable", "not_migrated", "malformed",     "too_long"};

} // namespace

std::string_view to_string(outcome value) noexcept
{
    return base::enum_name(OUTCOME_NAMES, value, "not_found");
}

std::string_view to_string(reason value) noexcept
{
    return base::enum_name(REASON_NAMES, value, "unknown_shape");
}

namespace {

decision refuse(int status, outcome what, reason why, url_kind kind = url_kind::other)
{
    decision d;
    d.status = status;
    d.what = what;
    d.why = why;
    d.kind = kind;
    return d;
}

decision not_found(reason why, url_kind kind)
{
    return refuse(404, outcome::not_found, why, kind);
}

decision gone(url_kind kind)
{
    return refuse(410, outcome::gone, reason::not_migrated, kind);
}

std::uint32_t old_number(snapshot::post const &p) noexcept
{
    return p.old_post_number & ~snapshot::POST_HIDDEN;
}

bool is_hidden(snapshot::post const &p) noexcept
{
    return (p.old_post_number & snapshot::POST_HIDDEN) != 0;
}

bool is_restricted(snapshot::topic const &t) noexcept
{
    return (t.flags & snapshot::TOPIC_RESTRICTED) != 0;
}

// Room for a typical Location, reserved once: one allocation per answer, not several.
constexpr std::size_t LOCATION_CAPACITY = 160;

// Resolution of one request: the parsed URL, its shape and the decision being built.
class resolution
{
public:
    resolution(snapshot const &map, parsed_url &url) : m_map{map}, m_url{url} {}

    decision run(std::string_view target, bool rules_allowed);

private:
    struct post_target
    {
        std::uint32_t new_post_number = 0; ///< 0: the topic itself
        std::uint32_t new_topic_id = 0;    ///< 0: the topic's own new id (else the post moved)
        bool nearest = false;              ///< not the post asked for: the nearest migrated one
        bool last = false;                 ///< no post map: send `/last` and let the forum find it
    };

    decision redirect(reason why = reason::mapped)
    {
        m_decision.status = 301;
        m_decision.what =
            why == reason::site_page || why == reason::not_in_map ? outcome::pass_through : outcome::redirect;
        m_decision.why = why;
        return std::move(m_decision);
    }

    /// Starts the Location afresh with the new base.
    location_builder location()
    {
        m_decision.location.clear();
        m_decision.location.reserve(LOCATION_CAPACITY);
        m_decision.location.append(m_map.base_origin());
        m_decision.location.append(m_map.base_path());
        return location_builder{m_decision.location};
    }

    /// Continues the Location.
    location_builder more() { return location_builder{m_decision.location}; }

    post_target nearest_migrated(snapshot::topic const &topic, std::size_t index, std::uint64_t wanted) const;
    post_target map_post_number(snapshot::topic const &topic, std::uint32_t number) const;
    post_target last_post(snapshot::topic const &topic) const;
    post_target page_start(snapshot::topic const &topic, std::uint64_t page) const;
    /// The new topic a target lands in.
    static std::uint32_t new_topic_of(snapshot::topic const &topic, post_target const &target) noexcept
    {
        return target.new_topic_id != 0 ? target.new_topic_id : topic.new_id;
    }
    void topic_path(snapshot::topic const &topic, post_target const &target);

    decision topic(url_shape const &shape, snapshot::topic const *t);
    decision post(url_shape const &shape);
    decision topic_resource(url_shape const &shape);
    decision category(url_shape const &shape);
    decision user(url_shape const &shape);
    decision tag(url_shape const &shape);
    decision upload(url_shape const &shape);
    decision site_page(url_shape const &shape);
    decision rules(std::string_view target);

    snapshot const &m_map;
    parsed_url &m_url;
    decision m_decision;
};

// The migrated post closest to post number `wanted`, which would stand at `index` of the
// topic's posts (the first post with a number not below it).
resolution::post_target resolution::nearest_migrated(snapshot::topic const &topic, std::size_t index,
                                                     std::uint64_t wanted) const
{
    auto const posts = m_map.posts_of(topic);
    // Walk both ways to the closest migrated post; on a tie the earlier one wins.
    std::size_t before = index;
    while (before > 0 && posts[before - 1].new_post_number == 0) {
        --before;
    }
    std::size_t after = index;
    while (after < posts.size() && posts[after].new_post_number == 0) {
        ++after;
    }
    bool const has_before = before > 0;
    bool const has_after = after < posts.size();
    if (!has_before && !has_after) {
        return {0, 0, true};
    }
    if (has_before && (!has_after || wanted - old_number(posts[before - 1]) <= old_number(posts[after]) - wanted)) {
        return {posts[before - 1].new_post_number, posts[before - 1].new_topic_id, true};
    }
    return {posts[after].new_post_number, posts[after].new_topic_id, true};
}

resolution::post_target resolution::map_post_number(snapshot::topic const &topic, std::uint32_t number) const
{
    auto const posts = m_map.posts_of(topic);
    if (posts.empty()) {
        return {number, 0, false}; // no post map for this topic: numbers carry over as they are
    }
    auto const it = std::lower_bound(posts.begin(), posts.end(), number,
                                     [](snapshot::post const &p, std::uint32_t n) { return old_number(p) < n; });
    if (it == posts.end()) {
        post_target last = last_post(topic); // past the last known post
        last.nearest = true;
        return last;
    }
    if (old_number(*it) == number && it->new_post_number != 0) {
        return {it->new_post_number, it->new_topic_id, false};
    }
    // Known but not migrated, or a number the map never had: the closest migrated post.
    return nearest_migrated(topic, static_cast<std::size_t>(it - posts.begin()), number);
}

resolution::post_target resolution::last_post(snapshot::topic const &topic) const
{
    auto const posts = m_map.posts_of(topic);
    for (auto it = posts.rbegin(); it != posts.rend(); ++it) {
        if (it->new_post_number != 0) {
            return {it->new_post_number, it->new_topic_id, false};
        }
    }
    if (posts.empty()) {
        return {0, 0, false, true};
    }
    return {0, 0, true};
}

resolution::post_target resolution::page_start(snapshot::topic const &topic, std::uint64_t page) const
{
    if (page <= 1) {
        return {};
    }
    auto const posts = m_map.posts_of(topic);
    // A page past any real topic (post numbers stay below 2^31) is past the end; this also
    // keeps (page - 1) * 20 from overflowing.
    bool const huge = page - 1 > (snapshot::POST_HIDDEN - 2) / POSTS_PER_PAGE;
    std::uint64_t const position = huge ? UINT64_MAX : (page - 1) * POSTS_PER_PAGE;
    if (posts.empty()) {
        // Without a post map, assume the old stream had no gaps.
        if (huge) {
            return {0, 0, false, true};
        }
        return {static_cast<std::uint32_t>(position + 1), 0, false};
    }
    // Page N starts at position (N-1)*20 of the public post stream; hidden posts take no place.
    std::size_t index = posts.size();
    if ((topic.flags & snapshot::TOPIC_HAS_HIDDEN_POSTS) == 0) {
        index = position < posts.size() ? static_cast<std::size_t>(position) : posts.size();
    } else {
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < posts.size(); ++i) {
            if (!is_hidden(posts[i]) && seen++ == position) {
                index = i;
                break;
            }
        }
    }
    if (index >= posts.size()) {
        post_target last = last_post(topic); // a page past the end: the topic shrank since
        last.nearest = true;
        return last;
    }
    return map_post_number(topic, old_number(posts[index]));
}

void resolution::topic_path(snapshot::topic const &topic, post_target const &target)
{
    std::uint32_t const new_topic_id = new_topic_of(topic, target);
    auto loc = location();
    loc.literal("/t");
    // A restricted topic has no slug in the snapshot; a post that moved to another topic is
    // sent slug-less too, and the new forum adds the right slug.
    std::string_view const slug = new_topic_id == topic.new_id ? m_map.new_slug(topic) : std::string_view{};
    if ((topic.flags & snapshot::TOPIC_NEW_SLUG_PLAIN) != 0) {
        loc.plain_segment(slug);
    } else {
        loc.segment(slug);
    }
    loc.number(new_topic_id);
    if (target.last) {
        loc.literal("/last");
    } else if (target.new_post_number > 1) {
        loc.number(target.new_post_number);
    }
}

decision resolution::topic(url_shape const &shape, snapshot::topic const *t)
{
    if (t == nullptr) {
        return not_found(reason::unknown_id, url_kind::topic);
    }
    if (t->new_id == 0) {
        return gone(url_kind::topic);
    }
    m_decision.restricted = is_restricted(*t);
    if (shape.format == url_format::rss) {
        // Only the form with a slug has a feed route; a restricted topic gets Discourse's
        // default slug, which tells nothing.
        std::string_view const slug = m_map.new_slug(*t);
        location().literal("/t").segment(slug.empty() ? "topic" : slug).number(t->new_id).format(url_format::rss);
        return redirect();
    }
    post_target target;
    if (shape.last) {
        target = last_post(*t); // with no post map: `/last`, and the new forum finds it
        target.nearest = false;
    } else if (shape.post_number > 0) {
        target = map_post_number(*t, shape.post_number);
    } else if (std::string_view const page = m_url.param_value("page");
               base::is_digits(page) && shape.tail_begin == shape.tail_end) {
        // ?page=N of the crawler view. The print, summary and wordpress views page otherwise:
        // there the page is dropped. A page number too long for 64 bits is past any end.
        target = page_start(*t, base::parse_uint(page).value_or(UINT64_MAX));
    }
    topic_path(*t, target);
    auto loc = more();
    loc.segments(m_url, shape.tail_begin, shape.tail_end).format(shape.format).query(m_url, query_policy::topic);
    return redirect(target.nearest ? reason::nearest_post : reason::mapped);
}

decision resolution::post(url_shape const &shape)
{
    snapshot::post const *p = m_map.find_post(shape.number);
    if (p == nullptr) {
        return not_found(reason::unknown_id, url_kind::post);
    }
    snapshot::topic const &t = m_map.topic_of(*p);
    m_decision.restricted = is_restricted(t);
    if (shape.id == shape_id::post_resource) {
        if (p->new_post_number == 0) {
            return gone(url_kind::post);
        }
        location()
            .literal("/posts")
            .number(p->new_id)
            .segments(m_url, shape.tail_begin, shape.tail_end)
            .format(shape.format);
        return redirect();
    }
    // post_link: straight to the post inside its topic, one hop.
    if (p->new_post_number != 0) {
        topic_path(t, post_target{p->new_post_number, p->new_topic_id, false, false});
        return redirect();
    }
    if (is_hidden(*p) || t.new_id == 0) {
        return gone(url_kind::post); // deleted or whispered content, or a topic left behind
    }
    auto const posts = m_map.posts_of(t);
    post_target const target = nearest_migrated(t, static_cast<std::size_t>(p - posts.data()), old_number(*p));
    topic_path(t, target);
    return redirect(reason::nearest_post);
}

// /posts/by_number/{topic}/{n}, /posts/by-date/{topic}/{date}, /raw/{topic}[/{n}]
decision resolution::topic_resource(url_shape const &shape)
{
    snapshot::topic const *t = m_map.find_topic(shape.number);
    url_kind const kind = kind_of(shape.id);
    if (t == nullptr) {
        return not_found(reason::unknown_id, kind);
    }
    if (t->new_id == 0) {
        return gone(kind);
    }
    m_decision.restricted = is_restricted(*t);
    post_target target;
    if (shape.post_number > 0) {
        target = map_post_number(*t, shape.post_number);
    }
    auto loc = location();
    switch (shape.id) {
    case shape_id::post_by_number:
        loc.literal("/posts/by_number")
            .number(new_topic_of(*t, target))
            .number(target.new_post_number == 0 ? 1 : target.new_post_number)
            .format(shape.format);
        break;
    case shape_id::post_by_date:
        loc.literal("/posts/by-date")
            .number(t->new_id)
            .segments(m_url, shape.tail_begin, shape.tail_end)
            .format(shape.format);
        break;
    case shape_id::topic_resource:
        // Its parameters (post_ids[], post_number) hold old numbers that mean other posts on
        // the new forum: dropped, so the new forum answers for the whole topic.
        loc.literal("/t").number(t->new_id).segments(m_url, shape.tail_begin, shape.tail_end).format(shape.format);
        break;
    default: // raw_topic
        loc.literal("/raw").number(new_topic_of(*t, target));
        if (shape.post_number > 0) {
            loc.number(target.new_post_number == 0 ? 1 : target.new_post_number);
        } else {
            loc.query(m_url, query_policy::page_only);
        }
        break;
    }
    return redirect(target.nearest ? reason::nearest_post : reason::mapped);
}

decision resolution::category(url_shape const &shape)
{
    if (shape.id == shape_id::categories_root) {
        location().literal("/categories").format(shape.format);
        return redirect(reason::site_page);
    }
    snapshot::category const *c = nullptr;
    if (shape.id == shape_id::category || shape.id == shape_id::tag_in_category) {
        c = m_map.find_category(shape.number);
    } else {
        std::string path;
        for (std::size_t i = shape.name_begin; i < shape.name_end; ++i) {
            if (!path.empty()) {
                path.push_back('/');
            }
            path.append(m_url[i]);
        }
        c = m_map.find_category_by_path(path);
        // A category with an empty slug is linked as /c/{id}-category.
        if (c == nullptr && shape.name_end == shape.name_begin + 1 && shape.name.ends_with("-category")) {
            if (auto const id = base::parse_uint(shape.name.substr(0, shape.name.size() - 9))) {
                c = m_map.find_category(*id);
            }
        }
    }
    url_kind const kind = kind_of(shape.id);
    if (c == nullptr) {
        return not_found(reason::unknown_id, kind);
    }
    if (c->new_id == 0) {
        return gone(kind);
    }
    m_decision.restricted = c->restricted;
    std::string_view new_tag;
    if (shape.id == shape_id::tag_in_category) {
        snapshot::renamed const *renamed = m_map.find_tag(shape.second_name);
        if (renamed != nullptr && renamed->new_name.empty()) {
            return gone(kind);
        }
        new_tag = renamed != nullptr ? std::string_view{renamed->new_name} : shape.second_name;
    }
    auto loc = location();
    loc.literal(shape.id == shape_id::tag_in_category ? "/tags/c" : "/c");
    bool const slug_less = c->restricted || c->new_slug_path.empty() ||
                           (shape.tail_begin < m_url.size() && m_url[shape.tail_begin] == "show");
    if (!slug_less) {
        std::string_view path = c->new_slug_path;
        while (!path.empty()) {
            auto const slash = path.find('/');
            loc.segment(path.substr(0, slash));
            path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
        }
    }
    loc.number(c->new_id);
    if (shape.id == shape_id::tag_in_category) {
        loc.segment(new_tag);
    }
    loc.segments(m_url, shape.tail_begin, shape.tail_end)
        .format(shape.format)
        .query(m_url, query_policy::all_but_tracking);
    return redirect();
}

decision resolution::user(url_shape const &shape)
{
    snapshot::renamed const *renamed = m_map.find_user(shape.name);
    if (renamed != nullptr && renamed->new_name.empty()) {
        return gone(url_kind::user);
    }
    std::string_view const name = renamed != nullptr ? std::string_view{renamed->new_name} : shape.name;
    auto loc = location();
    if (shape.id == shape_id::user_avatar) {
        loc.literal("/user_avatar").segment(m_map.new_host());
    } else if (shape.id == shape_id::letter_avatar) {
        loc.literal("/letter_avatar");
    } else {
        loc.literal("/u");
    }
    loc.segment(name).segments(m_url, shape.tail_begin, shape.tail_end).format(shape.format);
    if (shape.id == shape_id::user) {
        loc.query(m_url, query_policy::all_but_tracking);
    }
    return redirect(renamed != nullptr ? reason::mapped : reason::not_in_map);
}

decision resolution::tag(url_shape const &shape)
{
    auto const new_name = [this](std::string_view old) -> std::optional<std::string_view> {
        snapshot::renamed const *renamed = m_map.find_tag(old);
        if (renamed == nullptr) {
            return old;
        }
        if (renamed->new_name.empty()) {
            return std::nullopt;
        }
        return std::string_view{renamed->new_name};
    };
    bool all_renamed = true;
    auto loc = location();
    if (shape.id == shape_id::tag_intersection) {
        loc.literal("/tags/intersection");
        for (std::size_t i = shape.tail_begin; i < shape.tail_end; ++i) {
            auto const name = new_name(m_url[i]);
            if (!name) {
                return gone(url_kind::tag);
            }
            all_renamed = all_renamed && m_map.find_tag(m_url[i]) != nullptr;
            loc.segment(*name);
        }
    } else {
        auto const name = new_name(shape.name);
        if (!name) {
            return gone(url_kind::tag);
        }
        all_renamed = m_map.find_tag(shape.name) != nullptr;
        loc.literal("/tag").segment(*name).segments(m_url, shape.tail_begin, shape.tail_end);
    }
    loc.format(shape.format).query(m_url, query_policy::all_but_tracking);
    return redirect(all_renamed ? reason::mapped : reason::not_in_map);
}

decision resolution::upload(url_shape const &shape)
{
    snapshot::renamed const *found = nullptr;
    if (shape.id == shape_id::upload_short) {
        if (auto const sha1 = base::sha1_from_base62(shape.name)) {
            found = m_map.find_upload_by_sha1(*sha1);
        }
    } else {
        if (shape.id == shape_id::upload_sha1) {
            found = m_map.find_upload_by_sha1(shape.name);
        }
        if (found == nullptr) {
            // The whole path, as the map stores it (secure-upload prefixes read as /uploads).
            std::string path = "/uploads";
            for (std::size_t i = 1; i < m_url.size(); ++i) {
                path.push_back('/');
                path.append(m_url[i]);
            }
            found = m_map.find_upload_by_path(path);
        }
    }
    if (found == nullptr) {
        return not_found(reason::unknown_id, url_kind::upload);
    }
    if (found->new_name.empty()) {
        return gone(url_kind::upload);
    }
    std::string_view const url = found->new_name; // checked when the snapshot was built
    if (url.starts_with("/")) {
        location().literal(url);
    } else {
        m_decision.location.assign(url);
    }
    return redirect();
}

decision resolution::site_page(url_shape const &shape)
{
    auto loc = location();
    if (m_url.size() == 0) {
        loc.literal("/");
    }
    loc.segments(m_url, 0, m_url.size()).format(shape.format).query(m_url, query_policy::all_but_tracking);
    return redirect(reason::site_page);
}

// Makes a rule's output, which may carry any text from the request, into a plain path and
// query: every byte outside a small safe set is escaped (so no CR, LF, space, backslash or
// quote), a `%` that starts no escape is escaped, runs of `/` in the path become one (no `//`
// that a browser could read as a host) and a `/` in the query is escaped.
std::string plain_path(std::string_view replaced)
{
    std::string path;
    path.reserve(replaced.size() + 1);
    path.push_back('/');
    bool in_query = false;
    for (std::size_t i = 0; i < replaced.size(); ++i) {
        char const c = replaced[i];
        if (c == '/' && !in_query) {
            if (path.back() != '/') {
                path.push_back('/');
            }
            continue;
        }
        if (c == '?' && !in_query) {
            in_query = true;
            path.push_back(c);
            continue;
        }
        if (c == '%' && i + 2 < replaced.size() && base::hex_value(replaced[i + 1]) >= 0 &&
            base::hex_value(replaced[i + 2]) >= 0) {
            path.push_back(c);
            continue;
        }
        bool const plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           std::string_view{"-._~?&=+:@!$,;*()"}.find(c) != std::string_view::npos;
        if (!plain) {
            base::append_escaped_byte(path, static_cast<unsigned char>(c));
            continue;
        }
        path.push_back(c);
    }
    return path;
}

decision resolution::rules(std::string_view target)
{
    // Patterns see the path and query as received, without a fragment (never sent by browsers).
    target = target.substr(0, target.find('#'));
    std::string replaced;
    for (rule const &r : m_map.rules()) {
        if (!RE2::Extract(target, *r.pattern, r.replacement, &replaced)) {
            continue;
        }
        std::string const path = plain_path(replaced);
        if (r.kind == rule_kind::rewrite) {
            parsed_url rewritten;
            resolution again{m_map, rewritten};
            decision d = again.run(path, false);
            if (d.what == outcome::redirect || d.what == outcome::pass_through) {
                d.why = reason::rule;
            }
            return d;
        }
        location().literal(path);
        return redirect(reason::rule);
    }
    return not_found(reason::unknown_shape, url_kind::other);
}

decision resolution::run(std::string_view target, bool rules_allowed)
{
    switch (m_url.parse(target)) {
    case parsed_url::status::ok:
        break;
    case parsed_url::status::too_long:
        return refuse(414, outcome::bad_request, reason::too_long);
    case parsed_url::status::malformed:
        return refuse(400, outcome::bad_request, reason::malformed);
    case parsed_url::status::too_deep:
        return rules_allowed ? rules(target) : not_found(reason::unknown_shape, url_kind::other);
    }
    url_shape const shape = parse_shape(m_url);
    if (shape.number_overflow) {
        // An id of more than 32 bits: Discourse has no such row, and the map none either.
        return not_found(reason::unknown_id, kind_of(shape.id));
    }
    decision d;
    switch (shape.id) {
    case shape_id::topic:
    case shape_id::topic_by_slug:
        d = topic(shape, shape.id == shape_id::topic ? m_map.find_topic(shape.number)
                                                     : m_map.find_topic_by_slug(base::ascii_lower(shape.name)));
        break;
    case shape_id::topic_resource:
    case shape_id::post_by_number:
    case shape_id::post_by_date:
    case shape_id::raw_topic:
        d = topic_resource(shape);
        break;
    case shape_id::post_link:
    case shape_id::post_resource:
        d = post(shape);
        break;
    case shape_id::category:
    case shape_id::category_by_slug:
    case shape_id::categories_root:
    case shape_id::tag_in_category:
        d = category(shape);
        break;
    case shape_id::user:
    case shape_id::user_avatar:
    case shape_id::letter_avatar:
        d = user(shape);
        break;
    case shape_id::tag:
    case shape_id::tag_intersection:
        d = tag(shape);
        break;
    case shape_id::upload_sha1:
    case shape_id::upload_short:
    case shape_id::upload_path:
        d = upload(shape);
        break;
    case shape_id::site_page:
        d = site_page(shape);
        break;
    case shape_id::unmappable:
        d = not_found(reason::unmappable, url_kind::other);
        break;
    case shape_id::unknown:
        d = not_found(reason::unknown_shape, url_kind::other);
        break;
    }
    d.kind = kind_of(shape.id);
    // Custom rules cover what the built-in shapes do not (as Discourse's permalinks only run
    // when no route matched).
    if (rules_allowed && d.why == reason::unknown_shape && !m_map.rules().empty()) {
        return rules(target);
    }
    return d;
}

std::string_view host_without_port(std::string_view host) noexcept
{
    if (host.starts_with("[")) {
        auto const close = host.find(']');
        return close == std::string_view::npos ? host : host.substr(0, close + 1);
    }
    auto const colon = host.rfind(':');
    std::string_view name = colon == std::string_view::npos ? host : host.substr(0, colon);
    if (name.ends_with('.')) {
        name.remove_suffix(1); // the fully qualified form, "forum.example.org."
    }
    return name;
}

} // namespace

bool answers_for_host(std::string_view host, snapshot const &map) noexcept
{
    std::string_view const name = host_without_port(host);
    return name.empty() || map.is_old_host(name);
}

namespace {

// The segment of `target` that starts at `pos`, up to the next `/`, `?` or `#`, as an id.
std::optional<std::uint64_t> id_segment(std::string_view target, std::size_t &pos) noexcept
{
    if (pos >= target.size()) {
        return std::nullopt; // past the end: "/t/" has no second segment
    }
    std::size_t const begin = pos;
    while (pos < target.size() && target[pos] != '/' && target[pos] != '?' && target[pos] != '#') {
        ++pos;
    }
    auto const id = base::parse_uint(target.substr(begin, pos - begin));
    ++pos;
    return id;
}

} // namespace

lookup_hint lookup_hint_of(std::string_view target) noexcept
{
    std::size_t pos = 3;
    if (target.starts_with("/t/")) {
        // /t/{id}... or /t/{slug}/{id}...
        if (auto const id = id_segment(target, pos)) {
            return {lookup_hint::kind::topic, *id};
        }
        if (auto const id = id_segment(target, pos)) {
            return {lookup_hint::kind::topic, *id};
        }
    } else if (target.starts_with("/p/")) {
        if (auto const id = id_segment(target, pos)) {
            return {lookup_hint::kind::post, *id};
        }
    }
    return {};
}

void prefetch(lookup_hint const &hint, snapshot const &map, int step) noexcept
{
    switch (hint.what) {
    case lookup_hint::kind::topic:
        map.prefetch_topic(hint.id, step);
        break;
    case lookup_hint::kind::post:
        map.prefetch_post(hint.id, step);
        break;
    case lookup_hint::kind::none:
        break;
    }
}

decision resolve(request const &req, snapshot const &map, parsed_url &scratch)
{
    if (!answers_for_host(req.host, map)) {
        return refuse(404, outcome::not_found, reason::unknown_host);
    }
    resolution r{map, scratch};
    return r.run(req.target, true);
}

decision resolve(request const &req, snapshot const &map)
{
    parsed_url scratch;
    return resolve(req, map, scratch);
}

} // namespace forumgate::mappings
