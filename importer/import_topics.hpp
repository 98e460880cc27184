#pragma once
// The import's topics phase: each archived topic created on the new forum with its replies in
// order (as their authors, dated as on the old forum), reconciled first with what an earlier run
// left there, and its posts written to the map as each creation is confirmed.

#include "importer/import_state.hpp"

namespace forumgate::importer {

/// Copies every archived topic, in parallel, oldest first. Failures are recorded, not thrown.
void import_topics(import_state &state, worker &main);

} // namespace forumgate::importer
