// Tests of who may write to the rehearsal forum's API and how often (rehearsal/api_write*.cpp,
// rehearsal/limits.cpp): per-user rate limits on a hand-moved clock, the admin-API budget,
// permissions whatever the options, credentials, and DiscourseConnect sync.

#include "base/digest.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/seed.hpp"
#include "tests/rehearsal/write_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {
namespace {

using namespace test_support;
using nlohmann::json;
using testing::shape_differences;

// -- Per-user rate limits ----------------------------------------------------------------------

TEST_F(write_fixture, members_are_rate_limited_on_the_servers_clock)
{
    (void)new_topic("ann", "The first topic of Ann today");
    // 15 s between topics (Ann is an old member), whatever created_at says.
    auto const limited = post_topic("ann", "The second topic of Ann today", "Another body that is long enough.",
                                    {{"created_at", "2015-06-01T00:00:00Z"}});
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
    auto const limited = post_topic("newbie", "The second topic of the newcomer", "A body that is long enough.");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(body_of(limited)["extras"]["wait_seconds"], 60);
    EXPECT_EQ(body_of(limited)["extras"]["time_left"], "1 minute");
    wait(60);
    (void)new_topic("newbie", "The second topic of the newcomer");
    wait(120);
    (void)new_topic("newbie", "The third topic of the newcomer");
    wait(120);
    auto const fourth = post_topic("newbie", "The fourth topic of the newcomer", "A body that is long enough.");
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
    api const limited{shared, WRITE_ADMIN_KEY, api_options{.admin_api_requests_per_minute = 2}};
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
    api const strict{shared, WRITE_ADMIN_KEY, api_options{.admin_api_requests_per_minute = 1}};
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
    wrong.api_key = WRITE_ADMIN_KEY;
    wrong.api_username = "nobody";
    EXPECT_EQ(server.handle(wrong).status, 403);
    // Admin routes do not exist for anonymous clients; unknown write routes are 404.
    EXPECT_EQ(put("/admin/site_settings/min_post_length", {{"min_post_length", "1"}}, "").status, 404);
    EXPECT_EQ(post("/no/such/route.json", {}, "admin").status, 404);
    EXPECT_EQ(send(verb::delete_, "/posts/1.json", "", "", "admin").status, 404);
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
        std::string const sso = encode_base64(payload);
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
    auto expected = discourse_fixture("api-admin-user-show.json");
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
        if (encode_base64(payload).find('+') != std::string::npos) {
            break;
        }
    }
    ASSERT_NE(encode_base64(payload).find('+'), std::string::npos);
    std::string const sso = encode_base64(payload);
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

} // namespace
} // namespace forumgate::rehearsal
