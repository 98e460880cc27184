// Tests of the rehearsal forum's write API (rehearsal/api_write*.cpp and the write dispatch of
// rehearsal/api.cpp): contract tests of each answer against the recorded Discourse responses
// and schemas in tests/fixtures/discourse, and behaviour tests: ids and post numbers, lookup by
// external id, slugs, validation errors, site settings, the idempotency memo, edits; one test
// over a real loopback socket. Who may write and how often: api_write_access_test.cpp.

#include "base/digest.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/generator.hpp"
#include "tests/rehearsal/write_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_shape.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {
namespace {

using namespace test_support;
using nlohmann::json;
using testing::schema_violations;
using testing::shape_differences;

// -- Contracts ---------------------------------------------------------------------------------

TEST_F(write_fixture, topic_creation_follows_the_schema_and_the_recorded_shape)
{
    auto const answer = post_topic("admin", "Welcome to the rehearsal forum", "This is the first post of the topic.");
    ASSERT_EQ(answer.status, 200) << answer.body;
    auto const created = body_of(answer);
    EXPECT_EQ(joined(schema_violations(discourse_fixture("schema-topic-create-response.json"), created)), "");
    EXPECT_EQ(joined(shape_differences(discourse_fixture("api-topic-create-response.json"), created)), "");
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
    EXPECT_EQ(joined(shape_differences(discourse_fixture("api-topic-create-response.json"), answered)), "");
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
    EXPECT_EQ(joined(schema_violations(discourse_fixture("schema-upload-create-response.json"), stored)), "");
    // The 2015 recording has fields the current schema (additionalProperties false) leaves out.
    auto expected = discourse_fixture("api-upload-create-response.json");
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
    EXPECT_EQ(joined(shape_differences(discourse_fixture("api-user-create-response.json"), answer)), "");
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
    EXPECT_EQ(body_of(activated), discourse_fixture("api-admin-user-activate-response.json"));
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
    auto const again = post_topic("admin", "Another topic with the same id", "Long enough body for this one.",
                                  {{"external_id", "cb-774"}});
    EXPECT_EQ(again.status, 422);
    EXPECT_EQ(body_of(again)["errors"], json::array({"External id has already been taken"}));
    auto const too_long = post_topic("admin", "A topic with a long external id", "Long enough body for this one.",
                                     {{"external_id", std::string(51, 'x')}});
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
    auto const refused = post_topic("ann", "Too short", "tiny");
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
    auto const duplicate = post_topic("bob", "volunteers needed for saturday", "Another body that is long enough.");
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
    EXPECT_EQ(joined(schema_violations(discourse_fixture("schema-post-show-response.json"), answer["post"])), "");
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

// -- Over a real socket ------------------------------------------------------------------------

TEST_F(write_fixture, posts_a_topic_over_loopback_and_reads_it_back)
{
    loopback served{server.handler()};
    auto const port = served.port();

    std::string const body = form_body({{"title", "Posted over a real socket"},
                                        {"raw", "This topic came in over loopback."},
                                        {"category", std::to_string(general)},
                                        {"tags[]", "loopback"}});
    testing::http_client client{port};
    ASSERT_TRUE(
        client.send("POST /posts.json HTTP/1.1\r\nHost: localhost\r\nApi-Key: " + std::string{WRITE_ADMIN_KEY} +
                    "\r\nApi-Username: admin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body));
    auto const created = client.read_response();
    std::optional<testing::http_response> read_back;
    if (created && created->status == 200) {
        auto const topic_id = json::parse(created->body)["topic_id"].dump();
        read_back = testing::http_request(port, "/t/" + topic_id + ".json", "localhost");
    }
    served.stop();
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
