// The rehearsal forum's files, HTML, RSS and sitemap routes (pages.hpp).

#include "pages.hpp"

namespace forumgate::rehearsal {

std::optional<api_response> answer_page(forum_state const & /*state*/, viewer const & /*who*/,
                                        api_request const & /*request*/)
{
    return std::nullopt; // no page routes yet
}

} // namespace forumgate::rehearsal
