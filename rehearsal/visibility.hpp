#pragma once
// Who reads the rehearsal forum. The rules on who sees what (discourse.md §2.1, §2.4) are
// forum_state's visibility functions (rehearsal/forum.hpp), defined in rehearsal/visibility.cpp
// next to viewer's.

#include "rehearsal/records.hpp"

#include <cstdint>
#include <optional>

namespace forumgate::rehearsal {

/// Represents who reads the forum: nobody (anonymous), or a user with that user's rights.
class viewer
{
public:
    /// A client without credentials.
    [[nodiscard]] static viewer anonymous() { return viewer{}; }
    /// A logged-in user (or an API key acting as that user).
    [[nodiscard]] static viewer of(user const &account);

    [[nodiscard]] bool is_anonymous() const noexcept { return !m_user_id.has_value(); }
    [[nodiscard]] std::optional<std::int64_t> user_id() const noexcept { return m_user_id; }
    [[nodiscard]] bool admin() const noexcept { return m_admin; }
    [[nodiscard]] bool moderator() const noexcept { return m_moderator; }
    [[nodiscard]] bool staff() const noexcept { return m_admin || m_moderator; }
    [[nodiscard]] int trust_level() const noexcept { return m_trust_level; }

private:
    std::optional<std::int64_t> m_user_id;
    bool m_admin = false;
    bool m_moderator = false;
    int m_trust_level = 0;
};

} // namespace forumgate::rehearsal
