#pragma once
// The config file format every forumgate subcommand reads: `name = value` lines, `#` starts a
// comment, blank lines are skipped, and a `[section]` line (`[fetch]`, `[map load]`) makes the
// lines after it apply to that subcommand only. One file can so hold a whole move.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace forumgate::base {

/// Represents one `name = value` line of a config file.
struct config_entry
{
    std::string section; ///< "" before the first `[section]` line: every subcommand's
    std::string key;
    std::string value;
    std::size_t line = 0; ///< numbered from 1
};

/// \return the entries of `file`, in file order.
/// \throws argument_error "FILE: cannot read …" or "FILE:LINE: expected `name = value`".
[[nodiscard]] std::vector<config_entry> read_config_entries(std::filesystem::path const &file);

/// \return true if `section` is "" or `command` (a subcommand path such as "map load").
[[nodiscard]] bool applies_to(config_entry const &entry, std::string const &command);

} // namespace forumgate::base
