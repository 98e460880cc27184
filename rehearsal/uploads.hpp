#pragma once
// The rehearsal forum's uploads: where Discourse stores a file (its path and short URL), the
// pixel size of an image, and the checks and digest a new upload goes through.

#include "rehearsal/records.hpp"
#include "rehearsal/settings.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {

/// Represents the fields of `POST /uploads.json`: who sends which file.
struct add_upload_request
{
    std::int64_t user_id = 0;
    std::string original_filename{};
    std::string bytes{};
    std::optional<timestamp> created_at{};
};

/// \return `/uploads/default/original/{depth+1}X/{first depth hex digits, one per directory}/
/// {sha1}.{ext}` with depth = max(0, ceil(log16(id / 1000))) (FileStore::BaseStore#get_path_for).
[[nodiscard]] std::string upload_path(std::int64_t upload_id, std::string_view sha1, std::string_view extension);

/// \return the pixel size of a PNG, GIF or JPEG image, or nullopt for anything else.
[[nodiscard]] std::optional<std::pair<int, int>> image_size(std::string_view bytes);

/// \return whether Discourse treats a file with this (lowercase) extension as an image, which
/// max_image_size_kb limits instead of max_attachment_size_kb.
[[nodiscard]] bool is_image_extension(std::string_view extension);

/// \return the setting authorized_extensions as a list: each entry stripped and lowercased
/// ("*" allows every extension).
[[nodiscard]] std::vector<std::string> authorized_extensions(site_settings const &settings);

/// Checks a new file as Discourse's UploadCreator does (authorized_extensions, then
/// max_image_size_kb or max_attachment_size_kb) and builds its record: sha1, lowercase
/// extension, size, bytes, and width and height for an image. The id and created_at are left
/// for the forum to set.
/// \throws validation_error with Discourse's message for a refused extension or size.
[[nodiscard]] upload make_upload(add_upload_request const &request, site_settings const &settings);

} // namespace forumgate::rehearsal
