#pragma once
// forumgate serve: the redirect server. Loads the map, listens, answers, reloads, drains.

#include "redirector/settings.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <string_view>

namespace forumgate::redirector {

/// Parses `ADDR:PORT` (`[IPv6]:PORT`; `*` for every IPv4 address) as `--{setting}` gives it
/// (also `forumgate rehearsal-forum --listen`).
/// \throws argument_error naming the option and the text.
[[nodiscard]] boost::asio::ip::tcp::endpoint parse_endpoint(std::string const &text, std::string_view setting);

/// Runs the server until SIGTERM or SIGINT, then drains it.
/// \return the exit code: 0 after a clean shutdown.
/// \throws argument_error for unusable settings, database_error / input_error when the first
/// map cannot be loaded (a failure on the first load is fatal; later ones are not).
int serve(serve_settings settings, std::string const &config_file, std::vector<std::string> const &from_command_line);

/// Writes the snapshot file `serve --snapshot` starts from: the map in the store, now.
void write_snapshot_file(std::string const &db, std::filesystem::path const &file);

} // namespace forumgate::redirector
