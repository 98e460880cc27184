#pragma once
// What the fuzz targets share: the input as a file (for readers that take a path), and checks
// that stop the run with a message when an invariant breaks; libFuzzer then reports a crash and
// writes the input as an artefact. See docs/fuzzing.md.

#include "base/text.hpp"
#include "base/url_codec.hpp"
#include "mappings/snapshot.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace forumgate::fuzz {

/// Stops the run: libFuzzer reports it as a crash and saves the input.
[[noreturn]] inline void broken(std::string_view invariant, std::string_view detail)
{
    std::fprintf(stderr, "invariant broken: %.*s\n  %.*s\n", static_cast<int>(invariant.size()), invariant.data(),
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

inline void check(bool holds, std::string_view invariant, std::string_view detail = {})
{
    if (!holds) {
        broken(invariant, detail);
    }
}

/// \return the fuzzer's input as text.
inline std::string_view text_of(std::uint8_t const *data, std::size_t size) noexcept
{
    return {reinterpret_cast<char const *>(data), size};
}

/// Represents the input written to an anonymous file in memory (memfd), for readers that take a
/// path: /proc/self/fd/N opens it afresh, from its start.
class memory_file
{
public:
    explicit memory_file(std::string_view content) : m_fd{memfd_create("fuzz-input", MFD_CLOEXEC)}
    {
        check(m_fd >= 0, "memfd_create works");
        for (std::size_t done = 0; done < content.size();) {
            ssize_t const n = ::write(m_fd, content.data() + done, content.size() - done);
            check(n > 0, "the input is written to the memfd");
            done += static_cast<std::size_t>(n);
        }
    }
    ~memory_file() { ::close(m_fd); }
    memory_file(memory_file const &) = delete;
    memory_file &operator=(memory_file const &) = delete;

    [[nodiscard]] std::filesystem::path path() const { return "/proc/self/fd/" + std::to_string(m_fd); }

private:
    int m_fd;
};

/// \return true if `location` is on `map`'s new base (a path below it) or, for an absolute
/// upload URL, on one of its upload hosts (or the new forum's host) as a browser reads it: the
/// host after the scheme, before any port, with no user info (`https://cdn.example@evil.example/`
/// goes to evil.example).
inline bool on_new_forum(std::string_view location, mappings::snapshot const &map)
{
    std::string const &base = map.settings().new_base;
    if (location.starts_with(base) && location.substr(base.size()).starts_with('/')) {
        return true;
    }
    for (std::string_view const scheme : {"https://", "http://"}) {
        if (location.starts_with(scheme)) {
            std::string_view const rest = location.substr(scheme.size());
            std::string_view const authority = rest.substr(0, rest.find_first_of("/?#"));
            std::string_view host = authority;
            if (auto const colon = authority.rfind(':');
                colon != std::string_view::npos && base::is_digits(authority.substr(colon + 1))) {
                host = authority.substr(0, colon);
            }
            return authority.find('@') == std::string_view::npos && map.is_upload_host(host);
        }
    }
    return false;
}

/// Checks what every Location must be, whatever the request: on the new forum or an upload host,
/// only visible URL characters (no CR, LF, NUL, space, backslash, quote or angle bracket), no
/// `//` after the scheme that a browser could read as another host.
inline void check_location(std::string_view location, mappings::snapshot const &map, std::string_view request)
{
    std::string const detail = "Location '" + std::string{location} + "' for '" + std::string{request} + "'";
    check(on_new_forum(location, map), "a Location is on the new base or an upload host", detail);
    for (char const c : location) {
        auto const byte = static_cast<unsigned char>(c);
        check(byte > 0x20 && byte < 0x7F && c != '\\' && c != '"' && c != '<' && c != '>',
              "a Location holds only visible URL characters", detail);
    }
    std::string_view const after_scheme = location.substr(location.find("://") + 3);
    check(after_scheme.find("//") == std::string_view::npos, "a Location has no // after its scheme", detail);
}

/// Checks that `location` names none of `secrets` (a restricted topic's or category's slugs)
/// unless the request itself did (a name passed through as it was asked for).
inline void check_no_secret(std::string_view location, std::string_view request,
                            std::span<std::string_view const> secrets)
{
    std::string decoded;
    if (!base::append_form_decoded(decoded, request)) {
        decoded = request;
    }
    std::string const asked = base::ascii_lower(decoded) + base::ascii_lower(request);
    std::string const answered = base::ascii_lower(location);
    for (std::string_view const secret : secrets) {
        check(answered.find(secret) == std::string::npos || asked.find(secret) != std::string::npos,
              "a Location never names a restricted topic or category",
              "'" + std::string{location} + "' names '" + std::string{secret} + "' for '" + std::string{request} + "'");
    }
}

} // namespace forumgate::fuzz
