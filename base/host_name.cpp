#include "base/host_name.hpp"

#include "base/text.hpp"

#include <idn2.h>

#include <algorithm>
#include <memory>

namespace forumgate::base {
namespace {

constexpr std::size_t LONGEST_NAME = 253;
constexpr std::size_t LONGEST_LABEL = 63;

bool is_label_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/// \return the ASCII form of a name with non-ASCII bytes (UTF-8), or nullopt if IDNA refuses it.
std::optional<std::string> to_ascii(std::string const &name)
{
    char *out = nullptr;
    if (idn2_to_ascii_8z(name.c_str(), &out, IDN2_NONTRANSITIONAL) != IDN2_OK) {
        return std::nullopt;
    }
    std::unique_ptr<char, decltype(&idn2_free)> const owned{out, &idn2_free};
    return std::string{out};
}

} // namespace

std::optional<std::string> normal_host_name(std::string_view host)
{
    if (host.ends_with('.')) {
        host.remove_suffix(1); // the fully qualified form names the same host
    }
    std::string name = ascii_lower(host);
    if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        auto ascii = to_ascii(name);
        if (!ascii) {
            return std::nullopt;
        }
        name = ascii_lower(*ascii);
    }
    if (name.empty() || name.size() > LONGEST_NAME) {
        return std::nullopt;
    }
    for (std::string_view rest = name; !rest.empty();) {
        auto const dot = rest.find('.');
        auto const label = rest.substr(0, dot);
        if (label.empty() || label.size() > LONGEST_LABEL || label.front() == '-' || label.back() == '-' ||
            !std::all_of(label.begin(), label.end(), is_label_char)) {
            return std::nullopt;
        }
        if (dot == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(dot + 1);
        if (rest.empty()) {
            return std::nullopt; // "a..": two trailing dots
        }
    }
    return name;
}

bool valid_port(std::string_view port) noexcept
{
    auto const value = port.size() <= 5 && is_digits(port) ? parse_uint(port) : std::nullopt;
    return value && *value >= 1 && *value <= 65535;
}

} // namespace forumgate::base
