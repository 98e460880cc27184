#pragma once
// Turning a URL as people write it (full URL or bare path) into a resolver request.

#include "mappings/resolver.hpp"

#include <optional>
#include <string_view>

namespace forumgate::mappings {

/// Splits `url` into host and target. A full http(s) URL gives its own host; a path (starting
/// with `/`) is taken against `default_host`. Views point into `url` and `default_host`.
/// \return nullopt if `url` is neither (another scheme, no path, user info, empty).
[[nodiscard]] std::optional<request> request_from_url(std::string_view url, std::string_view default_host) noexcept;

} // namespace forumgate::mappings
