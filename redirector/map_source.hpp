#pragma once
// Where the served map comes from: the store, or the snapshot file written from it for the
// times the store cannot be reached.

#include "mappings/snapshot.hpp"
#include "redirector/settings.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace forumgate::redirector {

/// \return the map in the store `db` now (migrating the store first).
/// \throws database_error when the store cannot be reached, input_error for a bad row.
[[nodiscard]] std::shared_ptr<mappings::snapshot const> load_map_from_store(std::string const &db);

/// \return the first map to serve: from the store, or from `--snapshot` when the store cannot
/// be reached (a warning says so). Logs its size and how long it took.
/// \throws database_error when the store cannot be reached and there is no snapshot file.
[[nodiscard]] std::shared_ptr<mappings::snapshot const> load_first_map(serve_settings const &settings);

/// \return the map a reload serves: from the store when there is one, else from the snapshot file.
/// \throws as load_map_from_store() and store::read_snapshot_file() do.
[[nodiscard]] std::shared_ptr<mappings::snapshot const> reload_map(serve_settings const &settings);

/// Writes the snapshot file `serve --snapshot` starts from: the map in the store, now.
void write_snapshot_file(std::string const &db, std::filesystem::path const &file);

} // namespace forumgate::redirector
