// The rehearsal forum's files, HTML, RSS and sitemap routes (pages.hpp): the routing by method
// and format, and the pieces every page route uses (pages_parts.hpp). The routes themselves are
// in pages_files.cpp (uploads), pages_html.cpp (HTML), pages_json.cpp (the JSON that goes with
// it) and pages_feeds.cpp (RSS, sitemaps, robots.txt).

#include "rehearsal/pages.hpp"

#include "base/url_codec.hpp"
#include "rehearsal/api_detail.hpp"
#include "rehearsal/pages_parts.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <set>
#include <tuple>

namespace forumgate::rehearsal {

namespace pages {

namespace {

/// \return `host` if it is a plausible Host header value (name or address, optional port),
/// else "": it goes into URLs, XML and Location headers.
std::string checked_host(std::string_view host)
{
    if (host.empty() || host.size() > 255) {
        return {};
    }
    for (char const c : host) {
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
        if (!ok) {
            return {};
        }
    }
    return std::string{host};
}

bool is_control(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

constexpr std::array<std::string_view, 7> WEEKDAYS{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> MONTHS{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string two_digits(unsigned value)
{
    return std::string{static_cast<char>('0' + (value / 10) % 10), static_cast<char>('0' + value % 10)};
}

/// The calendar parts of a moment, in UTC.
struct civil_time
{
    int year;
    unsigned month; ///< 1–12
    unsigned day;
    unsigned weekday; ///< 0 = Sunday
    unsigned hours;
    unsigned minutes;
    unsigned seconds;
};

civil_time civil(timestamp when)
{
    auto const days = std::chrono::floor<std::chrono::days>(when);
    std::chrono::year_month_day const date{days};
    std::chrono::hh_mm_ss const clock{std::chrono::floor<std::chrono::seconds>(when - days)};
    return civil_time{static_cast<int>(date.year()),
                      static_cast<unsigned>(date.month()),
                      static_cast<unsigned>(date.day()),
                      std::chrono::weekday{days}.c_encoding(),
                      static_cast<unsigned>(clock.hours().count()),
                      static_cast<unsigned>(clock.minutes().count()),
                      static_cast<unsigned>(clock.seconds().count())};
}

} // namespace

// -- page_request -------------------------------------------------------------------------------

page_request::page_request(forum_state const &forum, viewer asking, request const &asked)
    : state(forum), who(asking), raw(asked.raw), parsed(asked), parts(asked.parts), format(asked.format),
      query(asked.query)
{
    std::string host = checked_host(raw.host);
    if (host.empty()) {
        host = "localhost"; // in-process requests carry no Host
    }
    base = "http://" + host;
    if (host.front() == '[') {
        hostname = host.substr(0, host.find(']') + 1);
    } else {
        hostname = host.substr(0, host.find(':'));
    }
}

std::optional<std::string> page_request::param(std::string_view name) const
{
    return query.first(name);
}

std::int64_t page_request::page() const
{
    auto const text = param("page");
    if (!text || text->empty()) {
        return 0;
    }
    std::int64_t value = 0;
    auto const *end = text->data() + text->size();
    auto const [ptr, ec] = std::from_chars(text->data(), end, value);
    // Rails' to_i: leading digits count, anything else is 0.
    return ec == std::errc{} && ptr != text->data() ? value : 0;
}

bool page_request::is(std::initializer_list<std::string_view> pattern) const
{
    return parsed.is(pattern);
}

// -- Text ---------------------------------------------------------------------------------------

std::string percent_encode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    base::append_encoded_query_component(out, text);
    return out;
}

void append_escaped(std::string &out, std::string_view text)
{
    // base's HTML escaping (& < > " '), with the control characters XML forbids left out.
    std::size_t plain_from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (is_control(static_cast<unsigned char>(text[i]))) {
            base::append_html_escaped(out, text.substr(plain_from, i - plain_from));
            plain_from = i + 1;
        }
    }
    base::append_html_escaped(out, text.substr(plain_from));
}

std::string escape_text(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    append_escaped(out, text);
    return out;
}

std::string cdata(std::string_view html)
{
    std::string out = "<![CDATA[";
    out.reserve(html.size() + 16);
    for (std::size_t i = 0; i < html.size(); ++i) {
        if (html.substr(i, 3) == "]]>") {
            // End the section after "]]" and start a new one before ">".
            out += "]]]]><![CDATA[>";
            i += 2;
            continue;
        }
        if (!is_control(static_cast<unsigned char>(html[i]))) {
            out.push_back(html[i]);
        }
    }
    out += "]]>";
    return out;
}

std::string rfc2822(timestamp when)
{
    auto const t = civil(when);
    return std::string{WEEKDAYS[t.weekday]} + ", " + two_digits(t.day) + " " + std::string{MONTHS[t.month - 1]} + " " +
           std::to_string(t.year) + " " + two_digits(t.hours) + ":" + two_digits(t.minutes) + ":" +
           two_digits(t.seconds) + " +0000";
}

void append_xml_schema_time(std::string &out, timestamp when)
{
    auto const t = civil(when);
    // YYYY-MM-DDTHH:MM:SSZ without temporaries: sitemaps write one per topic.
    char text[] = "0000-00-00T00:00:00Z";
    auto const put = [&text](std::size_t at, unsigned value, std::size_t digits) {
        for (std::size_t i = digits; i-- > 0; value /= 10) {
            text[at + i] = static_cast<char>('0' + value % 10);
        }
    };
    put(0, static_cast<unsigned>(std::clamp(t.year, 0, 9999)), 4);
    put(5, t.month, 2);
    put(8, t.day, 2);
    put(11, t.hours, 2);
    put(14, t.minutes, 2);
    put(17, t.seconds, 2);
    out.append(text, sizeof text - 1);
}

std::string xml_schema_time(timestamp when)
{
    std::string out;
    append_xml_schema_time(out, when);
    return out;
}

std::string long_date(timestamp when)
{
    constexpr std::array<std::string_view, 12> NAMES{"January",   "February", "March",    "April",
                                                     "May",       "June",     "July",     "August",
                                                     "September", "October",  "November", "December"};
    auto const t = civil(when);
    return std::string{NAMES[t.month - 1]} + " " + std::to_string(t.day) + ", " + std::to_string(t.year);
}

std::optional<std::int64_t> to_id(std::string_view text)
{
    if (text.empty() || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    auto const *end = text.data() + text.size();
    auto const [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

/// \return the text of `html` without tags, cut at `length` bytes on a character boundary.
std::string plain_text(std::string_view html, std::size_t length)
{
    std::string text = serializers::strip_tags(html, " ");
    std::replace(text.begin(), text.end(), '\n', ' ');
    auto const first = text.find_first_not_of(' ');
    text.erase(0, first == std::string::npos ? text.size() : first);
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    if (text.size() > length) {
        std::size_t cut = length;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
            --cut; // not inside a UTF-8 sequence
        }
        text.resize(cut);
        text += "…";
    }
    return text;
}

// -- URLs ---------------------------------------------------------------------------------------

std::string topic_path(topic const &subject, std::optional<int> post_number)
{
    std::string path = "/t/" + topic_slug(subject) + "/" + std::to_string(subject.id);
    if (post_number) {
        path += "/" + std::to_string(*post_number);
    }
    return path;
}

std::string category_path(forum_state const &state, category const &place)
{
    return "/c/" + state.category_slug_path(place.id) + "/" + std::to_string(place.id);
}

std::string user_path(user const &account)
{
    return "/u/" + percent_encode(base::ascii_lower(account.username));
}

std::string tag_path(std::string_view name)
{
    return "/tag/" + percent_encode(name);
}

// -- Lists --------------------------------------------------------------------------------------

void sort_topics(std::vector<topic const *> &listed, list_order order)
{
    switch (order) {
    case list_order::latest:
        std::ranges::sort(listed, [](topic const *a, topic const *b) {
            if (a->pinned != b->pinned) {
                return a->pinned;
            }
            if (a->bumped_at != b->bumped_at) {
                return a->bumped_at > b->bumped_at;
            }
            return a->id > b->id;
        });
        break;
    case list_order::created:
        std::ranges::sort(listed, [](topic const *a, topic const *b) {
            return a->created_at != b->created_at ? a->created_at > b->created_at : a->id > b->id;
        });
        break;
    case list_order::top:
        std::ranges::sort(listed, [](topic const *a, topic const *b) {
            return std::tuple{a->like_count, a->posts_count, a->views, -a->id} >
                   std::tuple{b->like_count, b->posts_count, b->views, -b->id};
        });
        break;
    }
}

std::vector<topic const *> list_topics(forum_state const &state, viewer const &who, list_filter const &filter,
                                       list_order order)
{
    std::set<std::int64_t> places;
    if (filter.category_id) {
        places.insert(*filter.category_id);
        // Subcategories at any depth: repeat until no category is added.
        for (bool grew = true; grew;) {
            grew = false;
            for (auto const &[id, place] : state.categories()) {
                if (place.parent_id && places.contains(*place.parent_id) && places.insert(id).second) {
                    grew = true;
                }
            }
        }
    }
    std::vector<topic const *> listed;
    for (auto const &[id, subject] : state.topics()) {
        if (!state.listed_for(who, subject) || subject.deleted_at) {
            continue;
        }
        if (filter.category_id && (!subject.category_id || !places.contains(*subject.category_id))) {
            continue;
        }
        if (filter.tag && std::ranges::find(subject.tags, *filter.tag) == subject.tags.end()) {
            continue;
        }
        if (filter.user_id && subject.user_id != *filter.user_id) {
            continue;
        }
        listed.push_back(&subject);
    }
    sort_topics(listed, order);
    return listed;
}

std::vector<post const *> visible_posts(forum_state const &state, viewer const &who, topic const &subject)
{
    std::vector<post const *> out;
    for (auto const id : state.post_stream(who, subject.id, false)) {
        out.push_back(state.find_post(id));
    }
    return out;
}

// -- Shared by the HTML and JSON routes --------------------------------------------------------

tag const *requested_tag(page_request const &request, std::string &filter)
{
    auto const &p = request.parts;
    if (!request.state.settings().tagging_enabled || p.size() < 2) {
        return nullptr;
    }
    tag const *found = request.state.find_tag(base::ascii_lower(p[1]));
    if (found == nullptr) {
        return nullptr;
    }
    std::size_t next = 2;
    // Newer Discourse writes /tag/{name}/{id}.
    if (p.size() > next && to_id(p[next]) && *to_id(p[next]) == found->id) {
        ++next;
    }
    filter = "latest";
    if (p.size() == next + 2 && p[next] == "l") {
        filter = p[next + 1];
        next += 2;
    }
    if (p.size() != next || (filter != "latest" && filter != "top")) {
        return nullptr;
    }
    return found;
}

site_counts count_site(forum_state const &state)
{
    site_counts counts;
    for (auto const &[id, subject] : state.topics()) {
        if (state.listed_for(viewer::anonymous(), subject)) {
            counts.topics += 1;
            counts.posts += static_cast<std::size_t>(subject.posts_count);
            counts.likes += static_cast<std::size_t>(subject.like_count);
        }
    }
    for (auto const &[id, account] : state.users()) {
        if (id > 0 && !account.staged) {
            counts.users += 1;
        }
    }
    return counts;
}

std::vector<user const *> staff_of(forum_state const &state, bool admins)
{
    std::vector<user const *> out;
    for (auto const &[id, account] : state.users()) {
        if (id > 0 && (admins ? account.admin : (account.moderator && !account.admin))) {
            out.push_back(&account);
        }
    }
    return out;
}

// -- Answers ------------------------------------------------------------------------------------

api_response html_page(page_request const &request, int status, page_head const &head, std::string_view main)
{
    std::string out;
    out.reserve(main.size() + 1024);
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
    out += escape_text(head.title.empty() ? std::string{SITE_TITLE} : head.title + " - " + std::string{SITE_TITLE});
    out += "</title>\n";
    if (!head.description.empty()) {
        out += "<meta name=\"description\" content=\"" + escape_text(head.description) + "\">\n";
    }
    if (!head.canonical.empty()) {
        out += "<link rel=\"canonical\" href=\"" + escape_text(head.canonical) + "\">\n";
    }
    if (!head.prev.empty()) {
        out += "<link rel=\"prev\" href=\"" + escape_text(head.prev) + "\">\n";
    }
    if (!head.next.empty()) {
        out += "<link rel=\"next\" href=\"" + escape_text(head.next) + "\">\n";
    }
    if (!head.feed.empty()) {
        out += "<link rel=\"alternate nofollow\" type=\"application/rss+xml\" title=\"" +
               escape_text(head.title.empty() ? std::string{SITE_TITLE} : head.title) + "\" href=\"" +
               escape_text(head.feed) + "\">\n";
    }
    out += "</head>\n<body>\n<header><a href=\"" + escape_text(request.base) + "/\">" + escape_text(SITE_TITLE) +
           "</a></header>\n<main>\n";
    out += main;
    out += "\n</main>\n</body>\n</html>\n";
    return api_response{status, std::string{HTML_TYPE}, std::move(out), {}};
}

api_response not_found_page(page_request const &request)
{
    page_head head;
    head.title = "Page Not Found";
    std::string const main = "<h1>Oops! That page doesn’t exist or is private.</h1>\n<p><a href=\"" +
                             escape_text(request.absolute("/latest")) + "\">Latest topics</a> · <a href=\"" +
                             escape_text(request.absolute("/categories")) + "\">Categories</a></p>";
    return html_page(request, 404, head, main);
}

api_response redirect(page_request const &request, int status, std::string_view path)
{
    std::string const location = path.starts_with("/") ? request.absolute(path) : std::string{path};
    api_response answer{status,
                        std::string{HTML_TYPE},
                        "<html><body>You are being <a href=\"" + escape_text(location) +
                            "\">redirected</a>.</body></html>",
                        {}};
    answer.headers.emplace_back("Location", location);
    return answer;
}

} // namespace pages

std::optional<api_response> answer_page(forum_state const &state, viewer const &who, request const &asked)
{
    using boost::beast::http::verb;
    if (asked.method == verb::post) {
        if (asked.raw.path == "/uploads/lookup-urls" || asked.raw.path == "/uploads/lookup-urls.json") {
            return pages::lookup_upload_urls(pages::page_request{state, who, asked});
        }
        return std::nullopt;
    }
    if (!asked.is_read()) {
        return std::nullopt;
    }
    pages::page_request const page{state, who, asked};
    // Files first: an upload's own extension may look like a format (`.txt`, `.xml`).
    if (auto file = pages::answer_file(page)) {
        return file;
    }
    if (page.format == "json") {
        return pages::answer_page_json(page); // the rest of the JSON routes are the API's
    }
    if (page.format == "rss") {
        return pages::answer_feed(page);
    }
    if (page.format == "xml" || page.format == "txt") {
        return pages::answer_sitemap(page);
    }
    // Raw markdown, as plain text, is answered by the JSON API with the post's visibility.
    if (page.is({"raw", "*"}) || page.is({"raw", "*", "*"}) || page.is({"posts", "*", "raw"})) {
        return std::nullopt;
    }
    return pages::answer_html(page);
}

} // namespace forumgate::rehearsal
