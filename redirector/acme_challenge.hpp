#pragma once
// ACME HTTP-01 challenges (RFC 8555, section 8.3) answered from an ACME client's webroot folder,
// so that the old host name's certificate can be had and renewed with `certbot --webroot` while
// forumgate answers that name: the one route that reads a file, and only a file named by a token.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace forumgate::redirector {

/// The path ACME servers ask for a challenge's key authorization under.
inline constexpr std::string_view ACME_CHALLENGE_PATH = "/.well-known/acme-challenge";

/// \return true if `target` is for the challenge folder: its path is ACME_CHALLENGE_PATH or
/// something below it. With acme-webroot set, such a target is never resolved against the map.
[[nodiscard]] bool is_acme_challenge(std::string_view target) noexcept;

/// \return the token of `target` if it is exactly `ACME_CHALLENGE_PATH/TOKEN` with a TOKEN of 1 to
/// MAX_TOKEN_LENGTH base64url characters (`A-Z a-z 0-9 _ -`, what ACME tokens are made of);
/// nullopt for anything else: a dot, a slash, a percent sign, a query, an empty token.
[[nodiscard]] std::optional<std::string_view> acme_token(std::string_view target) noexcept;

/// Represents the webroot folder of an ACME client, the `DIR` of `certbot --webroot -w DIR`: the
/// key authorization of token T is the file `DIR/.well-known/acme-challenge/T`.
class acme_webroot
{
public:
    /// Longest token read (a file name's limit; ACME tokens are 43 characters).
    static constexpr std::size_t MAX_TOKEN_LENGTH = 255;
    /// Largest file served. A key authorization is about 90 bytes; a bigger file is not one.
    static constexpr std::size_t MAX_FILE_SIZE = 4096;

    /// `dir` is the webroot folder (certbot's `-w DIR`).
    explicit acme_webroot(std::string_view dir);

    /// Reads the key authorization of `token`. The file is opened without following a symbolic
    /// link and without blocking (a FIFO), and read only if it is a regular file of at most
    /// MAX_FILE_SIZE bytes. It is a few bytes from the page cache, so this is done on the I/O
    /// thread that answers the request.
    /// \pre `token` came from acme_token().
    /// \return the file's bytes, or nullopt if there is no such file or it is not one to serve.
    [[nodiscard]] std::optional<std::string> read(std::string_view token) const;

    /// \return the folder the tokens are files of (`DIR/.well-known/acme-challenge`).
    [[nodiscard]] std::string_view challenge_folder() const noexcept;

private:
    std::string m_challenge_folder; ///< with a final '/'
};

} // namespace forumgate::redirector
