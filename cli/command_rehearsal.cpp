// forumgate rehearsal-forum: a Discourse-compatible forum in memory, served over HTTP, for
// tests, demos and dry runs (docs/rehearsal-forum.md).

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "redirector/server.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/forum.hpp"
#include "rehearsal/generator.hpp"
#include "rehearsal/http_server.hpp"
#include "rehearsal/seed.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <csignal>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace forumgate::cli {

namespace {

namespace net = boost::asio;

struct rehearsal_options
{
    std::string listen = "127.0.0.1:8081";
    std::string admin_key_file;
    int latency_ms = 0;
    double error_share = 0.0;
    double timeout_share = 0.0;
    double drop_share = 0.0;
    std::uint64_t fault_seed = 1;
    std::string seed_file;
    std::size_t generate = 0;
    std::uint64_t generate_seed = 1;
    std::string save_file;
    std::vector<std::string> settings; ///< NAME=VALUE, in order
    int admin_api_rate = 0;
};

/// \return the key in `path`: its first line, surrounding white space removed.
/// \throws input_error naming the file (never its contents).
std::string read_key_file(std::string const &path)
{
    std::ifstream in{path};
    if (!in) {
        throw input_error{"--admin-key-file " + path + ": cannot read the file"};
    }
    std::string key;
    std::getline(in, key);
    auto const first = key.find_first_not_of(" \t\r\n");
    auto const last = key.find_last_not_of(" \t\r\n");
    key = first == std::string::npos ? std::string{} : key.substr(first, last - first + 1);
    if (key.empty()) {
        throw input_error{"--admin-key-file " + path + ": the file holds no key"};
    }
    return key;
}

/// Splits each --setting NAME=VALUE and checks it against the settings table, before any
/// forum is loaded. \throws argument_error naming the option and the setting.
std::vector<std::pair<std::string, std::string>> parse_settings(std::vector<std::string> const &texts)
{
    std::vector<std::pair<std::string, std::string>> settings;
    rehearsal::site_settings trial;
    for (auto const &text : texts) {
        auto const eq = text.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw argument_error{"--setting " + text + ": expected NAME=VALUE, e.g. min_post_length=1"};
        }
        std::string name = text.substr(0, eq);
        std::string value = text.substr(eq + 1);
        try {
            rehearsal::set_setting(trial, name, value);
        } catch (rehearsal::validation_error const &problem) {
            throw argument_error{"--setting " + name + ": " + problem.what()};
        }
        settings.emplace_back(std::move(name), std::move(value));
    }
    return settings;
}

int run_rehearsal_forum(rehearsal_options const &options)
{
    auto const endpoint = redirector::parse_endpoint(options.listen, "listen");
    auto const settings = parse_settings(options.settings);
    std::string const key = options.admin_key_file.empty() ? std::string{} : read_key_file(options.admin_key_file);

    // The forum: from a seed file, generated, or empty.
    rehearsal::forum_state initial;
    if (!options.seed_file.empty()) {
        initial = rehearsal::load_seed_file(options.seed_file);
        spdlog::info("forum loaded from {}", options.seed_file);
    } else if (options.generate > 0) {
        rehearsal::generator_options generator;
        generator.topic_count = options.generate;
        generator.seed = options.generate_seed;
        initial = rehearsal::generate_forum(generator);
        spdlog::info("forum of about {} topics generated from seed {}", options.generate, options.generate_seed);
    }
    // Site settings from the command line, after those of the seed, as an admin sets them
    // before an import. Only the names are logged: discourse_connect_secret is one of them.
    for (auto const &[name, value] : settings) {
        rehearsal::set_setting(initial.settings(), name, value);
        spdlog::info("site setting {} set from --setting", name);
    }
    rehearsal::forum state{std::move(initial)};
    rehearsal::api_options api_options;
    api_options.admin_api_requests_per_minute = options.admin_api_rate;
    rehearsal::api const rest{state, key, api_options};
    if (options.admin_api_rate > 0) {
        spdlog::info("admin API budget: {} requests a minute for all Api-Key requests together",
                     options.admin_api_rate);
    }
    rehearsal::fault_plan faults;
    faults.latency = std::chrono::milliseconds{options.latency_ms};
    faults.error_share = options.error_share;
    faults.timeout_share = options.timeout_share;
    faults.drop_share = options.drop_share;
    faults.seed = options.fault_seed;

    net::io_context io;
    rehearsal::http_server server{io, endpoint, rest.handler(), faults};
    auto const bound = server.local_endpoint();
    spdlog::info("rehearsal forum listening on {}:{}{}", bound.address().to_string(), bound.port(),
                 key.empty() ? " (no admin key, so every client is anonymous)"
                             : " (admin API key from --admin-key-file)");
    if (faults.any()) {
        spdlog::info("faults: latency {} ms, errors {}, timeouts {}, drops {}, seed {}", options.latency_ms,
                     options.error_share, options.timeout_share, options.drop_share, options.fault_seed);
    }

    // Run until SIGTERM or SIGINT, then stop accepting and leave.
    net::signal_set signals{io, SIGTERM, SIGINT};
    signals.async_wait([&](boost::system::error_code const &failed, int number) {
        if (failed) {
            return;
        }
        spdlog::info("signal {}: stopping after {} requests", number, server.requests());
        if (api_options.admin_api_requests_per_minute > 0) {
            auto const used = rest.admin_api_use();
            spdlog::info("admin API budget: {} requests admitted, {} answered 429", used.admitted, used.refused);
        }
        server.stop();
        io.stop();
        if (!options.save_file.empty()) {
            // What the dry run left, to inspect or to start from next time (--seed).
            state.read([&](rehearsal::forum_state const &s) { rehearsal::save_seed_file(s, options.save_file); });
            spdlog::info("forum saved to {}", options.save_file);
        }
    });
    io.run();
    return EXIT_OK;
}

} // namespace

void add_rehearsal_command(CLI::App &app, command &run)
{
    auto options = std::make_shared<rehearsal_options>();
    auto *sub =
        app.add_subcommand("rehearsal-forum", "Serve a Discourse-compatible forum from memory, for tests and dry runs");
    set_footer(*sub, "Exit status: 0 stopped by SIGTERM or SIGINT, 2 fatal.");
    sub->add_option("--listen", options->listen, "Address and port to listen on, ADDR:PORT")->capture_default_str();
    sub->add_option("--admin-key-file", options->admin_key_file,
                    "File whose first line is the all-users admin API key the server accepts")
        ->check(CLI::ExistingFile);
    sub->add_option("--latency-ms", options->latency_ms, "Added before every answer (fault injection)")
        ->check(CLI::Range(0, 600'000))
        ->capture_default_str();
    sub->add_option("--error-share", options->error_share, "Share of requests answered 500/502 instead")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    sub->add_option("--timeout-share", options->timeout_share, "Share of requests never answered")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    sub->add_option("--drop-share", options->drop_share, "Share of connections closed without an answer")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    sub->add_option("--fault-seed", options->fault_seed, "Seed of the fault draws (same seed, same faults)")
        ->capture_default_str();
    auto *seed = sub->add_option("--seed", options->seed_file,
                                 "Seed file to start from (its format: forumgate-rehearsal-forum(1))")
                     ->check(CLI::ExistingFile);
    sub->add_option("--generate", options->generate, "Start from a generated sample forum of about N topics")
        ->excludes(seed);
    sub->add_option("--generate-seed", options->generate_seed, "Seed of the generator (same seed, same forum)")
        ->capture_default_str();
    sub->add_option("--save", options->save_file, "Seed file to write the whole forum to on SIGTERM or SIGINT")
        ->type_name("FILE");
    sub->add_option(
           "--setting", options->settings,
           "Site setting NAME=VALUE applied at start-up, after the seed's (repeatable), e.g. min_post_length=1")
        ->allow_extra_args(false);
    sub->add_option(
           "--admin-api-rate", options->admin_api_rate,
           "Requests a minute that all Api-Key requests share, answered 429 beyond (Discourse: 60); 0: no limit")
        ->check(CLI::Range(0, 1'000'000))
        ->capture_default_str();
    sub->callback([&run, options] { run = [options] { return run_rehearsal_forum(*options); }; });
}

} // namespace forumgate::cli
