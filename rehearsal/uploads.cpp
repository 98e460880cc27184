#include "rehearsal/uploads.hpp"

#include "base/digest.hpp"
#include "base/text.hpp"
#include "rehearsal/errors.hpp"
#include "rehearsal/forum.hpp"
#include "rehearsal/slug.hpp"

#include <algorithm>
#include <vector>

namespace forumgate::rehearsal {
namespace {

int upload_depth(std::int64_t upload_id)
{
    // max(0, ceil(log16(id / 1000))): the smallest d with 1000·16^d ≥ id.
    int depth = 0;
    std::int64_t limit = 1000;
    while (limit < upload_id) {
        limit *= 16;
        ++depth;
    }
    return depth;
}

std::uint32_t read_be32(std::string_view bytes, std::size_t at)
{
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 24U) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16U) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8U) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
}

int read_be16(std::string_view bytes, std::size_t at)
{
    return (static_cast<unsigned char>(bytes[at]) << 8) | static_cast<unsigned char>(bytes[at + 1]);
}

int read_le16(std::string_view bytes, std::size_t at)
{
    return static_cast<unsigned char>(bytes[at]) | (static_cast<unsigned char>(bytes[at + 1]) << 8);
}

} // namespace

bool is_image_extension(std::string_view extension)
{
    return extension == "jpg" || extension == "jpeg" || extension == "png" || extension == "gif" ||
           extension == "heic" || extension == "heif" || extension == "webp";
}

std::string upload_path(std::int64_t upload_id, std::string_view sha1, std::string_view extension)
{
    int const depth = upload_depth(upload_id);
    std::string path = "/uploads/default/original/" + std::to_string(depth + 1) + "X/";
    for (int i = 0; i < depth && static_cast<std::size_t>(i) < sha1.size(); ++i) {
        path += sha1[static_cast<std::size_t>(i)];
        path += '/';
    }
    path += sha1;
    if (!extension.empty()) {
        path += '.';
        path += extension;
    }
    return path;
}

std::string upload::url() const
{
    return upload_path(id, sha1, extension);
}

std::string upload::short_url() const
{
    return "upload://" + base::base62_from_sha1(sha1) + (extension.empty() ? "" : "." + extension);
}

std::string upload::short_path() const
{
    return "/uploads/short-url/" + base::base62_from_sha1(sha1) + (extension.empty() ? "" : "." + extension);
}

std::optional<std::pair<int, int>> image_size(std::string_view bytes)
{
    if (bytes.size() >= 24 && bytes.substr(0, 8) == std::string_view{"\x89PNG\r\n\x1a\n", 8} &&
        bytes.substr(12, 4) == "IHDR") {
        return std::pair{static_cast<int>(read_be32(bytes, 16)), static_cast<int>(read_be32(bytes, 20))};
    }
    if (bytes.size() >= 10 && (bytes.substr(0, 6) == "GIF87a" || bytes.substr(0, 6) == "GIF89a")) {
        return std::pair{read_le16(bytes, 6), read_le16(bytes, 8)};
    }
    if (bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
        static_cast<unsigned char>(bytes[1]) == 0xD8) {
        std::size_t pos = 2;
        while (pos + 9 < bytes.size()) {
            if (static_cast<unsigned char>(bytes[pos]) != 0xFF) {
                return std::nullopt;
            }
            auto const marker = static_cast<unsigned char>(bytes[pos + 1]);
            if (marker == 0xFF) {
                ++pos;
                continue;
            }
            bool const start_of_frame =
                marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (start_of_frame) {
                return std::pair{read_be16(bytes, pos + 7), read_be16(bytes, pos + 5)};
            }
            pos += 2 + static_cast<std::size_t>(read_be16(bytes, pos + 2));
        }
    }
    return std::nullopt;
}

std::vector<std::string> authorized_extensions(site_settings const &settings)
{
    std::vector<std::string> allowed;
    std::string_view list = settings.authorized_extensions;
    while (!list.empty()) {
        auto const bar = list.find('|');
        allowed.emplace_back(base::ascii_lower(ruby_strip(list.substr(0, bar))));
        list = bar == std::string_view::npos ? std::string_view{} : list.substr(bar + 1);
    }
    return allowed;
}

upload make_upload(add_upload_request const &request, site_settings const &settings)
{
    std::string extension;
    if (auto const dot = request.original_filename.rfind('.'); dot != std::string::npos) {
        extension = base::ascii_lower(std::string_view{request.original_filename}.substr(dot + 1));
    }
    std::vector<std::string> const allowed = authorized_extensions(settings);
    bool const any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
    if (!any && std::find(allowed.begin(), allowed.end(), extension) == allowed.end()) {
        throw validation_error{{"Sorry, the file you are trying to upload is not authorized (authorized extensions: " +
                                join(allowed, ", ") + ")."}};
    }
    bool const image = is_image_extension(extension);
    int const limit_kb = image ? settings.max_image_size_kb : settings.max_attachment_size_kb;
    if (request.bytes.size() > static_cast<std::size_t>(limit_kb) * 1024) {
        throw validation_error{{"Sorry, the file you are trying to upload is too big (maximum size is " +
                                std::to_string(limit_kb) + " KB)."}};
    }
    upload record;
    record.user_id = request.user_id;
    record.sha1 = base::sha1_hex(request.bytes);
    record.original_filename = request.original_filename;
    record.extension = extension;
    record.filesize = static_cast<std::int64_t>(request.bytes.size());
    if (image) {
        if (auto const size = image_size(request.bytes)) {
            record.width = size->first;
            record.height = size->second;
        }
    }
    record.bytes = request.bytes;
    return record;
}

// ---- forum_state: storing files.

upload const &forum_state::add_upload(add_upload_request const &request)
{
    (void)require_user(request.user_id);
    upload record = make_upload(request, m_settings);
    if (upload const *const existing = find_upload_by_sha1(record.sha1)) {
        return *existing;
    }
    record.id = m_next_upload_id;
    record.created_at = request.created_at.value_or(now());
    std::int64_t const id = record.id;
    insert_upload(std::move(record));
    return m_uploads.at(id);
}

} // namespace forumgate::rehearsal
