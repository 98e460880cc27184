#include "redirector/settings.hpp"

#include "base/config_file.hpp"
#include "base/error.hpp"
#include "base/suggest.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace forumgate::redirector {

std::vector<setting> const &serve_setting_table()
{
    using s = serve_settings;
    static std::vector<setting> const table = {
        {"db", &s::db, false, "PostgreSQL connection string or URI of the store (default: $FORUMGATE_DB)"},
        {"listen", &s::listen, false, "ADDR:PORT to serve plain HTTP on (repeatable; [::1]:80 for IPv6)"},
        {"tls-listen", &s::tls_listen, false, "ADDR:PORT to serve HTTPS on (repeatable; needs tls-cert and tls-key)"},
        {"tls-cert", &s::tls_cert, true, "PEM certificate chain for HTTPS (re-read on reload)"},
        {"tls-key", &s::tls_key, true, "PEM private key for HTTPS (re-read on reload)"},
        {"tls-ciphers", &s::tls_ciphers, true,
         "OpenSSL cipher list for TLS 1.2, in the server's order of preference (TLS 1.3 keeps OpenSSL's suites)"},
        {"hsts-max-age", &s::hsts_max_age, true,
         "Seconds of Strict-Transport-Security on HTTPS answers (0: no header; once sent, browsers refuse plain "
         "HTTP to the old host for that long)"},
        {"acme-webroot", &s::acme_webroot, true,
         "Webroot folder of an ACME client (certbot --webroot -w DIR): /.well-known/acme-challenge/TOKEN is answered "
         "from DIR/.well-known/acme-challenge/TOKEN, for HTTP-01 certificates (off if empty)"},
        {"admin-listen", &s::admin_listen, false,
         "ADDR:PORT for /healthz, /readyz, /metrics and POST /reload (off if empty)"},
        {"snapshot", &s::snapshot, false,
         "Snapshot file (from `forumgate map snapshot`) to start from when the store is unreachable"},
        {"threads", &s::threads, false, "I/O threads, each with its own socket on every listen port (SO_REUSEPORT)"},
        {"max-connections", &s::max_connections, false,
         "Open connections at most; past it the longest-idle ones are closed to make room, or, if none is idle, "
         "new ones are refused with 503"},
        {"header-limit", &s::header_limit, false, "Bytes of request line and headers at most (431 beyond)"},
        {"request-timeout-ms", &s::request_timeout_ms, false,
         "Milliseconds to receive a whole request, from its first byte (408 beyond)"},
        {"keepalive-timeout-ms", &s::keepalive_timeout_ms, false,
         "Milliseconds an idle keep-alive connection stays open"},
        {"first-byte-timeout-ms", &s::first_byte_timeout_ms, false,
         "Milliseconds a new connection may stay open without sending a byte"},
        {"drain-timeout-ms", &s::drain_timeout_ms, false, "Milliseconds SIGTERM waits for requests in flight"},
        {"soft", &s::soft, true, "Answer 302 with soft-max-age instead of 301 (trial period after a switch)"},
        {"permanent-max-age", &s::permanent_max_age, true, "Seconds browsers and CDNs may cache a 301"},
        {"soft-max-age", &s::soft_max_age, true, "Seconds a soft 302 may be cached"},
        {"miss-max-age", &s::miss_max_age, true, "Seconds a 404 or 410 may be cached"},
        {"trusted-proxy", &s::trusted_proxy, true,
         "Address or CIDR of a proxy whose X-Forwarded-For is believed (repeatable)"},
        {"access-log", &s::access_log, true, "File to append an access log to, '-' for standard output (off if empty)"},
        {"miss-log-interval", &s::miss_log_interval, false,
         "Seconds between flushes of 404 counts to the store (0: off)"},
        {"stats-interval", &s::stats_interval, false, "Seconds between stats lines in the log (0: off)"},
        {"reload-min-interval", &s::reload_min_interval, false, "Seconds between two reloads caused by store changes"},
        {"listen-for-changes", &s::listen_for_changes, false,
         "Reload when the store's map changes: announced by NOTIFY on a primary, polled on a hot standby"},
        {"change-poll-interval-ms", &s::change_poll_interval_ms, false,
         "Milliseconds between two reads of the map version when the store is a hot standby, which refuses "
         "LISTEN (0: never)"},
    };
    return table;
}

void add_serve_options(CLI::App &app, serve_settings &values, std::string &config_file)
{
    app.add_option(
           "--config", config_file,
           "Config file of `name = value` lines (else forumgate's --config or FORUMGATE_CONFIG); SIGHUP re-reads it")
        ->type_name("FILE");
    for (auto const &entry : serve_setting_table()) {
        std::string const flag = fmt::format("--{}", entry.name);
        std::string const help = fmt::format("{}{}", entry.help, entry.reloadable ? " [reloadable]" : "");
        std::visit(
            [&](auto member) {
                using type = std::remove_reference_t<decltype(values.*member)>;
                if constexpr (std::is_same_v<type, bool>) {
                    app.add_flag(flag + ",!--no-" + std::string{entry.name}, values.*member, help);
                } else if constexpr (std::is_same_v<type, std::vector<std::string>>) {
                    app.add_option(flag, values.*member, help)->capture_default_str()->take_all();
                } else {
                    app.add_option(flag, values.*member, help)->capture_default_str();
                }
            },
            entry.value);
    }
    app.get_option("--db")->envname("FORUMGATE_DB");
    // Values that name files: so say --help, the manual page and the shell's completion.
    for (char const *file : {"--tls-cert", "--tls-key", "--snapshot", "--access-log"}) {
        app.get_option(file)->type_name("FILE");
    }
}

namespace {

/// Sets one setting from its config line. `seen_lists` holds the list settings already met.
void set_from_config(setting const &entry, base::config_entry const &line, std::string const &where,
                     serve_settings &values, std::vector<std::string> &seen_lists)
{
    std::string const &value = line.value;
    std::visit(
        [&](auto member) {
            using type = std::remove_reference_t<decltype(values.*member)>;
            if constexpr (std::is_same_v<type, bool>) {
                if (value == "true" || value == "yes" || value == "on" || value == "1") {
                    values.*member = true;
                } else if (value == "false" || value == "no" || value == "off" || value == "0") {
                    values.*member = false;
                } else {
                    throw argument_error{fmt::format("{}: {} must be true or false, not '{}'", where, line.key, value)};
                }
            } else if constexpr (std::is_same_v<type, std::int64_t>) {
                std::int64_t parsed = 0;
                auto const result = std::from_chars(value.data(), value.data() + value.size(), parsed);
                if (result.ec != std::errc{} || result.ptr != value.data() + value.size()) {
                    throw argument_error{
                        fmt::format("{}: {} must be a whole number, not '{}'", where, line.key, value)};
                }
                values.*member = parsed;
            } else if constexpr (std::is_same_v<type, std::vector<std::string>>) {
                // The first occurrence in the file replaces the default list.
                if (std::find(seen_lists.begin(), seen_lists.end(), line.key) == seen_lists.end()) {
                    (values.*member).clear();
                    seen_lists.push_back(line.key);
                }
                (values.*member).push_back(value);
            } else {
                values.*member = value;
            }
        },
        entry.value);
}

/// \throws argument_error for a key neither serve nor (outside a section) another subcommand
/// knows, naming the nearest known key.
void refuse_unknown(base::config_entry const &line, std::string const &where, config_source const &source)
{
    if (line.section.empty() &&
        std::find(source.other_keys.begin(), source.other_keys.end(), line.key) != source.other_keys.end()) {
        return; // another subcommand's
    }
    std::vector<std::string> known;
    for (auto const &entry : serve_setting_table()) {
        known.emplace_back(entry.name);
    }
    if (line.section.empty()) {
        known.insert(known.end(), source.other_keys.begin(), source.other_keys.end());
    }
    auto const guess = base::nearest(line.key, known);
    throw argument_error{fmt::format("{}: unknown setting '{}'{}", where, line.key,
                                     guess ? fmt::format("; did you mean '{}'?", *guess) : std::string{})};
}

} // namespace

void read_config_file(config_source const &source, serve_settings &values, std::vector<std::string> const &keep)
{
    std::vector<std::string> seen_lists;
    auto const &table = serve_setting_table();
    for (auto const &line : base::read_config_entries(source.file)) {
        if (!base::applies_to(line, "serve")) {
            continue; // another subcommand's section
        }
        std::string const where = fmt::format("{}:{}", source.file.string(), line.line);
        auto const entry =
            std::find_if(table.begin(), table.end(), [&](setting const &s) { return s.name == line.key; });
        if (entry == table.end()) {
            refuse_unknown(line, where, source);
            continue;
        }
        if (std::find(keep.begin(), keep.end(), line.key) != keep.end()) {
            continue; // the command line wins
        }
        set_from_config(*entry, line, where, values, seen_lists);
    }
}

std::vector<std::string> apply_reloadable(serve_settings const &from, serve_settings &to)
{
    std::vector<std::string> needs_restart;
    for (auto const &entry : serve_setting_table()) {
        std::visit(
            [&](auto member) {
                if (from.*member == to.*member) {
                    return;
                }
                if (entry.reloadable) {
                    to.*member = from.*member;
                } else {
                    needs_restart.emplace_back(entry.name);
                }
            },
            entry.value);
    }
    return needs_restart;
}

void check(serve_settings const &values)
{
    if (values.threads < 1 || values.threads > 256) {
        throw argument_error{"--threads must be between 1 and 256"};
    }
    if (values.max_connections < 1) {
        throw argument_error{"--max-connections must be at least 1"};
    }
    if (values.header_limit < 1024 || values.header_limit > 1 << 20) {
        throw argument_error{"--header-limit must be between 1024 and 1048576"};
    }
    for (auto const *timeout : {&values.request_timeout_ms, &values.keepalive_timeout_ms, &values.first_byte_timeout_ms,
                                &values.drain_timeout_ms}) {
        if (*timeout < 1) {
            throw argument_error{"timeouts must be at least 1 ms"};
        }
    }
    if (values.change_poll_interval_ms < 0) {
        throw argument_error{"--change-poll-interval-ms must be 0 (never) or more"};
    }
    if (values.listen.empty() && values.tls_listen.empty()) {
        throw argument_error{"nothing to listen on: give --listen or --tls-listen"};
    }
    if (!values.tls_listen.empty() && (values.tls_cert.empty() || values.tls_key.empty())) {
        throw argument_error{"--tls-listen needs --tls-cert and --tls-key"};
    }
    if (values.db.empty() && values.snapshot.empty()) {
        throw argument_error{"no map to serve: give --db (or FORUMGATE_DB), or --snapshot"};
    }
}

std::string settings_markdown()
{
    std::string out = "| setting | default | reload | meaning |\n|---|---|---|---|\n";
    serve_settings const defaults;
    for (auto const &entry : serve_setting_table()) {
        std::string value;
        std::visit(
            [&](auto member) {
                using type = std::remove_cvref_t<decltype(defaults.*member)>;
                if constexpr (std::is_same_v<type, bool>) {
                    value = defaults.*member ? "true" : "false";
                } else if constexpr (std::is_same_v<type, std::int64_t>) {
                    value = std::to_string(defaults.*member);
                } else if constexpr (std::is_same_v<type, std::vector<std::string>>) {
                    value = fmt::format("{}", fmt::join(defaults.*member, ", "));
                } else {
                    value = defaults.*member;
                }
            },
            entry.value);
        out += fmt::format("| `{}` | {} | {} | {} |\n", entry.name, value.empty() ? "(empty)" : "`" + value + "`",
                           entry.reloadable ? "yes" : "no", entry.help);
    }
    return out;
}

} // namespace forumgate::redirector
