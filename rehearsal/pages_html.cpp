// The HTML routes a crawler, a link checker or the coverage report requests, answered as
// Discourse's crawler view answers them (discourse.md §1): topic pages of 20 posts with
// `?page=N` and rel=next/prev, the redirects to canonical URLs (wrong slug 301, /p/{id} 302,
// /category/x 302), category, tag, user and list pages, static pages and the 404 page.

#include "rehearsal/api.hpp"
#include "rehearsal/pages_parts.hpp"

#include <algorithm>
#include <array>

namespace forumgate::rehearsal::pages {

namespace {

constexpr std::size_t TOPICS_PER_PAGE = api::TOPICS_PER_PAGE;
constexpr std::size_t POSTS_PER_PAGE = api::POSTS_PER_PAGE;
/// The post number the `/last` routes pass (config/routes.rb), past any real post.
constexpr int LAST_POST_NUMBER = 99'999'999;
/// Characters of a page's meta description, taken from the first post.
constexpr std::size_t DESCRIPTION_LENGTH = 300;

/// The static pages (StaticController) and their titles.
struct static_page
{
    std::string_view path;
    std::string_view title;
};
constexpr std::array<static_page, 8> STATIC_PAGES{{{"faq", "FAQ"},
                                                   {"guidelines", "FAQ"},
                                                   {"rules", "FAQ"},
                                                   {"conduct", "FAQ"},
                                                   {"tos", "Terms of Service"},
                                                   {"privacy", "Privacy Policy"},
                                                   {"login", "Log In"},
                                                   {"signup", "Sign Up"}}};

/// `path` with `?page=N`, or without it for the first page (`first_page` is 0 for topic lists,
/// whose pages count from 0, and 1 for topics).
std::string paged(std::string_view path, std::int64_t page, std::int64_t first_page)
{
    return page > first_page ? std::string{path} + "?page=" + std::to_string(page) : std::string{path};
}

std::string link(page_request const &request, std::string_view path, std::string_view text_html,
                 std::string_view attributes = {})
{
    std::string out = "<a href=\"" + escape_text(request.absolute(path)) + "\"";
    if (!attributes.empty()) {
        out += " ";
        out += attributes;
    }
    return out + ">" + std::string{text_html} + "</a>";
}

std::string category_badge(page_request const &request, std::optional<std::int64_t> category_id)
{
    category const *place = category_id ? request.state.find_category(*category_id) : nullptr;
    if (place == nullptr) {
        return {};
    }
    return "<span class=\"category\">" +
           link(request, category_path(request.state, *place), escape_text(place->name), "class=\"badge-category\"") +
           "</span>";
}

std::string tag_links(page_request const &request, std::vector<std::string> const &tags)
{
    if (tags.empty()) {
        return {};
    }
    std::string out = "<div class=\"discourse-tags\">";
    for (auto const &name : tags) {
        out += link(request, tag_path(name), escape_text(name), "class=\"discourse-tag\" rel=\"tag\"") + " ";
    }
    return out + "</div>\n";
}

/// \return a page with only a title, its canonical path and `main` (HTML), answered 200.
api_response titled_page(page_request const &request, std::string_view title, std::string_view canonical_path,
                         std::string_view main)
{
    page_head head;
    head.title = std::string{title};
    head.canonical = request.absolute(canonical_path);
    return html_page(request, 200, head, main);
}

// -- Topic lists --------------------------------------------------------------------------------

/// A page of a topic list (latest, top, a category, a tag, a user's topics): 30 topics a page,
/// `?page=N` counting from 0, a next-page link while more remain (the crawler list view).
api_response list_page(page_request const &request, page_head head, std::string_view path,
                       std::vector<topic const *> const &topics, std::string_view intro_html)
{
    // Pages past the end are empty; the bound keeps the arithmetic below from overflowing.
    std::int64_t const page = std::clamp<std::int64_t>(request.page(), 0, static_cast<std::int64_t>(topics.size()));
    auto const first = static_cast<std::size_t>(page) * TOPICS_PER_PAGE;
    auto const last = std::min(topics.size(), first + TOPICS_PER_PAGE);
    head.canonical = request.absolute(paged(path, page, 0));
    if (last < topics.size()) {
        head.next = request.absolute(paged(path, page + 1, 0));
    }
    if (page > 0) {
        head.prev = request.absolute(paged(path, page - 1, 0));
    }
    std::string main{intro_html};
    main += "<div class=\"topic-list\" itemscope itemtype=\"http://schema.org/ItemList\">\n";
    for (std::size_t i = first; i < last; ++i) {
        topic const &subject = *topics[i];
        main += "<div class=\"topic-list-item\" itemprop=\"itemListElement\">" +
                link(request, topic_path(subject), subject.fancy_title, "class=\"title raw-link\" itemprop=\"url\"") +
                " " + category_badge(request, subject.category_id) + " <span class=\"posts\" title=\"posts\">" +
                std::to_string(subject.posts_count) + "</span> <time datetime=\"" + format_time(subject.bumped_at) +
                "\">" + long_date(subject.bumped_at) + "</time></div>\n";
    }
    main += "</div>\n";
    if (!head.prev.empty() || !head.next.empty()) {
        main += "<div role=\"navigation\" class=\"crawler-nav\">";
        if (!head.prev.empty()) {
            main += "<a rel=\"prev\" href=\"" + escape_text(head.prev) + "\">previous page</a> ";
        }
        if (!head.next.empty()) {
            main += "<a rel=\"next\" href=\"" + escape_text(head.next) + "\">next page</a>";
        }
        main += "</div>\n";
    }
    return html_page(request, 200, head, main);
}

// -- Topics -------------------------------------------------------------------------------------

/// One topic page: the visible post stream, 20 posts a page by position (TopicView). `page` is
/// the 1-based page asked for (0: none asked); without one, the page holding `post_number`.
api_response topic_page(page_request const &request, topic const &subject, std::int64_t page,
                        std::optional<int> post_number)
{
    auto const &state = request.state;
    auto const stream =
        state.post_stream(request.who, subject.id, request.who.staff() && request.param("show_deleted"));
    if (page <= 1) {
        page = 1;
        if (post_number) {
            // The page of post n: ((r - 1) / 20) + 1 with r the visible posts numbered ≤ n.
            auto const upto = static_cast<std::int64_t>(std::ranges::count_if(
                stream, [&](std::int64_t id) { return state.find_post(id)->post_number <= *post_number; }));
            page = std::max<std::int64_t>(1, (upto - 1) / static_cast<std::int64_t>(POSTS_PER_PAGE) + 1);
        }
    }
    auto const first = static_cast<std::size_t>(page - 1) * POSTS_PER_PAGE;
    auto const last = std::min(stream.size(), first + POSTS_PER_PAGE);

    std::string const path = topic_path(subject);
    page_head head;
    head.title = subject.title;
    if (category const *place = subject.category_id ? state.find_category(*subject.category_id) : nullptr) {
        head.title += " - " + place->name;
    }
    head.canonical = request.absolute(paged(path, page, 1));
    if (page > 1) {
        head.prev = request.absolute(paged(path, page - 1, 1));
    }
    if (last < stream.size()) {
        head.next = request.absolute(paged(path, page + 1, 1));
    }
    head.feed = request.absolute(path + ".rss");
    if (!stream.empty()) {
        head.description = plain_text(state.find_post(stream.front())->cooked, DESCRIPTION_LENGTH);
    }

    std::string main = "<div id=\"topic-title\">\n<h1>" + link(request, path, subject.fancy_title) + "</h1>\n" +
                       category_badge(request, subject.category_id) + "\n" + tag_links(request, subject.tags) +
                       "</div>\n";
    main += "<div class=\"post-stream\">\n";
    for (std::size_t i = first; i < last; ++i) {
        post const &item = *state.find_post(stream[i]);
        user const &writer = author(state, item.user_id);
        main +=
            "<div id=\"post_" + std::to_string(item.post_number) +
            "\" class=\"topic-body crawler-post\" itemprop=\"comment\">\n<div class=\"crawler-post-meta\">"
            "<span class=\"creator\">" +
            link(request, user_path(writer), "<span itemprop=\"name\">" + escape_text(writer.username) + "</span>") +
            "</span> <time datetime=\"" + format_time(item.created_at) + "\" class=\"post-time\">" +
            long_date(item.created_at) + "</time> <span itemprop=\"position\">#" + std::to_string(item.post_number) +
            "</span></div>\n";
        bool const own = request.who.user_id() == item.user_id;
        if (item.hidden && !request.who.staff() && !own) {
            main +=
                "<div class=\"post\" itemprop=\"text\"><p>This post was flagged by the community and is temporarily "
                "hidden.</p></div>\n";
        } else if (item.type == post_type::small_action) {
            main += "<div class=\"small-action\">" + escape_text(item.action_code) + "</div>\n";
            if (!item.cooked.empty()) {
                main += "<div class=\"post\" itemprop=\"text\">" + item.cooked + "</div>\n";
            }
        } else {
            main += "<div class=\"post\" itemprop=\"text\">" + item.cooked + "</div>\n";
        }
        main += "</div>\n";
    }
    main += "</div>\n";
    if (!head.prev.empty() || !head.next.empty()) {
        main += "<div role=\"navigation\" itemscope itemtype=\"http://schema.org/SiteNavigationElement\" "
                "class=\"topic-body "
                "crawler-post\">";
        if (!head.prev.empty()) {
            main += "<span itemprop=\"name\"><a rel=\"prev\" itemprop=\"url\" href=\"" + escape_text(head.prev) +
                    "\">previous page</a></span> ";
        }
        if (!head.next.empty()) {
            main += "<span itemprop=\"name\"><a rel=\"next\" itemprop=\"url\" href=\"" + escape_text(head.next) +
                    "\">next page</a></span>";
        }
        main += "</div>\n";
    }
    return html_page(request, 200, head, main);
}

/// `/t/[{slug}/]{id}[/{n}]`: 404 when hidden or for a page past the end, 301 to the canonical URL
/// when the slug is missing or wrong (keeping the post number and the page), else the page.
api_response show_topic(page_request const &request, std::int64_t topic_id, std::optional<std::string> const &url_slug,
                        std::optional<int> post_number)
{
    topic const *subject = request.state.find_topic(topic_id);
    if (subject == nullptr || !request.state.can_see_topic(request.who, *subject)) {
        return not_found_page(request);
    }
    // ?page=N: 404 if N < 0 or (N-1)·20 ≥ highest_post_number (TopicsController#show).
    std::int64_t const page = request.page();
    std::int64_t const highest = std::max(1, subject->highest_post_number);
    // (A page past `highest` is past the end whatever the rule; checked first so that the
    // product below cannot overflow.)
    if (page < 0 || page > highest ||
        (std::max<std::int64_t>(page, 1) - 1) * static_cast<std::int64_t>(POSTS_PER_PAGE) >= highest) {
        return not_found_page(request);
    }
    // Slugs compare after URL-unescaping (the encoded slug method stores them percent-encoded).
    if (!url_slug || *url_slug != url_decode(topic_slug(*subject), false)) {
        return redirect(request, 301, paged(topic_path(*subject, post_number), page, 0));
    }
    return topic_page(request, *subject, page, post_number);
}

/// `/t/…` in all its shapes (discourse.md §1.1).
api_response topic_route(page_request const &request)
{
    auto const &p = request.parts;
    auto const post_number_of = [](std::string const &text) -> std::optional<int> {
        if (text == "last") {
            return LAST_POST_NUMBER;
        }
        auto const number = to_id(text);
        if (!number || *number > LAST_POST_NUMBER) {
            return std::nullopt;
        }
        return static_cast<int>(*number);
    };
    if (p.size() == 2) {
        if (auto const id = to_id(p[1])) {
            return show_topic(request, *id, std::nullopt, std::nullopt); // no slug: 301
        }
        // /t/{slug}: found by its slug (Topic.find_by_slug, lowercased), then 301.
        std::string const wanted = base::ascii_lower(p[1]);
        for (auto const &[id, subject] : request.state.topics()) {
            if (url_decode(subject.slug, false) == wanted && request.state.can_see_topic(request.who, subject)) {
                return redirect(request, 301, topic_path(subject));
            }
        }
        return not_found_page(request);
    }
    if (p.size() == 3) {
        if (p[1] == "external_id") {
            topic const *subject = request.state.find_topic_by_external_id(p[2]);
            if (subject == nullptr || !request.state.can_see_topic(request.who, *subject)) {
                return not_found_page(request);
            }
            return redirect(request, 301, topic_path(*subject));
        }
        if (auto const id = to_id(p[1])) {
            // /t/{id}/{n} and /t/{id}/last: no slug, so a 301 that keeps the post number.
            if (auto const number = post_number_of(p[2])) {
                return show_topic(request, *id, std::nullopt, number);
            }
            return not_found_page(request);
        }
        if (auto const id = to_id(p[2])) {
            return show_topic(request, *id, p[1], std::nullopt);
        }
        return not_found_page(request);
    }
    if (p.size() == 4) {
        auto const id = to_id(p[2]);
        auto const number = post_number_of(p[3]);
        if (id && number && !to_id(p[1])) {
            return show_topic(request, *id, p[1], number);
        }
    }
    return not_found_page(request);
}

/// `/p/{post_id}[/{user_id}]`: 302 to the post's URL (posts#short_link).
api_response post_link(page_request const &request)
{
    auto const id = to_id(request.parts[1]);
    post const *item = id ? request.state.find_post(*id) : nullptr;
    topic const *subject = item != nullptr ? request.state.find_topic(item->topic_id) : nullptr;
    if (subject == nullptr || !request.state.can_see_post(request.who, *item, false)) {
        return not_found_page(request);
    }
    return redirect(request, 302, topic_path(*subject, item->post_number));
}

// -- Categories ---------------------------------------------------------------------------------

/// Finds a category by a slug path without id, level by level from the top (`N-category`
/// matches id N), as Category.find_by_slug_path does.
category const *find_by_slug_path(forum_state const &state, std::vector<std::string> const &slugs)
{
    category const *found = nullptr;
    for (auto const &raw_slug : slugs) {
        std::string const slug = base::ascii_lower(raw_slug);
        category const *level = nullptr;
        for (auto const &[id, place] : state.categories()) {
            std::optional<std::int64_t> const parent = found ? std::optional{found->id} : std::nullopt;
            if (place.parent_id != parent) {
                continue;
            }
            if (url_decode(place.slug, false) == slug || std::to_string(id) + "-category" == slug) {
                level = &place;
                break;
            }
        }
        if (level == nullptr) {
            return nullptr;
        }
        found = level;
    }
    return found;
}

std::string join_segments(std::vector<std::string>::const_iterator begin, std::vector<std::string>::const_iterator end)
{
    std::string out;
    for (auto it = begin; it != end; ++it) {
        if (!out.empty()) {
            out += '/';
        }
        out += percent_encode(*it);
    }
    return out;
}

/// `/c/{slug path}[/{id}][/none|/all|/subcategories|/l/{filter}]` (ListController#set_category):
/// an id names the category whatever the slugs; a slug path that is not the category's is a
/// 301 to the same URL with the right one.
api_response category_route(page_request const &request)
{
    auto const &p = request.parts;
    if (p.size() == 1) {
        return redirect(request, 301, "/categories");
    }
    auto end = p.end();
    std::string suffix;
    std::string filter = "latest";
    bool no_subcategories = false;
    if (p.size() >= 4 && p[p.size() - 2] == "l") {
        filter = p.back();
        suffix = "/l/" + percent_encode(filter);
        end -= 2;
        if (end - p.begin() >= 3 && *(end - 1) == "none") {
            no_subcategories = true;
            suffix = "/none" + suffix;
            --end;
        }
    } else if (p.size() >= 3 && (p.back() == "none" || p.back() == "all" || p.back() == "subcategories")) {
        no_subcategories = p.back() == "none";
        suffix = "/" + p.back();
        --end;
    }
    if (end - p.begin() < 2 || (filter != "latest" && filter != "top")) {
        return not_found_page(request);
    }
    std::vector<std::string> const named(p.begin() + 1, end);
    category const *place = nullptr;
    if (auto const id = to_id(named.back())) {
        place = request.state.find_category(*id);
    } else {
        place = find_by_slug_path(request.state, named);
    }
    if (place == nullptr || !request.state.can_see_category(request.who, *place)) {
        return not_found_page(request);
    }
    std::string const canonical = category_path(request.state, *place);
    std::string const asked = "/c/" + join_segments(named.begin(), named.end());
    if (url_decode(asked, false) != url_decode(canonical, false)) {
        return redirect(request, 301, canonical + suffix + (request.raw.query.empty() ? "" : "?" + request.raw.query));
    }
    list_filter which{.category_id = place->id};
    auto topics =
        list_topics(request.state, request.who, which, filter == "top" ? list_order::top : list_order::latest);
    if (no_subcategories) {
        std::erase_if(topics, [&](topic const *subject) { return subject->category_id != place->id; });
    }
    page_head head;
    head.title = place->name;
    head.description = place->description;
    head.feed = request.absolute(canonical + ".rss");
    std::string intro = "<h1>" + escape_text(place->name) + "</h1>\n";
    if (!place->description.empty()) {
        intro += "<p class=\"category-description\">" + escape_text(place->description) + "</p>\n";
    }
    std::string children;
    for (auto const &[id, child] : request.state.categories()) {
        if (child.parent_id == place->id && request.state.can_see_category(request.who, child)) {
            children +=
                "<li>" + link(request, category_path(request.state, child), escape_text(child.name)) + "</li>\n";
        }
    }
    if (!children.empty()) {
        intro += "<ul class=\"subcategories\">\n" + children + "</ul>\n";
    }
    return list_page(request, head, canonical + suffix, topics, intro);
}

/// `/categories`: every category the viewer sees, subcategories under their parents.
api_response categories_page(page_request const &request)
{
    auto const &state = request.state;
    std::string main = "<h1>Categories</h1>\n<div class=\"category-list\">\n";
    auto const item = [&](category const &place) {
        return link(request, category_path(state, place), escape_text(place.name), "class=\"category-name\"") +
               " <span class=\"topics\">" + std::to_string(place.topic_count) + " topics</span>" +
               (place.description.empty()
                    ? std::string{}
                    : " <span class=\"description\">" + escape_text(place.description) + "</span>");
    };
    for (auto const &[id, place] : state.categories()) {
        if (place.parent_id || !state.can_see_category(request.who, place)) {
            continue;
        }
        main += "<div class=\"category\">" + item(place);
        std::string children;
        for (auto const &[child_id, child] : state.categories()) {
            if (child.parent_id == id && state.can_see_category(request.who, child)) {
                children += "<li>" + item(child) + "</li>\n";
            }
        }
        if (!children.empty()) {
            main += "\n<ul class=\"subcategories\">\n" + children + "</ul>\n";
        }
        main += "</div>\n";
    }
    main += "</div>\n";
    return titled_page(request, "Categories", "/categories", main);
}

// -- Users --------------------------------------------------------------------------------------

/// `/u/{username}` and `/users/{username}`, with the sub-pages a link may name (summary,
/// activity[/{filter}], badges): the profile and the topics the user started.
api_response user_route(page_request const &request)
{
    auto const &p = request.parts;
    bool const sub_page_known = p.size() == 2 ||
                                (p.size() == 3 && (p[2] == "summary" || p[2] == "activity" || p[2] == "badges")) ||
                                (p.size() == 4 && p[2] == "activity");
    user const *account = request.state.find_user_by_username(p[1]);
    if (!sub_page_known || account == nullptr || (account->staged && !request.who.staff())) {
        return not_found_page(request);
    }
    std::string path = user_path(*account);
    for (std::size_t i = 2; i < p.size(); ++i) {
        path += '/';
        path += percent_encode(p[i]);
    }
    page_head head;
    head.title = account->username + (account->name.empty() ? "" : " (" + account->name + ")");
    head.description = "Profile - " + account->username;
    head.feed = request.absolute(user_path(*account) + "/activity.rss");
    std::string intro = "<div class=\"user-crawler\">\n<h1>" + escape_text(account->username) + "</h1>\n";
    if (!account->name.empty()) {
        intro += "<h2>" + escape_text(account->name) + "</h2>\n";
    }
    intro += "<p>Joined <time datetime=\"" + format_time(account->created_at) + "\">" + long_date(account->created_at) +
             "</time></p>\n</div>\n<h2>Topics</h2>\n";
    auto const topics =
        list_topics(request.state, request.who, list_filter{.user_id = account->id}, list_order::created);
    return list_page(request, head, path, topics, intro);
}

// -- Tags ---------------------------------------------------------------------------------------

api_response tag_page(page_request const &request)
{
    std::string filter;
    tag const *found = requested_tag(request, filter);
    if (found == nullptr) {
        return not_found_page(request);
    }
    auto const topics = list_topics(request.state, request.who, list_filter{.tag = found->name},
                                    filter == "top" ? list_order::top : list_order::latest);
    page_head head;
    head.title = "Topics tagged " + found->name;
    head.feed = request.absolute(tag_path(found->name) + ".rss");
    std::string const path = tag_path(found->name) + (filter == "latest" ? "" : "/l/" + filter);
    return list_page(request, head, path, topics, "<h1>" + escape_text(head.title) + "</h1>\n");
}

/// `/tags`: every tag with the number of topics the viewer sees.
api_response tags_page(page_request const &request)
{
    if (!request.state.settings().tagging_enabled) {
        return not_found_page(request);
    }
    std::string main = "<h1>Tags</h1>\n<ul class=\"tag-list\">\n";
    for (auto const &[id, item] : request.state.tags()) {
        auto const count =
            list_topics(request.state, request.who, list_filter{.tag = item.name}, list_order::latest).size();
        main += "<li>" + link(request, tag_path(item.name), escape_text(item.name), "class=\"discourse-tag\"") + " × " +
                std::to_string(count) + "</li>\n";
    }
    main += "</ul>\n";
    return titled_page(request, "Tags", "/tags", main);
}

// -- Static pages and /about -------------------------------------------------------------------

api_response about_page(page_request const &request)
{
    auto const counts = count_site(request.state);
    std::string main = "<h1>About " + escape_text(SITE_TITLE) + "</h1>\n<h2>Our admins</h2>\n<ul>\n";
    for (auto const *account : staff_of(request.state, true)) {
        main += "<li>" + link(request, user_path(*account), escape_text(account->username)) + "</li>\n";
    }
    main += "</ul>\n<h2>Our moderators</h2>\n<ul>\n";
    for (auto const *account : staff_of(request.state, false)) {
        main += "<li>" + link(request, user_path(*account), escape_text(account->username)) + "</li>\n";
    }
    main += "</ul>\n<h2>Site statistics</h2>\n<table class=\"about-stats\">\n<tr><td>Topics</td><td>" +
            std::to_string(counts.topics) + "</td></tr>\n<tr><td>Posts</td><td>" + std::to_string(counts.posts) +
            "</td></tr>\n<tr><td>Users</td><td>" + std::to_string(counts.users) + "</td></tr>\n<tr><td>Likes</td><td>" +
            std::to_string(counts.likes) + "</td></tr>\n</table>\n";
    return titled_page(request, "About", "/about", main);
}

} // namespace

api_response answer_html(page_request const &request)
{
    auto const &p = request.parts;
    auto const &state = request.state;
    if (p.empty() || request.is({"latest"})) {
        // The homepage is the first item of top_menu: latest.
        page_head head;
        head.title = p.empty() ? "" : "Latest topics";
        head.feed = request.absolute("/latest.rss");
        auto const topics = list_topics(state, request.who, {}, list_order::latest);
        return list_page(request, head, p.empty() ? "/" : "/latest", topics, "");
    }
    if (request.is({"top"})) {
        page_head head;
        head.title = "Top topics";
        head.feed = request.absolute("/top.rss");
        return list_page(request, head, "/top", list_topics(state, request.who, {}, list_order::top), "");
    }
    if (request.is({"categories"})) {
        return categories_page(request);
    }
    if (p[0] == "t" && p.size() >= 2) {
        return topic_route(request);
    }
    if ((request.is({"p", "*"}) || request.is({"p", "*", "*"}))) {
        return post_link(request);
    }
    if (p[0] == "c") {
        return category_route(request);
    }
    if (p[0] == "category" && p.size() >= 2) {
        // The pre-2014 form: 302 to /c/{path}, which may 301 again.
        return redirect(request, 302, "/c/" + join_segments(p.begin() + 1, p.end()));
    }
    if ((p[0] == "u" || p[0] == "users") && p.size() >= 2) {
        return user_route(request);
    }
    if (p[0] == "tag" && p.size() >= 2) {
        return tag_page(request);
    }
    if (request.is({"tags"})) {
        return tags_page(request);
    }
    if (request.is({"tags", "*"}) && p[1] != "c" && p[1] != "intersection" && p[1] != "none") {
        return redirect(request, 301, tag_path(p[1])); // newer Discourse: /tags/{name} → /tag/{name}
    }
    if (request.is({"about"})) {
        return about_page(request);
    }
    for (auto const &page : STATIC_PAGES) {
        if (request.is({page.path})) {
            return titled_page(request, page.title, "/" + std::string{page.path},
                               "<h1>" + escape_text(page.title) + "</h1>\n");
        }
    }
    return not_found_page(request);
}

} // namespace forumgate::rehearsal::pages
