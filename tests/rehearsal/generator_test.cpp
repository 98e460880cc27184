// GCC 12 reports a false "may be used uninitialized" inside <regex> at -O1 with sanitizers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "rehearsal/generator.hpp"

#include "base/digest.hpp"
#include "mappings/snapshot.hpp"
#include "rehearsal/seed.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace forumgate::rehearsal {
namespace {

forum_state const &sample()
{
    static forum_state const STATE = generate_forum({.topic_count = 200, .seed = 42});
    return STATE;
}

std::size_t count_regular_topics(forum_state const &state)
{
    std::size_t count = 0;
    for (auto const &[id, subject] : state.topics()) {
        count += subject.kind == archetype::regular ? 1 : 0;
    }
    return count;
}

TEST(generator, same_seed_same_forum)
{
    std::string const first = save_seed(generate_forum({.topic_count = 60, .seed = 7}));
    std::string const second = save_seed(generate_forum({.topic_count = 60, .seed = 7}));
    EXPECT_EQ(first, second);
    EXPECT_NE(save_seed(generate_forum({.topic_count = 60, .seed = 8})), first);
    EXPECT_NE(save_seed(generate_forum({.topic_count = 60, .seed = 7, .old_host = "old.example.org"})), first);
}

TEST(generator, seed_round_trip)
{
    std::string const saved = save_seed(sample());
    EXPECT_EQ(save_seed(load_seed(saved)), saved);
}

TEST(generator, counts_near_n)
{
    forum_state const &state = sample();
    EXPECT_EQ(count_regular_topics(state), 200U);
    std::size_t const private_messages = state.topics().size() - count_regular_topics(state);
    EXPECT_GE(private_messages, 5U);
    EXPECT_LE(private_messages, 15U);
    double const posts_per_topic =
        static_cast<double>(state.posts().size()) / static_cast<double>(state.topics().size());
    EXPECT_GT(posts_per_topic, 4.5);
    EXPECT_LT(posts_per_topic, 8.0);
    EXPECT_GE(state.users().size(), 50U); // N/4 plus the system user
    EXPECT_LE(state.users().size(), 52U);
    int longest = 0;
    for (auto const &[id, subject] : state.topics()) {
        longest = std::max(longest, subject.highest_post_number);
        EXPECT_GE(subject.highest_post_number, 2) << "topic " << id << " has no reply";
    }
    EXPECT_GE(longest, 15); // the long tail
}

TEST(generator, demo_size)
{
    forum_state const state = generate_forum({.topic_count = 800, .seed = 1});
    EXPECT_EQ(count_regular_topics(state), 800U);
    EXPECT_GT(state.posts().size(), 4000U);
    EXPECT_LT(state.posts().size(), 6500U);
}

TEST(generator, ids_follow_time)
{
    forum_state const &state = sample();
    timestamp previous{};
    for (auto const &[id, subject] : state.topics()) {
        EXPECT_GE(subject.created_at, previous) << "topic " << id;
        previous = subject.created_at;
    }
    previous = timestamp{};
    for (auto const &[id, item] : state.posts()) {
        EXPECT_GE(item.created_at, previous) << "post " << id;
        previous = item.created_at;
    }
    auto const first = state.topics().begin()->second.created_at;
    auto const last = state.topics().rbegin()->second.created_at;
    EXPECT_GT(last - first, std::chrono::hours{24 * 365 * 5}); // spread over years
}

TEST(generator, every_reference_is_valid)
{
    forum_state const &state = sample();
    std::regex const quote{R"RE(\[quote="([^,"]+), post:(\d+), topic:(\d+)"\])RE"};
    std::regex const topic_link{
        R"RE((?:^|[\s(])(?:https://forum\.cooperationbirmingham\.org\.uk)?/t/(?:([^/\s)?]*[^/\s)?\d][^/\s)?]*)/)?(\d+)(?:/(\d+))?)RE"};
    std::regex const post_link{R"RE(/p/(\d+))RE"};
    std::regex const user_link{R"RE(/u/([\w.\-]+))RE"};
    std::regex const tag_link{R"RE(/tag/([^\s)/?]+))RE"};
    std::regex const category_link{R"RE(/c/([^\s)?]+))RE"};
    std::regex const upload_link{R"RE(upload://([0-9a-zA-Z]+)\.png)RE"};
    std::size_t quotes = 0;
    std::size_t links = 0;
    std::size_t uploads = 0;
    for (auto const &[id, item] : state.posts()) {
        std::string const &raw = item.raw;
        for (std::sregex_iterator it{raw.begin(), raw.end(), quote}, end; it != end; ++it) {
            ++quotes;
            EXPECT_NE(state.find_user_by_username((*it)[1].str()), nullptr) << raw;
            EXPECT_NE(state.find_post_by_number(std::stoll((*it)[3].str()), std::stoi((*it)[2].str())), nullptr) << raw;
        }
        for (std::sregex_iterator it{raw.begin(), raw.end(), topic_link}, end; it != end; ++it) {
            ++links;
            topic const *const target = state.find_topic(std::stoll((*it)[2].str()));
            ASSERT_NE(target, nullptr) << raw;
            if ((*it)[1].matched) {
                EXPECT_EQ((*it)[1].str(), target->slug) << raw;
            }
            if ((*it)[3].matched) {
                EXPECT_LE(std::stoi((*it)[3].str()), target->highest_post_number) << raw;
            }
        }
        for (std::sregex_iterator it{raw.begin(), raw.end(), post_link}, end; it != end; ++it) {
            EXPECT_NE(state.find_post(std::stoll((*it)[1].str())), nullptr) << raw;
        }
        for (std::sregex_iterator it{raw.begin(), raw.end(), user_link}, end; it != end; ++it) {
            EXPECT_NE(state.find_user_by_username((*it)[1].str()), nullptr) << raw;
        }
        for (std::sregex_iterator it{raw.begin(), raw.end(), tag_link}, end; it != end; ++it) {
            EXPECT_NE(state.find_tag((*it)[1].str()), nullptr) << raw;
        }
        for (std::sregex_iterator it{raw.begin(), raw.end(), category_link}, end; it != end; ++it) {
            std::string const path = (*it)[1].str();
            bool found = false;
            for (auto const &[category_id, place] : state.categories()) {
                std::string const slug_path = state.category_slug_path(category_id);
                found = found || path == slug_path || path == slug_path + "/" + std::to_string(category_id);
            }
            EXPECT_TRUE(found) << raw;
        }
        for (std::sregex_iterator it{raw.begin(), raw.end(), upload_link}, end; it != end; ++it) {
            ++uploads;
            upload const *const file = state.find_upload_by_short_url((*it)[1].str());
            ASSERT_NE(file, nullptr) << raw;
            EXPECT_NE(item.cooked.find(file->url()), std::string::npos);
        }
        if (item.reply_to_post_number) {
            EXPECT_NE(state.find_post_by_number(item.topic_id, *item.reply_to_post_number), nullptr);
        }
    }
    EXPECT_GT(quotes, 50U);
    EXPECT_GT(links, 20U);
    EXPECT_GT(uploads, 10U);
    EXPECT_EQ(uploads, state.uploads().size());
}

TEST(generator, uploads_are_real_distinct_pngs)
{
    forum_state const &state = sample();
    std::set<std::string> digests;
    for (auto const &[id, file] : state.uploads()) {
        EXPECT_EQ(file.bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
        ASSERT_TRUE(file.width && file.height);
        EXPECT_GE(*file.width, 2);
        EXPECT_TRUE(digests.insert(file.sha1).second);
        EXPECT_EQ(file.sha1, forumgate::base::sha1_hex(file.bytes));
    }
    std::string const png = make_png(1, 1, std::string("\xff\x00\x00", 3));
    // A known-good 1×1 red PNG stored without compression ends with the IEND chunk and its CRC.
    EXPECT_EQ(png.substr(png.size() - 12), std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12));
    EXPECT_EQ(image_size(png), (std::pair{1, 1}));
}

TEST(generator, contains_every_special_case)
{
    forum_state const &state = sample();
    std::set<std::string> titles;
    std::set<std::string> slugs;
    std::map<std::string, int> title_counts;
    for (auto const &[id, subject] : state.topics()) {
        titles.insert(subject.title);
        slugs.insert(subject.slug);
        ++title_counts[subject.title];
    }
    for (char const *title : {"AGM", "Hi", "2019", "Café co-op — réunion", "合作社会议", "Co-op's AGM"}) {
        EXPECT_TRUE(titles.contains(title)) << title;
    }
    EXPECT_TRUE(slugs.contains("cafe-co-op-reunion"));
    EXPECT_TRUE(slugs.contains("co-ops-agm"));
    EXPECT_TRUE(slugs.contains("topic"));
    EXPECT_TRUE(std::any_of(title_counts.begin(), title_counts.end(), [](auto const &entry) {
        return entry.second > 1;
    })) << "no duplicate titles";

    bool private_message = false;
    bool deleted_topic = false;
    bool unlisted = false;
    bool restricted = false;
    for (auto const &[id, subject] : state.topics()) {
        private_message = private_message || subject.kind == archetype::private_message;
        deleted_topic = deleted_topic || subject.deleted_at.has_value();
        unlisted = unlisted || !subject.visible;
        if (subject.category_id) {
            restricted = restricted || state.find_category(*subject.category_id)->read_restricted;
        }
    }
    EXPECT_TRUE(private_message);
    EXPECT_TRUE(deleted_topic);
    EXPECT_TRUE(unlisted);
    EXPECT_TRUE(restricted);

    std::set<std::string> action_codes;
    bool whisper = false;
    bool deleted_post = false;
    bool edited = false;
    for (auto const &[id, item] : state.posts()) {
        if (item.type == post_type::small_action) {
            action_codes.insert(item.action_code);
        }
        whisper = whisper || item.type == post_type::whisper;
        deleted_post = deleted_post || (item.deleted_at && item.post_number > 1);
        edited = edited || item.version > 1;
    }
    EXPECT_TRUE(action_codes.contains("closed.enabled"));
    EXPECT_TRUE(action_codes.contains("pinned.enabled"));
    EXPECT_TRUE(action_codes.contains("visible.disabled"));
    EXPECT_TRUE(whisper);
    EXPECT_TRUE(deleted_post);
    EXPECT_TRUE(edited);

    bool subcategory = false;
    for (auto const &[id, place] : state.categories()) {
        subcategory = subcategory || place.parent_id.has_value();
    }
    EXPECT_TRUE(subcategory);
    EXPECT_FALSE(state.tags().empty());

    bool non_ascii_name = false;
    bool anonymized = false;
    for (auto const &[id, account] : state.users()) {
        non_ascii_name = non_ascii_name || account.name.find("Zoë") != std::string::npos;
        anonymized = anonymized || account.username.rfind("anon", 0) == 0;
    }
    EXPECT_TRUE(non_ascii_name);
    EXPECT_TRUE(anonymized);

    // Every URL shape appears somewhere.
    std::string all_raw;
    for (auto const &[id, item] : state.posts()) {
        all_raw += item.raw;
        all_raw += '\n';
    }
    for (char const *shape :
         {"https://forum.cooperationbirmingham.org.uk/t/", "https://forum.cooperationbirmingham.org.uk/p/",
          "https://forum.cooperationbirmingham.org.uk/c/", "https://forum.cooperationbirmingham.org.uk/u/",
          "https://forum.cooperationbirmingham.org.uk/tag/", "?page=2", "(/t/", " /t/", "/p/", "/c/", "/u/", "/tag/",
          "@", "[quote=\""}) {
        EXPECT_NE(all_raw.find(shape), std::string::npos) << shape;
    }
    EXPECT_TRUE(std::regex_search(all_raw, std::regex{R"RE(/t/\d+/\d+)RE"}));
    EXPECT_TRUE(std::regex_search(all_raw, std::regex{R"RE(/t/\d+(?![\d/]))RE"}));
}

TEST(generator, anonymous_sees_less_than_admin)
{
    forum_state const &state = sample();
    viewer const anonymous = viewer::anonymous();
    viewer const admin = viewer::of(*state.find_user_by_username("coopadmin"));
    std::size_t anonymous_posts = 0;
    std::size_t admin_posts = 0;
    for (auto const &[id, subject] : state.topics()) {
        anonymous_posts += state.post_stream(anonymous, id).size();
        admin_posts += state.post_stream(admin, id, true).size();
    }
    EXPECT_EQ(admin_posts, state.posts().size());
    EXPECT_LT(anonymous_posts, admin_posts);
}

} // namespace
} // namespace forumgate::rehearsal
