#pragma once
// The import's preflight: what the new forum's settings would refuse or make noisy, counted in
// the archive, each with the setting or option that removes it (docs/import.md).

#include "importer/publish.hpp"

#include <map>
#include <string>
#include <vector>

namespace forumgate::importer {

/// Checks the archive in `options.database` against the new forum's site `settings`.
/// \return the findings, blocking ones first among those of one kind. \throws pqxx errors.
[[nodiscard]] std::vector<preflight_finding> preflight(std::map<std::string, std::string> const &settings,
                                                       import_options const &options);

} // namespace forumgate::importer
