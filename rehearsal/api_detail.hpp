#pragma once
// Private to the REST API's two halves, reads (api.cpp, api_read_*.cpp) and writes
// (api_write.cpp, api_write_*.cpp): who asks, the read side's serializers that write answers
// share, what the API remembers between requests, and the write side's entry points.

#include "rehearsal/api.hpp"
#include "rehearsal/forum.hpp"
#include "rehearsal/http_server.hpp"
#include "rehearsal/request.hpp"
#include "rehearsal/serializers.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace forumgate::rehearsal::detail {

using json = nlohmann::ordered_json;

/// Represents who asks, once the credentials have been checked.
struct caller
{
    viewer who = viewer::anonymous();
    user const *account = nullptr; ///< the acting user; nullptr for anonymous clients
    bool api = false;              ///< authenticated with an Api-Key (Discourse's is_api?)
};

/// Represents what the API remembers between requests, as Discourse keeps it in Redis: the
/// site-wide admin-API budget and the memo of `POST /posts.json` results. It has its own
/// mutex because readers charge the budget under the forum's shared lock.
struct api_memory
{
    /// One remembered `POST /posts.json` answer.
    struct memo
    {
        std::int64_t expires = 0; ///< seconds on the forum's clock
        api_response answer;
    };

    std::mutex mutex;
    std::deque<std::int64_t> admin_api_requests; ///< seconds on the forum's clock, oldest first
    std::uint64_t admin_api_admitted = 0;        ///< since start-up
    std::uint64_t admin_api_refused = 0;         ///< since start-up
    std::map<std::string, memo> post_results;
    std::deque<std::pair<std::int64_t, std::string>> post_result_expiry; ///< (expires, key), oldest first
};

// -- From the read side (api.cpp, api_read_*.cpp): its pieces, so that write answers have the
// same shapes.

using serializers::error_answer;
using serializers::json_answer;
using serializers::not_found_answer;

/// \return a whole decimal number, or nullopt.
[[nodiscard]] std::optional<std::int64_t> parse_id(std::string_view text);
/// \return a category as `/c/{id}/show.json` has it, seen by `who`.
[[nodiscard]] json category_json(forum_state const &state, viewer const &who, category const &place);
/// \return a post as `/posts/{id}.json` has it (with raw), seen by `who`.
[[nodiscard]] json post_json(forum_state const &state, viewer const &who, post const &item);
/// \return a user as `/admin/users/{id}.json` has it (AdminDetailedUserSerializer).
[[nodiscard]] json admin_user_json(forum_state const &state, viewer const &who, user const &account);

// -- From the write side (api_write.cpp).

/// Answers a write (any method but GET and HEAD). \pre the caller holds the forum's exclusive lock.
[[nodiscard]] api_response answer_write(forum_state &state, caller const &asking, request const &asked,
                                        api_memory &memory);

/// Answers `GET /admin/site_settings.json` (admins; 404 for anyone else), or nullopt for any
/// other request.
[[nodiscard]] std::optional<api_response> answer_admin_read(forum_state const &state, caller const &asking,
                                                            request const &asked);

/// Charges one request to the site-wide admin-API budget of `per_minute` requests.
/// \return the 429 answer Discourse gives when the budget is spent (nothing is charged then).
[[nodiscard]] std::optional<api_response> charge_admin_api(api_memory &memory, std::int64_t now_seconds,
                                                           int per_minute);

} // namespace forumgate::rehearsal::detail
