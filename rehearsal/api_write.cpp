// The write side of the rehearsal forum's REST API (discourse.md §3, §7). Each write holds the
// forum's exclusive lock for the whole request: it reads the parameters (form, JSON or
// multipart body, and the query string), checks who may do it, calls the forum's validated
// write and answers with Discourse's shapes, status codes and error bodies. Wordings that
// discourse.md does not give and that could not be confirmed are marked "unconfirmed".
// This file routes the writes and answers categories, uploads and site settings;
// api_write_posts.cpp answers posts and topics, api_write_users.cpp users and DiscourseConnect.

#include "base/text.hpp"
#include "rehearsal/api_writer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::detail {

namespace {

constexpr std::string_view INVALID_ACCESS_MESSAGE = "You are not permitted to view the requested resource.";
/// Discourse::NotLoggedIn (config/locales/server.en.yml not_logged_in).
constexpr std::string_view NOT_LOGGED_IN_MESSAGE = "You need to be logged in to do that.";
/// ImageSizer's bounds for thumbnails (site settings max_image_width, max_image_height).
constexpr int MAX_IMAGE_WIDTH = 690;
constexpr int MAX_IMAGE_HEIGHT = 500;

/// \return a size as Rails' number_to_human_size writes it: "512 Bytes", "84.9 KB", "1.5 MB"
/// (base 1024, three significant digits, trailing zeros dropped).
std::string human_filesize(std::int64_t bytes)
{
    if (bytes < 1024) {
        return std::to_string(bytes) + (bytes == 1 ? " Byte" : " Bytes");
    }
    constexpr std::array<char const *, 4> UNITS = {"KB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    value /= 1024.0;
    while (value >= 1024.0 && unit + 1 < UNITS.size()) {
        value /= 1024.0;
        ++unit;
    }
    int const digits = static_cast<int>(std::floor(std::log10(value))) + 1;
    int const decimals = std::max(0, 3 - digits);
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    std::string number = text;
    if (number.find('.') != std::string::npos) {
        while (number.back() == '0') {
            number.pop_back();
        }
        if (number.back() == '.') {
            number.pop_back();
        }
    }
    return number + " " + UNITS[unit];
}

} // namespace

// -- Answers -----------------------------------------------------------------------------------

api_response errors_answer(int status, std::vector<std::string> const &errors)
{
    return json_answer(status, json{{"errors", errors}});
}

api_response invalid_access()
{
    return error_answer(403, INVALID_ACCESS_MESSAGE, "invalid_access");
}

api_response empty_answer(int status)
{
    api_response answer;
    answer.status = status;
    answer.content_type = "text/plain; charset=utf-8";
    return answer;
}

api_response missing_parameter(std::string_view name)
{
    return error_answer(400, "param is missing or the value is empty: " + std::string{name}, "invalid_parameters");
}

api_response invalid_parameter(std::string_view name)
{
    return error_answer(400, "You supplied invalid parameters to the request: " + std::string{name},
                        "invalid_parameters");
}

api_response rate_limited(int wait_seconds, std::string_view error_code)
{
    auto answer = json_answer(
        429, json{{"errors", json::array({rate_limit_message(wait_seconds)})},
                  {"error_type", "rate_limit"},
                  {"extras", {{"wait_seconds", wait_seconds}, {"time_left", rate_limit_time_left(wait_seconds)}}}});
    answer.headers.emplace_back("Retry-After", std::to_string(wait_seconds));
    if (!error_code.empty()) {
        answer.headers.emplace_back("Discourse-Rate-Limit-Error-Code", std::string{error_code});
    }
    return answer;
}

// -- The writer --------------------------------------------------------------------------------

api_response writer::answer()
{
    using boost::beast::http::verb;
    auto const &parts = m_request.api_parts;
    bool const post = m_request.method == verb::post;
    bool const put = m_request.method == verb::put;

    // The admin routes exist only for staff (Discourse's route constraints): 404 otherwise.
    if (!parts.empty() && parts[0] == "admin") {
        bool const admin = m_asking.who.admin();
        if (put && m_request.api_is({"admin", "users", "*", "activate"}) && m_asking.who.staff()) {
            return activate_user(parts[2]);
        }
        if (put && m_request.api_is({"admin", "site_settings", "*"}) && admin) {
            return update_site_setting(parts[2]);
        }
        if (post && m_request.api_is({"admin", "users", "sync_sso"}) && admin) {
            return sync_sso();
        }
        return not_found_answer();
    }
    // Everything else needs a signed-in user. (A browser-style request without a CSRF token
    // may get Discourse's `["BAD CSRF"]` 403 instead; the API answer is this one.)
    if (m_asking.account == nullptr) {
        return error_answer(403, NOT_LOGGED_IN_MESSAGE, "not_logged_in");
    }
    if (post && m_request.api_is({"categories"})) {
        return create_category();
    }
    if (post && m_request.api_is({"users"})) {
        return create_user();
    }
    if (post && m_request.api_is({"posts"})) {
        return create_post();
    }
    if (put && m_request.api_is({"posts", "*"})) {
        return edit_post(parts[1]);
    }
    if (post && m_request.api_is({"uploads"})) {
        return create_upload();
    }
    if (put && m_request.api_is({"t", "*", "status"})) {
        return topic_status(parts[1]);
    }
    if (put && (m_request.api_is({"t", "*", "*"}) || m_request.api_is({"t", "*"}))) {
        return update_topic(parts.back());
    }
    return not_found_answer();
}

// -- Categories --------------------------------------------------------------------------------

api_response writer::create_category()
{
    // Guardian#can_create_category?: admins.
    if (!m_asking.who.admin()) {
        return invalid_access();
    }
    auto const name = m_params.last("name");
    if (!name || name->empty()) {
        return missing_parameter("name");
    }
    create_category_request request;
    request.name = *name;
    if (auto const slug = m_params.last("slug"); slug && !slug->empty()) {
        request.slug = *slug;
    }
    if (auto const color = m_params.last("color"); color && !color->empty()) {
        request.color = *color;
    }
    if (auto const text_color = m_params.last("text_color"); text_color && !text_color->empty()) {
        request.text_color = *text_color;
    }
    request.description = m_params.last("description").value_or("");
    if (auto const position = m_params.last("position"); position && !position->empty()) {
        auto const number = parse_id(*position);
        if (!number) {
            return invalid_parameter("position");
        }
        request.position = static_cast<int>(*number);
    }
    if (auto const parent = m_params.last("parent_category_id"); parent && !parent->empty()) {
        auto const parent_id = parse_id(*parent);
        if (!parent_id || m_state.find_category(*parent_id) == nullptr) {
            return invalid_parameter("parent_category_id");
        }
        request.parent_id = parent_id;
    }
    // permissions[group]=level (1 full, 2 create/reply, 3 see): a category open to `everyone`
    // is public; any other list makes it read_restricted to those groups. The model knows who
    // sees a category, not the levels: every listed group may also post.
    auto const permissions = m_params.nested("permissions");
    if (!permissions.empty()) {
        bool everyone = false;
        for (auto const &[group_name, level] : permissions) {
            auto const number = parse_id(level);
            if (!number || *number < 1 || *number > 3) {
                return invalid_parameter("permissions");
            }
            bool const automatic = group_name == "everyone" || group_name == "staff" || group_name == "admins" ||
                                   group_name == "moderators" ||
                                   (group_name.size() == 13 && group_name.starts_with("trust_level_") &&
                                    group_name[12] >= '0' && group_name[12] <= '4');
            if (!automatic && m_state.find_group(group_name) == nullptr) {
                return invalid_parameter("group");
            }
            everyone = everyone || group_name == "everyone";
            request.allowed_groups.push_back(group_name);
        }
        request.read_restricted = !everyone;
        if (everyone) {
            request.allowed_groups.clear();
        }
    }
    try {
        category const &created = m_state.create_category(request);
        return json_answer(200, json{{"category", category_json(m_state, m_asking.who, created)}});
    } catch (validation_error const &problem) {
        return errors_answer(422, problem.errors());
    }
}

// -- Uploads -----------------------------------------------------------------------------------

json writer::upload_json(upload const &file) const
{
    // UploadSerializer, as schema-upload-create-response.json lists it; thumbnails as
    // ImageSizer.resize makes them (bounds from memory of Discourse, unconfirmed).
    json width = nullptr;
    json height = nullptr;
    json thumbnail_width = nullptr;
    json thumbnail_height = nullptr;
    if (file.width && file.height) {
        width = *file.width;
        height = *file.height;
        double const ratio = std::min({1.0, static_cast<double>(MAX_IMAGE_WIDTH) / std::max(1, *file.width),
                                       static_cast<double>(MAX_IMAGE_HEIGHT) / std::max(1, *file.height)});
        thumbnail_width = static_cast<int>(std::floor(*file.width * ratio));
        thumbnail_height = static_cast<int>(std::floor(*file.height * ratio));
    }
    return json{{"id", file.id},
                {"url", file.url()},
                {"original_filename", file.original_filename},
                {"filesize", file.filesize},
                {"width", width},
                {"height", height},
                {"thumbnail_width", thumbnail_width},
                {"thumbnail_height", thumbnail_height},
                {"extension", file.extension},
                {"short_url", file.short_url()},
                {"short_path", file.short_path()},
                {"retain_hours", nullptr},
                {"human_filesize", human_filesize(file.filesize)},
                {"dominant_color", nullptr}};
}

api_response writer::create_upload()
{
    auto type = m_params.last("upload_type");
    if (!type || type->empty()) {
        type = m_params.last("type"); // older clients; deprecated since Discourse 3.4
    }
    if (!type || type->empty()) {
        return missing_parameter("upload_type");
    }
    auto const file =
        std::ranges::find_if(m_params.files, [](uploaded_file const &part) { return part.field == "file"; });
    if (file == m_params.files.end()) {
        // upload.file_missing (wording unconfirmed); `url=` downloads are not offered here.
        return errors_answer(422, {"Sorry, you need to provide a file to upload."});
    }
    try {
        upload const &stored = m_state.add_upload(
            {.user_id = m_asking.account->id, .original_filename = file->filename, .bytes = file->bytes});
        // Without synchronous=true Discourse stores the file in the background and answers
        // only success; the file is stored at once here all the same.
        if (!(m_params.truthy("synchronous") && (m_asking.who.staff() || m_asking.api))) {
            return json_answer(200, json{{"success", "OK"}});
        }
        return json_answer(200, upload_json(stored));
    } catch (validation_error const &problem) {
        return errors_answer(422, problem.errors());
    }
}

// -- Site settings -----------------------------------------------------------------------------

api_response writer::update_site_setting(std::string const &name)
{
    // One field named like the setting: PUT /admin/site_settings/min_post_length with
    // min_post_length=1. A missing field sets an empty value, which integers refuse.
    std::string const value = m_params.last(name).value_or("");
    if (name == "enable_discourse_connect" && (base::trim(value) == "true" || base::trim(value) == "t") &&
        m_state.settings().discourse_connect_url.empty()) {
        // EnableSsoValidator (wording unconfirmed).
        return errors_answer(422, {"You must set 'discourse_connect_url' before enabling this setting."});
    }
    try {
        set_setting(m_state.settings(), name, value);
    } catch (validation_error const &problem) {
        return errors_answer(422, problem.errors());
    }
    return empty_answer(200);
}

api_response answer_write(forum_state &state, caller const &asking, request const &asked, api_memory &memory)
{
    if (asked.body_problem) {
        return error_answer(400, "Reading the request body: " + *asked.body_problem, "invalid_parameters");
    }
    return writer{state, asking, asked, memory}.answer();
}

std::optional<api_response> answer_admin_read(forum_state const &state, caller const &asking, request const &asked)
{
    if (!asked.api_is({"admin", "site_settings"})) {
        return std::nullopt;
    }
    if (!asking.who.admin()) {
        return not_found_answer();
    }
    json list = json::array();
    for (auto const &info : setting_table()) {
        std::string_view const type = info.type == setting_type::integer       ? "integer"
                                      : info.type == setting_type::boolean     ? "bool"
                                      : info.type == setting_type::enumeration ? "enum"
                                                                               : "string";
        list.push_back(json{{"setting", info.name},
                            {"default", info.default_value},
                            {"type", type},
                            {"value", get_setting(state.settings(), info.name)}});
    }
    return json_answer(200, json{{"site_settings", std::move(list)}});
}

std::optional<api_response> charge_admin_api(api_memory &memory, std::int64_t now_seconds, int per_minute)
{
    constexpr std::int64_t MINUTE = 60;
    std::lock_guard const lock{memory.mutex};
    auto &requests = memory.admin_api_requests;
    if (static_cast<int>(requests.size()) >= per_minute) {
        std::int64_t const age = now_seconds - requests[requests.size() - static_cast<std::size_t>(per_minute)];
        if (age < MINUTE) {
            ++memory.admin_api_refused;
            return rate_limited(static_cast<int>(MINUTE - age), "admin_api_key_rate_limit");
        }
    }
    ++memory.admin_api_admitted;
    requests.push_back(now_seconds);
    while (static_cast<int>(requests.size()) > per_minute) {
        requests.pop_front();
    }
    return std::nullopt;
}

} // namespace forumgate::rehearsal::detail
