// The store against a real PostgreSQL: migrations, the map version and its notification, the
// miss log, and connection strings.

#include "store/map_tables.hpp"
#include "tests/store/store_fixture.hpp"

namespace forumgate::store::store_tests {
namespace {

// ---------------------------------------------------------------------------------------------
// Migrations

TEST_F(store_test, migrate_applies_every_version_once)
{
    database s{m_db.conninfo()};
    EXPECT_EQ(s.schema_version(), 0);
    EXPECT_EQ(s.migrate(), (std::vector<int>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(s.schema_version(), forumgate::store::SCHEMA_VERSION);
    EXPECT_TRUE(s.migrate().empty());
    EXPECT_EQ(s.map_version(), 0);
    EXPECT_FALSE(s.settings().has_value());
}

TEST_F(store_test, two_processes_migrating_at_once_apply_each_migration_once)
{
    auto const migrate = [this] {
        database s{m_db.conninfo()};
        return s.migrate();
    };
    auto first = std::async(std::launch::async, migrate);
    auto second = std::async(std::launch::async, migrate);
    auto const a = first.get();
    auto const b = second.get();
    EXPECT_EQ(a.size() + b.size(), static_cast<std::size_t>(forumgate::store::SCHEMA_VERSION))
        << "a migration ran in both or neither";
    EXPECT_EQ(database{m_db.conninfo()}.schema_version(), forumgate::store::SCHEMA_VERSION);
}

TEST_F(store_test, migration_2_upgrades_a_database_at_version_1)
{
    (void)load_sample();
    // Take the database back to what forumgate with schema version 1 left behind.
    {
        pqxx::connection c{m_db.conninfo()};
        pqxx::work txn{c};
        txn.exec(
            "DROP TABLE forumgate.misses, forumgate.archive_source, forumgate.archive_categories, "
            "forumgate.archive_tags, "
            "forumgate.archive_users, forumgate.archive_posts, forumgate.archive_topics, forumgate.archive_uploads, "
            "forumgate.archive_absent_topics, forumgate.archive_permalinks, forumgate.archive_failures, "
            "forumgate.import_target, forumgate.import_users, forumgate.import_posts, forumgate.import_failures, "
            "forumgate.map_changes");
        txn.exec("DROP TRIGGER posts_updated_from ON forumgate.posts");
        txn.exec("DELETE FROM forumgate.schema_migrations WHERE version >= 2");
        txn.commit();
    }
    database s{m_db.conninfo()};
    EXPECT_EQ(s.schema_version(), 1);
    std::string const message = message_of<database_error>([&] { (void)s.stats(); });
    EXPECT_NE(message.find("has forumgate schema version 1, older than the " +
                           std::to_string(forumgate::store::SCHEMA_VERSION) +
                           " this build needs: run `forumgate db migrate`"),
              std::string::npos)
        << message;
    EXPECT_EQ(s.migrate(), (std::vector<int>{2, 3, 4, 5, 6}));
    EXPECT_EQ(s.schema_version(), forumgate::store::SCHEMA_VERSION);
    auto const stats = s.stats();
    EXPECT_EQ(stats.version, 1) << "a migration is not a change of the map";
    EXPECT_EQ(stats.topics, 4);
    EXPECT_EQ(stats.misses, 0);
}

TEST_F(store_test, refuses_a_database_from_a_newer_forumgate)
{
    database &s = migrated();
    {
        pqxx::connection c{m_db.conninfo()};
        pqxx::work txn{c};
        txn.exec("INSERT INTO forumgate.schema_migrations (version, description) VALUES (99, 'from the future')");
        txn.commit();
    }
    EXPECT_EQ(s.schema_version(), 99);
    std::string const message = message_of<database_error>([&] { (void)s.migrate(); });
    EXPECT_NE(message.find("has forumgate schema version 99"), std::string::npos) << message;
    EXPECT_NE(message.find("newer forumgate"), std::string::npos) << message;
    EXPECT_NE(message.find("dbname=" + m_db.name()), std::string::npos) << message;
    // Nothing else works on it either.
    EXPECT_THROW((void)s.stats(), database_error);
    EXPECT_THROW((void)s.load_snapshot(), database_error);
}

TEST_F(store_test, says_to_migrate_a_database_without_the_schema)
{
    database s{m_db.conninfo()};
    std::string const message = message_of<database_error>([&] { (void)s.stats(); });
    EXPECT_NE(message.find("no forumgate schema yet: run `forumgate db migrate`"), std::string::npos) << message;
    EXPECT_THROW((void)s.load_csv(sample_dir(), std::nullopt), database_error);
}

// MAP_TABLES describes the tables the migrations make: every column it names, with its type,
// and the key.
TEST_F(store_test, the_map_table_description_matches_the_migrated_tables)
{
    pqxx::read_transaction txn{migrated().connection()};
    for (auto const &table : MAP_TABLES) {
        SCOPED_TRACE(std::string{table.name});
        std::map<std::string, std::string> types;
        for (auto const &row : txn.exec_params("SELECT column_name, data_type FROM information_schema.columns "
                                               "WHERE table_schema = 'forumgate' AND table_name = $1",
                                               std::string{table.name})) {
            types[row[0].as<std::string>()] = row[1].as<std::string>();
        }
        for (auto const &column : table.columns) {
            EXPECT_EQ(types[std::string{column.name}], sql_type(column.type)) << column.name;
        }
        // Every column of the table is described, but for a derived key.
        EXPECT_EQ(types.size(), table.columns.size() + (table.key_from == derived_key::none ? 0 : 1));
        auto const key = txn.exec_params1(
            "SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ('forumgate.' || $1)::regclass AND i.indisprimary",
            std::string{table.name});
        EXPECT_EQ(key[0].as<std::string>(), table.key);
    }
}

// ---------------------------------------------------------------------------------------------
// Map version and notification

/// Records the payloads announced on forumgate_map.
class map_listener : public pqxx::notification_receiver
{
public:
    explicit map_listener(pqxx::connection &connection)
        : pqxx::notification_receiver{connection, forumgate::store::MAP_CHANNEL}
    {}
    void operator()(std::string const &payload, int /*backend_pid*/) override { m_payloads.push_back(payload); }
    std::vector<std::string> m_payloads;
};

TEST_F(store_test, a_change_is_announced_with_its_version_and_an_identical_reload_is_not)
{
    (void)load_sample();
    pqxx::connection connection{m_db.conninfo()};
    map_listener listener{connection};

    temp_dir dir;
    dir.write("tags.csv", "old_name,new_name\nhousing,homes\n");
    auto const result = migrated().load_csv(dir.path(), std::nullopt);
    ASSERT_EQ(result.version_after, 2);
    for (int waited = 0; listener.m_payloads.empty() && waited < 10; ++waited) {
        (void)connection.await_notification(1, 0);
    }
    EXPECT_EQ(listener.m_payloads, std::vector<std::string>{"2"});

    listener.m_payloads.clear();
    (void)migrated().load_csv(dir.path(), std::nullopt);
    (void)connection.await_notification(1, 0);
    EXPECT_TRUE(listener.m_payloads.empty()) << "an identical reload announced version " << listener.m_payloads.front();
    EXPECT_EQ(migrated().map_version(), 2);
}

// ---------------------------------------------------------------------------------------------
// Miss log

/// One row of forumgate.misses.
struct stored_miss
{
    std::string reason;
    std::int64_t hits = 0;
    std::string first_seen;
    std::string last_seen;
};

std::map<std::string, stored_miss> read_misses(std::string const &conninfo)
{
    pqxx::connection c{conninfo};
    pqxx::read_transaction txn{c};
    std::map<std::string, stored_miss> out;
    for (auto const &row :
         txn.exec("SELECT target, reason, hits, first_seen::text, last_seen::text FROM forumgate.misses")) {
        out[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::int64_t>(), row[3].as<std::string>(),
                                         row[4].as<std::string>()};
    }
    return out;
}

TEST_F(store_test, record_misses_adds_up_hits_and_leaves_the_map_alone)
{
    (void)load_sample();
    pqxx::connection connection{m_db.conninfo()};
    map_listener listener{connection};

    migrated().record_misses({{"/t/778", "unknown_id", 3}, {"/t/spam-topic/777", "not_migrated", 1}});
    auto const first = read_misses(m_db.conninfo());
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(first.at("/t/778").hits, 3);
    EXPECT_EQ(first.at("/t/778").first_seen, first.at("/t/778").last_seen);

    // The same target twice in one batch counts twice, and its last reason wins.
    migrated().record_misses(
        {{"/t/778", "unknown_shape", 2}, {"/nowhere", "unknown_shape", 1}, {"/t/778", "not_migrated", 4}});
    auto const second = read_misses(m_db.conninfo());
    ASSERT_EQ(second.size(), 3U);
    EXPECT_EQ(second.at("/t/778").hits, 9);
    EXPECT_EQ(second.at("/t/778").reason, "not_migrated");
    EXPECT_EQ(second.at("/t/778").first_seen, first.at("/t/778").first_seen) << "first_seen is kept";
    EXPECT_GT(second.at("/t/778").last_seen, first.at("/t/778").last_seen) << "last_seen moves on";
    EXPECT_EQ(second.at("/t/spam-topic/777").hits, 1);
    EXPECT_EQ(second.at("/t/spam-topic/777").last_seen, first.at("/t/spam-topic/777").last_seen) << "not seen again";
    EXPECT_EQ(second.at("/nowhere").hits, 1);

    EXPECT_EQ(migrated().map_version(), 1) << "misses are not part of the map";
    (void)connection.await_notification(1, 0);
    EXPECT_TRUE(listener.m_payloads.empty())
        << "recording misses announced map version " << listener.m_payloads.front();
    EXPECT_EQ(migrated().stats().misses, 3);
}

TEST_F(store_test, record_misses_skips_what_postgresql_cannot_store_and_cuts_long_targets)
{
    std::string const long_target = "/" + std::string(4095, 'x');
    // An é (two bytes) straddling the cut: the cut goes before it, never through it.
    std::string const long_utf8 = "/" + std::string(forumgate::store::MAX_MISS_TARGET_BYTES - 2, 'y') + "\xC3\xA9zz";
    migrated().record_misses({{"/bad\xFF", "unknown_shape", 1},
                              {std::string{"/nul\0byte", 9}, "unknown_shape", 1},
                              {"/no-hits", "unknown_shape", 0},
                              {long_target, "unknown_shape", 2},
                              {long_utf8, "unknown_shape", 1},
                              {"/fine", "unknown_id", 1}});
    auto const misses = read_misses(m_db.conninfo());
    ASSERT_EQ(misses.size(), 3U);
    EXPECT_EQ(misses.count("/fine"), 1U);
    EXPECT_EQ(misses.at(long_target.substr(0, forumgate::store::MAX_MISS_TARGET_BYTES)).hits, 2);
    EXPECT_EQ(misses.count(long_utf8.substr(0, forumgate::store::MAX_MISS_TARGET_BYTES - 1)), 1U);
    migrated().record_misses({});
    EXPECT_EQ(migrated().stats().misses, 3);
}

// ---------------------------------------------------------------------------------------------
// Connection strings

TEST(conninfo, describe_never_shows_the_password)
{
    using forumgate::pg::describe_conninfo;
    EXPECT_EQ(describe_conninfo("host=/tmp/pg port=5432 dbname=forum user=bob password=hunter2"),
              "host=/tmp/pg port=5432 dbname=forum user=bob");
    EXPECT_EQ(describe_conninfo("postgresql://bob:hunter2@db.example:5433/forum?sslmode=require"),
              "host=db.example port=5433 dbname=forum user=bob");
    EXPECT_EQ(describe_conninfo("dbname='my forum' password='hunter2'"), "dbname='my forum'");
    EXPECT_EQ(describe_conninfo("host='unterminated password=hunter2"), "an unparsable connection string");
}

TEST(conninfo, with_database_replaces_only_the_database)
{
    using forumgate::pg::describe_conninfo;
    using forumgate::pg::with_database;
    std::string const keyword_value =
        with_database("host=/tmp/pg dbname=postgres password='a b\\'c' sslmode=disable", "forumgate-test");
    EXPECT_EQ(describe_conninfo(keyword_value), "host=/tmp/pg dbname=forumgate-test");
    EXPECT_NE(keyword_value.find("password='a b\\'c'"), std::string::npos) << "other settings are kept";
    EXPECT_NE(keyword_value.find("sslmode=disable"), std::string::npos);

    std::string const from_uri = with_database("postgresql://bob@db.example:5433/forum?application_name=fg", "my map");
    EXPECT_EQ(describe_conninfo(from_uri), "host=db.example port=5433 dbname='my map' user=bob");
    EXPECT_NE(from_uri.find("application_name=fg"), std::string::npos);

    EXPECT_EQ(describe_conninfo(with_database("", "x")), "dbname=x");
    EXPECT_THROW((void)with_database("host='unterminated", "x"), argument_error);
}

TEST_F(store_test, a_failed_connection_names_the_database_but_not_the_password)
{
    std::string const server = forumgate::pg::with_database(m_db.conninfo(), "no-such-database");
    std::string const message = message_of<database_error>([&] { database s{server + " password=hunter2"}; });
    EXPECT_TRUE(message.starts_with("connecting to ")) << message;
    EXPECT_NE(message.find("dbname=no-such-database"), std::string::npos) << message;
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// The change log

TEST_F(store_test, the_change_log_names_what_each_version_changed)
{
    auto &s = migrated();
    (void)load_sample(); // with settings: the first version names them
    std::int64_t const first = s.map_version();
    EXPECT_TRUE(s.changes_since(0).settings);
    EXPECT_TRUE(s.changes_since(first).empty());
    auto const exec = [this](std::string const &sql) {
        pqxx::connection c{m_db.conninfo()};
        pqxx::work txn{c};
        txn.exec(sql);
        txn.commit();
    };

    // A topic with its posts, in one transaction: one version, the topic once.
    {
        pqxx::connection c{m_db.conninfo()};
        pqxx::work txn{c};
        txn.exec("INSERT INTO forumgate.topics (old_id, old_slug, new_id, new_slug) VALUES (8800, 'a', 9800, 'a')");
        txn.exec("INSERT INTO forumgate.posts (old_id, old_topic_id, old_post_number, new_id, new_topic_id, "
                 "new_post_number) VALUES (88001, 8800, 1, 98001, 9800, 1), (88002, 8800, 2, 98002, 9800, 2)");
        txn.commit();
    }
    auto const added = s.changes_since(first);
    EXPECT_FALSE(added.whole_map);
    EXPECT_EQ(added.to_version, first + 1);
    EXPECT_EQ(added.topics, (std::vector<std::uint64_t>{8800}));

    // A post moved to another topic changes both; a user deleted, a tag renamed, an upload.
    exec("UPDATE forumgate.posts SET old_topic_id = 775, old_post_number = 99 WHERE old_id = 88002");
    exec("DELETE FROM forumgate.users WHERE old_username_lower = 'alice_old'");
    exec("UPDATE forumgate.tags SET new_name = 'homes' WHERE old_name_lower = 'housing'");
    exec("INSERT INTO forumgate.uploads VALUES ('/uploads/default/original/1X/x.png', '/uploads/x.png')");
    auto const later = s.changes_since(first + 1);
    EXPECT_FALSE(later.whole_map);
    EXPECT_EQ(later.to_version, first + 5);
    EXPECT_EQ(later.topics, (std::vector<std::uint64_t>{775, 8800}));
    EXPECT_EQ(later.users, (std::vector<std::string>{"alice_old"}));
    EXPECT_EQ(later.tags, (std::vector<std::string>{"housing"}));
    EXPECT_EQ(later.uploads, (std::vector<std::string>{"/uploads/default/original/1X/x.png"}));
    // From the first version, everything after it together.
    EXPECT_EQ(s.changes_since(first).topics, (std::vector<std::uint64_t>{775, 8800}));

    // A statement that changed nothing is no version and no change.
    exec("UPDATE forumgate.topics SET new_slug = new_slug WHERE old_id = 0");
    EXPECT_TRUE(s.changes_since(first + 5).empty());
}

TEST_F(store_test, the_change_log_says_when_only_the_whole_map_will_do)
{
    auto &s = migrated();
    (void)load_sample();
    std::int64_t const first = s.map_version();
    auto const exec = [this](std::string const &sql) {
        pqxx::connection c{m_db.conninfo()};
        pqxx::work txn{c};
        txn.exec(sql);
        txn.commit();
    };
    // A truncate and a statement of more than 10,000 rows are logged as a whole; the rules are
    // a layer's whole table.
    exec(
        "UPDATE forumgate.rules SET replacement = '/top' WHERE position = (SELECT min(position) FROM forumgate.rules)");
    auto const ruled = s.changes_since(first);
    EXPECT_FALSE(ruled.whole_map);
    EXPECT_TRUE(ruled.rules);
    EXPECT_FALSE(ruled.settings);
    exec("TRUNCATE forumgate.tags");
    EXPECT_TRUE(s.changes_since(first + 1).whole_map);
    exec("INSERT INTO forumgate.uploads SELECT '/uploads/bulk/' || n, NULL FROM generate_series(1, 10001) n");
    EXPECT_TRUE(s.changes_since(first + 2).whole_map);
    exec("INSERT INTO forumgate.uploads SELECT '/uploads/few/' || n, NULL FROM generate_series(1, 3) n");
    auto const few = s.changes_since(first + 3);
    EXPECT_FALSE(few.whole_map);
    EXPECT_EQ(few.uploads.size(), 3U);
    // A version the log no longer holds (pruned, or older than the log), and a version ahead of
    // the store (a store rebuilt): the whole map.
    exec("DELETE FROM forumgate.map_changes WHERE version = " + std::to_string(first + 3));
    EXPECT_TRUE(s.changes_since(first + 2).whole_map);
    EXPECT_FALSE(s.changes_since(first + 3).whole_map);
    EXPECT_TRUE(s.changes_since(first + 100).whole_map);
}

TEST_F(store_test, the_change_log_keeps_ten_thousand_versions_and_is_pruned_once_every_hundred)
{
    // Pruned after every version, the log cost each change of the map a scan of the whole log.
    auto &s = migrated();
    (void)load_sample();
    auto const exec = [this](std::string const &sql) {
        pqxx::connection c{m_db.conninfo()};
        pqxx::work txn{c};
        txn.exec(sql);
        txn.commit();
    };
    auto const held = [this] {
        pqxx::connection c{m_db.conninfo()};
        pqxx::read_transaction txn{c};
        std::vector<std::int64_t> versions;
        for (auto const &row :
             txn.exec("SELECT DISTINCT version FROM forumgate.map_changes WHERE version BETWEEN 100 AND 19999 "
                      "ORDER BY version")) {
            versions.push_back(row[0].as<std::int64_t>());
        }
        return versions;
    };
    exec("UPDATE forumgate.map_version SET version = 20098");
    exec("INSERT INTO forumgate.map_changes VALUES (100, 'tags', 'a'), (10099, 'tags', 'a'), (10100, 'tags', 'a'), "
         "(10101, 'tags', 'a')");
    exec("INSERT INTO forumgate.uploads VALUES ('/uploads/one.png', '/uploads/one.png')"); // version 20099
    EXPECT_EQ(s.map_version(), 20099);
    EXPECT_EQ(held(), (std::vector<std::int64_t>{100, 10099, 10100, 10101}));
    exec("INSERT INTO forumgate.uploads VALUES ('/uploads/two.png', '/uploads/two.png')"); // version 20100
    EXPECT_EQ(held(), (std::vector<std::int64_t>{10101}));
    // What is logged is unchanged: the two uploads, each under its version.
    auto const changes = s.changes_since(20098);
    EXPECT_FALSE(changes.whole_map);
    EXPECT_EQ(changes.uploads, (std::vector<std::string>{"/uploads/one.png", "/uploads/two.png"}));
}

} // namespace
} // namespace forumgate::store::store_tests
