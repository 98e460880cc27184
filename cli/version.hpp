#pragma once
// What `forumgate version` and `forumgate --version` print: the version, the git revision of
// the build and the libraries it was built with.

#include <string>

namespace forumgate::cli {

/// `git describe --always --dirty` of the source tree at build time, or "unknown" (defined in
/// the source cmake/git_revision.cmake generates).
extern char const *const GIT_REVISION;

/// \return several lines: "forumgate VERSION (git REVISION)", then one line per library.
[[nodiscard]] std::string version_text();

} // namespace forumgate::cli
