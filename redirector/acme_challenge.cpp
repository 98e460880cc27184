#include "redirector/acme_challenge.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace forumgate::redirector {

namespace {

/// Represents an open file descriptor, closed at the end of its scope.
class open_file
{
public:
    explicit open_file(int fd) noexcept : m_fd{fd} {}
    ~open_file()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    open_file(open_file const &) = delete;
    open_file &operator=(open_file const &) = delete;

    [[nodiscard]] int fd() const noexcept { return m_fd; }

private:
    int m_fd;
};

bool is_token_character(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

} // namespace

bool is_acme_challenge(std::string_view target) noexcept
{
    if (!target.starts_with(ACME_CHALLENGE_PATH)) {
        return false;
    }
    std::string_view const rest = target.substr(ACME_CHALLENGE_PATH.size());
    return rest.empty() || rest.front() == '/' || rest.front() == '?';
}

std::optional<std::string_view> acme_token(std::string_view target) noexcept
{
    if (!target.starts_with(ACME_CHALLENGE_PATH) || target.size() <= ACME_CHALLENGE_PATH.size() ||
        target[ACME_CHALLENGE_PATH.size()] != '/') {
        return std::nullopt;
    }
    std::string_view const token = target.substr(ACME_CHALLENGE_PATH.size() + 1);
    if (token.empty() || token.size() > acme_webroot::MAX_TOKEN_LENGTH ||
        !std::all_of(token.begin(), token.end(), is_token_character)) {
        return std::nullopt;
    }
    return token;
}

acme_webroot::acme_webroot(std::string_view dir)
{
    while (dir.size() > 1 && dir.ends_with('/')) {
        dir.remove_suffix(1);
    }
    m_challenge_folder.assign(dir);
    if (!m_challenge_folder.ends_with('/')) {
        m_challenge_folder.push_back('/');
    }
    m_challenge_folder.append(ACME_CHALLENGE_PATH.substr(1));
    m_challenge_folder.push_back('/');
}

std::string_view acme_webroot::challenge_folder() const noexcept
{
    std::string_view folder = m_challenge_folder;
    folder.remove_suffix(1);
    return folder;
}

std::optional<std::string> acme_webroot::read(std::string_view token) const
{
    std::string path;
    path.reserve(m_challenge_folder.size() + token.size());
    path.append(m_challenge_folder).append(token);
    // O_NOFOLLOW: a symbolic link named like a token is not followed (ELOOP). O_NONBLOCK: opening
    // a FIFO does not wait for a writer. O_NOCTTY: a terminal does not become ours.
    open_file const file{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
    if (file.fd() < 0) {
        return std::nullopt;
    }
    struct stat status
    {};
    if (::fstat(file.fd(), &status) != 0 || !S_ISREG(status.st_mode) || status.st_size < 0 ||
        static_cast<std::size_t>(status.st_size) > MAX_FILE_SIZE) {
        return std::nullopt; // a folder, FIFO, device or socket, or too big to be a key authorization
    }
    // Read up to one byte past the limit: a file that grew since fstat is refused too.
    std::array<char, MAX_FILE_SIZE + 1> buffer{};
    std::size_t size = 0;
    while (size < buffer.size()) {
        ssize_t const got = ::read(file.fd(), buffer.data() + size, buffer.size() - size);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return std::nullopt;
        }
        if (got == 0) {
            break;
        }
        size += static_cast<std::size_t>(got);
    }
    if (size > MAX_FILE_SIZE) {
        return std::nullopt;
    }
    return std::string{buffer.data(), size};
}

} // namespace forumgate::redirector
