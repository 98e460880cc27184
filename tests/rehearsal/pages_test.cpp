// Tests of rehearsal/pages*.cpp (the rehearsal forum's files, HTML, RSS and sitemap routes):
// upload bytes and their sha1, the short-URL route and lookup, every HTML route shape with its
// status, redirects and canonical link, topic paging, RSS and sitemaps parsed by a small strict
// XML checker, a crawl of a generated forum through its HTML and its sitemaps, and requests over a
// real loopback socket.

#include "rehearsal/pages.hpp"

#include "base/digest.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/generator.hpp"
#include "tests/support/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

namespace forumgate::rehearsal {
namespace {

using nlohmann::json;

constexpr char const *ADMIN_KEY = "test-admin-key-0123456789";
constexpr char const *HOST = "forum.test";
constexpr char const *BASE = "http://forum.test";

// -- A strict markup checker ---------------------------------------------------------------------

/// Represents one parsed element: its name, attributes, children and the text directly in it
/// (entities decoded, CDATA sections included).
struct node
{
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::vector<node> children;
    std::string text;

    [[nodiscard]] std::optional<std::string> attribute(std::string_view key) const
    {
        for (auto const &[name_, value] : attributes) {
            if (name_ == key) {
                return value;
            }
        }
        return std::nullopt;
    }

    /// Every element named `wanted` below this one, in document order.
    [[nodiscard]] std::vector<node const *> all(std::string_view wanted) const
    {
        std::vector<node const *> out;
        collect(wanted, out);
        return out;
    }

    /// The text of the first child named `wanted` ("" if none).
    [[nodiscard]] std::string child_text(std::string_view wanted) const
    {
        for (auto const &child : children) {
            if (child.name == wanted) {
                return child.text;
            }
        }
        return {};
    }

private:
    void collect(std::string_view wanted, std::vector<node const *> &out) const
    {
        for (auto const &child : children) {
            if (child.name == wanted) {
                out.push_back(&child);
            }
            child.collect(wanted, out);
        }
    }
};

/// Parses a whole XML document, or an HTML5 page written in the XML-like way the rehearsal
/// forum writes them (void elements unclosed, boolean attributes, named entities), and throws
/// std::runtime_error naming the offset of the first fault: unbalanced or misnested tags, bad
/// names, unquoted or duplicate attributes, unknown or malformed entities, `<` in text or
/// attribute values, control characters, `]]>` in XML text, invalid UTF-8, trailing content.
class markup_parser
{
public:
    markup_parser(std::string_view text, bool html) : m_text(text), m_html(html) {}

    node document()
    {
        check_utf8();
        skip_space();
        if (!m_html && m_text.substr(m_pos, 5) == "<?xml") {
            auto const end = m_text.find("?>", m_pos);
            expect(end != std::string_view::npos, "unterminated XML declaration");
            m_pos = end + 2;
        }
        skip_space();
        if (m_html) {
            expect(m_text.substr(m_pos, 15) == "<!DOCTYPE html>", "no <!DOCTYPE html>");
            m_pos += 15;
        }
        skip_space();
        node root = element();
        skip_space();
        expect(m_pos == m_text.size(), "content after the root element");
        return root;
    }

private:
    void fail(std::string const &message) const
    {
        throw std::runtime_error{"offset " + std::to_string(m_pos) + ": " + message + " near «" +
                                 std::string{m_text.substr(m_pos > 40 ? m_pos - 40 : 0, 80)} + "»"};
    }
    void expect(bool ok, std::string const &message) const
    {
        if (!ok) {
            fail(message);
        }
    }

    void check_utf8()
    {
        for (std::size_t i = 0; i < m_text.size();) {
            auto const c = static_cast<unsigned char>(m_text[i]);
            std::size_t length = c < 0x80 ? 1 : (c >> 5U) == 6 ? 2 : (c >> 4U) == 14 ? 3 : (c >> 3U) == 30 ? 4 : 0;
            m_pos = i;
            expect(length != 0 && i + length <= m_text.size(), "invalid UTF-8");
            for (std::size_t k = 1; k < length; ++k) {
                expect((static_cast<unsigned char>(m_text[i + k]) >> 6U) == 2, "invalid UTF-8");
            }
            expect(c >= 0x20 || c == '\t' || c == '\n' || c == '\r', "control character");
            i += length;
        }
        m_pos = 0;
    }

    void skip_space()
    {
        while (m_pos < m_text.size() &&
               (m_text[m_pos] == ' ' || m_text[m_pos] == '\n' || m_text[m_pos] == '\t' || m_text[m_pos] == '\r')) {
            ++m_pos;
        }
    }

    static bool name_char(char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == ':' || c == '.';
    }

    std::string name()
    {
        auto const start = m_pos;
        expect(m_pos < m_text.size() && ((m_text[m_pos] >= 'a' && m_text[m_pos] <= 'z') ||
                                         (m_text[m_pos] >= 'A' && m_text[m_pos] <= 'Z') || m_text[m_pos] == '_'),
               "bad name");
        while (m_pos < m_text.size() && name_char(m_text[m_pos])) {
            ++m_pos;
        }
        return std::string{m_text.substr(start, m_pos - start)};
    }

    /// Decodes the entity at m_pos (which is '&') and appends it.
    void entity(std::string &out)
    {
        auto const end = m_text.find(';', m_pos);
        expect(end != std::string_view::npos && end - m_pos <= 12, "unterminated entity");
        auto const body = m_text.substr(m_pos + 1, end - m_pos - 1);
        if (body == "amp") {
            out += '&';
        } else if (body == "lt") {
            out += '<';
        } else if (body == "gt") {
            out += '>';
        } else if (body == "quot") {
            out += '"';
        } else if (body == "apos") {
            out += '\'';
        } else if (!body.empty() && body[0] == '#') {
            bool const hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
            auto const digits = body.substr(hex ? 2 : 1);
            expect(!digits.empty(), "empty character reference");
            unsigned long code = 0;
            for (char const c : digits) {
                int const value = (c >= '0' && c <= '9')          ? c - '0'
                                  : hex && (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                  : hex && (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                                  : -1;
                expect(value >= 0, "bad character reference");
                code = code * (hex ? 16 : 10) + static_cast<unsigned long>(value);
                expect(code <= 0x10FFFF, "character reference out of range");
            }
            expect(code >= 0x20 || code == 9 || code == 10 || code == 13, "reference to a control character");
            if (code < 0x80) {
                out += static_cast<char>(code);
            } else if (code < 0x800) {
                out += static_cast<char>(0xC0 | (code >> 6U));
                out += static_cast<char>(0x80 | (code & 0x3FU));
            } else if (code < 0x10000) {
                out += static_cast<char>(0xE0 | (code >> 12U));
                out += static_cast<char>(0x80 | ((code >> 6U) & 0x3FU));
                out += static_cast<char>(0x80 | (code & 0x3FU));
            } else {
                out += static_cast<char>(0xF0 | (code >> 18U));
                out += static_cast<char>(0x80 | ((code >> 12U) & 0x3FU));
                out += static_cast<char>(0x80 | ((code >> 6U) & 0x3FU));
                out += static_cast<char>(0x80 | (code & 0x3FU));
            }
        } else {
            // HTML knows many more names (&hellip;, &rsquo;); XML only the five above.
            expect(
                m_html && !body.empty() &&
                    std::ranges::all_of(body, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }),
                "unknown entity &" + std::string{body} + ";");
            out += "&" + std::string{body} + ";";
        }
        m_pos = end + 1;
    }

    node element()
    {
        expect(m_text.substr(m_pos, 1) == "<", "expected an element");
        ++m_pos;
        node out;
        out.name = name();
        std::set<std::string> seen;
        while (true) {
            bool const spaced = m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n');
            skip_space();
            expect(m_pos < m_text.size(), "unterminated start tag");
            if (m_text.substr(m_pos, 2) == "/>") {
                m_pos += 2;
                return out;
            }
            if (m_text[m_pos] == '>') {
                ++m_pos;
                break;
            }
            expect(spaced, "attributes must be separated by spaces");
            auto key = name();
            expect(seen.insert(key).second, "duplicate attribute " + key);
            std::string value;
            if (m_text.substr(m_pos, 1) == "=") {
                ++m_pos;
                expect(m_pos < m_text.size() && (m_text[m_pos] == '"' || m_text[m_pos] == '\''),
                       "unquoted attribute value");
                char const quote = m_text[m_pos++];
                while (true) {
                    expect(m_pos < m_text.size(), "unterminated attribute value");
                    char const c = m_text[m_pos];
                    if (c == quote) {
                        ++m_pos;
                        break;
                    }
                    expect(c != '<', "< in an attribute value");
                    if (c == '&') {
                        entity(value);
                    } else {
                        value += c;
                        ++m_pos;
                    }
                }
            } else {
                expect(m_html, "attribute without a value");
            }
            out.attributes.emplace_back(std::move(key), std::move(value));
        }
        static std::set<std::string, std::less<>> const VOID{"area",  "base", "br",   "col",    "embed", "hr", "img",
                                                             "input", "link", "meta", "source", "track", "wbr"};
        if (m_html && VOID.contains(out.name)) {
            return out;
        }
        while (true) {
            expect(m_pos < m_text.size(), "unclosed <" + out.name + ">");
            if (m_text.substr(m_pos, 2) == "</") {
                m_pos += 2;
                auto const closing = name();
                expect(closing == out.name, "</" + closing + "> closes <" + out.name + ">");
                skip_space();
                expect(m_text.substr(m_pos, 1) == ">", "bad end tag");
                ++m_pos;
                return out;
            }
            if (m_text.substr(m_pos, 9) == "<![CDATA[") {
                auto const end = m_text.find("]]>", m_pos);
                expect(end != std::string_view::npos, "unterminated CDATA");
                out.text += m_text.substr(m_pos + 9, end - m_pos - 9);
                m_pos = end + 3;
            } else if (m_text.substr(m_pos, 4) == "<!--") {
                auto const end = m_text.find("-->", m_pos);
                expect(end != std::string_view::npos, "unterminated comment");
                m_pos = end + 3;
            } else if (m_text[m_pos] == '<') {
                out.children.push_back(element());
            } else if (m_text[m_pos] == '&') {
                entity(out.text);
            } else {
                expect(m_html || m_text.substr(m_pos, 3) != "]]>", "]]> in text");
                out.text += m_text[m_pos++];
            }
        }
    }

    std::string_view m_text;
    bool m_html;
    std::size_t m_pos = 0;
};

node parse_xml(std::string_view text)
{
    return markup_parser{text, false}.document();
}
node parse_html(std::string_view text)
{
    return markup_parser{text, true}.document();
}

TEST(markup_parser, refuses_broken_documents)
{
    EXPECT_NO_THROW(
        parse_xml("<?xml version=\"1.0\"?>\n<a x=\"1&amp;2\"><b>t &lt; <![CDATA[<p>]]]]><![CDATA[>]]></b><c/></a>"));
    EXPECT_EQ(parse_xml("<a><b>x<![CDATA[<p>]]]]><![CDATA[>]]></b></a>").children[0].text, "x<p>]]>");
    EXPECT_THROW(parse_xml("<a><b></a></b>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>fish & chips</a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>&hellip;</a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a x=1></a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a x=\"1\" x=\"2\"></a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>\x01</a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>\xC3</a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a></a><b></b>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>x ]]> y</a>"), std::runtime_error);
    EXPECT_NO_THROW(parse_html(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body itemscope>&hellip;<br></body></html>"));
    EXPECT_THROW(parse_html("<!DOCTYPE html>\n<html><body><p></body></html>"), std::runtime_error);
}

// -- The forum ------------------------------------------------------------------------------------

/// A clock that moves one minute per reading, so topics and posts have distinct times.
std::function<timestamp()> ticking_clock()
{
    auto now = std::make_shared<timestamp>(*parse_time("2024-05-01T12:00:00Z"));
    return [now] { return *now += std::chrono::minutes{1}; };
}

/// \return the value of header `name` of an answer ("" if none).
std::string header(api_response const &answer, std::string_view name)
{
    for (auto const &[key, value] : answer.headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

/// Answers requests through the whole API (authentication, then the page routes, then JSON).
class client_of
{
public:
    explicit client_of(api const &server) : m_server(server) {}

    [[nodiscard]] api_response get(std::string const &target, std::string const &username = "",
                                   std::string const &host = HOST) const
    {
        api_request request;
        auto const question = target.find('?');
        request.path = target.substr(0, question);
        request.query = question == std::string::npos ? "" : target.substr(question + 1);
        request.host = host;
        if (!username.empty()) {
            request.api_key = ADMIN_KEY;
            request.api_username = username;
        }
        return m_server.handle(request);
    }

private:
    api const &m_server;
};

// A small forum: a public category with a subcategory, a restricted one, an admin and three
// members; a tagged topic with a deleted reply, a whisper and an upload; a topic of 45 posts;
// 35 topics tagged "bulk"; a topic whose title and body need escaping; a restricted topic, a
// private message, an unlisted and a deleted topic.
class pages_fixture : public ::testing::Test
{
protected:
    pages_fixture() : shared{forum_state{ticking_clock()}}, server{shared, ADMIN_KEY}, client{server}
    {
        shared.write([this](forum_state &state) {
            state.set_rate_limits(false); // the fixture writes faster than Discourse lets a user post
            general = state.create_category({.name = "General", .description = "Talk about anything."}).id;
            repairs = state.create_category({.name = "Repairs", .parent_id = general}).id;
            board =
                state.create_category({.name = "Board room", .read_restricted = true, .allowed_groups = {"board"}}).id;
            admin =
                state.create_user({.username = "admin", .name = "Admin", .email = "admin@example.org", .admin = true})
                    .id;
            ann = state.create_user({.username = "ann", .name = "Ann Lee", .email = "ann@example.org"}).id;
            bob = state.create_user({.username = "bob", .name = "Bob", .email = "bob@example.org"}).id;
            state.create_user({.username = "cid", .name = "Cid", .email = "cid@example.org"});
            state.create_tag("faq");
            state.create_tag("bulk");
            picture = state
                          .add_upload({.user_id = ann,
                                       .original_filename = "red dot.png",
                                       .bytes = make_png(2, 1, std::string_view{"\xff\0\0\xff\0\0", 6})})
                          .id;
            auto const &file = *state.find_upload(picture);
            welcome = state
                          .create_topic({.user_id = ann,
                                         .title = "Welcome to the rehearsal forum",
                                         .raw = "This is the first post. ![dot|2x1](" + file.short_url() + ")",
                                         .category_id = general,
                                         .tags = {"faq"},
                                         .external_id = "old-42"})
                          .id;
            state.create_post({.user_id = bob, .topic_id = welcome, .raw = "A reply that is long enough."});
            deleted_post =
                state.create_post({.user_id = bob, .topic_id = welcome, .raw = "A reply that will be deleted."}).id;
            state.delete_post(deleted_post, admin);
            whisper = state
                          .create_post({.user_id = admin,
                                        .topic_id = welcome,
                                        .raw = "A whisper only staff can read.",
                                        .type = post_type::whisper})
                          .id;
            state.create_post({.user_id = ann, .topic_id = welcome, .raw = "Another reply, long enough too."});
            fix = state
                      .create_topic({.user_id = bob,
                                     .title = "Fixing a bicycle puncture",
                                     .raw = "Patch kits work well enough.",
                                     .category_id = repairs})
                      .id;
            long_topic = state
                             .create_topic({.user_id = ann,
                                            .title = "A long thread about everything",
                                            .raw = "Post number one of the long thread.",
                                            .category_id = general})
                             .id;
            for (int n = 2; n <= 45; ++n) {
                state.create_post({.user_id = n % 2 == 0 ? bob : ann,
                                   .topic_id = long_topic,
                                   .raw = "Reply number " + std::to_string(n) + " of the long thread.",
                                   .skip_validations = true});
            }
            for (int i = 0; i < 35; ++i) {
                state.create_topic({.user_id = ann,
                                    .title = "Bulk topic number " + std::to_string(i) + " for paging",
                                    .raw = "Bulk body text that is long enough.",
                                    .category_id = general,
                                    .tags = {"bulk"},
                                    .skip_validations = true});
            }
            escaped = state
                          .create_topic({.user_id = bob,
                                         .title = "Fish & chips <b>\"best\"</b> it's ]]> here",
                                         .raw = "Code: `a ]]> b` and <script>alert(1)</script> & more \x01 text.",
                                         .category_id = general,
                                         .skip_validations = true})
                          .id;
            secret = state
                         .create_topic({.user_id = admin,
                                        .title = "Minutes of the board meeting",
                                        .raw = "Only the board may read these minutes.",
                                        .category_id = board,
                                        .tags = {"faq"}})
                         .id;
            message = state
                          .create_topic({.user_id = ann,
                                         .title = "A private word with Bob",
                                         .raw = "Just between the two of us, Bob.",
                                         .kind = archetype::private_message,
                                         .recipient_ids = {bob}})
                          .id;
            hidden_topic = state
                               .create_topic({.user_id = ann,
                                              .title = "An unlisted topic for testing",
                                              .raw = "Nobody lists this one.",
                                              .category_id = general,
                                              .visible = false})
                               .id;
            gone = state
                       .create_topic({.user_id = ann,
                                      .title = "A topic that was deleted",
                                      .raw = "This topic goes away soon.",
                                      .category_id = general})
                       .id;
            state.delete_post(state.find_post_by_number(gone, 1)->id, admin);
        });
    }

    template <typename Reader>
    auto read(Reader &&reader) const
    {
        return shared.read(std::forward<Reader>(reader));
    }

    [[nodiscard]] std::string slug_of(std::int64_t topic_id) const
    {
        return read([&](forum_state const &state) { return state.find_topic(topic_id)->slug; });
    }
    [[nodiscard]] std::string url_of(std::int64_t topic_id) const
    {
        return "/t/" + slug_of(topic_id) + "/" + std::to_string(topic_id);
    }

    /// GETs an HTML page, checks its status, type and well-formedness, and parses it.
    node html(std::string const &target, int status = 200, std::string const &username = "") const
    {
        auto const answer = client.get(target, username);
        EXPECT_EQ(answer.status, status) << target;
        EXPECT_EQ(answer.content_type, "text/html; charset=utf-8") << target;
        try {
            return parse_html(answer.body);
        } catch (std::exception const &problem) {
            ADD_FAILURE() << target << ": " << problem.what();
            return {};
        }
    }

    /// GETs an XML document (feed or sitemap), checks status and type, and parses it.
    node xml(std::string const &target, std::string const &type, std::string const &username = "") const
    {
        auto const answer = client.get(target, username);
        EXPECT_EQ(answer.status, 200) << target;
        EXPECT_EQ(answer.content_type, type) << target;
        try {
            return parse_xml(answer.body);
        } catch (std::exception const &problem) {
            ADD_FAILURE() << target << ": " << problem.what();
            return {};
        }
    }

    /// Expects a redirect with that status to `location` (absolute on the test host).
    void expect_redirect(std::string const &target, int status, std::string const &location) const
    {
        auto const answer = client.get(target);
        EXPECT_EQ(answer.status, status) << target;
        EXPECT_EQ(header(answer, "Location"), BASE + location) << target;
    }

    forum shared;
    api server;
    client_of client;
    std::int64_t general = 0, repairs = 0, board = 0, admin = 0, ann = 0, bob = 0, picture = 0;
    std::int64_t welcome = 0, deleted_post = 0, whisper = 0, fix = 0, long_topic = 0, escaped = 0;
    std::int64_t secret = 0, message = 0, hidden_topic = 0, gone = 0;
};

/// The canonical link, rel=next and rel=prev of a page's head ("" when absent).
std::map<std::string, std::string> head_links(node const &page)
{
    std::map<std::string, std::string> out;
    for (auto const *item : page.all("link")) {
        out[item->attribute("rel").value_or("")] = item->attribute("href").value_or("");
    }
    return out;
}

/// The post numbers on a topic page (`id="post_N"`).
std::vector<int> post_numbers(node const &page)
{
    std::vector<int> out;
    for (auto const *item : page.all("div")) {
        auto const id = item->attribute("id").value_or("");
        if (id.starts_with("post_")) {
            out.push_back(std::stoi(id.substr(5)));
        }
    }
    return out;
}

std::vector<int> numbers(int from, int to)
{
    std::vector<int> out;
    for (int n = from; n <= to; ++n) {
        out.push_back(n);
    }
    return out;
}

// -- Uploads --------------------------------------------------------------------------------------

TEST_F(pages_fixture, upload_files_round_trip)
{
    auto const file = read([&](forum_state const &state) { return *state.find_upload(picture); });
    auto const answer = client.get(file.url());
    ASSERT_EQ(answer.status, 200) << file.url();
    EXPECT_EQ(answer.content_type, "image/png");
    EXPECT_EQ(answer.body, file.bytes);
    EXPECT_EQ(forumgate::base::sha1_hex(answer.body), file.sha1);
    EXPECT_EQ(header(answer, "Cache-Control"), "max-age=31536000, public, immutable");
    EXPECT_EQ(header(answer, "Content-Disposition"), ""); // nginx serves these, with no disposition
    // The tree is not checked (Upload.find_by(sha1:)), the site is; the sha1-only route works.
    EXPECT_EQ(client.get("/uploads/default/original/2X/f/" + file.sha1 + ".png").body, file.bytes);
    EXPECT_EQ(client.get("/uploads/default/" + file.sha1 + ".png").body, file.bytes);
    EXPECT_EQ(client.get("/uploads/elsewhere/original/1X/" + file.sha1 + ".png").status, 404);
    auto const unknown = client.get("/uploads/default/original/1X/" + std::string(40, 'a') + ".png");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(client.get("/uploads/default/original/1X/nothex.png").status, 404);
    EXPECT_EQ(client.get("/uploads/lookup-urls").status, 404); // a POST route
}

TEST_F(pages_fixture, short_urls_send_the_file_and_secure_urls_redirect)
{
    auto const file = read([&](forum_state const &state) { return *state.find_upload(picture); });
    // The local store sends the file from the short URL (an S3 store would redirect).
    auto const answer = client.get(file.short_path());
    ASSERT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, file.bytes);
    EXPECT_EQ(answer.content_type, "image/png");
    EXPECT_EQ(header(answer, "Content-Disposition"),
              "attachment; filename=\"red dot.png\"; filename*=UTF-8''red%20dot.png");
    EXPECT_EQ(client.get("/uploads/short-url/zzzzzzzzzzz.png").status, 404);
    EXPECT_EQ(client.get("/uploads/short-url/not-base62!.png").status, 404);
    expect_redirect("/secure-uploads/original/1X/" + file.sha1 + ".png", 302, file.url());
    expect_redirect("/secure-media-uploads/optimized/1X/" + file.sha1 + "_2_10x5.png", 302, file.url());
    EXPECT_EQ(client.get("/secure-uploads/original/1X/" + std::string(40, 'b') + ".png").status, 404);
}

TEST_F(pages_fixture, lookup_urls)
{
    // POST /uploads/lookup-urls as answer_page answers it for the viewer the credentials name.
    auto const lookup = [this](std::string const &body, std::string const &content_type, std::string const &username) {
        api_request request;
        request.method = boost::beast::http::verb::post;
        request.path = "/uploads/lookup-urls";
        request.body = body;
        request.content_type = content_type;
        request.host = HOST;
        auto const answer = read([&](forum_state const &state) {
            auto const who =
                username.empty() ? viewer::anonymous() : viewer::of(*state.find_user_by_username(username));
            return answer_page(state, who, forumgate::rehearsal::request{request});
        });
        EXPECT_TRUE(answer.has_value());
        return answer.value_or(api_response{});
    };
    auto const file = read([&](forum_state const &state) { return *state.find_upload(picture); });
    std::string const unknown = "upload://zzzzzzzzzzzzzzzzzzzzzzzzzz.png";
    auto const anonymous = lookup("short_urls%5B%5D=" + file.short_url(), "application/x-www-form-urlencoded", "");
    EXPECT_EQ(anonymous.status, 403);
    EXPECT_EQ(json::parse(anonymous.body),
              json::parse(R"({"errors":["You need to be logged in to do that."],"error_type":"not_logged_in"})"));

    // Found uploads only, each short URL once, in the order asked.
    auto const form = lookup("short_urls%5B%5D=" + file.short_url() + "&short_urls%5B%5D=" + unknown +
                                 "&short_urls[]=" + file.short_url(),
                             "application/x-www-form-urlencoded; charset=UTF-8", "admin");
    ASSERT_EQ(form.status, 200);
    EXPECT_EQ(form.content_type, "application/json; charset=utf-8");
    auto const expected =
        json::array({{{"short_url", file.short_url()}, {"url", file.url()}, {"short_path", file.short_path()}}});
    EXPECT_EQ(json::parse(form.body), expected);
    EXPECT_EQ(
        json::parse(lookup(json{{"short_urls", {file.short_url(), unknown}}}.dump(), "application/json", "ann").body),
        expected);
    EXPECT_EQ(json::parse(lookup("", "application/x-www-form-urlencoded", "ann").body), json::array());
    // Other POSTs are not the pages' (the JSON API's write side answers them).
    api_request other;
    other.method = boost::beast::http::verb::post;
    other.path = "/posts.json";
    EXPECT_FALSE(read([&](forum_state const &state) {
                     return answer_page(state, viewer::anonymous(), forumgate::rehearsal::request{other});
                 }).has_value());
}

// -- Topics ---------------------------------------------------------------------------------------

TEST_F(pages_fixture, topic_page_as_the_crawler_view)
{
    auto const page = html(url_of(welcome));
    auto const links = head_links(page);
    EXPECT_EQ(links.at("canonical"), BASE + url_of(welcome));
    EXPECT_FALSE(links.contains("next"));
    EXPECT_FALSE(links.contains("prev"));
    EXPECT_EQ(links.at("alternate nofollow"), BASE + url_of(welcome) + ".rss");
    EXPECT_EQ(page.all("title").at(0)->text, "Welcome to the rehearsal forum - General - Rehearsal forum");
    // Post 3 was deleted and post 4 is a whisper: neither is shown to an anonymous reader.
    EXPECT_EQ(post_numbers(page), (std::vector<int>{1, 2, 5}));
    auto const answer = client.get(url_of(welcome));
    EXPECT_NE(answer.body.find("This is the first post."), std::string::npos);
    EXPECT_EQ(answer.body.find("A whisper only staff can read."), std::string::npos);
    EXPECT_EQ(answer.body.find("A reply that will be deleted."), std::string::npos);
    // The cooked upload points at the file, which answers.
    auto const image = page.all("img");
    ASSERT_EQ(image.size(), 1U);
    EXPECT_EQ(client.get(image[0]->attribute("src").value_or("")).status, 200);
    // Staff see the whisper.
    EXPECT_EQ(post_numbers(html(url_of(welcome), 200, "admin")), (std::vector<int>{1, 2, 4, 5}));
}

TEST_F(pages_fixture, topic_pages_of_twenty_posts)
{
    std::string const url = url_of(long_topic);
    auto const first = html(url);
    EXPECT_EQ(post_numbers(first), numbers(1, 20));
    EXPECT_EQ(head_links(first).at("next"), BASE + url + "?page=2");
    EXPECT_FALSE(head_links(first).contains("prev"));
    auto const second = html(url + "?page=2");
    EXPECT_EQ(post_numbers(second), numbers(21, 40));
    EXPECT_EQ(head_links(second).at("canonical"), BASE + url + "?page=2");
    EXPECT_EQ(head_links(second).at("prev"), BASE + url);
    EXPECT_EQ(head_links(second).at("next"), BASE + url + "?page=3");
    auto const third = html(url + "?page=3");
    EXPECT_EQ(post_numbers(third), numbers(41, 45));
    EXPECT_EQ(head_links(third).at("prev"), BASE + url + "?page=2");
    EXPECT_FALSE(head_links(third).contains("next"));
    // The body links the same pages.
    std::set<std::string> body_rels;
    for (auto const *anchor : third.all("a")) {
        if (auto const rel = anchor->attribute("rel")) {
            body_rels.insert(*rel + " " + anchor->attribute("href").value_or(""));
        }
    }
    EXPECT_TRUE(body_rels.contains("prev " + std::string{BASE} + url + "?page=2"));
    // Past the end, or negative: 404 as TopicsController decides ((N-1)·20 ≥ highest_post_number).
    html(url + "?page=4", 404);
    html(url + "?page=-1", 404);
    html(url + "?page=9223372036854775807", 404);
    EXPECT_EQ(post_numbers(html(url + "?page=0")), numbers(1, 20));
    // A post number opens the page that holds it; its canonical link names that page.
    auto const at_25 = html(url + "/25");
    EXPECT_EQ(post_numbers(at_25), numbers(21, 40));
    EXPECT_EQ(head_links(at_25).at("canonical"), BASE + url + "?page=2");
    EXPECT_EQ(post_numbers(html(url + "/last")), numbers(41, 45));
    EXPECT_EQ(post_numbers(html(url + "/20")), numbers(1, 20));
}

TEST_F(pages_fixture, topic_redirects)
{
    std::string const id = std::to_string(long_topic);
    std::string const url = url_of(long_topic);
    // No slug, or a wrong one: 301 to the canonical URL, keeping the post number and the page.
    expect_redirect("/t/" + id, 301, url);
    expect_redirect("/t/" + id + "/7", 301, url + "/7");
    expect_redirect("/t/" + id + "/1", 301, url + "/1");
    expect_redirect("/t/" + id + "/last", 301, url + "/99999999");
    expect_redirect("/t/wrong-slug/" + id, 301, url);
    expect_redirect("/t/wrong-slug/" + id + "/7", 301, url + "/7");
    expect_redirect("/t/wrong-slug/" + id + "?page=2", 301, url + "?page=2");
    expect_redirect("/t/wrong-slug/" + id + "/30?page=2&u=ann", 301, url + "/30?page=2");
    // By slug alone, and by external id.
    expect_redirect("/t/" + slug_of(long_topic), 301, url);
    expect_redirect("/t/external_id/old-42", 301, url_of(welcome));
    html("/t/no-such-topic-slug", 404);
    html("/t/external_id/nope", 404);
    html("/t/wrong-slug/999999", 404);
    html("/t/" + slug_of(long_topic) + "/" + id + "/not-a-number", 404);
    // A page past the end is a 404 before any redirect.
    html("/t/wrong-slug/" + id + "?page=9", 404);
}

TEST_F(pages_fixture, topic_visibility)
{
    // Restricted, private, deleted: 404 for anonymous readers, HTML 404 page.
    auto const secret_page = html(url_of(secret), 404);
    EXPECT_EQ(secret_page.all("title").at(0)->text, "Page Not Found - Rehearsal forum");
    html("/t/" + std::to_string(secret), 404);
    html(url_of(message), 404);
    html(url_of(gone), 404);
    // The admin sees all three; the participants see the message, other members do not.
    html(url_of(secret), 200, "admin");
    html(url_of(secret), 404, "cid");
    html(url_of(message), 200, "bob");
    html(url_of(message), 200, "ann");
    html(url_of(message), 404, "cid");
    html(url_of(gone), 200, "admin");
    // Unlisted topics open by URL.
    html(url_of(hidden_topic));
}

TEST_F(pages_fixture, post_links_redirect_with_302)
{
    auto const [second_post, fourth] = read([&](forum_state const &state) {
        return std::pair{state.find_post_by_number(welcome, 2)->id, state.find_post_by_number(long_topic, 44)->id};
    });
    expect_redirect("/p/" + std::to_string(second_post), 302, url_of(welcome) + "/2");
    expect_redirect("/p/" + std::to_string(fourth) + "/" + std::to_string(ann), 302, url_of(long_topic) + "/44");
    html("/p/" + std::to_string(deleted_post), 404);
    html("/p/" + std::to_string(whisper), 404);
    EXPECT_EQ(client.get("/p/" + std::to_string(whisper), "admin").status, 302);
    html("/p/999999", 404);
}

// -- Categories, users, tags, lists -----------------------------------------------------------

TEST_F(pages_fixture, category_routes)
{
    std::string const general_url = "/c/general/" + std::to_string(general);
    std::string const repairs_url = "/c/general/repairs/" + std::to_string(repairs);
    auto const page = html(general_url);
    EXPECT_EQ(head_links(page).at("canonical"), BASE + general_url);
    EXPECT_EQ(head_links(page).at("next"), BASE + general_url + "?page=1");
    EXPECT_EQ(head_links(page).at("alternate nofollow"), BASE + general_url + ".rss");
    auto const second = html(general_url + "?page=1");
    EXPECT_EQ(head_links(second).at("prev"), BASE + general_url);
    html(repairs_url);
    html(general_url + "/l/latest");
    html(general_url + "/none");
    // Slug paths that are not the category's: 301 to the same URL with the right one.
    expect_redirect("/c/general", 301, general_url);
    expect_redirect("/c/" + std::to_string(general), 301, general_url);
    expect_redirect("/c/wrong/" + std::to_string(general), 301, general_url);
    expect_redirect("/c/general/l/latest", 301, general_url + "/l/latest");
    expect_redirect("/c/general/repairs", 301, repairs_url);
    expect_redirect("/c/repairs/" + std::to_string(repairs) + "?page=1", 301, repairs_url + "?page=1");
    expect_redirect("/c", 301, "/categories");
    // The pre-2014 form: 302 to /c/…, which may 301 again.
    expect_redirect("/category/general", 302, "/c/general");
    // Only top-level slugs match alone; restricted categories are hidden.
    html("/c/repairs", 404);
    html("/c/nope", 404);
    html("/c/board-room/" + std::to_string(board), 404);
    html("/c/board-room/" + std::to_string(board), 200, "admin");
    auto const categories = client.get("/categories");
    EXPECT_EQ(categories.status, 200);
    EXPECT_NE(categories.body.find(general_url), std::string::npos);
    EXPECT_NE(categories.body.find(repairs_url), std::string::npos);
    EXPECT_EQ(categories.body.find("Board room"), std::string::npos);
    EXPECT_NE(client.get("/categories", "admin").body.find("Board room"), std::string::npos);
}

TEST_F(pages_fixture, user_routes)
{
    auto const page = html("/u/ann");
    EXPECT_EQ(head_links(page).at("canonical"), std::string{BASE} + "/u/ann");
    html("/u/ANN");
    html("/users/ann");
    html("/u/ann/summary");
    html("/u/ann/activity");
    html("/u/ann/activity/topics");
    html("/u/ann/badges");
    html("/u/ann/preferences", 404);
    html("/u/nobody", 404);
    // The topics a user started are listed, not a private message for anonymous readers.
    EXPECT_NE(client.get("/u/bob").body.find(url_of(fix)), std::string::npos);
    EXPECT_NE(client.get("/u/ann?page=1").body.find(url_of(welcome)), std::string::npos);
    EXPECT_EQ(client.get("/u/ann").body.find(url_of(message)), std::string::npos);
    EXPECT_EQ(client.get("/u/ann?page=1").body.find(url_of(message)), std::string::npos);
}

TEST_F(pages_fixture, lists_and_site_pages)
{
    auto const home = html("/");
    EXPECT_EQ(head_links(home).at("canonical"), std::string{BASE} + "/");
    EXPECT_EQ(head_links(home).at("next"), std::string{BASE} + "/?page=1");
    auto const latest = html("/latest");
    EXPECT_EQ(head_links(latest).at("next"), std::string{BASE} + "/latest?page=1");
    // Pages past the end are empty, whatever the number.
    auto const far = html("/latest?page=9223372036854775807");
    EXPECT_TRUE(
        std::ranges::none_of(far.all("a"), [](node const *anchor) { return anchor->attribute("itemprop") == "url"; }));
    EXPECT_FALSE(head_links(far).contains("next"));
    auto const last_page = html("/latest?page=1");
    EXPECT_FALSE(head_links(last_page).contains("next"));
    EXPECT_EQ(head_links(last_page).at("prev"), std::string{BASE} + "/latest");
    // Latest lists 30 topics a page; every listed topic appears once over the pages, never a
    // restricted, private, unlisted or deleted one.
    std::multiset<std::string> listed;
    for (auto const *list_page : {&latest, &last_page}) {
        for (auto const *anchor : list_page->all("a")) {
            if (anchor->attribute("itemprop") == "url") {
                listed.insert(anchor->attribute("href").value_or(""));
            }
        }
    }
    EXPECT_EQ(listed.size(), 39U); // welcome, fix, long, escaped and 35 bulk topics
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), listed.size());
    for (auto const hidden : {secret, message, hidden_topic, gone}) {
        EXPECT_FALSE(listed.contains(BASE + url_of(hidden)));
    }
    html("/top");
    html("/about");
    html("/faq");
    html("/guidelines");
    html("/tos");
    html("/privacy");
    auto const about = json::parse(client.get("/about.json").body);
    EXPECT_EQ(about["about"]["admins"][0]["username"], "admin");
    EXPECT_EQ(about["about"]["stats"]["topic_count"], 39);
    auto const robots = client.get("/robots.txt");
    EXPECT_EQ(robots.status, 200);
    EXPECT_EQ(robots.content_type, "text/plain; charset=utf-8");
    EXPECT_NE(robots.body.find("User-agent: *\nDisallow: /admin/\n"), std::string::npos);
    EXPECT_NE(robots.body.find("\nSitemap: http://forum.test/sitemap.xml\n"), std::string::npos);
    // Unknown paths: Discourse's 404 page.
    for (std::string const target : {"/no/such/page", "/t", "/latest/extra", "/nope.rss", "/nope.txt", "/nope.xml"}) {
        auto const missing = client.get(target);
        EXPECT_EQ(missing.status, 404) << target;
        EXPECT_EQ(missing.content_type, "text/html; charset=utf-8") << target;
    }
    // The JSON API still answers its own routes, and JSON 404s.
    EXPECT_EQ(client.get("/latest.json").status, 200);
    EXPECT_EQ(client.get("/no/such/page.json").content_type, "application/json; charset=utf-8");
    EXPECT_EQ(client.get("/raw/" + std::to_string(welcome) + "/1").content_type, "text/plain; charset=utf-8");
}

TEST_F(pages_fixture, tag_pages_and_json)
{
    html("/tag/faq");
    html("/tag/FAQ");
    html("/tag/bulk/l/top");
    html("/tag/nope", 404);
    expect_redirect("/tags/faq", 301, "/tag/faq");
    auto const index = client.get("/tags");
    EXPECT_EQ(index.status, 200);
    EXPECT_NE(index.body.find("/tag/bulk"), std::string::npos);

    // /tag/{name}.json: a topic list as /latest.json writes it, with the tag.
    auto const faq = json::parse(client.get("/tag/faq.json").body);
    ASSERT_EQ(faq["topic_list"]["topics"].size(), 1U); // not the board's minutes
    EXPECT_EQ(faq["topic_list"]["topics"][0]["id"], welcome);
    EXPECT_EQ(faq["topic_list"]["tags"][0]["name"], "faq");
    EXPECT_FALSE(faq["topic_list"].contains("more_topics_url"));
    EXPECT_EQ(json::parse(client.get("/tag/faq.json", "admin").body)["topic_list"]["topics"].size(), 2U);
    auto const latest = json::parse(client.get("/latest.json").body);
    auto const keys = [](json const &object) {
        std::set<std::string> out;
        for (auto const &[key, value] : object.items()) {
            out.insert(key);
        }
        return out;
    };
    auto const &latest_item = latest["topic_list"]["topics"][0];
    for (auto const &item : faq["topic_list"]["topics"]) {
        EXPECT_EQ(keys(item), keys(latest_item)); // the same fields as the JSON API's lists
    }
    EXPECT_EQ(keys(faq["users"][0]), keys(latest["users"][0]));

    auto const bulk = json::parse(client.get("/tag/bulk.json").body);
    EXPECT_EQ(bulk["topic_list"]["topics"].size(), 30U);
    EXPECT_EQ(bulk["topic_list"]["more_topics_url"], "/tag/bulk?match_all_tags=true&page=1&tags%5B%5D=bulk");
    auto const rest = json::parse(client.get("/tag/bulk.json?match_all_tags=true&page=1&tags%5B%5D=bulk").body);
    EXPECT_EQ(rest["topic_list"]["topics"].size(), 5U);
    EXPECT_FALSE(rest["topic_list"].contains("more_topics_url"));
    EXPECT_EQ(json::parse(client.get("/tag/bulk.json?page=9223372036854775807").body)["topic_list"]["topics"].size(),
              0U);
    auto const missing = client.get("/tag/nope.json");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(json::parse(missing.body)["error_type"], "not_found");
}

// -- RSS ------------------------------------------------------------------------------------------

constexpr char const *RSS = "application/rss+xml; charset=utf-8";

/// Checks the channel of a parsed feed and returns its items.
std::vector<node const *> feed_items(node const &root, std::string const &self)
{
    EXPECT_EQ(root.name, "rss");
    EXPECT_EQ(root.attribute("version"), "2.0");
    auto const channels = root.all("channel");
    EXPECT_EQ(channels.size(), 1U);
    if (channels.empty()) {
        return {};
    }
    auto const &channel = *channels[0];
    EXPECT_FALSE(channel.child_text("title").empty());
    EXPECT_TRUE(channel.child_text("link").starts_with(BASE));
    auto const atom = channel.all("atom:link");
    EXPECT_EQ(atom.size(), 1U);
    if (!atom.empty()) {
        EXPECT_EQ(atom[0]->attribute("href"), BASE + self);
    }
    std::vector<node const *> items;
    for (auto const &child : channel.children) {
        if (child.name == "item") {
            items.push_back(&child);
            EXPECT_FALSE(child.child_text("title").empty());
            EXPECT_TRUE(child.child_text("link").starts_with(BASE));
            EXPECT_EQ(child.child_text("pubDate").size(), 31U)
                << child.child_text("pubDate"); // Wed, 01 May 2024 12:01:00 +0000
        }
    }
    return items;
}

TEST_F(pages_fixture, list_feeds)
{
    auto const latest = xml("/latest.rss", RSS);
    auto const items = feed_items(latest, "/latest.rss");
    ASSERT_EQ(items.size(), 30U);
    std::set<std::string> links;
    for (auto const *item : items) {
        links.insert(item->child_text("link"));
    }
    for (auto const hidden : {secret, message, hidden_topic, gone}) {
        EXPECT_FALSE(links.contains(BASE + url_of(hidden)));
    }
    // The escaped topic: its title comes back as written, its body in one piece.
    auto const escaped_item = std::ranges::find_if(
        items, [&](node const *item) { return item->child_text("link") == BASE + url_of(escaped); });
    ASSERT_NE(escaped_item, items.end());
    EXPECT_EQ((*escaped_item)->child_text("title"), "Fish & chips <b>\"best\"</b> it's ]]> here");
    EXPECT_NE((*escaped_item)->child_text("description").find("<code>a ]]&gt; b</code>"), std::string::npos);
    EXPECT_NE((*escaped_item)->child_text("description").find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ((*escaped_item)->child_text("discourse:topicPinned"), "No");
    EXPECT_EQ((*escaped_item)->child_text("guid"), "forum.test-topic-" + std::to_string(escaped));
    EXPECT_EQ((*escaped_item)->child_text("category"), "General");

    auto const category = xml("/c/general/" + std::to_string(general) + ".rss", RSS);
    EXPECT_EQ(feed_items(category, "/c/general/" + std::to_string(general) + ".rss").size(), 25U);
    expect_redirect("/c/wrong/" + std::to_string(general) + ".rss", 301,
                    "/c/general/" + std::to_string(general) + ".rss");
    EXPECT_EQ(client.get("/c/board-room/" + std::to_string(board) + ".rss").status, 404);

    auto const tagged = xml("/tag/faq.rss", RSS);
    auto const tag_items = feed_items(tagged, "/tag/faq.rss");
    ASSERT_EQ(tag_items.size(), 1U);
    EXPECT_EQ(tag_items[0]->child_text("link"), BASE + url_of(welcome));
    EXPECT_EQ(client.get("/tag/nope.rss").status, 404);

    EXPECT_FALSE(feed_items(xml("/top.rss", RSS), "/top.rss").empty());
    EXPECT_FALSE(feed_items(xml("/u/ann/activity/topics.rss", RSS), "/u/ann/activity/topics.rss").empty());
}

TEST_F(pages_fixture, post_feeds)
{
    auto const posts_feed = xml("/posts.rss", RSS);
    auto const posts = feed_items(posts_feed, "/posts.rss");
    EXPECT_EQ(posts.size(), 50U);
    for (auto const *item : posts) {
        EXPECT_EQ(item->child_text("description").find("whisper"), std::string::npos);
        EXPECT_EQ(item->child_text("description").find("will be deleted"), std::string::npos);
        EXPECT_EQ(item->child_text("description").find("Only the board"), std::string::npos);
        EXPECT_EQ(item->child_text("description").find("between the two"), std::string::npos);
    }
    auto const bobs_feed = xml("/u/bob/activity.rss", RSS);
    auto const bobs = feed_items(bobs_feed, "/u/bob/activity.rss");
    ASSERT_FALSE(bobs.empty());
    for (auto const *item : bobs) {
        EXPECT_EQ(item->child_text("dc:creator"), "bob");
    }
    EXPECT_EQ(client.get("/u/nobody/activity.rss").status, 404);

    // A topic's feed: its 25 newest posts an anonymous reader sees; any slug does.
    auto const topic = xml(url_of(long_topic) + ".rss", RSS);
    auto const items = feed_items(topic, url_of(long_topic) + ".rss");
    ASSERT_EQ(items.size(), 25U);
    EXPECT_EQ(items[0]->child_text("link"), BASE + url_of(long_topic) + "/45");
    EXPECT_EQ(items[0]->child_text("guid"), "forum.test-post-" + std::to_string(long_topic) + "-45");
    EXPECT_EQ(header(client.get(url_of(long_topic) + ".rss"), "X-Robots-Tag"), "noindex, nofollow");
    EXPECT_EQ(client.get("/t/anything/" + std::to_string(long_topic) + ".rss").status, 200);
    auto const welcome_feed = xml(url_of(welcome) + ".rss", RSS);
    auto const welcome_items = feed_items(welcome_feed, url_of(welcome) + ".rss");
    EXPECT_EQ(welcome_items.size(), 3U); // not the deleted post, not the whisper
    EXPECT_EQ(client.get(url_of(secret) + ".rss").status, 404);
    EXPECT_EQ(client.get(url_of(secret) + ".rss", "admin").status, 404); // feeds are read anonymously
    EXPECT_EQ(client.get(url_of(message) + ".rss").status, 404);
    auto const escaped_feed = client.get(url_of(escaped) + ".rss");
    EXPECT_NO_THROW(parse_xml(escaped_feed.body));
}

// -- Sitemaps -------------------------------------------------------------------------------------

TEST_F(pages_fixture, sitemaps_list_every_public_topic_once)
{
    shared.write([](forum_state &state) { state.settings().sitemap_page_size = 10; });
    auto const index = xml("/sitemap.xml", "application/xml; charset=utf-8");
    EXPECT_EQ(index.name, "sitemapindex");
    std::vector<std::string> sitemaps;
    for (auto const *entry : index.all("sitemap")) {
        sitemaps.push_back(entry->child_text("loc"));
        EXPECT_EQ(entry->child_text("lastmod").size(), 20U) << entry->child_text("lastmod"); // 2024-05-01T12:00:00Z
    }
    // recent first, then ceil(39 / 10) numbered pages.
    ASSERT_EQ(sitemaps,
              (std::vector<std::string>{BASE + std::string{"/sitemap_recent.xml"}, BASE + std::string{"/sitemap_1.xml"},
                                        BASE + std::string{"/sitemap_2.xml"}, BASE + std::string{"/sitemap_3.xml"},
                                        BASE + std::string{"/sitemap_4.xml"}}));
    std::multiset<std::string> locs;
    for (std::size_t i = 1; i < sitemaps.size(); ++i) {
        auto const page = xml(sitemaps[i].substr(std::string{BASE}.size()), "text/xml; charset=UTF-8");
        EXPECT_EQ(page.name, "urlset");
        for (auto const *url : page.all("url")) {
            locs.insert(url->child_text("loc"));
        }
    }
    EXPECT_EQ(locs.size(), 39U);
    EXPECT_EQ(std::set<std::string>(locs.begin(), locs.end()).size(), 39U);
    for (auto const listed : {welcome, fix, long_topic, escaped}) {
        EXPECT_EQ(locs.count(BASE + url_of(listed)), 1U);
    }
    for (auto const hidden : {secret, message, hidden_topic, gone}) {
        EXPECT_EQ(locs.count(BASE + url_of(hidden)), 0U);
    }
    EXPECT_EQ(client.get("/sitemap_5.xml").status, 404);
    EXPECT_EQ(client.get("/sitemap_0.xml").status, 404);
    EXPECT_EQ(client.get("/sitemap_01.xml").status, 404);
    // Recent: topics bumped in the last three days (all of them, by the test clock), newest
    // bump first, long topics with their last page.
    auto const recent = xml("/sitemap_recent.xml", "text/xml; charset=UTF-8");
    auto const recent_urls = recent.all("url");
    ASSERT_EQ(recent_urls.size(), 39U);
    std::set<std::string> recent_locs;
    for (auto const *url : recent_urls) {
        recent_locs.insert(url->child_text("loc"));
    }
    EXPECT_TRUE(recent_locs.contains(BASE + url_of(long_topic) + "?page=3"));
    auto const news = xml("/news.xml", "text/xml; charset=UTF-8");
    EXPECT_EQ(news.all("news:news").size(), 39U);
}

// -- A generated forum, crawled through its pages -----------------------------------------------

class generated_fixture : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        shared = std::make_unique<forum>(generate_forum({.topic_count = 120, .seed = 11}));
        server = std::make_unique<api>(*shared, ADMIN_KEY);
    }
    static void TearDownTestSuite()
    {
        server.reset();
        shared.reset();
    }

    static inline std::unique_ptr<forum> shared;
    static inline std::unique_ptr<api> server;
};

/// \return the path of an absolute URL on the test host, or "" for another host.
std::string local_path(std::string const &url)
{
    return url.starts_with(BASE) ? url.substr(std::string{BASE}.size()) : std::string{};
}

TEST_F(generated_fixture, every_upload_answers_with_its_bytes)
{
    client_of const client{*server};
    auto const uploads = shared->read([](forum_state const &state) { return state.uploads(); });
    ASSERT_FALSE(uploads.empty());
    for (auto const &[id, file] : uploads) {
        auto const answer = client.get(file.url());
        ASSERT_EQ(answer.status, 200) << file.url();
        EXPECT_EQ(forumgate::base::sha1_hex(answer.body), file.sha1);
        EXPECT_EQ(answer.content_type, "image/png");
        EXPECT_EQ(client.get(file.short_path()).body, file.bytes);
    }
}

TEST_F(generated_fixture, crawl_through_lists_and_topic_pages)
{
    // As a crawler: follow rel=next through /latest, open every listed topic, follow each
    // topic's rel=next; every page is well-formed HTML answering 200, and every topic an
    // anonymous reader sees in lists is reached.
    client_of const client{*server};
    std::set<std::string> topic_urls;
    std::size_t pages = 0;
    std::string next = "/latest";
    while (!next.empty()) {
        auto const answer = client.get(next);
        ASSERT_EQ(answer.status, 200) << next;
        auto const page = parse_html(answer.body);
        ++pages;
        for (auto const *anchor : page.all("a")) {
            if (anchor->attribute("itemprop") == "url") {
                EXPECT_TRUE(topic_urls.insert(anchor->attribute("href").value_or("")).second);
            }
        }
        auto const links = head_links(page);
        next = links.contains("next") ? local_path(links.at("next")) : "";
    }
    auto const expected = shared->read([](forum_state const &state) {
        std::size_t count = 0;
        for (auto const &[id, subject] : state.topics()) {
            count += state.listed_for(viewer::anonymous(), subject) ? 1 : 0;
        }
        return count;
    });
    EXPECT_EQ(topic_urls.size(), expected);
    EXPECT_EQ(pages, (expected + 29) / 30);
    std::size_t posts_seen = 0;
    for (auto const &url : topic_urls) {
        std::string target = local_path(url);
        while (!target.empty()) {
            auto const answer = client.get(target);
            ASSERT_EQ(answer.status, 200) << target;
            node page;
            ASSERT_NO_THROW(page = parse_html(answer.body)) << target;
            posts_seen += post_numbers(page).size();
            auto const links = head_links(page);
            EXPECT_EQ(links.at("canonical"), BASE + target);
            target = links.contains("next") ? local_path(links.at("next")) : "";
        }
    }
    EXPECT_GT(posts_seen, expected * 3);
}

TEST_F(generated_fixture, sitemaps_and_feeds_hold_only_public_topics)
{
    client_of const client{*server};
    shared->write([](forum_state &state) { state.settings().sitemap_page_size = 25; });
    auto const index = parse_xml(client.get("/sitemap.xml").body);
    std::multiset<std::string> locs;
    for (auto const *entry : index.all("sitemap")) {
        if (entry->child_text("loc") == BASE + std::string{"/sitemap_recent.xml"}) {
            continue; // recent topics are listed again there
        }
        auto const answer = client.get(local_path(entry->child_text("loc")));
        ASSERT_EQ(answer.status, 200) << entry->child_text("loc");
        auto const page = parse_xml(answer.body);
        for (auto const *url : page.all("url")) {
            locs.insert(url->child_text("loc"));
        }
    }
    auto const expected = shared->read([](forum_state const &state) {
        std::set<std::string> urls;
        for (auto const &[id, subject] : state.topics()) {
            if (state.listed_for(viewer::anonymous(), subject)) {
                urls.insert(BASE + std::string{"/t/"} + (subject.slug.empty() ? "topic" : subject.slug) + "/" +
                            std::to_string(id));
            }
        }
        return urls;
    });
    EXPECT_EQ(std::set<std::string>(locs.begin(), locs.end()), expected);
    EXPECT_EQ(locs.size(), expected.size()); // each exactly once
    // Every sitemap URL opens for an anonymous reader.
    for (auto const &url : expected) {
        EXPECT_EQ(client.get(local_path(url)).status, 200) << url;
    }
    // Feeds parse, whatever the generated posts hold.
    for (std::string const feed : {"/latest.rss", "/posts.rss", "/top.rss"}) {
        auto const answer = client.get(feed);
        ASSERT_EQ(answer.status, 200) << feed;
        EXPECT_NO_THROW(parse_xml(answer.body)) << feed;
    }
    for (auto const &url : expected) {
        auto const answer = client.get(local_path(url) + ".rss");
        ASSERT_EQ(answer.status, 200) << url;
        EXPECT_NO_THROW(parse_xml(answer.body)) << url;
    }
}

// -- Over a real socket ------------------------------------------------------------------------------

TEST_F(pages_fixture, serves_over_loopback)
{
    namespace net = boost::asio;
    net::io_context io;
    http_server listener{io, {net::ip::make_address("127.0.0.1"), 0}, server.handler(), {}};
    std::thread runner{[&io] { io.run(); }};
    auto const port = listener.local_endpoint().port();
    auto const file = read([&](forum_state const &state) { return *state.find_upload(picture); });

    auto const sitemap = testing::http_request(port, "/sitemap_1.xml", "old.example:8080");
    auto const image = testing::http_request(port, file.url(), "old.example");
    auto const image_head = testing::http_request(port, file.url(), "old.example", "HEAD");
    auto const moved = testing::http_request(port, "/t/" + std::to_string(welcome), "old.example");
    // Without a Host header, absolute URLs name the address the request came in on.
    testing::http_client bare{port};
    ASSERT_TRUE(bare.send("GET /robots.txt HTTP/1.0\r\n\r\n"));
    auto const robots = bare.read_response();
    io.stop();
    runner.join();

    ASSERT_TRUE(sitemap);
    EXPECT_EQ(sitemap->status, 200);
    auto const sitemap_root = parse_xml(sitemap->body);
    auto const urls = sitemap_root.all("loc");
    ASSERT_FALSE(urls.empty());
    EXPECT_TRUE(urls[0]->text.starts_with("http://old.example:8080/t/")) << urls[0]->text;
    ASSERT_TRUE(image);
    EXPECT_EQ(image->status, 200);
    EXPECT_EQ(image->body, file.bytes);
    EXPECT_EQ(image->header("Content-Type"), "image/png");
    EXPECT_EQ(image->header("Content-Length"), std::to_string(file.bytes.size()));
    ASSERT_TRUE(image_head);
    EXPECT_EQ(image_head->header("Content-Length"), std::to_string(file.bytes.size()));
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->status, 301);
    EXPECT_EQ(moved->header("Location"), "http://old.example" + url_of(welcome));
    ASSERT_TRUE(robots);
    EXPECT_NE(robots->body.find("Sitemap: http://127.0.0.1:" + std::to_string(port) + "/sitemap.xml"),
              std::string::npos);
}

} // namespace
} // namespace forumgate::rehearsal
