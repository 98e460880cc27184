// forumgate resolve: what the redirector would answer for old URLs, one line each.

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "mappings/old_url.hpp"
#include "mappings/resolver.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <set>

namespace forumgate::cli {
namespace {

struct resolve_options
{
    std::string db;
    std::vector<std::string> urls;
};

// The URL as echoed on an output line: control bytes (a tab would break the columns) escaped.
std::string printable(std::string_view url)
{
    std::string out;
    for (char const c : url) {
        auto const byte = static_cast<unsigned char>(c);
        if (byte < 0x20U || byte == 0x7FU) {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

int run_resolve(resolve_options const &options)
{
    require_db(options.db);
    store::database store{options.db};
    store.migrate();
    auto const map = store.load_snapshot();
    std::string const &main_host = map->settings().old_hosts.front();

    mappings::parsed_url scratch;
    std::size_t unresolved = 0;
    std::set<std::string> hosts_told;
    // Says once per host why a URL of another host gets no redirect.
    auto const tell_unknown_host = [&](std::string_view host) {
        if (!hosts_told.insert(std::string{host}).second) {
            return;
        }
        std::string known;
        for (auto const &old_host : map->settings().old_hosts) {
            known += (known.empty() ? "" : ", ") + old_host;
        }
        spdlog::warn("resolve: {} is not an old host of this map ({}): its URLs get no redirect (the redirector "
                     "answers them 421); if it is a name of the old forum, add it with --old-host to map load or "
                     "import",
                     printable(host), known);
    };
    auto const answer = [&](std::string_view url) {
        std::string line;
        if (auto const req = mappings::request_from_url(url, main_host)) {
            auto const d = mappings::resolve(*req, *map, scratch);
            if (d.status != 301) {
                ++unresolved;
            }
            if (d.why == mappings::reason::unknown_host) {
                tell_unknown_host(req->host);
            }
            line = fmt::format("{}\t{}\t{}\n", d.status, d.location.empty() ? "-" : d.location, printable(url));
        } else {
            ++unresolved;
            line = fmt::format("400\t-\t{}\n", printable(url));
        }
        std::cout << line;
    };
    if (options.urls.empty()) {
        std::string line;
        while (std::getline(std::cin, line)) {
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            if (!line.empty()) {
                answer(line);
            }
        }
    } else {
        for (auto const &url : options.urls) {
            answer(url);
        }
    }
    std::cout.flush();
    return unresolved == 0 ? EXIT_OK : EXIT_PROBLEMS;
}

} // namespace

void add_resolve_command(CLI::App &app, command &run)
{
    auto options = std::make_shared<resolve_options>();
    auto *resolve = app.add_subcommand(
        "resolve",
        "Print STATUS<TAB>LOCATION<TAB>URL for each old URL (full URLs, or paths taken against the first old host); "
        "URLs from standard input when none are given. Exit 1 if any URL got no 301");
    add_db_option(*resolve, options->db);
    resolve->add_option("URL", options->urls, "Old forum URLs or paths");
    set_footer(*resolve, "Exit status: 0 every URL got a 301, 1 some did not, 2 fatal.");
    resolve->callback([&run, options] { run = [options] { return run_resolve(*options); }; });
}

} // namespace forumgate::cli
