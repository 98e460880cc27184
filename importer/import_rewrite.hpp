#pragma once
// The import's last phase: with the whole map known, every copied post is rewritten again; those
// whose raw changes (links to topics created after them, quotes of posts of their own topic) are
// edited as the admin without bumping the topic (discourse.md §3.4.1).

#include "importer/import_state.hpp"

namespace forumgate::importer {

/// Rewrites and edits, in parallel, every post the import sent. Failures are recorded, not thrown.
void rewrite_pass(import_state &state);

} // namespace forumgate::importer
