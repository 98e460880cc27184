// The versions of forumgate and of the libraries it was built with (and, where a library can
// say so, the one loaded at run time).

#include "cli/version.hpp"

#include <CLI/Version.hpp>
#include <boost/version.hpp>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <spdlog/version.h>

namespace forumgate::cli {
namespace {

/// "15.18" from PQlibVersion's 150018 (PostgreSQL 10 and later: major * 10000 + minor).
std::string libpq_version()
{
    int const number = PQlibVersion();
    return fmt::format("{}.{}", number / 10000, number % 10000);
}

std::string openssl_version()
{
    std::string const built = OPENSSL_VERSION_TEXT;
    std::string const loaded = OpenSSL_version(OPENSSL_VERSION);
    return loaded == built ? built : fmt::format("{} (built with {})", loaded, built);
}

} // namespace

std::string version_text()
{
    std::string out = fmt::format("forumgate {} (git {})\n", FORUMGATE_VERSION, GIT_REVISION);
    auto const line = [&out](std::string_view name, std::string const &version) {
        out += fmt::format("  {:<15}{}\n", name, version);
    };
    out += "built with:\n";
    line("libpqxx", FORUMGATE_PQXX_VERSION);
    line("libpq", libpq_version() + " (PostgreSQL client library, as loaded)");
    line("Boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100));
    line("RE2", FORUMGATE_RE2_VERSION);
    line("OpenSSL", openssl_version());
    line("spdlog", fmt::format("{}.{}.{}", SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH));
    line("nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                      NLOHMANN_JSON_VERSION_PATCH));
    line("fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100));
    line("CLI11", CLI11_VERSION);
#if defined(__clang__)
    line("compiler", fmt::format("Clang {}", __clang_version__));
#else
    line("compiler", fmt::format("GCC {}", __VERSION__));
#endif
    return out;
}

} // namespace forumgate::cli
