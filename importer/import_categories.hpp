#pragma once
// The import's categories phase: each archived category placed on the new forum (a
// --category-map line, the same slug path, or created), parents before children.

#include "importer/import_state.hpp"

namespace forumgate::importer {

/// Reads the archive's categories into `state.categories`, places each one not yet in the map,
/// and records `state.new_category`. \throws input_error (a bad --category-map), web::fetch_error.
void import_categories(import_state &state, worker &main);

} // namespace forumgate::importer
