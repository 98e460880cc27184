// The redirect server's reloads: under load, on NOTIFY, with the store gone; start-up with the
// store unreachable; SIGHUP at start-up; settings changed in the config file.

#include "mappings/resolver.hpp"
#include "redirector/map_holder.hpp"
#include "redirector/map_source.hpp"
#include "store/store.hpp"
#include "tests/redirector/server_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pqxx/pqxx>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

namespace {

using namespace forumgate::testing;

/// Represents a TCP port on 127.0.0.1 that takes connections (the kernel completes them) and never
/// answers: a store that hangs.
class black_hole
{
public:
    black_hole()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), size) != 0 || ::listen(m_fd, 16) != 0 ||
            ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &size) != 0) {
            throw std::runtime_error{"black hole: cannot listen"};
        }
        m_port = ntohs(address.sin_port);
    }
    ~black_hole() { ::close(m_fd); }
    black_hole(black_hole const &) = delete;
    black_hole &operator=(black_hole const &) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return m_port; }

private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
};

/// A store of its own holding the fixture map, and its snapshot file: what a redirector without a
/// store serves from, written again after each change to the store.
struct snapshot_of_a_store
{
    test_database db;
    temp_dir dir;
    std::filesystem::path file = dir.path() / "map.snapshot";

    snapshot_of_a_store()
    {
        load_fixture_map(db.conninfo());
        write();
    }
    /// Writes the store's map to `file` (forumgate map snapshot).
    void write() const
    {
        auto const written = run_process(FORUMGATE_BINARY, {"map", "snapshot", "--db", db.conninfo(), file.string()});
        EXPECT_EQ(written.exit_code, 0) << written.err;
    }
};

// ---------------------------------------------------------------------------------------------
// reloads

TEST_F(server_test, a_store_change_alone_is_picked_up_by_notify)
{
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({}, db.conninfo());
    temp_dir changed;
    changed.write("topics.csv",
                  "old_id,old_slug,new_id,new_slug,restricted\n774,agm-2023-minutes,1774,agm-minutes-renamed,false\n");
    auto const load = run_process(FORUMGATE_BINARY, {"map", "load", "--db", db.conninfo(), changed.path().string()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    // Announced by NOTIFY, or, when the change beat the LISTEN, seen by the catch-up after it.
    EXPECT_TRUE(server->wait_for_log("map version 1 -> 2", 10s)) << server->log();
    auto const after = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->header("Location"), NEW_BASE + "/t/agm-minutes-renamed/1774");
}

TEST_F(server_test, a_whole_reload_frees_the_old_map_without_waiting_for_idle_connections)
{
    // A keep-alive connection that answered a request before a SIGHUP kept the map it used in
    // its handler's state: the old map stayed in memory beside the new one until that
    // connection's next request or its keep-alive timeout (a minute by default). The reload now
    // has every connection let go of it at once.
    // Two topics share an old slug; the one it leads to is restricted and leaves it, which a
    // layer without the other cannot show (where the slug leads now is below, unknown): the
    // comparison asks for the whole map.
    snapshot_of_a_store source;
    change_store(source.db, {"UPDATE forumgate.topics SET old_slug = 'agm-2023-minutes' WHERE old_id = 775"});
    source.write();
    auto server = start({"--db", "", "--snapshot", source.file.string()});
    http_client idle{server.port};
    ASSERT_TRUE(answered(idle));
    change_store(source.db, {"UPDATE forumgate.topics SET restricted = true WHERE old_id = 774"});
    source.write();
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("the whole map is read: topic 774 left the old slug that leads to it (removed, "
                                     "restricted or renamed), which topic 775 also has",
                                     10s))
        << server->log();
    ASSERT_TRUE(server->wait_for_log("map version 2 -> 3, 4 topics, 5 posts, 0.0 MiB, built in", 10s)) << server->log();
    // The reloader waits up to 2 s for the old map to be let go, then keeps it as retired.
    std::this_thread::sleep_for(3s);
    auto const metrics = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metric(metrics->body, "forumgate_maps_retired"), 0) << "the old map is still held:\n" << metrics->body;
    EXPECT_TRUE(answered(idle)) << "the idle connection is served from the new map";
}

TEST_F(server_test, a_sighup_compares_the_map_with_the_store_and_layers_what_differs)
{
    // A reload built a second whole map beside the one served (twice the map's memory at its
    // peak) even when one topic had changed. It now compares the store's rows with the map and
    // layers the keys that differ.
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({"--no-listen-for-changes"}, db.conninfo());
    change_store(db, {"UPDATE forumgate.topics SET new_slug = 'agm-minutes-renamed' WHERE old_id = 774"});
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("reload (SIGHUP): map version 1 -> 2, compared with the store", 10s))
        << server->log();
    EXPECT_EQ(server->log().find(" MiB, built in "), std::string::npos) << "the whole map was read: " << server->log();
    auto const after = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->header("Location"), NEW_BASE + "/t/agm-minutes-renamed/1774");
    auto const metrics = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metric(metrics->body, "forumgate_reloads_total{result=\"ok\"}"), 1) << metrics->body;
    EXPECT_EQ(metric(metrics->body, "forumgate_map_version"), 2) << metrics->body;

    // Nothing changed since: the map stays as it is.
    server->signal(SIGHUP);
    EXPECT_TRUE(server->wait_for_log("map version 2 -> 2, nothing differs", 10s)) << server->log();
}

TEST_F(server_test, a_sighup_compares_the_map_with_the_snapshot_file_and_layers_what_differs)
{
    // Served from a snapshot file without a store, a reload read the whole file again: two maps
    // in memory at its peak. It now compares the file's rows with the map and layers what differs.
    snapshot_of_a_store source;
    auto server = start({"--db", "", "--snapshot", source.file.string()});
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("map version 1 -> 1, nothing differs, compared with snapshot file", 10s))
        << server->log();
    change_store(source.db, {"UPDATE forumgate.topics SET new_slug = 'agm-minutes-renamed' WHERE old_id = 774"});
    source.write();
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log(
        fmt::format("map version 1 -> 2, compared with snapshot file {}, 4 rows read again into a layer",
                    source.file.string()),
        10s))
        << server->log();
    EXPECT_EQ(server->log().find(" MiB, built in "), std::string::npos) << "the whole map was read: " << server->log();
    auto const after = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->header("Location"), NEW_BASE + "/t/agm-minutes-renamed/1774");
}

TEST_F(server_test, a_map_from_the_snapshot_file_is_compared_with_the_store_once_it_is_back)
{
    // The store away at start-up, the map came from the snapshot file; the first reload with the
    // store back read the whole map beside it (two maps at the peak), because the change log is
    // no use on a map that may be of another store's history. A comparison needs no history: it
    // now brings that map to the store's by a layer, and the log applies from then on.
    snapshot_of_a_store source;
    auto const first = forumgate::store::read_snapshot_file(source.file);
    forumgate::redirector::change_applier applier{source.db.conninfo()};
    change_store(source.db, {"UPDATE forumgate.topics SET new_slug = 'agm-minutes-renamed' WHERE old_id = 774"});
    auto const logged = applier(first);
    EXPECT_FALSE(logged.map);
    EXPECT_TRUE(logged.keys_unknown) << "the reloader compares rather than read the whole map";

    auto const compared = applier.compare(first);
    ASSERT_TRUE(compared.map) << compared.whole_map_reason;
    EXPECT_EQ(compared.map->below(), first);
    EXPECT_EQ(forumgate::mappings::resolve({OLD_HOST, "/t/774"}, *compared.map).location,
              NEW_BASE + "/t/agm-minutes-renamed/1774");

    change_store(source.db, {"UPDATE forumgate.topics SET new_slug = 'food-co-op-renamed' WHERE old_id = 775"});
    auto const applied = applier(compared.map);
    ASSERT_TRUE(applied.map) << applied.whole_map_reason;
    EXPECT_EQ(applied.rows_read, 6U) << "the small layer built again: topics 774 and 775 and their posts";
    EXPECT_EQ(forumgate::mappings::resolve({OLD_HOST, "/t/775"}, *applied.map).location,
              NEW_BASE + "/t/food-co-op-renamed/1775");
}

TEST_F(server_test, a_store_change_is_applied_in_place_without_reading_the_whole_map)
{
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({}, db.conninfo());
    change_store(db, {"INSERT INTO forumgate.topics VALUES (8800, 'added-later', 9800, 'added-later', false)",
                      "INSERT INTO forumgate.posts VALUES (88001, 8800, 1, 98001, 9800, 1, false), (88002, 8800, 2, "
                      "98002, 9800, 2, false)"});
    ASSERT_TRUE(server->wait_for_log("changes applied", 10s)) << server->log();
    EXPECT_NE(server->log().find("3 rows read again"), std::string::npos) << server->log();
    EXPECT_EQ(server->log().find("reload ("), std::string::npos) << "the whole map was read: " << server->log();
    auto const post = forumgate::testing::http_request(server.port, "/t/added-later/8800/2", OLD_HOST);
    ASSERT_TRUE(post);
    EXPECT_EQ(post->header("Location"), NEW_BASE + "/t/added-later/9800/2");
    // The rest of the map still answers, from the map below the change.
    auto const old = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(old);
    EXPECT_EQ(old->status, 301);

    // A change of the rules is layered too (the layer holds them whole); a table emptied, which
    // the log cannot name key by key, is found by comparing the map with the store.
    change_store(db, {"INSERT INTO forumgate.rules VALUES (99, '^/old-wiki$', '/t/wiki/1', 'redirect')"});
    ASSERT_TRUE(server->wait_for_log("map version 2 -> 3", 10s)) << server->log();
    auto const ruled = forumgate::testing::http_request(server.port, "/old-wiki", OLD_HOST);
    ASSERT_TRUE(ruled);
    EXPECT_EQ(ruled->header("Location"), NEW_BASE + "/t/wiki/1");
    change_store(db, {"TRUNCATE forumgate.tags"});
    EXPECT_TRUE(server->wait_for_log("map version 3 -> 4, compared with the store", 15s)) << server->log();
    EXPECT_EQ(server->log().find(" MiB, built in "), std::string::npos) << "the whole map was read: " << server->log();
}

TEST_F(server_test, a_change_after_the_store_dropped_the_servers_connections_is_still_applied)
{
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({}, db.conninfo());
    change_store(db, {"INSERT INTO forumgate.topics VALUES (8800, 'first', 9800, 'first', false)"});
    ASSERT_TRUE(server->wait_for_log("map version 1 -> 2", 10s)) << server->log();
    // A restart or failover of the store drops every connection of the server, the one it
    // applies changes with included; the change listener reconnects by itself.
    change_store(db, {"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid()"});
    ASSERT_TRUE(server->wait_for_log("following map changes again", 15s)) << server->log();
    change_store(db, {"INSERT INTO forumgate.topics VALUES (8801, 'second', 9801, 'second', false)"});
    EXPECT_TRUE(server->wait_for_log("map version 2 -> 3", 10s)) << server->log();
    auto const after = forumgate::testing::http_request(server.port, "/t/8801", OLD_HOST);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->header("Location"), NEW_BASE + "/t/second/9801");
}

TEST(change_listener_test, reports_the_stores_version_once_listening_so_an_earlier_change_is_not_missed)
{
    // A change committed before the LISTEN (the map loaded, then the change, then the LISTEN: a
    // race the server's start-up can lose on a busy machine) is never announced; the listener
    // reads the version after the LISTEN and reports it.
    test_database db;
    load_fixture_map(db.conninfo());
    change_store(db, {"UPDATE forumgate.topics SET new_slug = 'renamed' WHERE old_id = 774"});
    std::int64_t const stored = forumgate::store::database{db.conninfo()}.map_version();
    std::mutex mutex;
    std::condition_variable reported;
    std::vector<std::pair<std::optional<std::int64_t>, std::string>> calls;
    forumgate::redirector::change_listener listener{db.conninfo(),
                                                    [&](std::optional<std::int64_t> version, std::string_view why) {
                                                        std::lock_guard const lock{mutex};
                                                        calls.emplace_back(version, std::string{why});
                                                        reported.notify_all();
                                                    },
                                                    1000ms};
    std::unique_lock lock{mutex};
    ASSERT_TRUE(reported.wait_for(lock, 10s, [&] { return !calls.empty(); }));
    EXPECT_EQ(calls.front().first, stored);
    EXPECT_EQ(calls.front().second, "store's version on connecting");
    EXPECT_TRUE(listener.connected());
}

TEST_F(server_test, a_reload_with_the_store_gone_keeps_serving_the_old_map)
{
    auto doomed = std::make_unique<test_database>();
    load_fixture_map(doomed->conninfo());
    auto server = start({}, doomed->conninfo());
    ASSERT_TRUE(serving(server));
    {
        pqxx::connection admin{std::getenv(forumgate::testing::TEST_DB_VARIABLE)};
        pqxx::nontransaction drop{admin};
        drop.exec("DROP DATABASE " + drop.quote_name(doomed->name()) + " WITH (FORCE)");
    }
    server->signal(SIGHUP);
    EXPECT_TRUE(server->wait_for_log("reload (SIGHUP) failed, still serving map version 1", 5s)) << server->log();
    EXPECT_TRUE(serving(server));
    auto const reload = forumgate::testing::http_request(server.admin_port, "/reload", "localhost", "POST");
    ASSERT_TRUE(reload);
    EXPECT_EQ(reload->status, 200);
    EXPECT_TRUE(server->wait_for_log("reload (admin request) failed, still serving map version 1", 5s))
        << server->log();
    EXPECT_TRUE(serving(server));
    auto const ready = forumgate::testing::http_request(server.admin_port, "/readyz", "localhost");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200);
    auto const metrics = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metric(metrics->body, "forumgate_reloads_total{result=\"failed\"}"), 2) << metrics->body;
    server->signal(SIGTERM);
    EXPECT_EQ(server->wait_exit(5s), 0) << server->log();
}

TEST_F(server_test, sigterm_is_bounded_by_the_drain_timeout_while_a_reload_waits_on_a_lock)
{
    // Once: with a reload blocked on a lock in PostgreSQL, SIGTERM logged "stopped" and the
    // process exited only when the lock was released (23 s with a 2 s drain).
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({"--drain-timeout-ms", "1000"}, db.conninfo());
    pqxx::connection holder{db.conninfo()};
    pqxx::work locked{holder};
    locked.exec("LOCK TABLE forumgate.topics IN ACCESS EXCLUSIVE MODE");
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP: reloading", 5s)) << server->log();
    std::this_thread::sleep_for(300ms); // the reload is waiting on the lock now
    auto const begun = std::chrono::steady_clock::now();
    server->signal(SIGTERM);
    auto const status = server->wait_exit(10s);
    auto const took = std::chrono::steady_clock::now() - begun;
    EXPECT_EQ(status, 0) << server->log();
    EXPECT_LT(took, 2500ms) << server->log();
    EXPECT_NE(server->log().find("a map reload is still running"), std::string::npos) << server->log();
}

TEST_F(server_test, a_snapshot_file_that_is_not_a_regular_file_is_refused)
{
    // Once: a FIFO as the snapshot file blocked the start (and a reload) for ever.
    temp_dir dir;
    auto const fifo = dir.path() / "map.snapshot";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    server_process server{FORUMGATE_BINARY, {"serve", "--snapshot", fifo.string(), "--listen", "127.0.0.1:0"}};
    EXPECT_EQ(server.wait_exit(5s), 2) << server.log();
    EXPECT_NE(server.log().find("not a regular file"), std::string::npos) << server.log();
}

TEST_F(server_test, start_up_with_the_store_unreachable_fails_fast)
{
    temp_dir dir;
    std::string const nowhere =
        "host=" + (dir.path() / "no-server-here").string() + " port=5432 dbname=nothing connect_timeout=2";
    auto const begun = std::chrono::steady_clock::now();
    server_process server{FORUMGATE_BINARY, {"serve", "--db", nowhere, "--listen", "127.0.0.1:0"}};
    auto const status = server.wait_exit(10s);
    EXPECT_EQ(status, 2) << server.log();
    EXPECT_LT(std::chrono::steady_clock::now() - begun, 5s);
    EXPECT_NE(server.log().find("error connecting to host="), std::string::npos) << server.log();
    EXPECT_NE(server.log().find("hint: check --db"), std::string::npos) << server.log();
    EXPECT_EQ(server.log().find("listening on"), std::string::npos) << server.log();
}

TEST_F(server_test, start_up_with_the_store_unreachable_uses_the_snapshot_file)
{
    temp_dir dir;
    auto const file = dir.path() / "map.snapshot";
    auto const written = run_process(FORUMGATE_BINARY, {"map", "snapshot", "--db", s_db->conninfo(), file.string()});
    ASSERT_EQ(written.exit_code, 0) << written.err;
    std::string const nowhere =
        "host=" + (dir.path() / "no-server-here").string() + " port=5432 dbname=nothing connect_timeout=2";
    auto server = start({"--db", nowhere, "--snapshot", file.string()});
    ASSERT_TRUE(server->running()) << server->log();
    EXPECT_NE(server->log().find("starting from snapshot file"), std::string::npos) << server->log();
    EXPECT_TRUE(serving(server));
    auto const post = forumgate::testing::http_request(server.port, "/p/9003", OLD_HOST);
    ASSERT_TRUE(post);
    EXPECT_EQ(post->header("Location"), NEW_BASE + "/t/agm-2023-minutes/1774/2");
    // A reload while the store is still away keeps the snapshot's map.
    server->signal(SIGHUP);
    EXPECT_TRUE(server->wait_for_log("failed, still serving map version 1", 5s)) << server->log();
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, a_sighup_while_the_first_map_loads_is_handled_once_running)
{
    temp_dir dir;
    auto const file = dir.path() / "map.snapshot";
    auto const written = run_process(FORUMGATE_BINARY, {"map", "snapshot", "--db", s_db->conninfo(), file.string()});
    ASSERT_EQ(written.exit_code, 0) << written.err;
    // The store hangs for a second at start-up: a SIGHUP then (logrotate, an impatient operator)
    // must not kill the server with the signal's default action.
    black_hole store;
    std::string const hanging =
        "host=127.0.0.1 port=" + std::to_string(store.port()) + " dbname=nothing connect_timeout=1";
    server_process server{FORUMGATE_BINARY,
                          {"serve", "--db", hanging, "--snapshot", file.string(), "--listen", "127.0.0.1:0",
                           "--admin-listen", "127.0.0.1:0", "--stats-interval", "0", "--no-listen-for-changes"}};
    std::this_thread::sleep_for(400ms);
    ASSERT_TRUE(server.running()) << server.log();
    server.signal(SIGHUP);
    ASSERT_TRUE(server.wait_listening(2, 10s)) << "killed by SIGHUP at start-up:\n" << server.log();
    EXPECT_TRUE(server.wait_for_log("SIGHUP: reloading", 5s)) << server.log();
    // The comparison with the store (which would lay a layer over the snapshot's map), then the
    // whole read: each fails on a connection's timeout.
    EXPECT_TRUE(server.wait_for_log("reload (SIGHUP): comparing the map failed, reading it whole", 10s))
        << server.log();
    EXPECT_TRUE(server.wait_for_log("reload (SIGHUP) failed, still serving map version 1", 10s)) << server.log();
    auto const answer = forumgate::testing::http_request(server.ports()[0], "/t/774", OLD_HOST);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->header("Location"), TOPIC_774);
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(5s), 0) << server.log();
}

TEST_F(server_test, soft_mode_answers_302_briefly_cached)
{
    auto server = start({"--soft"});
    auto const response = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 302);
    EXPECT_EQ(response->header("Location"), TOPIC_774);
    EXPECT_EQ(response->header("Cache-Control"), "max-age=300");
}

TEST_F(server_test, a_config_change_to_soft_false_and_sighup_give_301_without_restart)
{
    temp_dir dir;
    auto const config = dir.write("forumgate.conf", "# trial period\nsoft = true\nsoft-max-age = 120\n");
    auto server = start({"--config", config.string()});
    auto const soft = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(soft);
    EXPECT_EQ(soft->status, 302);
    EXPECT_EQ(soft->header("Cache-Control"), "max-age=120");

    http_client kept{server.port}; // a connection open across the reload sees the change too
    ASSERT_TRUE(answered(kept));

    dir.write("forumgate.conf", "soft = false\npermanent-max-age = 86400\n");
    auto const pid_before = server->pid();
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP", 2s));
    auto const hard = poll_status(server, 301);
    ASSERT_TRUE(hard);
    EXPECT_EQ(hard->status, 301);
    EXPECT_EQ(hard->header("Cache-Control"), "public, max-age=86400");
    ASSERT_TRUE(kept.send(request("/t/774")));
    auto const on_kept = kept.read_response();
    ASSERT_TRUE(on_kept);
    EXPECT_EQ(on_kept->status, 301);
    EXPECT_EQ(server->pid(), pid_before);
    EXPECT_TRUE(server->running());

    // A setting that needs a restart is named and kept.
    dir.write("forumgate.conf", "soft = false\nthreads = 3\n");
    server->signal(SIGHUP);
    EXPECT_TRUE(server->wait_for_log("setting threads changed", 2s)) << server->log();
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, a_setting_taken_out_of_the_config_file_returns_to_its_default_on_sighup)
{
    temp_dir dir;
    auto const config = dir.write("forumgate.conf", "soft = true\nmiss-max-age = 5\n");
    auto server = start({"--config", config.string(), "--permanent-max-age", "600"});
    auto const soft = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(soft);
    EXPECT_EQ(soft->status, 302);
    // The trial period is over: the operator deletes the line rather than writing soft = false.
    dir.write("forumgate.conf", "# soft period over\n");
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP", 2s));
    auto const hard = poll_status(server, 301, 50);
    ASSERT_TRUE(hard);
    EXPECT_EQ(hard->status, 301) << server->log();
    EXPECT_EQ(hard->header("Cache-Control"), "public, max-age=600") << "the command line still wins";
    auto const miss = forumgate::testing::http_request(server.port, "/t/nothing/999999", OLD_HOST);
    ASSERT_TRUE(miss);
    EXPECT_EQ(miss->header("Cache-Control"), "public, max-age=60");
    EXPECT_EQ(server->log_count("needs a restart"), 0U) << server->log();
}

/// Represents clients that ask for topic 774 without pause while the map changes under them:
/// three keep-alive connections with two requests pipelined at a time, and one new connection
/// for every request. Each answer must be a 301 to the old target or to `renamed`; the first 20
/// that are not are kept.
class clients_under_load
{
public:
    clients_under_load(std::uint16_t port, std::string renamed) : m_port{port}, m_renamed{std::move(renamed)}
    {
        for (int i = 0; i < 3; ++i) {
            m_threads.emplace_back(&clients_under_load::run_guarded, this, &clients_under_load::keep_alive_client);
        }
        m_threads.emplace_back(&clients_under_load::run_guarded, this, &clients_under_load::new_connection_client);
    }
    ~clients_under_load() { stop(); }
    clients_under_load(clients_under_load const &) = delete;
    clients_under_load &operator=(clients_under_load const &) = delete;

    /// Stops the clients and waits for them.
    void stop()
    {
        m_stop = true;
        for (auto &thread : m_threads) {
            if (thread.joinable()) {
                thread.join();
            }
        }
    }

    [[nodiscard]] std::uint64_t answered() const noexcept { return m_answered.load(); }
    /// \return how many answers sent the client to `renamed` (the new map's target).
    [[nodiscard]] std::uint64_t saw_new() const noexcept { return m_saw_new.load(); }
    /// After stop(): the answers (or errors) that were wrong.
    [[nodiscard]] std::vector<std::string> const &failures() const noexcept { return m_failures; }

private:
    void keep_alive_client()
    {
        http_client client{m_port};
        while (!m_stop) {
            if (!client.send(request("/t/774") + request("/t/agm-2023-minutes/774")) ||
                !check(client.read_response()) || !check(client.read_response())) {
                return;
            }
        }
    }

    void new_connection_client()
    {
        while (!m_stop) {
            check(forumgate::testing::http_request(m_port, "/t/774", OLD_HOST));
        }
    }

    /// Runs one of the clients above, keeping any exception it throws as a failure.
    void run_guarded(void (clients_under_load::*client)())
    {
        try {
            (this->*client)();
        } catch (std::exception const &e) {
            fail(e.what());
        }
    }

    bool check(std::optional<http_response> const &response)
    {
        if (!response) {
            fail("no answer");
            return false;
        }
        auto const location = response->header("Location").value_or("");
        if (response->status != 301 || (location != TOPIC_774 && location != m_renamed) || !response->problem.empty()) {
            fail(response->head);
            return false;
        }
        ++m_answered;
        if (location == m_renamed) {
            ++m_saw_new;
        }
        return true;
    }

    void fail(std::string what)
    {
        std::lock_guard const lock{m_failures_mutex};
        if (m_failures.size() < 20) {
            m_failures.push_back(std::move(what));
        }
    }

    std::uint16_t m_port;
    std::string m_renamed;
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint64_t> m_answered{0};
    std::atomic<std::uint64_t> m_saw_new{0};
    std::mutex m_failures_mutex;
    std::vector<std::string> m_failures;
    std::vector<std::thread> m_threads;
};

/// Sends SIGHUP to `server` every 100 ms, and after 1 s renames topic 774 in the store `db`
/// (`forumgate map load`, which NOTIFYs): for at least 3 s, then on until `clients` have been
/// answered from the new map, for on a loaded machine `map load` and the rebuild it causes can
/// take longer than the 3 s; and until the server logged 3 reloads, which coalesce (a slow
/// machine may fit only 2 in 3 s). The 30 s bound only stops a broken reload from hanging the test
/// (saw_new() then fails the test).
void sighup_while_the_map_changes(running_server const &server, test_database const &db,
                                  clients_under_load const &clients)
{
    temp_dir changed;
    changed.write("topics.csv",
                  "old_id,old_slug,new_id,new_slug,restricted\n774,agm-2023-minutes,1774,agm-minutes-renamed,false\n");
    auto const begun = std::chrono::steady_clock::now();
    bool loaded = false;
    auto const running = [&] {
        auto const elapsed = std::chrono::steady_clock::now() - begun;
        bool const done = clients.saw_new() > 0 && server->log_count("reload (SIGHUP)") >= 3;
        // At least 3 s of reloads under load; then until done. The bound is for a machine whose
        // cores are taken by other work: there `forumgate map load` and the first reload were
        // seen to take 33 s and 23 s for this 4-topic map (two busy loops beside the test).
        return elapsed < 3s || (!done && elapsed < 120s);
    };
    while (running()) {
        server->signal(SIGHUP);
        std::this_thread::sleep_for(100ms);
        if (!loaded && std::chrono::steady_clock::now() - begun > 1s) {
            auto const load =
                run_process(FORUMGATE_BINARY, {"map", "load", "--db", db.conninfo(), changed.path().string()});
            EXPECT_EQ(load.exit_code, 0) << load.err;
            loaded = true;
        }
    }
}

// Last in this program: its timing (a reload within a three-second run) assumes a store that
// has already served the tests above, as it had when all the server tests were one program.
TEST_F(server_test, reload_under_load_fails_no_request_and_then_serves_the_new_map)
{
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({"--threads", "2"}, db.conninfo());
    std::string const renamed = NEW_BASE + "/t/agm-minutes-renamed/1774";

    clients_under_load clients{server.port, renamed};
    sighup_while_the_map_changes(server, db, clients);
    clients.stop();

    EXPECT_TRUE(clients.failures().empty()) << clients.failures().size() << " failed, the first:\n"
                                            << clients.failures().front() << "\n"
                                            << server->log();
    EXPECT_GT(clients.answered(), 100U);
    EXPECT_GT(clients.saw_new(), 0U) << "the new map was never served during the run";
    EXPECT_TRUE(server->wait_for_log("map version 1 -> 2", 10s)) << server->log();
    EXPECT_GE(server->log_count("reload (SIGHUP)"), 3U) << server->log();
    EXPECT_EQ(server->log_count("failed"), 0U) << server->log();
    auto const after = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->header("Location"), renamed);
    auto const metrics = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metric(metrics->body, "forumgate_map_version"), 2) << metrics->body;
}

TEST_F(server_test, reloads_give_their_memory_back)
{
    // Each reload builds a new map in the reloader's thread and frees the old one there; glibc
    // kept those pages in that thread's heap arena, and RSS grew by about a map's size with
    // every reload (1M topics: 116 MiB at start, 475 MiB after six reloads).
    test_database db;
    temp_dir map;
    std::string topics = "old_id,old_slug,new_id,new_slug,restricted\n";
    constexpr int TOPICS = 300'000;
    for (int id = 1; id <= TOPICS; ++id) {
        topics += std::to_string(id) + ",old-topic-title-number-" + std::to_string(id) + "," +
                  std::to_string(id + 5000) + ",new-topic-title-number-" + std::to_string(id) + ",false\n";
    }
    map.write("topics.csv", topics);
    auto const load = run_process(
        FORUMGATE_BINARY,
        {"map", "load", "--db", db.conninfo(), "--new-base", NEW_BASE, "--old-host", OLD_HOST, map.path().string()}, {},
        {}, 300);
    ASSERT_EQ(load.exit_code, 0) << load.err;
    auto server = start({}, db.conninfo());
    auto const started = resident_kib(server->pid());
    constexpr std::size_t RELOADS = 5;
    for (std::size_t n = 1; n <= RELOADS; ++n) {
        server->signal(SIGHUP);
        ASSERT_TRUE(server->wait_for_log("reload (SIGHUP)", 60s, n)) << server->log();
    }
    std::this_thread::sleep_for(500ms); // the old map's last reader lets go
    auto const after = resident_kib(server->pid());
    std::printf("VmRSS: %llu KiB at start, %llu KiB after %zu reloads\n", static_cast<unsigned long long>(started),
                static_cast<unsigned long long>(after), RELOADS);
    // The map of 300,000 topics takes about 25 MiB; five reloads used to add about 100 MiB.
    EXPECT_LT(after, started + 20 * 1024) << server->log();
    auto const answer = forumgate::testing::http_request(server.port, "/t/1", OLD_HOST);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->header("Location"), NEW_BASE + "/t/new-topic-title-number-1/5001");
}

} // namespace
