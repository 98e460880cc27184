// RSS feeds, sitemaps and robots.txt, in the shapes of Discourse's templates (discourse.md §1.7:
// app/views/list/list.rss.erb, topics/show.rss.erb, posts/latest.rss.erb, sitemap/*.xml.erb,
// SitemapController, Sitemap, RobotsTxtController). Every value is XML-escaped and every piece
// of HTML goes into a CDATA section, so the documents stay well formed whatever the posts hold.

#include "rehearsal/pages_parts.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <set>

namespace forumgate::rehearsal::pages {

namespace {

constexpr std::string_view RSS_TYPE = "application/rss+xml; charset=utf-8";
/// Rails' type for a `.xml` template (the sitemap index).
constexpr std::string_view XML_TYPE = "application/xml; charset=utf-8";
/// SitemapController renders its pages with this type.
constexpr std::string_view SITEMAP_PAGE_TYPE = "text/xml; charset=UTF-8";

/// Topics in a list feed (TopicQuery's page size).
constexpr std::size_t LIST_FEED_SIZE = 30;
/// Topics in a category feed (list_new_in_category takes the newest 25).
constexpr std::size_t CATEGORY_FEED_SIZE = 25;
/// Posts in a topic feed (TopicView#recent_posts).
constexpr std::size_t TOPIC_FEED_SIZE = 25;
/// Posts in /posts.rss and a user's activity feed (PostsController).
constexpr std::size_t POSTS_FEED_SIZE = 50;
/// What "recent" means for sitemap_recent.xml (3 days) and news.xml (72 hours).
constexpr auto RECENT = std::chrono::hours{72};
/// Posts per page of a topic, for the last-page link of sitemap_recent.xml.
constexpr int CHUNK_SIZE = 20;

constexpr std::string_view RSS_OPEN =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<rss version=\"2.0\" xmlns:discourse=\"http://www.discourse.org/\" xmlns:atom=\"http://www.w3.org/2005/Atom\" "
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n  <channel>\n";
constexpr std::string_view RSS_CLOSE = "  </channel>\n</rss>\n";

void append_element(std::string &out, std::string_view name, std::string_view text)
{
    out += '<';
    out += name;
    out += '>';
    append_escaped(out, text);
    out += "</";
    out += name;
    out += '>';
}

std::string element(std::string_view name, std::string_view text)
{
    std::string out;
    append_element(out, name, text);
    return out;
}

std::string yes_no(bool value)
{
    return value ? "Yes" : "No";
}

std::string plural(std::size_t count, std::string_view word)
{
    return std::to_string(count) + " " + std::string{word} + (count == 1 ? "" : "s");
}

/// The head of a channel: title, link, description, language, and atom:link to itself.
std::string channel_head(std::string_view title, std::string_view link, std::string_view description,
                         std::optional<timestamp> last_build, std::string_view self)
{
    std::string out{RSS_OPEN};
    out += "    " + element("title", title) + "\n";
    out += "    " + element("link", link) + "\n";
    out += "    " + element("description", description) + "\n";
    out += "    <language>en</language>\n";
    if (last_build) {
        out += "    " + element("lastBuildDate", rfc2822(*last_build)) + "\n";
    }
    out += "    <atom:link href=\"" + escape_text(self) + "\" rel=\"self\" type=\"application/rss+xml\" />\n";
    return out;
}

api_response rss_answer(std::string body)
{
    return api_response{200, std::string{RSS_TYPE}, std::move(body), {}};
}

/// A feed of topics (list.rss.erb): each with its first post, counts and status.
api_response topic_list_feed(page_request const &request, std::vector<topic const *> topics, std::size_t limit,
                             std::string_view title, std::string_view link, std::string_view description,
                             std::string_view self, viewer const &feed_viewer)
{
    if (topics.size() > limit) {
        topics.resize(limit);
    }
    auto const &state = request.state;
    std::string out = channel_head(title, link, description,
                                   topics.empty() ? std::nullopt : std::optional{topics.front()->created_at}, self);
    for (topic const *subject : topics) {
        std::string const url = request.absolute(topic_path(*subject));
        auto const posts = visible_posts(state, feed_viewer, *subject);
        std::set<std::int64_t> participants;
        for (post const *item : posts) {
            participants.insert(item->user_id);
        }
        post const *first = state.find_post_by_number(subject->id, 1);
        std::string body;
        if (first != nullptr && state.can_see_post(feed_viewer, *first, false)) {
            body += first->cooked + "\n";
        }
        body += "<p><small>" + plural(static_cast<std::size_t>(subject->posts_count), "post") + " - " +
                plural(participants.size(), "participant") + "</small></p>\n<p><a href=\"" + escape_text(url) +
                "\">Read full topic</a></p>";
        out += "      <item>\n";
        out += "        " + element("title", subject->title) + "\n";
        out += "        <dc:creator>" + cdata(author(state, subject->user_id).username) + "</dc:creator>\n";
        if (category const *place = subject->category_id ? state.find_category(*subject->category_id) : nullptr) {
            out += "        " + element("category", place->name) + "\n";
        }
        out += "        <description>" + cdata(body) + "</description>\n";
        out += "        " + element("link", url) + "\n";
        out += "        " + element("pubDate", rfc2822(subject->created_at)) + "\n";
        out += "        " + element("discourse:topicPinned", yes_no(subject->pinned)) + "\n";
        out += "        " + element("discourse:topicClosed", yes_no(subject->closed)) + "\n";
        out += "        " + element("discourse:topicArchived", yes_no(subject->archived)) + "\n";
        out += "        <guid isPermaLink=\"false\">" + escape_text(request.hostname) + "-topic-" +
               std::to_string(subject->id) + "</guid>\n";
        out +=
            "        <source url=\"" + escape_text(url + ".rss") + "\">" + escape_text(subject->title) + "</source>\n";
        out += "      </item>\n";
    }
    out += RSS_CLOSE;
    return rss_answer(std::move(out));
}

/// A feed of posts (posts/latest.rss.erb): /posts.rss and a user's activity.
api_response post_list_feed(page_request const &request, std::vector<post const *> const &posts, std::string_view title,
                            std::string_view link, std::string_view description, std::string_view self)
{
    auto const &state = request.state;
    std::string out = channel_head(title, link, description, std::nullopt, self);
    for (post const *item : posts) {
        topic const &subject = *state.find_topic(item->topic_id);
        out += "      <item>\n";
        out += "        " + element("title", subject.title) + "\n";
        out += "        <dc:creator>" + cdata(author(state, item->user_id).username) + "</dc:creator>\n";
        out += "        <description>" + cdata(" " + item->cooked + " ") + "</description>\n";
        out += "        " + element("link", request.absolute(topic_path(subject, item->post_number))) + "\n";
        out += "        " + element("pubDate", rfc2822(item->created_at)) + "\n";
        out += "        <guid isPermaLink=\"false\">post-" + std::to_string(item->id) + "</guid>\n";
        out += "      </item>\n";
    }
    out += RSS_CLOSE;
    return rss_answer(std::move(out));
}

/// The newest regular, not hidden posts of topics listed for anonymous readers
/// (Post.public_posts.visible, post_type regular), optionally by one user.
std::vector<post const *> public_posts(forum_state const &state, std::optional<std::int64_t> user_id)
{
    viewer const anonymous = viewer::anonymous();
    std::vector<post const *> out;
    // Posts are stored by id, and ids follow creation: walk them newest first.
    for (auto it = state.posts().rbegin(); it != state.posts().rend() && out.size() < POSTS_FEED_SIZE; ++it) {
        post const &item = it->second;
        if (item.type != post_type::regular || item.hidden || (user_id && item.user_id != *user_id)) {
            continue;
        }
        topic const *subject = state.find_topic(item.topic_id);
        if (subject == nullptr || !state.listed_for(anonymous, *subject) ||
            !state.can_see_post(anonymous, item, false)) {
            continue;
        }
        out.push_back(&item);
    }
    std::ranges::stable_sort(out, [](post const *a, post const *b) { return a->created_at > b->created_at; });
    return out;
}

/// `/t/{slug}/{id}.rss` (topics#feed): the 25 newest posts an anonymous reader sees; the slug
/// is not checked.
api_response topic_feed(page_request const &request, std::int64_t topic_id)
{
    auto const &state = request.state;
    viewer const anonymous = viewer::anonymous();
    topic const *subject = state.find_topic(topic_id);
    if (subject == nullptr || !state.can_see_topic(anonymous, *subject)) {
        return not_found_page(request);
    }
    std::string const url = request.absolute(topic_path(*subject));
    auto posts = visible_posts(state, anonymous, *subject);
    post const *first = posts.empty() ? nullptr : posts.front();
    std::ranges::stable_sort(posts, [](post const *a, post const *b) { return a->created_at > b->created_at; });
    if (posts.size() > TOPIC_FEED_SIZE) {
        posts.resize(TOPIC_FEED_SIZE);
    }
    std::string out{RSS_OPEN};
    out += "    " + element("title", subject->title) + "\n";
    out += "    " + element("link", url) + "\n";
    out += "    " + element("description", first != nullptr ? first->raw : std::string{}) + "\n";
    out += "    <language>en</language>\n";
    out += "    " + element("lastBuildDate", rfc2822(subject->bumped_at)) + "\n";
    if (category const *place = subject->category_id ? state.find_category(*subject->category_id) : nullptr) {
        out += "    " + element("category", place->name) + "\n";
    }
    out += "    <atom:link href=\"" + escape_text(url + ".rss") + "\" rel=\"self\" type=\"application/rss+xml\" />\n";
    for (post const *item : posts) {
        user const &writer = author(state, item->user_id);
        std::string const post_url = request.absolute(topic_path(*subject, item->post_number));
        std::string body = "<p><a href=\"" + escape_text(request.absolute(user_path(writer))) + "\">@" +
                           escape_text(writer.username) + "</a> wrote:</p>\n<blockquote>\n";
        body += item->hidden ? std::string{"This post was flagged by the community and is temporarily hidden."}
                             : item->cooked;
        body += "\n</blockquote>\n<p><a href=\"" + escape_text(post_url) + "\">Read full topic</a></p>";
        std::string creator = "@" + writer.username + (writer.name.empty() ? "" : " " + writer.name);
        out += "      <item>\n";
        out += "        " + element("title", subject->title) + "\n";
        out += "        <dc:creator>" + cdata(creator) + "</dc:creator>\n";
        out += "        <description>" + cdata(body) + "</description>\n";
        out += "        " + element("link", post_url) + "\n";
        out += "        " + element("pubDate", rfc2822(item->created_at)) + "\n";
        out += "        <guid isPermaLink=\"false\">" + escape_text(request.hostname) + "-post-" +
               std::to_string(subject->id) + "-" + std::to_string(item->post_number) + "</guid>\n";
        out +=
            "        <source url=\"" + escape_text(url + ".rss") + "\">" + escape_text(subject->title) + "</source>\n";
        out += "      </item>\n";
    }
    out += RSS_CLOSE;
    auto answer = rss_answer(std::move(out));
    answer.headers.emplace_back("X-Robots-Tag", "noindex, nofollow");
    return answer;
}

/// `/c/{slug path}/{id}.rss` (ListController#category_feed): the 25 newest topics; a wrong slug
/// path is a 301 as for the category's page.
api_response category_feed(page_request const &request)
{
    auto const &p = request.parts;
    auto const id = to_id(p.back());
    category const *place = id ? request.state.find_category(*id) : nullptr;
    if (place == nullptr || !request.state.can_see_category(request.who, *place)) {
        return not_found_page(request);
    }
    std::string const canonical = category_path(request.state, *place);
    std::string asked = "/c";
    for (std::size_t i = 1; i < p.size(); ++i) {
        asked += "/" + p[i];
    }
    if (asked != url_decode(canonical, false)) {
        return redirect(request, 301, canonical + ".rss");
    }
    auto const topics =
        list_topics(request.state, request.who, list_filter{.category_id = place->id}, list_order::created);
    return topic_list_feed(request, topics, CATEGORY_FEED_SIZE, place->name + " - " + std::string{SITE_TITLE},
                           request.absolute(canonical),
                           "Topics in the '" + place->name + "' category " + place->description,
                           request.absolute(canonical + ".rss"), request.who);
}

// -- Sitemaps -----------------------------------------------------------------------------------

/// The topics a sitemap lists (Sitemap#sitemap_topics): listed, in a category anonymous readers
/// may see, not deleted; by id.
std::vector<topic const *> indexable_topics(forum_state const &state)
{
    viewer const anonymous = viewer::anonymous();
    std::vector<topic const *> out;
    for (auto const &[id, subject] : state.topics()) {
        if (state.listed_for(anonymous, subject) && !subject.deleted_at) {
            out.push_back(&subject);
        }
    }
    return out;
}

/// The topics bumped within RECENT of the forum's clock, newest bump first.
std::vector<topic const *> recent_topics(forum_state const &state)
{
    auto topics = indexable_topics(state);
    auto const since = state.now() - RECENT;
    std::erase_if(topics, [&](topic const *subject) { return subject->bumped_at <= since; });
    std::ranges::stable_sort(topics, [](topic const *a, topic const *b) { return a->bumped_at > b->bumped_at; });
    return topics;
}

std::size_t sitemap_page_size(forum_state const &state)
{
    return static_cast<std::size_t>(std::max(1, state.settings().sitemap_page_size));
}

constexpr std::string_view URLSET_OPEN =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"\n"
    "    xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\"\n"
    "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
    "    xsi:schemaLocation=\"http://www.sitemaps.org/schemas/sitemap/0.9\n"
    "        http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd\n"
    "        http://www.google.com/schemas/sitemap-image/1.1\n"
    "        http://www.google.com/schemas/sitemap-image/1.1/sitemap-image.xsd\">\n";

/// A urlset of topic URLs; `with_last_page` adds `?page=N` for the topic's last page
/// (sitemap_recent.xml does, the numbered pages do not).
api_response urlset(page_request const &request, std::vector<topic const *> const &topics, bool with_last_page)
{
    // Appended in place, with no temporary strings: a sitemap page may hold 10,000 topics.
    std::string const base = escape_text(request.base);
    std::string out{URLSET_OPEN};
    out.reserve(out.size() + topics.size() * (base.size() + 120));
    for (topic const *subject : topics) {
        out += "      <url>\n        <loc>";
        out += base;
        out += "/t/";
        append_escaped(out, subject->slug.empty() ? std::string_view{"topic"} : std::string_view{subject->slug});
        out += '/';
        out += std::to_string(subject->id);
        if (with_last_page) {
            int const pages = (subject->posts_count + CHUNK_SIZE - 1) / CHUNK_SIZE;
            if (pages > 1) {
                out += "?page=";
                out += std::to_string(pages);
            }
        }
        out += "</loc>\n        <lastmod>";
        append_xml_schema_time(out, subject->bumped_at);
        out += "</lastmod>\n      </url>\n";
    }
    out += "</urlset>\n";
    return api_response{200, std::string{SITEMAP_PAGE_TYPE}, std::move(out), {}};
}

/// `/sitemap.xml`: the recent sitemap, then one per sitemap_page_size topics, each with the
/// latest bump of its topics (three days ago when it has none).
api_response sitemap_index(page_request const &request)
{
    auto const &state = request.state;
    auto const topics = indexable_topics(state);
    auto const size = sitemap_page_size(state);
    auto const fallback = state.now() - std::chrono::hours{72};
    auto const newest = [&](auto begin, auto end) {
        std::optional<timestamp> latest;
        for (auto it = begin; it != end; ++it) {
            latest = std::max(latest.value_or((*it)->bumped_at), (*it)->bumped_at);
        }
        return latest.value_or(fallback);
    };
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex "
                      "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    auto const entry = [&](std::string_view name, timestamp last) {
        out += "  <sitemap>\n    " + element("loc", request.absolute("/sitemap_" + std::string{name} + ".xml")) +
               "\n    " + element("lastmod", xml_schema_time(last)) + "\n  </sitemap>\n";
    };
    auto const recent = recent_topics(state);
    entry("recent", newest(recent.begin(), recent.end()));
    for (std::size_t first = 0, number = 1; first < topics.size(); first += size, ++number) {
        auto const last = std::min(topics.size(), first + size);
        entry(std::to_string(number), newest(topics.begin() + static_cast<std::ptrdiff_t>(first),
                                             topics.begin() + static_cast<std::ptrdiff_t>(last)));
    }
    out += "</sitemapindex>\n";
    return api_response{200, std::string{XML_TYPE}, std::move(out), {}};
}

/// `/news.xml`: Google News entries for topics bumped in the last 72 hours.
api_response news_sitemap(page_request const &request)
{
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"\n"
                      "    xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"\n"
                      "    xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\"\n"
                      "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
                      "    xsi:schemaLocation=\"http://www.sitemaps.org/schemas/sitemap/0.9\n"
                      "        http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd\n"
                      "        http://www.google.com/schemas/sitemap-news/0.9\n"
                      "        http://www.google.com/schemas/sitemap-news/0.9/sitemap-news.xsd\n"
                      "        http://www.google.com/schemas/sitemap-image/1.1\n"
                      "        http://www.google.com/schemas/sitemap-image/1.1/sitemap-image.xsd\">\n";
    for (topic const *subject : recent_topics(request.state)) {
        out += "      <url>\n          " + element("loc", request.absolute(topic_path(*subject))) +
               "\n          <news:news>\n              <news:publication>\n                  " +
               element("news:name", SITE_TITLE) +
               "\n                  <news:language>en</news:language>\n"
               "              </news:publication>\n              " +
               element("news:publication_date", xml_schema_time(subject->created_at)) + "\n              " +
               element("news:title", subject->title) + "\n          </news:news>\n      </url>\n";
    }
    out += "</urlset>\n";
    return api_response{200, std::string{SITEMAP_PAGE_TYPE}, std::move(out), {}};
}

/// Paths robots.txt disallows for every crawler, then those for all but Googlebot
/// (RobotsTxtController::DISALLOWED_PATHS, DISALLOWED_WITH_HEADER_PATHS).
constexpr std::array<std::string_view, 9> DISALLOWED{"/admin/",       "/auth/",      "/assets/browser-update*.js",
                                                     "/email/",       "/search",     "/session",
                                                     "/user-api-key", "/*?api_key*", "/*?*api_key*"};
constexpr std::array<std::string_view, 6> DISALLOWED_BUT_FOR_GOOGLE{"/badges", "/my",        "/tag/*/l",
                                                                    "/g",      "/t/*/*.rss", "/c/*.rss"};
/// blocked_crawler_user_agents' default.
constexpr std::array<std::string_view, 5> BLOCKED_AGENTS{"mauibot", "semrushbot", "ahrefsbot", "blexbot", "seo spider"};

api_response robots_txt(page_request const &request)
{
    std::string out =
        "# See http://www.robotstxt.org/robotstxt.html for documentation on how to use the robots.txt file\n#\n";
    for (auto const agent : BLOCKED_AGENTS) {
        out += "User-agent: " + std::string{agent} + "\nDisallow: /\n\n";
    }
    out += "User-agent: *\n";
    for (auto const path : DISALLOWED) {
        out += "Disallow: " + std::string{path} + "\n";
    }
    for (auto const path : DISALLOWED_BUT_FOR_GOOGLE) {
        out += "Disallow: " + std::string{path} + "\n";
    }
    out += "\nUser-agent: Googlebot\n";
    for (auto const path : DISALLOWED) {
        out += "Disallow: " + std::string{path} + "\n";
    }
    out += "\n\nSitemap: " + request.absolute("/sitemap.xml") + "\n";
    return api_response{200, "text/plain; charset=utf-8", std::move(out), {}};
}

} // namespace

api_response answer_feed(page_request const &request)
{
    auto const &p = request.parts;
    auto const &state = request.state;
    viewer const anonymous = viewer::anonymous();
    std::string const site{SITE_TITLE};
    if (request.is({"latest"})) {
        return topic_list_feed(request, list_topics(state, anonymous, {}, list_order::created), LIST_FEED_SIZE,
                               site + " - Latest topics", request.absolute("/latest"), "Latest topics",
                               request.absolute("/latest.rss"), anonymous);
    }
    if (request.is({"top"})) {
        return topic_list_feed(request, list_topics(state, anonymous, {}, list_order::top), LIST_FEED_SIZE,
                               site + " - Top topics", request.absolute("/top"), "Top topics",
                               request.absolute("/top.rss"), anonymous);
    }
    if (request.is({"posts"})) {
        return post_list_feed(request, public_posts(state, std::nullopt), site + " - Latest posts", request.base,
                              "Latest posts", request.absolute("/posts.rss"));
    }
    if (request.is({"t", "*", "*"}) && to_id(p[2])) {
        return topic_feed(request, *to_id(p[2]));
    }
    if (p.size() >= 2 && p[0] == "c" && to_id(p.back())) {
        return category_feed(request);
    }
    if (request.is({"tag", "*"}) && state.settings().tagging_enabled) {
        tag const *found = state.find_tag(base::ascii_lower(p[1]));
        if (found == nullptr) {
            return not_found_page(request);
        }
        std::string const description = "Topics tagged " + found->name;
        return topic_list_feed(request,
                               list_topics(state, request.who, list_filter{.tag = found->name}, list_order::latest),
                               LIST_FEED_SIZE, site + " - " + description, request.absolute(tag_path(found->name)),
                               description, request.absolute(tag_path(found->name) + ".rss"), request.who);
    }
    if ((request.is({"u", "*", "activity"}) || request.is({"u", "*", "activity", "topics"}))) {
        user const *account = state.find_user_by_username(p[1]);
        if (account == nullptr || account->staged) {
            return not_found_page(request);
        }
        std::string const link = request.absolute(user_path(*account) + "/activity");
        if (p.size() == 3) {
            std::string const description = "Latest posts by @" + account->username;
            return post_list_feed(request, public_posts(state, account->id), site + " - " + description, link,
                                  description, link + ".rss");
        }
        std::string const description = "Latest topics by @" + account->username;
        return topic_list_feed(
            request, list_topics(state, anonymous, list_filter{.user_id = account->id}, list_order::created),
            LIST_FEED_SIZE, site + " - " + description, link + "/topics", description, link + "/topics.rss", anonymous);
    }
    return not_found_page(request);
}

api_response answer_sitemap(page_request const &request)
{
    auto const &p = request.parts;
    if (request.format == "txt") {
        return request.is({"robots"}) ? robots_txt(request) : not_found_page(request);
    }
    if (request.is({"sitemap"})) {
        return sitemap_index(request);
    }
    if (request.is({"sitemap_recent"})) {
        return urlset(request, recent_topics(request.state), true);
    }
    if (request.is({"news"})) {
        return news_sitemap(request);
    }
    if (p.size() == 1 && p[0].starts_with("sitemap_")) {
        // /sitemap_{N}.xml: topics by id, sitemap_page_size a page; 404 past the last page.
        std::string_view const name = std::string_view{p[0]}.substr(8);
        auto const number = to_id(name);
        auto const topics = indexable_topics(request.state);
        auto const size = sitemap_page_size(request.state);
        auto const pages = (topics.size() + size - 1) / size;
        // Sitemaps are found by name: "01" is not "1".
        if (!number || *number < 1 || std::to_string(*number) != name || static_cast<std::size_t>(*number) > pages) {
            return not_found_page(request);
        }
        auto const first = static_cast<std::size_t>(*number - 1) * size;
        auto const last = std::min(topics.size(), first + size);
        return urlset(request,
                      std::vector<topic const *>(topics.begin() + static_cast<std::ptrdiff_t>(first),
                                                 topics.begin() + static_cast<std::ptrdiff_t>(last)),
                      false);
    }
    return not_found_page(request);
}

} // namespace forumgate::rehearsal::pages
