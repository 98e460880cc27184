// store::archive_reader against a real PostgreSQL: archived topics, posts and categories read
// back as the import copies them, and what the archive knows to be restricted.

#include "store/archive_reader.hpp"

#include "tests/store/store_fixture.hpp"

namespace forumgate::store::store_tests {
namespace {

class archive_reader_test : public store_test
{
protected:
    void SetUp() override
    {
        pqxx::work txn{migrated().connection()};
        txn.exec("INSERT INTO forumgate.archive_categories (id, parent_id, name, slug, description, color, "
                 "read_restricted, data) VALUES "
                 "(5, NULL, 'General', 'general', 'Talk', '0088CC', false, '{}'), "
                 "(7, 5, 'Housing', 'housing', NULL, NULL, false, '{}'), "
                 "(9, NULL, 'Board', 'board', NULL, NULL, true, '{}')");
        txn.exec("INSERT INTO forumgate.archive_topics (id, title, slug, category_id, archetype, created_at, "
                 "deleted_at, visible, closed, archived, pinned, tags, highest_post_number, posts_count, "
                 "participants, data) VALUES "
                 "(775, 'Proposal: a food co-op', 'proposal-food-co-op', 7, 'regular', '2023-05-01 10:00:00+00', "
                 "NULL, true, false, false, false, '{food,proposals}', 2, 2, '{}', '{}'), "
                 "(774, 'AGM 2023 minutes', 'agm-2023-minutes', 5, 'regular', '2023-04-01 09:00:00+00', NULL, "
                 "true, false, false, false, '{}', 3, 3, '{}', '{}'), "
                 "(776, 'Budget draft', 'budget-draft', 9, 'regular', '2023-06-01 09:00:00+00', NULL, true, false, "
                 "false, false, '{}', 1, 1, '{}', '{}'), "
                 "(780, 'Hello', 'hello', NULL, 'private_message', '2023-04-01 09:00:00+00', "
                 "'2023-07-01 00:00:00+00', true, false, false, false, '{}', 1, 1, '{alice,bob}', '{}')");
        txn.exec("INSERT INTO forumgate.archive_posts (id, topic_id, post_number, username, post_type, raw, cooked, "
                 "created_at, reply_to_post_number, deleted_at) VALUES "
                 "(9002, 774, 2, 'bob', 1, 'Seconded', '', '2023-04-01 10:30:00.25+00', 1, NULL), "
                 "(9001, 774, 1, 'Alice_Old', 1, 'Minutes', '', '2023-04-01 09:00:00+00', NULL, NULL), "
                 "(9003, 774, 3, NULL, 3, '', '', '2023-04-02 09:00:00+00', NULL, '2023-04-03 00:00:00+00'), "
                 "(9010, 776, 1, 'carol', 1, 'Numbers', '', '2023-06-01 09:00:00+00', NULL, NULL), "
                 "(9020, 780, 1, 'alice', 1, 'Hi', '', '2023-04-01 09:00:00+00', NULL, NULL)");
        txn.exec("INSERT INTO forumgate.archive_absent_topics (id, status) VALUES (790, 403), (791, 404)");
        txn.commit();
    }

    /// Runs `read` with an archive_reader in a read-only transaction.
    template <typename Read>
    auto read(Read &&read)
    {
        pqxx::read_transaction txn{migrated().connection()};
        archive_reader archive{txn};
        return read(archive);
    }
};

TEST_F(archive_reader_test, topic_ids_come_oldest_first)
{
    EXPECT_EQ(read([](archive_reader &a) { return a.topic_ids_oldest_first(); }),
              (std::vector<std::int64_t>{774, 780, 775, 776}));
}

TEST_F(archive_reader_test, a_topic_reads_back_with_its_tags_and_participants)
{
    auto const topic = read([](archive_reader &a) { return a.topic(775); });
    EXPECT_EQ(topic.id, 775);
    EXPECT_EQ(topic.title, "Proposal: a food co-op");
    EXPECT_EQ(topic.slug, "proposal-food-co-op");
    EXPECT_EQ(topic.category_id, 7);
    EXPECT_EQ(topic.archetype, "regular");
    EXPECT_FALSE(topic.deleted);
    EXPECT_EQ(topic.tags, (std::vector<std::string>{"food", "proposals"}));

    auto const message = read([](archive_reader &a) { return a.topic(780); });
    EXPECT_EQ(message.category_id, std::nullopt);
    EXPECT_TRUE(message.deleted);
    EXPECT_EQ(message.participants, (std::vector<std::string>{"alice", "bob"}));

    EXPECT_THROW((void)read([](archive_reader &a) { return a.topic(999); }), pqxx::unexpected_rows);
}

TEST_F(archive_reader_test, posts_come_by_post_number_with_utc_times_in_milliseconds)
{
    auto const posts = read([](archive_reader &a) { return a.posts(774); });
    ASSERT_EQ(posts.size(), 3U);
    EXPECT_EQ(posts[0].id, 9001);
    EXPECT_EQ(posts[0].post_number, 1);
    EXPECT_EQ(posts[0].username, "Alice_Old");
    EXPECT_EQ(posts[0].raw, "Minutes");
    EXPECT_EQ(posts[0].created_at, "2023-04-01T09:00:00.000Z");
    EXPECT_EQ(posts[0].reply_to, std::nullopt);
    EXPECT_EQ(posts[1].created_at, "2023-04-01T10:30:00.250Z");
    EXPECT_EQ(posts[1].reply_to, 1);
    EXPECT_EQ(posts[2].username, ""); // the author's account is gone
    EXPECT_EQ(posts[2].post_type, 3);
    EXPECT_TRUE(posts[2].deleted);
    EXPECT_TRUE(read([](archive_reader &a) { return a.posts(999); }).empty());
}

TEST_F(archive_reader_test, categories_read_back_with_empty_text_for_none)
{
    auto const categories = read([](archive_reader &a) { return a.categories(); });
    ASSERT_EQ(categories.size(), 3U);
    EXPECT_EQ(categories[0].id, 5);
    EXPECT_EQ(categories[0].description, "Talk");
    EXPECT_EQ(categories[0].color, "0088CC");
    EXPECT_EQ(categories[1].parent_id, 5);
    EXPECT_EQ(categories[1].description, "");
    EXPECT_TRUE(categories[2].read_restricted);
}

TEST_F(archive_reader_test, restrictions_are_private_messages_restricted_categories_and_refused_ids)
{
    auto const r = read([](archive_reader &a) { return a.restrictions(); });
    EXPECT_EQ(r.topics, (std::unordered_set<std::uint64_t>{776, 780, 790}));
    EXPECT_EQ(r.posts, (std::unordered_set<std::uint64_t>{9010, 9020}));
    EXPECT_EQ(r.categories, (std::unordered_set<std::uint64_t>{9}));
}

} // namespace
} // namespace forumgate::store::store_tests
