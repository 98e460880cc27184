#pragma once
// Digests: SHA-1 (upload identities), HMAC-SHA256 (DiscourseConnect signatures) and the base62
// short names Discourse gives uploads (upload://{base62}.{ext}).

#include <optional>
#include <string>
#include <string_view>

namespace forumgate::base {

/// \return the lowercase hex SHA-1 of `bytes` (OpenSSL).
[[nodiscard]] std::string sha1_hex(std::string_view bytes);

/// \return the lowercase hex HMAC-SHA256 of `message` keyed with `key` (OpenSSL), as
/// DiscourseConnect signs its payloads.
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// \return the 40 lowercase hex digits of the sha1 in an `upload://{base62}` short URL's name,
/// or nullopt if `base62` is not a valid encoding (Discourse's lib/base62.rb alphabet).
[[nodiscard]] std::optional<std::string> sha1_from_base62(std::string_view base62);

/// \return the base62 short name of a sha1 (inverse of sha1_from_base62).
/// \throws input_error if `sha1_hex` is not 40 hex digits.
[[nodiscard]] std::string base62_from_sha1(std::string_view sha1_hex);

} // namespace forumgate::base
