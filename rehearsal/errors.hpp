#pragma once
// The errors the rehearsal forum's writes throw and its REST layer turns into HTTP answers
// (422, 404, 403). The rate limiters' 429 is rate_limit_error, in rehearsal/limits.hpp.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::rehearsal {

/// A write broke a site-setting validation: Discourse answers 422 `{action, errors}` (posts)
/// or `{errors}`. Each entry of errors() is one of Discourse's messages.
class validation_error : public std::runtime_error
{
public:
    explicit validation_error(std::vector<std::string> errors);
    [[nodiscard]] std::vector<std::string> const &errors() const noexcept { return m_errors; }

private:
    std::vector<std::string> m_errors;
};

/// Throws `errors` as one validation_error, if there are any.
void throw_if_any(std::vector<std::string> const &errors);

/// Something named by id, name or external id does not exist (or is hidden): a 404.
class not_found_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// The acting user may not do this: a 403 `invalid_access`.
class permission_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// \return `items` joined by `separator` ("a; b").
[[nodiscard]] std::string join(std::vector<std::string> const &items, std::string_view separator);

} // namespace forumgate::rehearsal
