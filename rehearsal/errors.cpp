#include "rehearsal/errors.hpp"

namespace forumgate::rehearsal {

std::string join(std::vector<std::string> const &items, std::string_view separator)
{
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += items[i];
    }
    return out;
}

void throw_if_any(std::vector<std::string> const &errors)
{
    if (!errors.empty()) {
        throw validation_error{errors};
    }
}

validation_error::validation_error(std::vector<std::string> errors)
    : std::runtime_error(join(errors, "; ")), m_errors(std::move(errors))
{}

} // namespace forumgate::rehearsal
