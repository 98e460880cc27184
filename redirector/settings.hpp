#pragma once
// Every setting of `forumgate serve` in one table: name, type, default, whether a reload can
// change it, and its help text. The command line, the config file, --help and docs/serve.md
// all come from this table.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace CLI {
class App;
}

namespace forumgate::redirector {

/// Represents the values of every serve setting.
struct serve_settings
{
    std::string db;
    std::vector<std::string> listen{"127.0.0.1:8080"};
    std::vector<std::string> tls_listen;
    std::string admin_listen;
    std::string tls_cert;
    std::string tls_key;
    /// The Mozilla "intermediate" profile for TLS 1.2 (TLS 1.3 suites are all good): forward secrecy
    /// (ECDHE) and AEAD ciphers (AES-GCM, ChaCha20-Poly1305) only, in the server's order.
    std::string tls_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                              "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    std::int64_t hsts_max_age = 0;
    std::string acme_webroot;
    std::string snapshot;
    std::int64_t threads = 1;
    std::int64_t max_connections = 10000;
    std::int64_t header_limit = 8192;
    std::int64_t request_timeout_ms = 10000;
    std::int64_t keepalive_timeout_ms = 60000;
    std::int64_t first_byte_timeout_ms = 5000;
    std::int64_t drain_timeout_ms = 30000;
    bool soft = false;
    std::int64_t permanent_max_age = 30 * 24 * 3600;
    std::int64_t soft_max_age = 300;
    std::int64_t miss_max_age = 60;
    std::vector<std::string> trusted_proxy;
    std::string access_log;
    std::int64_t miss_log_interval = 60;
    std::int64_t stats_interval = 60;
    std::int64_t reload_min_interval = 5;
    bool listen_for_changes = true;
    std::int64_t change_poll_interval_ms = 1000;
};

/// Describes one setting.
struct setting
{
    using member = std::variant<std::string serve_settings::*, std::vector<std::string> serve_settings::*,
                                std::int64_t serve_settings::*, bool serve_settings::*>;
    std::string_view name; ///< option `--name` and config key `name`
    member value;
    bool reloadable; ///< SIGHUP applies a new value from the config file
    std::string_view help;
};

/// The table.
[[nodiscard]] std::vector<setting> const &serve_setting_table();

/// Declares every setting as an option of `app` (`--config FILE` too), writing into `values`.
void add_serve_options(CLI::App &app, serve_settings &values, std::string &config_file);

/// The config file of a serve run. It may be the one file of a whole move, shared by every
/// subcommand (base/config_file.hpp): lines of other `[sections]` are skipped, and so are keys
/// of other subcommands outside any section.
struct config_source
{
    std::filesystem::path file;          ///< empty: no config file
    std::vector<std::string> other_keys; ///< the keys other subcommands know
};

/// Reads the lines of `source` meant for serve into `values`, skipping `keep` (settings given
/// on the command line, which win). A list setting may repeat its key; its first line replaces
/// the default list.
/// 	hrows argument_error "FILE:LINE: …" on an unknown key (with the nearest known one) or a
/// bad value.
void read_config_file(config_source const &source, serve_settings &values, std::vector<std::string> const &keep);

/// Copies the reloadable settings from `from` to `to`. \return the names of settings that
/// differ but cannot be changed by a reload (to be logged).
[[nodiscard]] std::vector<std::string> apply_reloadable(serve_settings const &from, serve_settings &to);

/// Checks values and combinations. \throws argument_error naming the setting.
void check(serve_settings const &values);

/// The settings as a Markdown table (docs/serve.md is checked against it by a test).
[[nodiscard]] std::string settings_markdown();

} // namespace forumgate::redirector
