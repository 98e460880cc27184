// Lines per second of `forumgate coverage` reading an access log: writes a generated log of
// 1M lines in the combined format (the synthetic map's realistic URL mix, with the scanners,
// asset requests, POSTs and odd lines a real log holds), then times reading it with the
// report's own reader (parse, skip, tally by URL and day) and resolving every distinct URL
// against the synthetic map in-process, as `forumgate coverage --access-log` does. Plain and
// gzip, and the plain log again with its layout given as an nginx log_format (--log-format).
// The peers (awk, GoAccess) are run on the same file by scripts/bench/coverage.

#include "report/classify.hpp"
#include "report/inputs.hpp"
#include "report/store_inputs.hpp"
#include "scripts/bench/synthetic_map.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>

namespace {

using namespace forumgate;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Writes `lines` log lines to `path` (gzip-compressed when `compressed`), over 7 days.
void write_log(std::string const &path, std::vector<std::string> const &targets, bool compressed)
{
    static constexpr std::array<std::string_view, 4> AGENTS = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 "
        "Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
        "Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64; rv:119.0) Gecko/20100101 Firefox/119.0"};
    static constexpr std::array<std::string_view, 7> DAYS = {"01", "02", "03", "04", "05", "06", "07"};
    std::mt19937_64 random{7};
    std::uniform_int_distribution<int> percent{0, 999};
    std::string block;
    std::ofstream plain;
    gzFile gz = nullptr;
    if (compressed) {
        gz = gzopen(path.c_str(), "wb6");
    } else {
        plain.open(path, std::ios::binary);
    }
    auto const flush = [&] {
        if (compressed) {
            gzwrite(gz, block.data(), static_cast<unsigned>(block.size()));
        } else {
            plain.write(block.data(), static_cast<std::streamsize>(block.size()));
        }
        block.clear();
    };
    std::size_t const n = targets.size();
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t const day = i * DAYS.size() / n;
        std::size_t const second = (i * 86400 * DAYS.size() / n) % 86400;
        int const roll = percent(random);
        std::string_view method = "GET";
        std::string target = targets[i];
        int status = 200;
        if (roll < 20) {
            target = fmt::format("/assets/application-{:x}.js", roll); // the forum's own assets
        } else if (roll < 30) {
            method = "POST";
            target = "/topics/timings";
        } else if (roll < 32) {
            block +=
                "203.0.113.9 - - [" + std::string{DAYS[day]} + "/May/2024:03:00:00 +0000] \"-\" 400 0 \"-\" \"-\"\n";
            continue;
        } else if (roll < 33) {
            block += "garbage that is no log line\n";
            continue;
        }
        if (target.starts_with("/t/0/") || roll > 985) {
            status = 404;
        }
        block += fmt::format(
            "{}.{}.{}.{} - - [{}/May/2024:{:02}:{:02}:{:02} +0100] \"{} {} HTTP/1.1\" {} {} \"{}\" \"{}\"\n",
            10 + roll % 200, (i >> 8U) & 0xFFU, i & 0xFFU, roll % 250 + 1, DAYS[day], second / 3600, second / 60 % 60,
            second % 60, method, target, status, 1000 + roll * 7, roll < 500 ? "-" : "https://www.google.com/",
            AGENTS[i % AGENTS.size()]);
        if (block.size() > (1U << 20U)) {
            flush();
        }
    }
    flush();
    if (compressed) {
        gzclose(gz);
    }
}

struct timing
{
    double read_seconds = 0;
    double resolve_seconds = 0;
    std::uint64_t lines = 0;
    std::uint64_t requests = 0;
    std::size_t urls = 0;
    std::uint64_t covered = 0;
};

timing run_once(std::string const &path, mappings::snapshot const &map, report::log_format const *format)
{
    timing t;
    auto const start = clock_type::now();
    report::url_tally tally{map.settings().old_hosts.front()};
    report::input_summary summary;
    report::read_access_log(path, tally, summary, {format, false, false}, nullptr);
    t.read_seconds = seconds_since(start);
    auto const resolve_start = clock_type::now();
    report::miss_explainer const explainer;
    auto const verdicts = report::classify_in_process(tally, map, explainer);
    t.resolve_seconds = seconds_since(resolve_start);
    t.lines = summary.log_lines;
    t.requests = summary.log_requests;
    t.urls = tally.size();
    for (std::size_t i = 0; i < tally.size(); ++i) {
        t.covered += report::is_covered(verdicts[i].outcome) ? tally[i].hits : 0;
    }
    return t;
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"Times forumgate coverage's access-log reading and resolving on a generated log."};
    std::size_t lines = 1'000'000;
    bench::synthetic_map_options map_options;
    map_options.topics = 200'000;
    map_options.posts = 2'000'000;
    std::string log = "coverage-bench.log";
    int runs = 5;
    app.add_option("--lines", lines, "Lines of the generated log")->capture_default_str();
    app.add_option("--topics", map_options.topics, "Topics in the synthetic map")->capture_default_str();
    app.add_option("--posts", map_options.posts, "Posts in the synthetic map")->capture_default_str();
    app.add_option("--log", log, "Where to write the log (and LOG.gz)")->capture_default_str();
    app.add_option("--runs", runs, "Timed runs of each; the median is reported")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    auto const build_start = clock_type::now();
    mappings::snapshot_builder builder{bench::synthetic_settings()};
    bench::generate_map(
        map_options, [&](mappings::topic_row const &row) { builder.add(row); },
        [&](mappings::post_row const &row) { builder.add(row); });
    auto const map = builder.build();
    auto const targets = bench::synthetic_targets(map_options, lines);
    write_log(log, targets, false);
    write_log(log + ".gz", targets, true);
    std::cerr << fmt::format("map of {} topics and {} posts and logs of {} lines made in {:.1f} s\n",
                             map_options.topics, map_options.posts, lines, seconds_since(build_start));

    // The same plain log read with its layout given as nginx's own format string (--log-format).
    report::log_format const combined{R"($remote_addr - $remote_user [$time_local] "$request" $status )"
                                      R"($body_bytes_sent "$http_referer" "$http_user_agent")"};
    struct variant
    {
        char const *name;
        std::string path;
        report::log_format const *format;
    };
    for (auto const &[name, path, format] : {variant{"plain", log, nullptr}, variant{"gzip", log + ".gz", nullptr},
                                             variant{"log-format", log, &combined}}) {
        (void)run_once(path, *map, format); // warm the page cache and the allocator
        std::vector<timing> timings;
        for (int i = 0; i < runs; ++i) {
            timings.push_back(run_once(path, *map, format));
        }
        std::sort(timings.begin(), timings.end(), [](timing const &a, timing const &b) {
            return a.read_seconds + a.resolve_seconds < b.read_seconds + b.resolve_seconds;
        });
        auto const &t = timings[timings.size() / 2];
        double const total = t.read_seconds + t.resolve_seconds;
        // One line per log, key=value, for scripts/bench/coverage to read.
        std::cout << fmt::format(
            "{} lines={} requests={} urls={} covered_hits={} read_s={:.3f} resolve_s={:.3f} total_s={:.3f} "
            "lines_per_s={:.0f}\n",
            name, t.lines, t.requests, t.urls, t.covered, t.read_seconds, t.resolve_seconds, total,
            static_cast<double>(t.lines) / total);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::cout << fmt::format("peak_rss_mib={:.0f}\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
    return 0;
}
