// `forumgate map export --format nginx` loaded into a real nginx over loopback: on a generated
// map with gaps, hidden, unmigrated and moved posts, restricted topics and odd slugs, nginx
// answers every URL of a long list as `forumgate resolve` does, or hands it to its fallback.
// Skipped where nginx is not installed (scripts/test installs it).

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;
using forumgate::testing::http_request;
using forumgate::testing::process_result;
using forumgate::testing::run_process;
using forumgate::testing::server_process;
using forumgate::testing::temp_dir;
using forumgate::testing::test_database;

std::string const OLD_HOST = "forum.cooperationbirmingham.org.uk";
std::string const NEW_BASE = "https://forum.brum.coop";
char const *const NGINX = "/usr/sbin/nginx";

// An answer as compared: the status and the Location ("-" for none).
struct answer
{
    int status = 0;
    std::string location;
    bool operator==(answer const &) const = default;
};

std::ostream &operator<<(std::ostream &out, answer const &a)
{
    return out << a.status << ' ' << a.location;
}

// The generated map, and the URLs nginx must answer itself because the export lists them.
struct generated_map
{
    std::vector<std::string> urls;     // every URL to compare
    std::vector<std::string> exported; // of them, those the export answers without the fallback
};

// Writes a map of about 120 topics into `dir` with a fixed seed: every case of the resolver's
// topic and post logic appears (see the comments), and returns the URLs to ask.
generated_map write_map(fs::path const &dir)
{
    std::mt19937 random{15}; // NOLINT(cert-msc32-c,cert-msc51-cpp): the same map every run
    auto const chance = [&](double p) { return std::uniform_real_distribution<>{0, 1}(random) < p; };
    generated_map out;
    std::ofstream topics{dir / "topics.csv"};
    std::ofstream posts{dir / "posts.csv"};
    topics << "old_id,old_slug,new_id,new_slug,restricted\n";
    posts << "old_topic_id,old_post_number,old_id,new_id,new_topic_id,new_post_number,hidden\n";
    std::uint64_t post_id = 5000;
    for (std::uint64_t id = 1; id <= 120; ++id) {
        if (id % 17 == 0) {
            continue; // a gap in the old ids
        }
        bool const migrated = id % 15 != 0;
        std::string new_slug = "new-topic-" + std::to_string(id);
        if (id % 23 == 0) {
            new_slug = "costs-$5-" + std::to_string(id); // a `$` nginx must not read as a variable
        } else if (id % 29 == 0) {
            new_slug = "日本語-" + std::to_string(id);
        }
        topics << id << ",topic-" << id << ',' << (migrated ? std::to_string(1000 + id) : "") << ",\"" << new_slug
               << "\"," << (id % 10 == 0 ? "true" : "false") << '\n';
        for (std::string const &slug :
             {std::string{}, "topic-" + std::to_string(id) + "/", std::string{"%E6%97%A5/"}}) {
            out.urls.push_back("/t/" + slug + std::to_string(id));
            out.urls.push_back("/t/" + slug + std::to_string(id) + "/last");
        }
        out.exported.push_back("/t/" + std::to_string(id));
        out.exported.push_back("/t/topic-" + std::to_string(id) + "/" + std::to_string(id) + "/last");
        out.urls.push_back("/t/topic-" + std::to_string(id)); // by old slug
        out.urls.push_back("/t/" + std::to_string(id) + "/print");
        for (char const *tail : {"/", ".json", ".rss", "/print", "?page=2", "?utm_source=mail", "?u=alice"}) {
            out.urls.push_back("/t/topic-" + std::to_string(id) + "/" + std::to_string(id) + tail);
        }
        for (std::string const odd : {"/t/id_for/", "/t/external_id/", "/t/a%2Fb/", "/t/%FF/", "/t//", "/t/x/../",
                                      "/t/%74opic/", "/t/..%2F/", "/t/0"}) {
            out.urls.push_back(odd + std::to_string(id));
        }
        if (id % 7 == 0) {
            // No post rows: the resolver keeps post numbers as they are, which nginx leaves to
            // the fallback.
            out.urls.push_back("/t/" + std::to_string(id) + "/5");
            continue;
        }
        std::uint32_t const last = std::uniform_int_distribution<std::uint32_t>{1, 30}(random);
        std::uint32_t new_number = 0;
        for (std::uint32_t n = 1; n <= last; ++n) {
            std::string const url =
                "/t/topic-" + std::to_string(id) + "/" + std::to_string(id) + "/" + std::to_string(n);
            out.urls.push_back(url);
            out.urls.push_back("/t/" + std::to_string(id) + "/" + std::to_string(n) + "/");
            if (n > 1 && chance(0.15)) {
                continue; // a post number the map never had: nearest post, the fallback's
            }
            ++post_id;
            bool const hidden = chance(0.1);
            bool const post_migrated = migrated && n != 1 && chance(0.85);
            bool const moved = post_migrated && chance(0.05);
            posts << id << ',' << n << ',' << post_id << ',';
            if (post_migrated || (migrated && n == 1)) {
                ++new_number;
                posts << 100000 + post_id << ',' << (moved ? 1001 : 1000 + id) << ',' << new_number;
            } else {
                posts << ",,";
            }
            posts << ',' << (hidden ? "true" : "false") << '\n';
            out.urls.push_back("/p/" + std::to_string(post_id));
            out.exported.push_back(url);
            out.exported.push_back("/p/" + std::to_string(post_id));
        }
        out.urls.push_back("/t/" + std::to_string(id) + "/" + std::to_string(last + 3));
    }
    std::ofstream categories{dir / "categories.csv"};
    categories << "old_id,old_slug_path,new_id,new_slug_path,restricted\n";
    for (std::uint64_t id = 1; id <= 8; ++id) {
        std::string const path = id % 3 == 0 ? "groups/sub-" + std::to_string(id) : "cat-" + std::to_string(id);
        categories << id << ',' << path << ',' << (id == 4 ? "" : std::to_string(20 + id)) << ",new-" << path << ','
                   << (id == 5 ? "true" : "false") << '\n';
        for (std::string const &url :
             {"/c/" + std::to_string(id), "/c/" + path + "/" + std::to_string(id), "/c/none/" + std::to_string(id),
              "/c/" + std::to_string(id) + "/l/latest", "/c/" + path, "/c/" + std::to_string(id) + "?order=activity"}) {
            out.urls.push_back(url);
        }
        out.exported.push_back("/c/" + path + "/" + std::to_string(id));
    }
    std::ofstream uploads{dir / "uploads.csv"};
    uploads << "old_path,new_url\n";
    for (int i = 0; i < 6; ++i) {
        std::string sha1(40, "0123456789abcdef"[i]);
        std::string const path = "/uploads/default/original/1X/" + sha1 + ".png";
        uploads << path << ','
                << (i == 2 ? "" : "/uploads/default/original/2X/" + sha1.substr(0, 1) + "/" + sha1 + ".png") << '\n';
        out.urls.push_back(path);
        out.urls.push_back("/uploads/default/optimized/1X/" + sha1 + "_2_690x388.png");
        out.urls.push_back("/uploads/default/original/1X/" + sha1 + ".png?dl=1");
        out.exported.push_back(path);
    }
    for (char const *other : {"/", "/latest", "/u/alice", "/tag/housing", "/wp-login.php", "/t/99999", "/p/99999999",
                              "/c/99", "/t", "/p/", "/uploads/x/../../etc/passwd"}) {
        out.urls.push_back(other);
    }
    return out;
}

// What `forumgate resolve` answers for each URL.
std::map<std::string, answer> resolve_all(std::string const &db, std::vector<std::string> const &urls)
{
    std::string input;
    for (auto const &url : urls) {
        input += url + '\n';
    }
    process_result const result = run_process(FORUMGATE_BINARY, {"resolve", "--db", db}, {}, input);
    EXPECT_LE(result.exit_code, 1) << result.err;
    std::map<std::string, answer> answers;
    std::istringstream lines{result.out};
    std::string line;
    while (std::getline(lines, line)) {
        auto const tab = line.find('\t');
        auto const second = line.find('\t', tab + 1);
        answers[line.substr(second + 1)] = {std::stoi(line.substr(0, tab)), line.substr(tab + 1, second - tab - 1)};
    }
    EXPECT_EQ(answers.size(), std::set<std::string>(urls.begin(), urls.end()).size()) << result.out;
    return answers;
}

answer ask(std::uint16_t port, std::string const &url)
{
    auto const response = http_request(port, url, OLD_HOST);
    if (!response) {
        return {-1, "no answer"};
    }
    return {response->status, response->header("Location").value_or("-")};
}

class nginx_export : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (!fs::exists(NGINX)) {
            GTEST_SKIP() << "nginx is not installed (scripts/test installs it)";
        }
        m_map = write_map(m_dir.path());
        auto const load = run_process(FORUMGATE_BINARY, {"map", "load", "--db", m_db.conninfo(), "--new-base", NEW_BASE,
                                                         "--old-host", OLD_HOST, m_dir.path().string()});
        ASSERT_EQ(load.exit_code, 0) << load.err;
        m_expected = resolve_all(m_db.conninfo(), m_map.urls);
    }

    // Exports with `more` arguments and starts nginx on the export. \return its port.
    std::uint16_t start_nginx(std::vector<std::string> more)
    {
        auto const out = m_dir.path() / "nginx";
        fs::create_directories(out / "logs");
        std::vector<std::string> args{"map", "export", "--db", m_db.conninfo(), "--format", "nginx", out.string()};
        args.insert(args.end(), more.begin(), more.end());
        auto const exported = run_process(FORUMGATE_BINARY, args);
        EXPECT_EQ(exported.exit_code, 0) << exported.err;
        m_export_log = exported.err;
        std::uint16_t const port = forumgate::testing::unused_loopback_port();
        std::ofstream conf{out / "nginx.conf"};
        // One process (master_process off), so that killing it leaves no worker behind.
        conf << "daemon off;\nmaster_process off;\npid nginx.pid;\nerror_log logs/error.log warn;\n"
             << "events { worker_connections 256; }\n"
             << "http {\n    access_log off;\n    client_body_temp_path tmp_body;\n    proxy_temp_path tmp_proxy;\n"
             << "    fastcgi_temp_path tmp_fastcgi;\n    uwsgi_temp_path tmp_uwsgi;\n    scgi_temp_path tmp_scgi;\n"
             << "    include " << (out / "forumgate-map.conf").string() << ";\n"
             << "    server {\n        listen 127.0.0.1:" << port << ";\n        server_name " << OLD_HOST << ";\n"
             << "        include " << (out / "forumgate-locations.conf").string() << ";\n    }\n}\n";
        conf.close();
        auto const check =
            run_process(NGINX, {"-t", "-p", out.string() + "/", "-c", "nginx.conf", "-e", "logs/error.log"});
        EXPECT_EQ(check.exit_code, 0) << check.err;
        m_nginx = std::make_unique<server_process>(
            NGINX, std::vector<std::string>{"-p", out.string() + "/", "-c", "nginx.conf", "-e", "logs/error.log"});
        for (int i = 0; i < 200 && !forumgate::testing::http_client::can_connect(port); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds{25});
        }
        EXPECT_TRUE(forumgate::testing::http_client::can_connect(port)) << m_nginx->log();
        return port;
    }

    void TearDown() override
    {
        if (m_nginx) {
            m_nginx->signal(SIGQUIT);
            EXPECT_TRUE(m_nginx->wait_exit(std::chrono::seconds{10}).has_value());
        }
    }

    temp_dir m_dir;
    test_database m_db;
    generated_map m_map;
    std::map<std::string, answer> m_expected;
    std::unique_ptr<server_process> m_nginx;
    std::string m_export_log;
};

TEST_F(nginx_export, answers_as_the_resolver_or_leaves_it_to_the_fallback)
{
    std::uint16_t const port = start_nginx({});
    std::size_t same = 0;
    for (auto const &url : m_map.urls) {
        answer const &expected = m_expected.at(url);
        answer const got = ask(port, url);
        if (got == expected) {
            ++same;
        } else {
            // Not in the export: the fallback, a 404 here.
            EXPECT_EQ(got, (answer{404, "-"})) << url << " (forumgate resolve: " << expected << ")";
        }
    }
    for (auto const &url : m_map.exported) {
        EXPECT_EQ(ask(port, url), m_expected.at(url)) << url;
    }
    // The shapes nginx cannot follow really reach the fallback: each of these has a 301 from the
    // resolver and a 404 from this nginx.
    for (std::string const url :
         {"/t/topic-1/1?page=2", "/t/topic-1/1.json", "/t/1/print", "/t/topic-1", "/t/a%2Fb/1"}) {
        EXPECT_EQ(m_expected.at(url).status, 301) << url;
        EXPECT_EQ(ask(port, url).status, 404) << url;
    }
    EXPECT_GT(same, m_map.exported.size());
    std::cout << same << " of " << m_map.urls.size() << " URLs answered alike, " << m_map.exported.size()
              << " of them listed in the export\n";
    EXPECT_NE(m_export_log.find("entries ("), std::string::npos) << m_export_log;
}

TEST_F(nginx_export, with_forumgate_serve_as_fallback_every_answer_is_the_resolvers)
{
    server_process serve{FORUMGATE_BINARY,
                         {"serve", "--db", m_db.conninfo(), "--listen", "127.0.0.1:0", "--stats-interval", "0"}};
    ASSERT_TRUE(serve.wait_listening(1)) << serve.log();
    std::uint16_t const port = start_nginx({"--fallback", "http://127.0.0.1:" + std::to_string(serve.ports().front())});
    for (auto const &url : m_map.urls) {
        EXPECT_EQ(ask(port, url), m_expected.at(url)) << url;
    }
    // With forumgate stopped, nginx still answers what the export lists, by itself.
    serve.signal(SIGTERM);
    ASSERT_TRUE(serve.wait_exit(std::chrono::seconds{10}).has_value());
    for (auto const &url : m_map.exported) {
        EXPECT_EQ(ask(port, url), m_expected.at(url)) << url;
    }
    EXPECT_EQ(ask(port, "/t/topic-1/1?page=2").status, 502);
}

TEST_F(nginx_export, refuses_a_fallback_nginx_cannot_use)
{
    for (std::string const bad : {"127.0.0.1:8080", "http://127.0.0.1:8080/redirect", "http://a b", "ftp://x"}) {
        auto const result = run_process(FORUMGATE_BINARY, {"map", "export", "--db", m_db.conninfo(), "--format",
                                                           "nginx", "--fallback", bad, (m_dir.path() / "x").string()});
        EXPECT_EQ(result.exit_code, 2) << bad;
        EXPECT_NE(result.err.find("fallback " + bad), std::string::npos) << result.err;
    }
}

} // namespace
