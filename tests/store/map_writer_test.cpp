// store::map_writer against a real PostgreSQL: each kind of row it writes reaches a snapshot and
// answers old URLs; rewriting a row replaces it, and a row not copied never overwrites a copy.

#include "store/map_writer.hpp"

#include "tests/store/store_fixture.hpp"

namespace forumgate::store::store_tests {
namespace {

/// Topic 774, which most tests write: copied as topic 1774 under a new slug.
map_topic const AGM_MINUTES{774, "agm-2023-minutes", 1774, "agm-minutes-2023", false};
/// Where its old URL /t/agm-2023-minutes/774 leads once copied.
std::string const AGM_MINUTES_NEW_URL = "https://forum.brum.coop/t/agm-minutes-2023/1774";

class map_writer_test : public store_test
{
protected:
    /// Runs `write` with a map_writer in one transaction, and commits.
    template <typename Write>
    void write(Write &&write)
    {
        pqxx::work txn{migrated().connection()};
        map_writer map{txn};
        write(map);
        txn.commit();
    }

    /// The Location (or "status N") the current map answers for an old URL.
    std::string answer(std::string const &target)
    {
        auto const map = migrated().load_snapshot();
        auto const d = mappings::resolve({"", target}, *map);
        return d.status == 301 ? d.location : "status " + std::to_string(d.status);
    }

    /// Every test starts from a map with the site settings.
    void SetUp() override
    {
        write([](map_writer &map) {
            map.insert_settings("https://forum.brum.coop", {"forum.cooperationbirmingham.org.uk"});
        });
    }
};

TEST_F(map_writer_test, every_kind_of_row_answers_its_old_urls)
{
    write([](map_writer &map) {
        map.put_category(5, "general", 12, "general", false);
        map.put_user("Alice_Old", "alice");
        map.put_upload("/uploads/default/original/1X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png",
                       "https://cdn.brum.coop/original/3X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png");
        map.add_upload_host("cdn.brum.coop");
        map.put_topic(AGM_MINUTES);
        map.put_posts(
            std::vector<store::map_post>{{9001, 774, 1, 19001, 1774, 1, false}, {9002, 774, 2, 19002, 1774, 2, false}});
    });
    EXPECT_EQ(answer("/c/general/5"), "https://forum.brum.coop/c/general/12");
    EXPECT_EQ(answer("/u/alice_old"), "https://forum.brum.coop/u/alice");
    EXPECT_EQ(answer("/u/ALICE_OLD"), "https://forum.brum.coop/u/alice");
    EXPECT_EQ(answer("/uploads/default/original/1X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png"),
              "https://cdn.brum.coop/original/3X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png");
    EXPECT_EQ(answer("/t/agm-2023-minutes/774"), AGM_MINUTES_NEW_URL);
    EXPECT_EQ(answer("/t/agm-2023-minutes/774/2"), "https://forum.brum.coop/t/agm-minutes-2023/1774/2");
    EXPECT_EQ(answer("/p/9002"), "https://forum.brum.coop/t/agm-minutes-2023/1774/2");
    EXPECT_EQ(migrated().settings()->upload_hosts, std::vector<std::string>{"cdn.brum.coop"});
}

TEST_F(map_writer_test, writing_a_row_again_replaces_it)
{
    write([](map_writer &map) {
        map.put_topic(AGM_MINUTES);
        map.put_user("Alice_Old", "alice");
    });
    write([](map_writer &map) {
        map.put_topic({774, "agm-2023-minutes", 1800, "agm-minutes", false});
        map.put_user("alice_old", "alice2"); // the same user: names are keyed ignoring case
    });
    EXPECT_EQ(answer("/t/agm-2023-minutes/774"), "https://forum.brum.coop/t/agm-minutes/1800");
    EXPECT_EQ(answer("/u/Alice_Old"), "https://forum.brum.coop/u/alice2");
    auto const stats = migrated().stats();
    EXPECT_EQ(stats.topics, 1);
    EXPECT_EQ(stats.users, 1);
}

TEST_F(map_writer_test, an_empty_new_slug_keeps_the_slug_the_row_has)
{
    write([](map_writer &map) { map.put_topic(AGM_MINUTES); });
    write([](map_writer &map) { map.put_topic({774, "agm-2023-minutes", 1774, "", true}); });
    // Restricted now: the redirect keeps the new id but shows no slug.
    EXPECT_EQ(answer("/t/agm-2023-minutes/774"), "https://forum.brum.coop/t/1774");
    write([](map_writer &map) { map.put_topic({774, "agm-2023-minutes", 1774, "", false}); });
    EXPECT_EQ(answer("/t/agm-2023-minutes/774"), AGM_MINUTES_NEW_URL);
}

TEST_F(map_writer_test, a_row_not_copied_has_no_new_place_and_never_overwrites_a_copy)
{
    write([](map_writer &map) {
        map.put_topic(AGM_MINUTES);
        map.put_posts(std::vector<store::map_post>{{9001, 774, 1, 19001, 1774, 1, false}});
        map.put_uncopied_posts(std::vector<store::map_post>{{9002, 774, 2, 0, 0, 0, true}});
        map.put_uncopied_topic({775, "spam-topic", 0, "", false});
    });
    write([](map_writer &map) {
        map.put_uncopied_topic({774, "agm-2023-minutes", 0, "", false});
        map.put_uncopied_posts(std::vector<store::map_post>{{9001, 774, 1, 0, 0, 0, true}});
    });
    EXPECT_EQ(answer("/t/agm-2023-minutes/774"), AGM_MINUTES_NEW_URL);
    EXPECT_EQ(answer("/p/9001"), AGM_MINUTES_NEW_URL); // a first post: its topic
    // A post not copied lands on the nearest copied post before it.
    EXPECT_EQ(answer("/t/agm-2023-minutes/774/2"), AGM_MINUTES_NEW_URL);
    EXPECT_EQ(answer("/t/spam-topic/775"), "status 410");
    auto const stats = migrated().stats();
    EXPECT_EQ(stats.topics_not_migrated, 1);
    EXPECT_EQ(stats.posts_not_migrated, 1);
}

TEST_F(map_writer_test, settings_that_do_not_change_bump_no_version)
{
    write([](map_writer &map) { map.add_upload_host("cdn.brum.coop"); });
    auto const version = migrated().map_version();
    write([](map_writer &map) {
        map.set_old_hosts({"forum.cooperationbirmingham.org.uk"});
        map.add_upload_host("cdn.brum.coop");
    });
    EXPECT_EQ(migrated().map_version(), version);
    EXPECT_EQ(migrated().settings()->upload_hosts, std::vector<std::string>{"cdn.brum.coop"});

    write([](map_writer &map) {
        map.set_old_hosts({"forum.cooperationbirmingham.org.uk", "www.cooperationbirmingham.org.uk"});
    });
    EXPECT_GT(migrated().map_version(), version);
    EXPECT_EQ(migrated().settings()->old_hosts,
              (std::vector<std::string>{"forum.cooperationbirmingham.org.uk", "www.cooperationbirmingham.org.uk"}));
}

} // namespace
} // namespace forumgate::store::store_tests
