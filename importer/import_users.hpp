#pragma once
// The import's users phase: each author of what is copied, and each private-message participant,
// matched to an account of the new forum (by e-mail, then username), provisioned through SSO,
// created, or attributed to a fallback account.

#include "importer/import_state.hpp"

namespace forumgate::importer {

/// Places every needed user not yet placed, then reads all placements into
/// `state.new_username` and `state.attributed`. \throws argument_error (no such --fallback-user).
void import_users(import_state &state, worker &main);

} // namespace forumgate::importer
