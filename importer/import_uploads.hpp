#pragma once
// The import's uploads phase: each fetched file not yet in the map uploaded to the new forum, in
// parallel, its new URL written to the map under its old /uploads/… path.

#include "importer/import_state.hpp"

namespace forumgate::importer {

/// Uploads what the map lacks from `state.options.uploads_dir`.
void import_uploads(import_state &state);

} // namespace forumgate::importer
