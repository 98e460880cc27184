// Uploads served as files, as a Discourse with the local file store serves them (discourse.md
// §1.6; UploadsController#show, #show_short, #show_secure, #lookup_urls), and the short-URL
// lookup the importer uses to find an old upload's real URL.

#include "rehearsal/pages_parts.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace forumgate::rehearsal::pages {

namespace {

/// How long a client may keep an upload: nginx in front of Discourse serves `/uploads/` with
/// `expires 1y` and `Cache-Control: public,immutable`; an upload's URL names its bytes (sha1),
/// so it never changes.
constexpr std::string_view UPLOAD_CACHE_CONTROL = "max-age=31536000, public, immutable";

constexpr std::string_view NOT_LOGGED_IN = "You need to be logged in to do that.";

/// \return the MIME type of a file extension, as MiniMime looks it up for Discourse.
std::string_view content_type_for(std::string_view extension)
{
    struct known
    {
        std::string_view extension;
        std::string_view type;
    };
    constexpr std::array<known, 19> TYPES{{{"png", "image/png"},
                                           {"jpg", "image/jpeg"},
                                           {"jpeg", "image/jpeg"},
                                           {"gif", "image/gif"},
                                           {"webp", "image/webp"},
                                           {"heic", "image/heic"},
                                           {"heif", "image/heif"},
                                           {"svg", "image/svg+xml"},
                                           {"bmp", "image/bmp"},
                                           {"ico", "image/vnd.microsoft.icon"},
                                           {"avif", "image/avif"},
                                           {"pdf", "application/pdf"},
                                           {"txt", "text/plain"},
                                           {"csv", "text/csv"},
                                           {"json", "application/json"},
                                           {"zip", "application/zip"},
                                           {"mp4", "video/mp4"},
                                           {"mp3", "audio/mpeg"},
                                           {"webm", "video/webm"}}};
    std::string const lower = base::ascii_lower(extension);
    for (auto const &entry : TYPES) {
        if (entry.extension == lower) {
            return entry.type;
        }
    }
    return "application/octet-stream";
}

bool is_hex(std::string_view text)
{
    return std::ranges::all_of(
        text, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); });
}

bool is_alphanumeric(std::string_view text)
{
    return !text.empty() && std::ranges::all_of(text, [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

/// \return the file's bytes with its type and a long cache lifetime. `as_attachment` adds the
/// Content-Disposition Rails' send_file gives (the short-URL route is answered by Rails, the
/// file paths by nginx, which adds none).
api_response send_upload(upload const &file, bool as_attachment)
{
    api_response answer{200, std::string{content_type_for(file.extension)}, file.bytes, {}};
    answer.headers.emplace_back("Cache-Control", std::string{UPLOAD_CACHE_CONTROL});
    if (as_attachment) {
        std::string ascii;
        for (char const c : file.original_filename) {
            auto const byte = static_cast<unsigned char>(c);
            ascii.push_back(byte < 0x20 || byte >= 0x7F || c == '"' || c == '\\' ? '_' : c);
        }
        answer.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" +
                                                               percent_encode(file.original_filename));
    }
    return answer;
}

/// \return the last path segment with its format suffix put back (`{sha1}.png`, `{sha1}.txt`).
std::string last_segment(page_request const &request)
{
    return request.parts.back() + (request.format.empty() ? std::string{} : "." + request.format);
}

/// \return the part of a file name before its first dot.
std::string_view stem(std::string_view name)
{
    return name.substr(0, name.find('.'));
}

/// The short URLs a lookup asks for: `short_urls[]=…` (form or query) or `{"short_urls":[…]}`.
std::vector<std::string> requested_short_urls(page_request const &request)
{
    std::vector<std::string> wanted;
    auto const note = [&](std::string_view key, std::string value) {
        if (key == "short_urls[]" || key == "short_urls" || (key.starts_with("short_urls[") && key.ends_with("]"))) {
            wanted.push_back(std::move(value));
        }
    };
    for (auto const &[key, value] : request.query.pairs()) {
        note(key, value);
    }
    if (request.raw.content_type.find("json") != std::string::npos) {
        auto const body = nlohmann::json::parse(request.raw.body, nullptr, false);
        if (body.is_object() && body.contains("short_urls") && body["short_urls"].is_array()) {
            for (auto const &item : body["short_urls"]) {
                if (item.is_string()) {
                    wanted.push_back(item.get<std::string>());
                }
            }
        }
        return wanted;
    }
    for (auto &field : split_form(request.raw.body)) {
        if (field.value) {
            note(field.name, *std::move(field.value));
        }
    }
    return wanted;
}

} // namespace

std::optional<api_response> answer_file(page_request const &request)
{
    auto const &p = request.parts;
    if (p.empty()) {
        return std::nullopt;
    }
    if (p[0] == "uploads") {
        if (p.size() < 3) {
            return not_found_page(request);
        }
        std::string const file_name = last_segment(request);
        if (p[1] == "short-url" && p.size() == 3) {
            // /uploads/short-url/{base62}.{ext}: the local store sends the file (an S3 store
            // would redirect to the bucket).
            auto const base62 = stem(file_name);
            upload const *file = is_alphanumeric(base62) ? request.state.find_upload_by_short_url(base62) : nullptr;
            return file != nullptr ? send_upload(*file, true) : not_found_page(request);
        }
        // Only the `default` site exists (RailsMultisite: an unknown site is a 404).
        if (p[1] != "default") {
            return not_found_page(request);
        }
        auto const sha1 = base::ascii_lower(stem(file_name));
        bool shape = false;
        if (p.size() == 3) {
            shape = true; // /uploads/default/{sha1}.{ext}
        } else if (p.size() >= 5 && p[2] == "original") {
            // /uploads/default/original/{N}X/{h1}/…/{sha1}.{ext}: the tree is not checked, the
            // upload is found by its sha1 (Upload.find_by(sha1:)).
            shape =
                std::all_of(p.begin() + 3, p.end() - 1, [](std::string const &dir) { return is_alphanumeric(dir); });
        }
        upload const *file =
            shape && sha1.size() == 40 && is_hex(sha1) ? request.state.find_upload_by_sha1(sha1) : nullptr;
        return file != nullptr ? send_upload(*file, false) : not_found_page(request);
    }
    if (p[0] == "secure-uploads" || p[0] == "secure-media-uploads") {
        // With secure uploads off, Discourse redirects these to the upload's public URL.
        if (p.size() < 2) {
            return not_found_page(request);
        }
        std::string const file_name = last_segment(request);
        auto sha1 = base::ascii_lower(stem(file_name));
        sha1 = sha1.substr(0, sha1.find('_')); // optimized images: {sha1}_{version}_{w}x{h}
        upload const *file = sha1.size() == 40 && is_hex(sha1) ? request.state.find_upload_by_sha1(sha1) : nullptr;
        return file != nullptr ? redirect(request, 302, file->url()) : not_found_page(request);
    }
    return std::nullopt;
}

api_response lookup_upload_urls(page_request const &request)
{
    // UploadsController requires a login for everything but the file routes.
    if (request.who.is_anonymous()) {
        return error_answer(403, NOT_LOGGED_IN, "not_logged_in");
    }
    nlohmann::ordered_json found = nlohmann::ordered_json::array();
    std::set<std::string> answered;
    for (auto const &short_url : requested_short_urls(request)) {
        if (!answered.insert(short_url).second) {
            continue; // Discourse answers from a hash keyed by the short URL
        }
        upload const *file = request.state.find_upload_by_short_url(short_url);
        if (file == nullptr) {
            continue; // unknown uploads are left out
        }
        found.push_back({{"short_url", short_url}, {"url", file->url()}, {"short_path", file->short_path()}});
    }
    return json_answer(200, found);
}

} // namespace forumgate::rehearsal::pages
