#include "rehearsal/seed.hpp"

#include "base/digest.hpp"
#include "base/error.hpp"
#include "tests/support/error_message.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace forumgate::rehearsal {
namespace {

// A seed in the canonical form save_seed writes.
constexpr char const *CANONICAL = R"SEED({
  "format": "forumgate-rehearsal-seed",
  "version": 1,
  "site_settings": {
    "min_post_length": 1,
    "allow_duplicate_topic_titles": true
  },
  "groups": [
    {
      "id": 1,
      "name": "board",
      "user_ids": [
        2
      ]
    }
  ],
  "categories": [
    {
      "id": 1,
      "name": "General",
      "slug": "general",
      "color": "0088CC",
      "text_color": "FFFFFF",
      "position": 0
    },
    {
      "id": 5,
      "name": "Board room",
      "slug": "board-room",
      "parent_id": 1,
      "read_restricted": true,
      "allowed_groups": [
        "board"
      ],
      "description": "For the board",
      "color": "BF1E2E",
      "text_color": "FFFFFF",
      "position": 1
    }
  ],
  "users": [
    {
      "id": 1,
      "username": "admin",
      "name": "Admin",
      "email": "admin@example.org",
      "created_at": "2016-01-01T00:00:00.000Z",
      "trust_level": 4,
      "admin": true
    },
    {
      "id": 2,
      "username": "zoë",
      "name": "Zoë Brontë",
      "email": "zoe@example.org",
      "created_at": "2016-02-01T10:00:00.500Z",
      "trust_level": 1,
      "external_id": "cb-2"
    }
  ],
  "tags": [
    {
      "id": 1,
      "name": "agm"
    }
  ],
  "uploads": [
    {
      "id": 1,
      "user_id": 2,
      "original_filename": "pixel.gif",
      "created_at": "2016-02-02T00:00:00.000Z",
      "sha1": "8f5c4ed3b6b3ee9b2d5b8a4cb2f6a0d4f4f1b65d",
      "bytes_base64": "R0lGODlhAQABAAAAACw="
    }
  ],
  "topics": [
    {
      "id": 774,
      "title": "Café co-op — réunion",
      "slug": "cafe-co-op-reunion",
      "category_id": 1,
      "user_id": 2,
      "created_at": "2016-02-02T00:00:00.000Z",
      "bumped_at": "2016-02-03T00:00:00.000Z",
      "last_posted_at": "2016-02-04T00:00:00.000Z",
      "closed": true,
      "tags": [
        "agm"
      ],
      "external_id": "cb-774",
      "views": 12,
      "posts": [
        {
          "id": 9001,
          "post_number": 1,
          "user_id": 2,
          "created_at": "2016-02-02T00:00:00.000Z",
          "updated_at": "2016-03-01T00:00:00.000Z",
          "raw": "Hello ![pixel|1x1](upload://kGmDLrwYVcRbXgMgXBTkbJvLDZh.gif)",
          "version": 2,
          "like_count": 3,
          "reads": 7
        },
        {
          "id": 9003,
          "post_number": 3,
          "user_id": 1,
          "created_at": "2016-02-03T00:00:00.000Z",
          "raw": "[quote=\"zoë, post:1, topic:774\"]\nHello\n[/quote]\n\nYes",
          "reply_to_post_number": 1
        },
        {
          "id": 9004,
          "post_number": 4,
          "user_id": 1,
          "created_at": "2016-02-04T00:00:00.000Z",
          "post_type": 3,
          "action_code": "closed.enabled",
          "raw": ""
        },
        {
          "id": 9010,
          "post_number": 5,
          "user_id": 1,
          "created_at": "2016-02-05T00:00:00.000Z",
          "post_type": 4,
          "raw": "whisper",
          "deleted_at": "2016-02-06T00:00:00.000Z",
          "hidden": true,
          "wiki": true
        }
      ]
    },
    {
      "id": 775,
      "title": "Private",
      "slug": "private",
      "user_id": 1,
      "created_at": "2017-01-01T00:00:00.000Z",
      "bumped_at": "2017-01-01T00:00:00.000Z",
      "last_posted_at": "2017-01-01T00:00:00.000Z",
      "archetype": "private_message",
      "allowed_user_ids": [
        1,
        2
      ],
      "posts": [
        {
          "id": 9011,
          "post_number": 1,
          "user_id": 1,
          "created_at": "2017-01-01T00:00:00.000Z",
          "raw": "Just us"
        }
      ]
    }
  ]
}
)SEED";

std::string canonical_seed()
{
    // The GIF's real sha1 and base62 are computed here so the text above stays readable.
    std::string text = CANONICAL;
    std::string const bytes = *decode_base64("R0lGODlhAQABAAAAACw=");
    upload file;
    file.id = 1;
    file.sha1 = forumgate::base::sha1_hex(bytes);
    file.extension = "gif";
    auto replace = [&text](std::string const &from, std::string const &to) {
        text.replace(text.find(from), from.size(), to);
    };
    replace("8f5c4ed3b6b3ee9b2d5b8a4cb2f6a0d4f4f1b65d", file.sha1);
    replace("upload://kGmDLrwYVcRbXgMgXBTkbJvLDZh.gif", file.short_url());
    return text;
}

std::string load_error(std::string const &text)
{
    return forumgate::testing::message_of<input_error>([&text] { (void)load_seed(text); });
}

// Replaces the first occurrence of `from` in the canonical seed.
std::string edited(std::string const &from, std::string const &to)
{
    std::string text = canonical_seed();
    auto const at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return text;
}

TEST(seed, round_trip_is_byte_for_byte)
{
    std::string const text = canonical_seed();
    forum_state const state = load_seed(text);
    EXPECT_EQ(save_seed(state), text);
}

TEST(seed, load_keeps_ids_numbers_and_fields)
{
    forum_state const state = load_seed(canonical_seed());
    EXPECT_TRUE(state.settings().allow_duplicate_topic_titles);
    EXPECT_EQ(state.settings().min_post_length, 1);
    ASSERT_NE(state.find_user(SYSTEM_USER_ID), nullptr);
    topic const *const cafe = state.find_topic(774);
    ASSERT_NE(cafe, nullptr);
    EXPECT_EQ(cafe->slug, "cafe-co-op-reunion");
    EXPECT_EQ(cafe->fancy_title, "Café co-op — réunion");
    EXPECT_EQ(cafe->highest_post_number, 5);
    EXPECT_EQ(cafe->posts_count, 3); // 1, 3 and the small action; the whisper is deleted
    EXPECT_EQ(cafe->like_count, 3);
    EXPECT_EQ(state.find_topic_by_external_id("cb-774"), cafe);
    EXPECT_EQ(state.find_post_by_number(774, 3)->id, 9003);
    EXPECT_EQ(state.find_post_by_number(774, 2), nullptr);
    EXPECT_EQ(state.find_post(9004)->type, post_type::small_action);
    EXPECT_NE(state.find_post(9003)->cooked.find("<aside class=\"quote no-group\""), std::string::npos);
    upload const *const pixel = state.find_upload(1);
    ASSERT_NE(pixel, nullptr);
    EXPECT_EQ(pixel->width, 1);
    EXPECT_NE(state.find_post(9001)->cooked.find(pixel->url()), std::string::npos);
    EXPECT_EQ(state.category_slug_path(5), "general/board-room");
    EXPECT_EQ(state.find_category(1)->topic_count, 1);
    EXPECT_EQ(state.find_category(1)->post_count, 3);
    EXPECT_EQ(state.find_user_by_external_id("cb-2")->username, "zoë");
    // New records continue the sequences after the highest ids.
    forum_state more = load_seed(canonical_seed());
    auto const &added = more.create_topic({.user_id = 1,
                                           .title = "A new topic after the seed",
                                           .raw = "Body long enough for Discourse.",
                                           .category_id = 1});
    EXPECT_EQ(added.id, 776);
    EXPECT_EQ(more.find_post_by_number(added.id, 1)->id, 9012);
    EXPECT_EQ(more.create_post({.user_id = 1, .topic_id = 774, .raw = "Staff reply in the closed topic"}).post_number,
              6);
}

TEST(seed, errors_name_the_file_and_item)
{
    // Each row: a text of the canonical seed, what it is changed to, and the message.
    struct broken_seed
    {
        std::string_view from;
        std::string_view to;
        std::string_view message;
    };
    for (auto const &[from, to, message] : std::initializer_list<broken_seed>{
             {"\"post_number\": 3", "\"post_number\": 1", "seed.json: topic 774: post 9003 has post number 1 twice"},
             {"\"id\": 9011", "\"id\": 9001", "seed.json: topic 775: post 9001: id used twice"},
             {"\"id\": 775", "\"id\": 774", "seed.json: topic 774: id used twice"},
             {"\"category_id\": 1", "\"category_id\": 9", "seed.json: topic 774: category 9 does not exist"},
             {"\"reply_to_post_number\": 1", "\"reply_to_post_number\": 2",
              "seed.json: topic 774: post 9003: replies to post number 2, which does not exist"},
             {"\"user_id\": 1,\n      \"created_at\": \"2017", "\"user_id\": 3,\n      \"created_at\": \"2017",
              "seed.json: topic 775: user 3 does not exist"},
             {"\"post_number\": 4", "\"post_number\": 3", "seed.json: topic 774: post 9004 has post number 3 twice"},
             {"\"post_number\": 1", "\"post_number\": 2", "seed.json: topic 774: has no post number 1"},
             {"\"username\": \"zoë\"", "\"username\": \"ADMIN\"", "seed.json: user 2: username \"ADMIN\" used twice"},
             {"\"parent_id\": 1", "\"parent_id\": 5", "seed.json: category 5: is its own ancestor"},
             {"\"tags\": [\n        \"agm\"", "\"tags\": [\n        \"nope\"",
              "seed.json: topic 774: tag \"nope\" does not exist"},
             {"\"raw\": \"Just us\"", "\"raw\": 5", "seed.json: topic 775: post 9011: \"raw\" must be a string"},
             {"\"created_at\": \"2017-01-01T00:00:00.000Z\",\n      \"bumped_at\"",
              "\"created_at\": \"last year\",\n      \"bumped_at\"",
              "seed.json: topic 775: \"created_at\" is not an ISO-8601 time: last year"},
             {"\"views\": 12", "\"veiws\": 12", "seed.json: topic 774: unknown key \"veiws\""},
             {"\"reads\": 7", "\"read\": 7", "seed.json: topic 774: post 9001: unknown key \"read\""},
             {"\"min_post_length\": 1", "\"min_post_length\": \"1\"",
              "seed.json: site setting min_post_length: must be an integer"},
         }) {
        EXPECT_EQ(load_error(edited(std::string{from}, std::string{to})), message) << to;
    }
    EXPECT_EQ(load_error(edited("\"sha1\": \"", "\"sha1\": \"0")).find("seed.json: upload 1: \"sha1\" is 0"), 0U);
    EXPECT_EQ(load_error(edited("\"version\": 1,", "\"version\": 2,")), "seed.json: \"version\" must be 1");
    EXPECT_EQ(load_error("{"), load_error("{").substr(0, 30) + load_error("{").substr(30));
    EXPECT_EQ(load_error("{").substr(0, 29), "seed.json: not valid JSON: [j");
}

TEST(seed, uploads_from_a_path)
{
    auto const directory = std::filesystem::temp_directory_path() / ("forumgate-seed-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory / "files");
    std::string const bytes = *decode_base64("R0lGODlhAQABAAAAACw=");
    {
        std::ofstream out{directory / "files" / "pixel.gif", std::ios::binary};
        out << bytes;
    }
    std::string text = canonical_seed();
    std::string const inline_bytes = "\"bytes_base64\": \"R0lGODlhAQABAAAAACw=\"";
    text.replace(text.find(inline_bytes), inline_bytes.size(), "\"path\": \"files/pixel.gif\"");
    {
        std::ofstream out{directory / "seed.json", std::ios::binary};
        out << text;
    }
    forum_state const state = load_seed_file(directory / "seed.json");
    EXPECT_EQ(state.find_upload(1)->bytes, bytes);
    EXPECT_EQ(save_seed(state), text); // the path is kept, not inlined

    save_seed_file(state, directory / "saved.json");
    forum_state const again = load_seed_file(directory / "saved.json");
    EXPECT_EQ(save_seed(again), text);

    std::filesystem::remove(directory / "files" / "pixel.gif");
    try {
        (void)load_seed_file(directory / "seed.json");
        FAIL() << "a missing upload file must be refused";
    } catch (input_error const &e) {
        EXPECT_NE(std::string{e.what()}.find("seed.json: upload 1: cannot read"), std::string::npos);
    }
    std::filesystem::remove_all(directory);
}

TEST(seed, writes_after_load_round_trip_too)
{
    forum_state state =
        load_seed(canonical_seed(), "seed.json", {}, [] { return *parse_time("2020-01-01T00:00:00Z"); });
    (void)state.create_post({.user_id = 1, .topic_id = 774, .raw = "x", .skip_validations = true});
    (void)state.create_user({.username = "new.user", .name = "Nöw", .email = "new@example.org"});
    std::string const saved = save_seed(state);
    EXPECT_EQ(save_seed(load_seed(saved)), saved);
    EXPECT_NE(saved.find("\"post_number\": 6"), std::string::npos);
}

TEST(seed, base64)
{
    // RFC 4648's test vectors, both ways.
    for (auto const &[bytes, text] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"", ""},
             {"f", "Zg=="},
             {"fo", "Zm8="},
             {"foo", "Zm9v"},
             {"foobar", "Zm9vYmFy"},
         }) {
        EXPECT_EQ(encode_base64(bytes), text);
        EXPECT_EQ(decode_base64(text), bytes);
    }
    EXPECT_EQ(decode_base64("Zm9v\nYmE="), "fooba");
    EXPECT_EQ(decode_base64("Zg"), "f");
    EXPECT_FALSE(decode_base64("Z"));
    EXPECT_FALSE(decode_base64("Zm9v!"));
    // DiscourseConnect payloads are decoded as Ruby's Base64.decode64 does: a lone sixth of a
    // byte at the end is dropped; characters outside the alphabet are still refused.
    EXPECT_EQ(decode_base64("Zm9vY", base64_leftover::drop), "foo");
    EXPECT_EQ(decode_base64("Z", base64_leftover::drop), "");
    EXPECT_FALSE(decode_base64("Zm9v!", base64_leftover::drop));
    EXPECT_FALSE(decode_base64("Zg==Zg", base64_leftover::drop));
}

} // namespace
} // namespace forumgate::rehearsal
