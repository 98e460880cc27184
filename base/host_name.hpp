#pragma once
// Host names as forumgate compares them, in one form: lower case, without the trailing dot of
// the fully qualified form, internationalised names in their ASCII (IDNA 2008, punycode) form.
// Settings, the resolver and the server all compare hosts in this form.

#include <optional>
#include <string>
#include <string_view>

namespace forumgate::base {

/// \return `host` in its one form ("Bücher.Example." -> "xn--bcher-kva.example"), or nullopt
/// when it cannot be a host name: an empty label, a label over 63 bytes or starting or ending
/// with '-', a name over 253 bytes, characters a host cannot hold, a name IDNA refuses.
/// IPv4 literals pass as they are.
[[nodiscard]] std::optional<std::string> normal_host_name(std::string_view host);

/// \return whether `port` (decimal digits) is a TCP port a URL may name: 1 to 65535.
[[nodiscard]] bool valid_port(std::string_view port) noexcept;

} // namespace forumgate::base
