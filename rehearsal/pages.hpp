#pragma once
// The rehearsal forum's non-JSON side: uploads served as files, the HTML and RSS routes a
// crawler or the coverage report requests, sitemaps, and the few JSON routes that belong with
// them (tag pages, upload URL lookup). Answered from the forum in memory under its shared lock.

#include "rehearsal/forum.hpp"
#include "rehearsal/http_server.hpp"
#include "rehearsal/request.hpp"

#include <optional>

namespace forumgate::rehearsal {

/// Answers `request` when it is one of the routes this part serves; nullopt hands it on to the
/// JSON API. `who` is the viewer the credentials name (anonymous without a key).
[[nodiscard]] std::optional<api_response> answer_page(forum_state const &state, viewer const &who,
                                                      request const &asked);

} // namespace forumgate::rehearsal
