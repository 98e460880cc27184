// Tests of the rehearsal forum's write API (rehearsal/api_write.cpp and the write dispatch of
// rehearsal/api.cpp): contract tests of each answer against the recorded Discourse responses
// and schemas in tests/fixtures/discourse, and behaviour tests: ids and post numbers, lookup by
// external id, slugs, validation errors, site settings, the idempotency memo, per-user rate
// limits on a hand-moved clock, the admin-API budget, permissions, DiscourseConnect sync;
// one test over a real loopback socket.

#include "base/digest.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/generator.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_shape.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {
namespace {

using nlohmann::json;
using testing::read_json_file;
using testing::schema_violations;
using testing::shape_differences;
using verb = boost::beast::http::verb;
using fields = std::vector<std::pair<std::string, std::string>>;

constexpr char const *ADMIN_KEY = "write-test-admin-key-0123456789";
constexpr char const *TOPIC_NOT_FOUND =
    "Something has gone wrong. Perhaps this topic was closed or deleted while you were looking at it?";

json fixture(std::string const &name)
{
    return read_json_file(std::string{FORUMGATE_FIXTURES} + "/discourse/" + name);
}

std::string joined(std::vector<std::string> const &lines)
{
    std::string out;
    for (auto const &line : lines) {
        out += line + "\n";
    }
    return out;
}

/// \return `text` percent-encoded for a form body (space as `+`).
std::string form_escape(std::string_view text)
{
    constexpr char HEX[] = "0123456789ABCDEF";
    std::string out;
    for (char const c : text) {
        auto const byte = static_cast<unsigned char>(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out.push_back(c);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(HEX[byte >> 4U]);
            out.push_back(HEX[byte & 0xFU]);
        }
    }
    return out;
}

std::string form_body(fields const &values)
{
    std::string body;
    for (auto const &[name, value] : values) {
        body += (body.empty() ? "" : "&") + form_escape(name) + "=" + form_escape(value);
    }
    return body;
}

std::string base64(std::string_view bytes)
{
    constexpr char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        std::uint32_t const n = (static_cast<unsigned char>(bytes[i]) << 16U) |
                                (static_cast<unsigned char>(bytes[i + 1]) << 8U) |
                                static_cast<unsigned char>(bytes[i + 2]);
        out += {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], ALPHABET[(n >> 6U) & 63U], ALPHABET[n & 63U]};
    }
    if (i + 1 == bytes.size()) {
        std::uint32_t const n = static_cast<unsigned char>(bytes[i]) << 16U;
        out += {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], '=', '='};
    } else if (i + 2 == bytes.size()) {
        std::uint32_t const n =
            (static_cast<unsigned char>(bytes[i]) << 16U) | (static_cast<unsigned char>(bytes[i + 1]) << 8U);
        out += {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], ALPHABET[(n >> 6U) & 63U], '='};
    }
    return out;
}

std::optional<std::string> header_of(api_response const &answer, std::string_view name)
{
    for (auto const &[key, value] : answer.headers) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

// A forum with a public category, a category only the group `board` (Bob) sees, an admin and
// two members who signed up years ago, on a clock the tests move by hand.
class write_fixture : public ::testing::Test
{
protected:
    write_fixture()
        : clock(std::make_shared<timestamp>(*parse_time("2024-05-01T12:00:00Z"))),
          shared{forum_state{[c = clock] { return *c; }}}, server{shared, ADMIN_KEY}
    {
        shared.write([this](forum_state &state) {
            timestamp const long_ago = *parse_time("2019-03-01T10:00:00Z");
            general = state.create_category({.name = "General"}).id;
            admin = state
                        .create_user({.username = "admin",
                                      .name = "Admin",
                                      .email = "admin@example.org",
                                      .created_at = long_ago,
                                      .admin = true})
                        .id;
            ann = state
                      .create_user(
                          {.username = "ann", .name = "Ann Lee", .email = "ann@example.org", .created_at = long_ago})
                      .id;
            bob =
                state
                    .create_user({.username = "bob", .name = "Bob", .email = "bob@example.org", .created_at = long_ago})
                    .id;
            (void)state.create_group("board", {bob});
            board =
                state.create_category({.name = "Board room", .read_restricted = true, .allowed_groups = {"board"}}).id;
        });
    }

    void wait(int seconds) { *clock += std::chrono::seconds{seconds}; }

    /// Answers `method target` with `body` as `username` (with the admin key), or anonymously.
    api_response send(verb method, std::string const &target, std::string body, std::string content_type,
                      std::string const &username, api const *through = nullptr) const
    {
        api_request request;
        request.method = method;
        auto const question = target.find('?');
        request.path = target.substr(0, question);
        request.query = question == std::string::npos ? "" : target.substr(question + 1);
        request.body = std::move(body);
        request.content_type = std::move(content_type);
        request.client = "127.0.0.1";
        if (!username.empty()) {
            request.api_key = ADMIN_KEY;
            request.api_username = username;
        }
        return (through != nullptr ? *through : server).handle(request);
    }

    api_response post(std::string const &target, fields const &values, std::string const &username) const
    {
        return send(verb::post, target, form_body(values), "application/x-www-form-urlencoded", username);
    }

    api_response put(std::string const &target, fields const &values, std::string const &username) const
    {
        return send(verb::put, target, form_body(values), "application/x-www-form-urlencoded", username);
    }

    api_response get(std::string const &target, std::string const &username = "") const
    {
        return send(verb::get, target, "", "", username);
    }

    static json body_of(api_response const &answer) { return json::parse(answer.body); }

    /// Creates a topic in General as `username`. \return the answer's JSON (the first post).
    json new_topic(std::string const &username, std::string const &title, fields more = {})
    {
        more.emplace_back("title", title);
        more.emplace_back("raw", "The first post of \"" + title + "\", long enough.");
        more.emplace_back("category", std::to_string(general));
        auto const answer = post("/posts.json", more, username);
        EXPECT_EQ(answer.status, 200) << title << ": " << answer.body;
        return body_of(answer);
    }

    json reply(std::string const &username, std::int64_t topic_id, std::string const &raw, fields more = {})
    {
        more.emplace_back("topic_id", std::to_string(topic_id));
        more.emplace_back("raw", raw);
        auto const answer = post("/posts.json", more, username);
        EXPECT_EQ(answer.status, 200) << raw << ": " << answer.body;
        return body_of(answer);
    }

    /// The post numbers of a topic's stream as `username` sees it.
    std::vector<int> stream_numbers(std::int64_t topic_id, std::string const &username = "") const
    {
        auto const topic = body_of(get("/t/" + std::to_string(topic_id) + ".json", username));
        std::vector<int> numbers;
        for (auto const &item : topic["post_stream"]["posts"]) {
            numbers.push_back(item["post_number"]);
        }
        return numbers;
    }

    std::shared_ptr<timestamp> clock;
    forum shared;
    api server;
    std::int64_t general = 0, board = 0;
    std::int64_t admin = 0, ann = 0, bob = 0;
};

// -- Contracts ---------------------------------------------------------------------------------

TEST_F(write_fixture, topic_creation_follows_the_schema_and_the_recorded_shape)
{
    auto const answer = post("/posts.json",
                             {{"title", "Welcome to the rehearsal forum"},
                              {"raw", "This is the first post of the topic."},
                              {"category", std::to_string(general)}},
                             "admin");
    ASSERT_EQ(answer.status, 200) << answer.body;
    auto const created = body_of(answer);
    EXPECT_EQ(joined(schema_violations(fixture("schema-topic-create-response.json"), created)), "");
    EXPECT_EQ(joined(shape_differences(fixture("api-topic-create-response.json"), created)), "");
    EXPECT_EQ(created["post_number"], 1);
    EXPECT_EQ(created["raw"], "This is the first post of the topic.");
    EXPECT_EQ(created["topic_slug"], "welcome-to-the-rehearsal-forum");
    EXPECT_EQ(created["username"], "admin");
    EXPECT_EQ(created["user_id"], admin);
    EXPECT_EQ(created["yours"], true);
    EXPECT_FALSE(created.contains("success"));

    // A reply answers the same shape. (The schema types reply_to_post_number as string|null;
    // Discourse sends the number, so a reply to a post is checked against the recording only.)
    auto const answered =
        reply("ann", created["topic_id"], "A reply to the first post, long enough.", {{"reply_to_post_number", "1"}});
    EXPECT_EQ(joined(shape_differences(fixture("api-topic-create-response.json"), answered)), "");
    EXPECT_EQ(answered["reply_to_post_number"], 1);
    EXPECT_EQ(answered["post_number"], 2);

    // nested_post=true: {action, post, success}.
    auto const nested =
        reply("admin", created["topic_id"], "A nested answer from the admin.", {{"nested_post", "true"}});
    EXPECT_EQ(nested["action"], "create_post");
    EXPECT_EQ(nested["success"], true);
    EXPECT_EQ(nested["post"]["post_number"], 3);
}

TEST_F(write_fixture, upload_follows_the_schema_and_the_recorded_shape)
{
    std::string const png = make_png(3, 2, std::string(18, '\x7f'));
    std::string const boundary = "----forumgate-test-boundary";
    std::string const body =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"upload_type\"\r\n\r\ncomposer\r\n--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"synchronous\"\r\n\r\ntrue\r\n--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.png\"\r\n"
        "Content-Type: image/png\r\n\r\n" +
        png + "\r\n--" + boundary + "--\r\n";
    auto const answer = send(verb::post, "/uploads.json", body, "multipart/form-data; boundary=" + boundary, "ann");
    ASSERT_EQ(answer.status, 200) << answer.body;
    auto const stored = body_of(answer);
    EXPECT_EQ(joined(schema_violations(fixture("schema-upload-create-response.json"), stored)), "");
    // The 2015 recording has fields the current schema (additionalProperties false) leaves out.
    auto expected = fixture("api-upload-create-response.json");
    for (auto const *key : {"user_id", "created_at", "updated_at", "sha1", "origin"}) {
        expected.erase(key);
    }
    EXPECT_EQ(joined(shape_differences(expected, stored)), "");

    std::string const sha1 = forumgate::base::sha1_hex(png);
    EXPECT_EQ(stored["url"], "/uploads/default/original/1X/" + sha1 + ".png");
    auto const file = shared.read([&](forum_state const &state) { return *state.find_upload(stored["id"]); });
    EXPECT_EQ(stored["short_url"], file.short_url());
    EXPECT_EQ(stored["short_path"], file.short_path());
    EXPECT_EQ(stored["original_filename"], "photo.png");
    EXPECT_EQ(stored["filesize"], png.size());
    EXPECT_EQ(stored["human_filesize"], std::to_string(png.size()) + " Bytes");
    EXPECT_EQ(stored["width"], 3);
    EXPECT_EQ(stored["height"], 2);
    EXPECT_EQ(stored["thumbnail_width"], 3);
    EXPECT_EQ(stored["extension"], "png");

    // Without synchronous=true Discourse answers only success.
    auto const background =
        send(verb::post, "/uploads.json",
             "--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ncomposer\r\n--" + boundary +
                 "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.png\"\r\n\r\n" +
                 make_png(1, 1, "abc") + "\r\n--" + boundary + "--\r\n",
             "multipart/form-data; boundary=" + boundary, "ann");
    EXPECT_EQ(background.status, 200);
    EXPECT_EQ(body_of(background), json::parse(R"({"success":"OK"})"));
}

TEST_F(write_fixture, uploads_refused_for_extension_and_size)
{
    std::string const boundary = "b0undary";
    auto const upload = [&](std::string const &filename, std::string const &bytes) {
        return send(verb::post, "/uploads.json",
                    "--" + boundary + "\r\nContent-Disposition: form-data; name=\"upload_type\"\r\n\r\ncomposer\r\n--" +
                        boundary + "\r\nContent-Disposition: form-data; name=\"synchronous\"\r\n\r\ntrue\r\n--" +
                        boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
                        "\"\r\n\r\n" + bytes + "\r\n--" + boundary + "--\r\n",
                    "multipart/form-data; boundary=" + boundary, "ann");
    };
    auto const exe = upload("tool.exe", "MZ");
    EXPECT_EQ(exe.status, 422);
    EXPECT_EQ(body_of(exe), json::parse(R"J({"errors":["Sorry, the file you are trying to upload is not authorized )J"
                                        R"J((authorized extensions: jpg, jpeg, png, gif, heic, heif, webp)."]})J"));
    ASSERT_EQ(put("/admin/site_settings/max_image_size_kb", {{"max_image_size_kb", "1"}}, "admin").status, 200);
    auto const big = upload("big.png", make_png(20, 20, std::string(1200, 'x')));
    EXPECT_EQ(big.status, 422);
    EXPECT_EQ(body_of(big)["errors"][0], "Sorry, the file you are trying to upload is too big (maximum size is 1 KB).");
    auto const nothing =
        send(verb::post, "/uploads.json", "upload_type=composer", "application/x-www-form-urlencoded", "ann");
    EXPECT_EQ(nothing.status, 422);
}

TEST_F(write_fixture, user_creation_and_activation_match_the_recordings)
{
    // An admin API call may create an active user.
    auto const created = post("/users.json",
                              {{"name", "Zoë Brontë"},
                               {"email", "zoe@example.org"},
                               {"password", "a long enough password"},
                               {"username", "zoe"},
                               {"active", "true"}},
                              "admin");
    ASSERT_EQ(created.status, 200) << created.body;
    auto const answer = body_of(created);
    EXPECT_EQ(joined(shape_differences(fixture("api-user-create-response.json"), answer)), "");
    EXPECT_EQ(answer["success"], true);
    EXPECT_EQ(answer["active"], true);
    auto const zoe = answer["user_id"].get<std::int64_t>();
    EXPECT_EQ(body_of(get("/u/zoe.json"))["user"]["id"], zoe);
    // New accounts start at Discourse's default trust level, 0.
    EXPECT_EQ(body_of(get("/u/zoe.json"))["user"]["trust_level"], 0);

    // active is honoured only for admins: a member's call makes an inactive user, who cannot
    // act through the API until activated.
    auto const inactive = body_of(post("/users.json",
                                       {{"name", "Yves"},
                                        {"email", "yves@example.org"},
                                        {"password", "another long password"},
                                        {"username", "yves"},
                                        {"active", "true"}},
                                       "ann"));
    EXPECT_EQ(inactive["success"], true);
    EXPECT_EQ(inactive["active"], false);
    EXPECT_EQ(inactive["message"], "You're almost done! We sent an activation email to <b>yves@example.org</b>. Please "
                                   "follow the instructions in the email to activate your account.");
    EXPECT_EQ(get("/site.json", "yves").status, 403);
    auto const activated = put("/admin/users/" + inactive["user_id"].dump() + "/activate", {}, "admin");
    EXPECT_EQ(activated.status, 200);
    EXPECT_EQ(body_of(activated), fixture("api-admin-user-activate-response.json"));
    EXPECT_EQ(get("/site.json", "yves").status, 200);
    EXPECT_EQ(put("/admin/users/" + inactive["user_id"].dump() + "/activate", {}, "ann").status, 404);
    EXPECT_EQ(put("/admin/users/999/activate", {}, "admin").status, 404);
}

TEST_F(write_fixture, user_creation_failures_are_200_with_success_false)
{
    auto const taken =
        post("/users.json", {{"name", "Ann"}, {"email", "ann2@example.org"}, {"username", "Ann"}}, "admin");
    EXPECT_EQ(taken.status, 200);
    auto const answer = body_of(taken);
    EXPECT_EQ(answer["success"], false);
    EXPECT_EQ(answer["errors"]["username"], json::array({"must be unique"}));
    EXPECT_EQ(answer["values"]["email"], "ann2@example.org");
    EXPECT_EQ(answer["is_developer"], false);
    EXPECT_EQ(answer["message"], "Username must be unique");

    auto const same_email = body_of(post("/users.json", {{"email", "ANN@example.org"}, {"username", "ann2"}}, "admin"));
    EXPECT_EQ(same_email["errors"]["email"], json::array({"has already been taken"}));

    // A missing e-mail or username is a 400 (params.require).
    auto const missing = post("/users.json", {{"username", "nobody"}}, "admin");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(body_of(missing)["errors"][0], "param is missing or the value is empty: email");
    EXPECT_EQ(post("/users.json", {{"email", "x@example.org"}}, "admin").status, 400);

    // hide_email_address_taken: a taken address looks like a success, without user_id.
    ASSERT_EQ(
        put("/admin/site_settings/hide_email_address_taken", {{"hide_email_address_taken", "true"}}, "admin").status,
        200);
    auto const hidden = body_of(post("/users.json", {{"email", "ann@example.org"}, {"username", "ann3"}}, "admin"));
    EXPECT_EQ(hidden["success"], true);
    EXPECT_EQ(hidden["active"], false);
    EXPECT_FALSE(hidden.contains("user_id"));
    EXPECT_EQ(get("/u/ann3.json").status, 404);
    auto const fresh = body_of(
        post("/users.json", {{"email", "new@example.org"}, {"username", "newone"}, {"active", "true"}}, "admin"));
    EXPECT_EQ(fresh["success"], true);
    EXPECT_FALSE(fresh.contains("user_id"));
}

TEST_F(write_fixture, category_creation_answers_the_read_shape)
{
    auto const created =
        post("/categories.json",
             {{"name", "Housing"}, {"color", "BF1E2E"}, {"text_color", "FFFFFF"}, {"description", "Homes."}}, "admin");
    ASSERT_EQ(created.status, 200) << created.body;
    auto const answer = body_of(created);
    auto const id = answer["category"]["id"].get<std::int64_t>();
    EXPECT_EQ(answer["category"]["slug"], "housing");
    EXPECT_EQ(answer["category"]["color"], "BF1E2E");
    EXPECT_EQ(answer, body_of(get("/c/" + std::to_string(id) + "/show.json", "admin")));

    // A subcategory restricted to a group: permissions[board]=1.
    auto const restricted = body_of(
        post("/categories.json",
             {{"name", "Repairs"}, {"parent_category_id", std::to_string(id)}, {"permissions[board]", "1"}}, "admin"));
    EXPECT_EQ(restricted["category"]["read_restricted"], true);
    EXPECT_EQ(restricted["category"]["parent_category_id"], id);
    auto const child = restricted["category"]["id"].dump();
    EXPECT_EQ(get("/c/" + child + "/show.json").status, 404);
    EXPECT_EQ(get("/c/" + child + "/show.json", "bob").status, 200);
    // permissions[everyone]: public.
    EXPECT_EQ(body_of(post("/categories.json", {{"name", "Open"}, {"permissions[everyone]", "1"}},
                           "admin"))["category"]["read_restricted"],
              false);

    EXPECT_EQ(post("/categories.json", {{"name", "Mine"}}, "ann").status, 403);
    auto const duplicate = post("/categories.json", {{"name", "housing"}}, "admin");
    EXPECT_EQ(duplicate.status, 422);
    EXPECT_EQ(body_of(duplicate), json::parse(R"({"errors":["Category Name has already been taken"]})"));
    EXPECT_EQ(post("/categories.json", {{"color", "FFFFFF"}}, "admin").status, 400);
    EXPECT_EQ(post("/categories.json", {{"name", "Lost"}, {"permissions[nosuchgroup]", "1"}}, "admin").status, 400);
}

// -- Ids, post numbers, slugs, external ids ----------------------------------------------------

TEST_F(write_fixture, ids_and_post_numbers_are_assigned_as_discourse_does)
{
    auto const first = new_topic("ann", "Numbering of the posts");
    std::int64_t const topic_id = first["topic_id"];
    EXPECT_EQ(first["post_number"], 1);
    wait(60);
    auto const second = reply("bob", topic_id, "The second post, long enough.");
    auto const whisper = reply("admin", topic_id, "A whisper only staff can read.", {{"whisper", "true"}});
    EXPECT_EQ(second["post_number"], 2);
    EXPECT_EQ(whisper["post_number"], 3);
    EXPECT_EQ(whisper["post_type"], 4);
    EXPECT_EQ(second["id"].get<std::int64_t>(), first["id"].get<std::int64_t>() + 1);
    EXPECT_EQ(whisper["id"].get<std::int64_t>(), first["id"].get<std::int64_t>() + 2);
    // Closing and opening take numbers too (small actions).
    auto const closed =
        put("/t/" + std::to_string(topic_id) + "/status", {{"status", "closed"}, {"enabled", "true"}}, "admin");
    EXPECT_EQ(closed.status, 200);
    EXPECT_EQ(body_of(closed), json::parse(R"({"success":"OK","topic_status_update":null})"));
    auto const refused =
        post("/posts.json", {{"topic_id", std::to_string(topic_id)}, {"raw", "Trying to reply when closed."}}, "ann");
    EXPECT_EQ(refused.status, 422);
    EXPECT_EQ(body_of(refused), (json{{"action", "create_post"}, {"errors", {TOPIC_NOT_FOUND}}}));
    EXPECT_EQ(
        put("/t/" + std::to_string(topic_id) + "/status", {{"status", "closed"}, {"enabled", "false"}}, "admin").status,
        200);
    EXPECT_EQ(
        put("/t/" + std::to_string(topic_id) + "/status", {{"status", "closed"}, {"enabled", "true"}}, "ann").status,
        403);
    EXPECT_EQ(
        put("/t/" + std::to_string(topic_id) + "/status", {{"status", "melted"}, {"enabled", "true"}}, "admin").status,
        400);
    wait(60);
    auto const last = reply("ann", topic_id, "Replying again after it opened.");
    EXPECT_EQ(last["post_number"], 6);
    // Anonymous readers see the gap the whisper leaves; staff see every number.
    EXPECT_EQ(stream_numbers(topic_id), (std::vector<int>{1, 2, 4, 5, 6}));
    EXPECT_EQ(stream_numbers(topic_id, "admin"), (std::vector<int>{1, 2, 3, 4, 5, 6}));
    // The next topic's id follows.
    EXPECT_EQ(new_topic("admin", "Another topic for the ids")["topic_id"].get<std::int64_t>(), topic_id + 1);
}

TEST_F(write_fixture, external_id_created_at_and_slugs)
{
    auto const created = new_topic("admin", "Café co-op — réunion générale",
                                   {{"external_id", "cb-774"},
                                    {"created_at", "2016-02-02T10:00:00.000Z"},
                                    {"tags[]", "AGM"},
                                    {"tags[]", "minutes"}});
    std::int64_t const topic_id = created["topic_id"];
    EXPECT_EQ(created["topic_slug"], "cafe-co-op-reunion-generale");
    EXPECT_EQ(created["created_at"], "2016-02-02T10:00:00.000Z");
    auto const found = get("/t/external_id/cb-774.json");
    EXPECT_EQ(found.status, 301);
    EXPECT_EQ(header_of(found, "Location"), "/t/cafe-co-op-reunion-generale/" + std::to_string(topic_id) + ".json");
    auto const topic = body_of(get("/t/" + std::to_string(topic_id) + ".json"));
    EXPECT_EQ(topic["created_at"], "2016-02-02T10:00:00.000Z");
    EXPECT_EQ(topic["tags"], json::array({"agm", "minutes"}));
    // Titles with nothing ASCII in them get the slug "topic".
    EXPECT_EQ(new_topic("admin", "合作社会议的纪要和决定事项以及下一步的计划")["topic_slug"], "topic");
    // External ids are unique and at most 50 characters.
    auto const again = post("/posts.json",
                            {{"title", "Another topic with the same id"},
                             {"raw", "Long enough body for this one."},
                             {"category", std::to_string(general)},
                             {"external_id", "cb-774"}},
                            "admin");
    EXPECT_EQ(again.status, 422);
    EXPECT_EQ(body_of(again)["errors"], json::array({"External id has already been taken"}));
    auto const too_long = post("/posts.json",
                               {{"title", "A topic with a long external id"},
                                {"raw", "Long enough body for this one."},
                                {"category", std::to_string(general)},
                                {"external_id", std::string(51, 'x')}},
                               "admin");
    EXPECT_EQ(body_of(too_long)["errors"], json::array({"External id is too long (maximum is 50 characters)"}));
    // A category given by name, as older clients send it.
    EXPECT_EQ(
        body_of(get("/t/" +
                    new_topic("admin", "Filed by the category name", {{"category", "general"}})["topic_id"].dump() +
                    ".json"))["category_id"],
        general);
}

TEST_F(write_fixture, private_messages_and_json_bodies)
{
    auto const sent = send(verb::post, "/posts.json",
                           json{{"title", "A private word with Bob"},
                                {"raw", "Just between the two of us."},
                                {"archetype", "private_message"},
                                {"target_recipients", "bob"}}
                               .dump(),
                           "application/json", "ann");
    ASSERT_EQ(sent.status, 200) << sent.body;
    auto const topic_id = body_of(sent)["topic_id"].dump();
    EXPECT_EQ(body_of(get("/t/" + topic_id + ".json", "bob"))["archetype"], "private_message");
    EXPECT_EQ(get("/t/" + topic_id + ".json").status, 404);
    auto const nobody = post("/posts.json",
                             {{"title", "A private word with nobody"},
                              {"raw", "Nobody will ever read this."},
                              {"archetype", "private_message"},
                              {"target_recipients", "ghost"}},
                             "ann");
    EXPECT_EQ(nobody.status, 422);

    // A JSON edit with the post nested as Discourse reads it.
    auto const post_id =
        shared.read([&](forum_state const &state) { return state.find_post_by_number(std::stoll(topic_id), 1)->id; });
    auto const edited =
        send(verb::put, "/posts/" + std::to_string(post_id) + ".json",
             json{{"post", {{"raw", "Just between the two of us, edited."}}}}.dump(), "application/json", "ann");
    EXPECT_EQ(edited.status, 200) << edited.body;
    EXPECT_EQ(body_of(edited)["post"]["raw"], "Just between the two of us, edited.");
    EXPECT_EQ(send(verb::post, "/posts.json", "{not json", "application/json", "ann").status, 400);
}

// -- Validations -------------------------------------------------------------------------------

TEST_F(write_fixture, validation_failures_are_422_with_discourses_messages)
{
    auto const refused =
        post("/posts.json", {{"title", "Too short"}, {"raw", "tiny"}, {"category", std::to_string(general)}}, "ann");
    EXPECT_EQ(refused.status, 422);
    auto const answer = body_of(refused);
    EXPECT_EQ(
        answer,
        (json{{"action", "create_post"},
              {"errors",
               {"Title is too short (minimum is 15 characters)", "Body is too short (minimum is 20 characters)"}}}));
    EXPECT_FALSE(answer.contains("success"));
    EXPECT_FALSE(answer.contains("error_type"));

    (void)new_topic("ann", "Volunteers needed for Saturday");
    auto const duplicate = post("/posts.json",
                                {{"title", "volunteers needed for saturday"},
                                 {"raw", "Another body that is long enough."},
                                 {"category", std::to_string(general)}},
                                "bob");
    EXPECT_EQ(body_of(duplicate)["errors"], json::array({"Title has already been used"}));
    auto const nowhere =
        post("/posts.json", {{"title", "A topic without a category"}, {"raw", "A body that is long enough."}}, "bob");
    EXPECT_EQ(body_of(nowhere)["errors"], json::array({"Category can't be blank"}));
    auto const lost =
        post("/posts.json", {{"topic_id", "99999"}, {"raw", "A reply to a topic that is not there."}}, "bob");
    EXPECT_EQ(lost.status, 422);
    EXPECT_EQ(body_of(lost)["errors"], json::array({TOPIC_NOT_FOUND}));
    EXPECT_EQ(post("/posts.json", {{"title", "No body at all here"}}, "bob").status, 400);
    EXPECT_EQ(post("/posts.json",
                   {{"title", "Unknown category here"}, {"raw", "A body long enough for it."}, {"category", "9999"}},
                   "bob")
                  .status,
              400);
    // Nothing was created by the failures.
    EXPECT_EQ(shared.read([](forum_state const &state) { return state.topics().size(); }), 1U);
}

TEST_F(write_fixture, site_settings_change_through_the_admin_endpoint)
{
    auto const topic_id = new_topic("admin", "Short replies wanted here")["topic_id"].get<std::int64_t>();
    auto const short_reply = post("/posts.json", {{"topic_id", std::to_string(topic_id)}, {"raw", "+1"}}, "ann");
    EXPECT_EQ(short_reply.status, 422);
    EXPECT_EQ(body_of(short_reply)["errors"], json::array({"Body is too short (minimum is 20 characters)"}));

    auto const changed = put("/admin/site_settings/min_post_length", {{"min_post_length", "1"}}, "admin");
    EXPECT_EQ(changed.status, 200);
    EXPECT_EQ(changed.body, "");
    wait(300); // past the memo of the refused request
    EXPECT_EQ(reply("ann", topic_id, "+1")["post_number"], 2);

    auto const listed = body_of(get("/admin/site_settings.json", "admin"));
    bool found = false;
    for (auto const &item : listed["site_settings"]) {
        if (item["setting"] == "min_post_length") {
            found = true;
            EXPECT_EQ(item["value"], "1");
            EXPECT_EQ(item["default"], "20");
            EXPECT_EQ(item["type"], "integer");
        }
    }
    EXPECT_TRUE(found);

    auto const bad = put("/admin/site_settings/min_post_length", {{"min_post_length", "many"}}, "admin");
    EXPECT_EQ(bad.status, 422);
    EXPECT_EQ(body_of(bad), json::parse(R"({"errors":["Invalid value for min_post_length: must be an integer"]})"));
    EXPECT_EQ(put("/admin/site_settings/no_such_setting", {{"no_such_setting", "1"}}, "admin").status, 422);
    // Admins only: the route does not exist for anyone else.
    EXPECT_EQ(put("/admin/site_settings/min_post_length", {{"min_post_length", "5"}}, "ann").status, 404);
    EXPECT_EQ(get("/admin/site_settings.json", "ann").status, 404);
    EXPECT_EQ(shared.read([](forum_state const &state) { return state.settings().min_post_length; }), 1);
    // JSON works too.
    EXPECT_EQ(send(verb::put, "/admin/site_settings/allow_duplicate_topic_titles",
                   R"({"allow_duplicate_topic_titles":true})", "application/json", "admin")
                  .status,
              200);
    EXPECT_TRUE(shared.read([](forum_state const &state) { return state.settings().allow_duplicate_topic_titles; }));
}

// -- The memo ----------------------------------------------------------------------------------

TEST_F(write_fixture, a_repeated_post_within_120_seconds_gets_the_first_answer)
{
    auto const topic_id =
        std::to_string(new_topic("admin", "Retried requests land once")["topic_id"].get<std::int64_t>());
    fields const request{
        {"topic_id", topic_id}, {"raw", "The same reply, sent twice."}, {"created_at", "2016-01-01T00:00:00Z"}};
    auto const first = post("/posts.json", request, "admin");
    wait(100);
    auto const second = post("/posts.json", request, "admin");
    EXPECT_EQ(first.body, second.body);
    EXPECT_EQ(shared.read([&](forum_state const &state) {
        return state.find_topic(std::stoll(topic_id))->highest_post_number;
    }),
              2);
    // Another user, or after 120 s: a new post.
    wait(21);
    auto const later = body_of(post("/posts.json", request, "admin"));
    EXPECT_NE(later["id"], body_of(first)["id"]);

    // Failures are remembered too: relaxing the setting does not help within 120 s.
    fields const short_one{{"topic_id", topic_id}, {"raw", "ok"}};
    EXPECT_EQ(post("/posts.json", short_one, "ann").status, 422);
    ASSERT_EQ(put("/admin/site_settings/min_post_length", {{"min_post_length", "1"}}, "admin").status, 200);
    EXPECT_EQ(post("/posts.json", short_one, "ann").status, 422);
    EXPECT_EQ(post("/posts.json", short_one, "bob").status, 200); // another acting user
    wait(120);
    EXPECT_EQ(post("/posts.json", short_one, "ann").status, 200);
}

// -- Per-user rate limits ----------------------------------------------------------------------

TEST_F(write_fixture, members_are_rate_limited_on_the_servers_clock)
{
    (void)new_topic("ann", "The first topic of Ann today");
    // 15 s between topics (Ann is an old member), whatever created_at says.
    auto const limited = post("/posts.json",
                              {{"title", "The second topic of Ann today"},
                               {"raw", "Another body that is long enough."},
                               {"category", std::to_string(general)},
                               {"created_at", "2015-06-01T00:00:00Z"}},
                              "ann");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(
        body_of(limited),
        json::parse(
            R"({"errors":["You’ve performed this action too many times. Please wait 15 seconds before trying again."],)"
            R"("error_type":"rate_limit","extras":{"wait_seconds":15,"time_left":"15 seconds"}})"));
    EXPECT_EQ(header_of(limited, "Retry-After"), "15");
    EXPECT_FALSE(header_of(limited, "Discourse-Rate-Limit-Error-Code"));
    // skip_validations (an Api-Key option) turns the limiters off; staff are never limited.
    (void)new_topic("ann", "A topic Ann imports at once", {{"skip_validations", "true"}});
    (void)new_topic("admin", "The admin posts at once");
    (void)new_topic("admin", "The admin posts again at once");
    wait(15);
    (void)new_topic("ann", "The second topic of Ann today");

    // The duplicate-body window is a validation: 422.
    auto const topic_id = new_topic("admin", "A topic for the same words")["topic_id"].get<std::int64_t>();
    wait(30);
    (void)reply("bob", topic_id, "Same words, said twice.");
    wait(30);
    auto const again =
        post("/posts.json", {{"topic_id", std::to_string(topic_id)}, {"raw", "Same  words, said twice."}}, "bob");
    EXPECT_EQ(again.status, 422);
    EXPECT_EQ(body_of(again)["errors"], json::array({"Body is too similar to what you recently posted"}));
}

TEST_F(write_fixture, accounts_made_through_the_api_are_new_users)
{
    auto const created = body_of(
        post("/users.json", {{"email", "new@example.org"}, {"username", "newbie"}, {"active", "true"}}, "admin"));
    ASSERT_EQ(created["success"], true);
    (void)new_topic("newbie", "The first topic of a newcomer");
    wait(60);
    // Trust level 0: 120 s between topics, 30 s between posts, three topics on the first day.
    auto const limited = post("/posts.json",
                              {{"title", "The second topic of the newcomer"},
                               {"raw", "A body that is long enough."},
                               {"category", std::to_string(general)}},
                              "newbie");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(body_of(limited)["extras"]["wait_seconds"], 60);
    EXPECT_EQ(body_of(limited)["extras"]["time_left"], "1 minute");
    wait(60);
    (void)new_topic("newbie", "The second topic of the newcomer");
    wait(120);
    (void)new_topic("newbie", "The third topic of the newcomer");
    wait(120);
    auto const fourth = post("/posts.json",
                             {{"title", "The fourth topic of the newcomer"},
                              {"raw", "A body that is long enough."},
                              {"category", std::to_string(general)}},
                             "newbie");
    EXPECT_EQ(fourth.status, 429);
    EXPECT_EQ(header_of(fourth, "Retry-After"), std::to_string(24 * 60 * 60 - 360)); // a day after the first
    EXPECT_EQ(body_of(fourth)["extras"]["time_left"], "23 hours");
}

TEST_F(write_fixture, edits_by_members_count_against_max_edits_per_day)
{
    auto const first = new_topic("ann", "A topic Ann edits often");
    std::string const target = "/posts/" + first["id"].dump() + ".json";
    ASSERT_EQ(put("/admin/site_settings/max_edits_per_day", {{"max_edits_per_day", "2"}}, "admin").status, 200);
    EXPECT_EQ(put(target, {{"post[raw]", "The first edit of the first post."}}, "ann").status, 200);
    EXPECT_EQ(put(target, {{"post[raw]", "The second edit of the first post."}}, "ann").status, 200);
    auto const third = put(target, {{"post[raw]", "The third edit of the first post."}}, "ann");
    EXPECT_EQ(third.status, 429);
    EXPECT_EQ(body_of(third)["error_type"], "rate_limit");
    // The same text again is no edit and costs nothing; staff are not limited.
    EXPECT_EQ(put(target, {{"post[raw]", "The second edit of the first post."}}, "ann").status, 200);
    EXPECT_EQ(put(target, {{"post[raw]", "An edit by the admin of the post."}}, "admin").status, 200);
}

// -- The admin-API budget ----------------------------------------------------------------------

TEST_F(write_fixture, the_admin_api_budget_is_shared_by_every_key_request)
{
    api const limited{shared, ADMIN_KEY, api_options{.admin_api_requests_per_minute = 2}};
    EXPECT_EQ(send(verb::get, "/site.json", "", "", "admin", &limited).status, 200);
    wait(10);
    EXPECT_EQ(send(verb::get, "/site.json", "", "", "ann", &limited).status, 200); // another user, same budget
    wait(5);
    // Anonymous requests are not charged.
    EXPECT_EQ(send(verb::get, "/site.json", "", "", "", &limited).status, 200);
    auto const spent = send(verb::post, "/posts.json", form_body({{"title", "Never created at all"}, {"raw", "x"}}),
                            "application/x-www-form-urlencoded", "admin", &limited);
    EXPECT_EQ(spent.status, 429);
    EXPECT_EQ(header_of(spent, "Retry-After"), "45");
    EXPECT_EQ(header_of(spent, "Discourse-Rate-Limit-Error-Code"), "admin_api_key_rate_limit");
    auto const answer = body_of(spent);
    EXPECT_EQ(answer["error_type"], "rate_limit");
    EXPECT_EQ(answer["extras"]["wait_seconds"], 45);
    EXPECT_EQ(answer["errors"][0],
              "You’ve performed this action too many times. Please wait 45 seconds before trying again.");
    wait(45);
    EXPECT_EQ(send(verb::get, "/site.json", "", "", "admin", &limited).status, 200);
    // Discourse's own spec: a limit of 1 a minute, the second call waits 60 s.
    api const strict{shared, ADMIN_KEY, api_options{.admin_api_requests_per_minute = 1}};
    EXPECT_EQ(send(verb::get, "/site.json", "", "", "admin", &strict).status, 200);
    auto const second = send(verb::get, "/site.json", "", "", "admin", &strict);
    EXPECT_EQ(header_of(second, "Retry-After"), "60");
    // Off by default.
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(get("/site.json", "admin").status, 200);
    }
}

// -- Permissions and credentials ---------------------------------------------------------------

TEST_F(write_fixture, permissions_hold_whatever_the_options)
{
    fields const into_board{{"title", "A topic in the board room"},
                            {"raw", "Only the board should read this."},
                            {"category", std::to_string(board)}};
    auto const refused = post("/posts.json", into_board, "ann");
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(body_of(refused), json::parse(R"({"errors":["You are not permitted to view the requested resource."],)"
                                            R"("error_type":"invalid_access"})"));
    auto skipping = into_board;
    skipping.emplace_back("skip_validations", "true");
    EXPECT_EQ(post("/posts.json", skipping, "ann").status, 403);
    auto const allowed = post("/posts.json", into_board, "bob");
    ASSERT_EQ(allowed.status, 200) << allowed.body;
    // Replying in a topic one may not see: the topic-not-found 422, skip_validations or not.
    auto const topic_id = body_of(allowed)["topic_id"].dump();
    auto const hidden_reply =
        post("/posts.json",
             {{"topic_id", topic_id}, {"raw", "Ann tries to reply anyway."}, {"skip_validations", "true"}}, "ann");
    EXPECT_EQ(hidden_reply.status, 422);
    EXPECT_EQ(body_of(hidden_reply)["errors"], json::array({TOPIC_NOT_FOUND}));
    // Whispers and no_bump need staff.
    auto const public_topic = new_topic("admin", "A public topic to whisper in")["topic_id"].dump();
    EXPECT_EQ(
        post("/posts.json", {{"topic_id", public_topic}, {"raw", "Ann tries to whisper."}, {"whisper", "true"}}, "ann")
            .status,
        403);
    EXPECT_EQ(
        post("/posts.json", {{"topic_id", public_topic}, {"raw", "Ann tries not to bump."}, {"no_bump", "true"}}, "ann")
            .status,
        400);
    // Editing someone else's post.
    auto const first_id = body_of(allowed)["id"].dump();
    EXPECT_EQ(put("/posts/" + first_id + ".json", {{"post[raw]", "Ann edits Bob's board post."}}, "ann").status, 404);
    auto const admins_post = new_topic("admin", "The admin's own topic here")["id"].dump();
    EXPECT_EQ(put("/posts/" + admins_post + ".json", {{"post[raw]", "Ann edits the admin's post."}}, "ann").status,
              403);
}

TEST_F(write_fixture, writes_need_valid_credentials)
{
    auto const anonymous =
        post("/posts.json", {{"title", "An anonymous topic here"}, {"raw", "Written by nobody at all."}}, "");
    EXPECT_EQ(anonymous.status, 403);
    EXPECT_EQ(body_of(anonymous),
              json::parse(R"({"errors":["You need to be logged in to do that."],"error_type":"not_logged_in"})"));
    api_request wrong;
    wrong.method = verb::post;
    wrong.path = "/posts.json";
    wrong.api_key = "not-the-key";
    wrong.api_username = "admin";
    EXPECT_EQ(server.handle(wrong).status, 403);
    EXPECT_EQ(body_of(server.handle(wrong))["error_type"], "invalid_access");
    wrong.api_key = ADMIN_KEY;
    wrong.api_username = "nobody";
    EXPECT_EQ(server.handle(wrong).status, 403);
    // Admin routes do not exist for anonymous clients; unknown write routes are 404.
    EXPECT_EQ(put("/admin/site_settings/min_post_length", {{"min_post_length", "1"}}, "").status, 404);
    EXPECT_EQ(post("/no/such/route.json", {}, "admin").status, 404);
    EXPECT_EQ(send(verb::delete_, "/posts/1.json", "", "", "admin").status, 404);
}

// -- Edits -------------------------------------------------------------------------------------

TEST_F(write_fixture, edits_answer_the_post_and_bump_as_discourse_does)
{
    auto const first = new_topic("ann", "A topic whose posts get edited");
    std::int64_t const topic_id = first["topic_id"];
    auto const bumped_at = [&] {
        auto const latest = body_of(get("/latest.json"));
        for (auto const &item : latest["topic_list"]["topics"]) {
            if (item["id"] == topic_id) {
                return item["bumped_at"].get<std::string>();
            }
        }
        return std::string{};
    };
    auto const before = bumped_at();
    wait(3600);
    std::string const target = "/posts/" + first["id"].dump() + ".json";
    auto const edited = put(target,
                            {{"post[raw]", "Edited: the first post of the topic."},
                             {"post[edit_reason]", "typo"},
                             {"title", "A topic whose posts were edited"}},
                            "ann");
    ASSERT_EQ(edited.status, 200) << edited.body;
    auto const answer = body_of(edited);
    EXPECT_EQ(answer["post"]["raw"], "Edited: the first post of the topic.");
    EXPECT_EQ(answer["post"]["version"], 2);
    EXPECT_EQ(answer["post"]["edit_reason"], "typo");
    EXPECT_EQ(answer["post"]["topic_slug"], "a-topic-whose-posts-were-edited");
    EXPECT_EQ(joined(schema_violations(fixture("schema-post-show-response.json"), answer["post"])), "");
    // The only post is the last one: the edit bumped the topic, as a member's bypass_bump does not stop.
    auto const after_first = bumped_at();
    EXPECT_NE(after_first, before);
    wait(3600);
    EXPECT_EQ(put(target, {{"post[raw]", "Edited again, asking not to bump."}, {"bypass_bump", "true"}}, "ann").status,
              200);
    auto const after_member = bumped_at();
    EXPECT_NE(after_member, after_first);
    wait(3600);
    EXPECT_EQ(
        put(target, {{"post[raw]", "Edited by staff, who may not bump."}, {"bypass_bump", "true"}}, "admin").status,
        200);
    EXPECT_EQ(bumped_at(), after_member);

    // post[original_text] differing from the stored raw: an edit conflict.
    auto const conflict =
        put(target, {{"post[raw]", "My edit."}, {"post[original_text]", "What I saw long ago."}}, "ann");
    EXPECT_EQ(conflict.status, 409);
    EXPECT_TRUE(body_of(conflict).contains("errors"));
    EXPECT_EQ(put(target,
                  {{"post[raw]", "An edit that starts from the text."},
                   {"post[original_text]", "Edited by staff, who may not bump."}},
                  "ann")
                  .status,
              200);
    auto const short_edit = put(target, {{"post[raw]", "tiny"}}, "ann");
    EXPECT_EQ(short_edit.status, 422);
    EXPECT_EQ(body_of(short_edit), json::parse(R"J({"errors":["Body is too short (minimum is 20 characters)"]})J"));
    EXPECT_EQ(put(target, {{"raw", "Not nested in post[]"}}, "ann").status, 400);
    EXPECT_EQ(put("/posts/99999.json", {{"post[raw]", "A post that is not there."}}, "admin").status, 404);
}

// -- DiscourseConnect --------------------------------------------------------------------------

class sso_fixture : public write_fixture
{
protected:
    static constexpr char const *SECRET = "a-connect-secret-of-length";

    void enable()
    {
        ASSERT_EQ(put("/admin/site_settings/discourse_connect_secret", {{"discourse_connect_secret", SECRET}}, "admin")
                      .status,
                  200);
        // The URL comes first (EnableSsoValidator).
        ASSERT_EQ(put("/admin/site_settings/enable_discourse_connect", {{"enable_discourse_connect", "true"}}, "admin")
                      .status,
                  422);
        ASSERT_EQ(put("/admin/site_settings/discourse_connect_url",
                      {{"discourse_connect_url", "https://sso.example.org/login"}}, "admin")
                      .status,
                  200);
        ASSERT_EQ(put("/admin/site_settings/enable_discourse_connect", {{"enable_discourse_connect", "true"}}, "admin")
                      .status,
                  200);
    }

    /// Posts `payload` (a query string) signed with `secret`, `sso` percent-encoded once.
    api_response sync(std::string const &payload, std::string const &secret = SECRET, std::string const &as = "admin")
    {
        std::string const sso = base64(payload);
        return send(verb::post, "/admin/users/sync_sso",
                    "sso=" + form_escape(sso) + "&sig=" + forumgate::base::hmac_sha256_hex(secret, sso),
                    "application/x-www-form-urlencoded", as);
    }
};

TEST_F(sso_fixture, sync_sso_is_404_until_enabled_and_for_non_admins)
{
    auto const off = sync("external_id=cb-1&email=one%40example.org");
    EXPECT_EQ(off.status, 404);
    EXPECT_EQ(off.body, "");
    enable();
    EXPECT_EQ(sync("external_id=cb-1&email=one%40example.org", SECRET, "ann").status, 404);
}

TEST_F(sso_fixture, sync_sso_creates_updates_and_adopts_by_email)
{
    enable();
    auto const created = sync("external_id=cb-17&email=zoe%40example.org&username=Zo%C3%AB+Bront%C3%AB&name=Zo%C3%AB");
    ASSERT_EQ(created.status, 200) << created.body;
    auto const zoe = body_of(created);
    EXPECT_EQ(zoe["username"], "Zoe_Bronte");
    EXPECT_EQ(zoe["name"], "Zoë");
    EXPECT_EQ(zoe["active"], true);
    EXPECT_EQ(zoe["single_sign_on_record"]["external_id"], "cb-17");
    // The read side's single_sign_on_record (shared with /admin/users/{id}.json) leaves out the
    // record's timestamps, last_payload and external_avatar_url; the rest has the recorded shape.
    auto expected = fixture("api-admin-user-show.json");
    for (auto const *key : {"created_at", "updated_at", "last_payload", "external_avatar_url"}) {
        expected["single_sign_on_record"].erase(key);
    }
    EXPECT_EQ(joined(shape_differences(expected, zoe)), "");

    // The same external id again: the same user, updated (admin), e-mail and username kept.
    auto const updated = body_of(sync("external_id=cb-17&email=other%40example.org&username=someone&admin=true"));
    EXPECT_EQ(updated["id"], zoe["id"]);
    EXPECT_EQ(updated["admin"], true);
    EXPECT_EQ(updated["username"], "Zoe_Bronte");
    EXPECT_EQ(updated["email"], "zoe@example.org");

    // A user made earlier with the same e-mail is adopted, not duplicated.
    auto const adopted = body_of(sync("external_id=cb-bob&email=BOB%40example.org&username=robert"));
    EXPECT_EQ(adopted["id"], bob);
    EXPECT_EQ(adopted["username"], "bob");
    EXPECT_EQ(adopted["single_sign_on_record"]["external_id"], "cb-bob");

    // A taken username gets a number.
    auto const second_ann = body_of(sync("external_id=cb-99&email=ann.other%40example.org&username=ann"));
    EXPECT_EQ(second_ann["username"], "ann1");
    // Acting by the new user works at once (active).
    EXPECT_EQ(get("/site.json", "ann1").status, 200);
}

TEST_F(sso_fixture, sync_sso_refusals)
{
    enable();
    auto const forged = sync("external_id=cb-5&email=five%40example.org", "not-the-secret");
    EXPECT_EQ(forged.status, 422);
    EXPECT_EQ(body_of(forged)["failed"], "FAILED");
    EXPECT_TRUE(body_of(forged)["message"].is_string());
    EXPECT_EQ(sync("email=five%40example.org").status, 422); // no external_id
    auto const no_email = sync("external_id=cb-6&username=six");
    EXPECT_EQ(no_email.status, 403);
    EXPECT_EQ(body_of(no_email),
              json::parse(R"({"failed":"FAILED","message":"Validation failed: Primary email can't be blank"})"));
    std::string const not_base64 = "sso=%3F%3F%3F&sig=" + forumgate::base::hmac_sha256_hex(SECRET, "???");
    EXPECT_EQ(
        send(verb::post, "/admin/users/sync_sso", not_base64, "application/x-www-form-urlencoded", "admin").status,
        422);
}

TEST_F(sso_fixture, a_plus_in_the_payload_is_decoded_once)
{
    enable();
    // Lengthen an ignored field until the Base64 holds a '+' ('>' is 0x3E, whose bits make one
    // at the right alignment).
    std::string payload;
    for (std::string pad; pad.size() < 12; pad += ">") {
        payload = "external_id=cb-plus&email=plus%40example.org&username=plus&pad=" + pad;
        if (base64(payload).find('+') != std::string::npos) {
            break;
        }
    }
    ASSERT_NE(base64(payload).find('+'), std::string::npos);
    std::string const sso = base64(payload);
    std::string const sig = forumgate::base::hmac_sha256_hex(SECRET, sso);
    // Sent with '+' as %2B (form-encoded once): accepted.
    auto const good = send(verb::post, "/admin/users/sync_sso", "sso=" + form_escape(sso) + "&sig=" + sig,
                           "application/x-www-form-urlencoded", "admin");
    EXPECT_EQ(good.status, 200) << good.body;
    // Sent with a bare '+', which form decoding turns into a space: the signature fails.
    auto const bare = send(verb::post, "/admin/users/sync_sso", "sso=" + sso + "&sig=" + sig,
                           "application/x-www-form-urlencoded", "admin");
    EXPECT_EQ(bare.status, 422);
}

// -- Over a real socket ------------------------------------------------------------------------

TEST_F(write_fixture, posts_a_topic_over_loopback_and_reads_it_back)
{
    namespace net = boost::asio;
    net::io_context io;
    http_server listener{io, {net::ip::make_address("127.0.0.1"), 0}, server.handler(), {}};
    std::thread runner{[&io] { io.run(); }};
    auto const port = listener.local_endpoint().port();

    std::string const body = form_body({{"title", "Posted over a real socket"},
                                        {"raw", "This topic came in over loopback."},
                                        {"category", std::to_string(general)},
                                        {"tags[]", "loopback"}});
    testing::http_client client{port};
    ASSERT_TRUE(
        client.send("POST /posts.json HTTP/1.1\r\nHost: localhost\r\nApi-Key: " + std::string{ADMIN_KEY} +
                    "\r\nApi-Username: admin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body));
    auto const created = client.read_response();
    std::optional<testing::http_response> read_back;
    if (created && created->status == 200) {
        auto const topic_id = json::parse(created->body)["topic_id"].dump();
        read_back = testing::http_request(port, "/t/" + topic_id + ".json", "localhost");
    }
    io.stop();
    runner.join();
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 200) << created->body;
    EXPECT_EQ(created->header("Content-Type"), "application/json; charset=utf-8");
    ASSERT_TRUE(read_back);
    EXPECT_EQ(read_back->status, 200);
    auto const topic = json::parse(read_back->body);
    EXPECT_EQ(topic["title"], "Posted over a real socket");
    EXPECT_EQ(topic["tags"], json::array({"loopback"}));
    EXPECT_EQ(topic["post_stream"]["posts"][0]["cooked"], "<p>This topic came in over loopback.</p>");
}

} // namespace
} // namespace forumgate::rehearsal
