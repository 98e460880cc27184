// The write side of the rehearsal forum's REST API (discourse.md §3, §7). Each write holds the
// forum's exclusive lock for the whole request: it reads the parameters (form, JSON or
// multipart body, and the query string), checks who may do it, calls the forum's validated
// write and answers with Discourse's shapes, status codes and error bodies. Wordings that
// discourse.md does not give and that could not be confirmed are marked "unconfirmed".

#include "base/digest.hpp"
#include "base/iso_time.hpp"
#include "base/text.hpp"
#include "rehearsal/api_detail.hpp"
#include "rehearsal/slug.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::detail {

namespace {

constexpr std::string_view NOT_FOUND_MESSAGE = "The requested URL or resource could not be found.";
constexpr std::string_view INVALID_ACCESS_MESSAGE = "You are not permitted to view the requested resource.";
/// Discourse::NotLoggedIn (config/locales/server.en.yml not_logged_in).
constexpr std::string_view NOT_LOGGED_IN_MESSAGE = "You need to be logged in to do that.";
/// PostCreator's message for a topic that is missing, hidden or closed to the author.
constexpr std::string_view TOPIC_NOT_FOUND =
    "Something has gone wrong. Perhaps this topic was closed or deleted while you were looking at it?";
/// How long `POST /posts.json` answers are remembered (DistributedMemoizer.memoize(…, 120)).
constexpr std::int64_t POST_MEMO_SECONDS = 120;
/// Discourse's default_trust_level: accounts made through the API start at trust level 0.
constexpr int DEFAULT_TRUST_LEVEL = 0;
/// Discourse's max_username_length (UserNameSuggester cuts suggestions to it).
constexpr std::size_t MAX_USERNAME_LENGTH = 20;
/// ImageSizer's bounds for thumbnails (site settings max_image_width, max_image_height).
constexpr int MAX_IMAGE_WIDTH = 690;
constexpr int MAX_IMAGE_HEIGHT = 500;

// -- Answers -----------------------------------------------------------------------------------

/// `render_json_error(model)`: `{"errors":[…]}` without a type.
api_response errors_answer(int status, std::vector<std::string> const &errors)
{
    return json_answer(status, json{{"errors", errors}});
}

api_response not_found()
{
    return error_answer(404, NOT_FOUND_MESSAGE, "not_found");
}

api_response invalid_access()
{
    return error_answer(403, INVALID_ACCESS_MESSAGE, "invalid_access");
}

/// An answer with no body (`head :ok`, `render body: nil`).
api_response empty_answer(int status)
{
    api_response answer;
    answer.status = status;
    answer.content_type = "text/plain; charset=utf-8";
    return answer;
}

/// `params.require(name)` failed. Rails' message; that Discourse adds error_type
/// invalid_parameters to it is unconfirmed.
api_response missing_parameter(std::string_view name)
{
    return error_answer(400, "param is missing or the value is empty: " + std::string{name}, "invalid_parameters");
}

/// Discourse::InvalidParameters (message invalid_params; wording unconfirmed).
api_response invalid_parameter(std::string_view name)
{
    return error_answer(400, "You supplied invalid parameters to the request: " + std::string{name},
                        "invalid_parameters");
}

/// RateLimiter::LimitExceeded as ApplicationController renders it: 429 with Retry-After and,
/// when the limiter has one, Discourse-Rate-Limit-Error-Code.
api_response rate_limited(int wait_seconds, std::string_view error_code = {})
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

// -- Parameters --------------------------------------------------------------------------------

/// \return the bytes of a Base64 text, line breaks ignored (DiscourseConnect accepts strict and
/// MIME Base64), or nullopt if it has any other character outside the alphabet.
std::optional<std::string> base64_decode(std::string_view text)
{
    auto const value_of = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '+') {
            return 62;
        }
        if (c == '/') {
            return 63;
        }
        return -1;
    };
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    bool padding = false;
    for (char const c : text) {
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (c == '=') {
            padding = true;
            continue;
        }
        int const value = value_of(c);
        if (value < 0 || padding) {
            return std::nullopt;
        }
        buffer = (buffer << 6U) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    return out;
}

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

// -- The writer --------------------------------------------------------------------------------

/// Answers one write request: the forum, who asks, the parameters and what the API remembers.
class writer
{
public:
    writer(forum_state &state, caller const &asking, request const &asked, api_memory &memory)
        : m_state(state), m_asking(asking), m_request(asked), m_params(asked.params), m_memory(memory)
    {}

    [[nodiscard]] api_response answer();

private:
    // Routes.
    [[nodiscard]] api_response create_category();
    [[nodiscard]] api_response create_user();
    [[nodiscard]] api_response activate_user(std::string_view id_text);
    [[nodiscard]] api_response create_post();
    [[nodiscard]] api_response create_post_unmemoized();
    [[nodiscard]] api_response edit_post(std::string_view id_text);
    [[nodiscard]] api_response create_upload();
    [[nodiscard]] api_response update_site_setting(std::string const &name);
    [[nodiscard]] api_response sync_sso();
    [[nodiscard]] api_response topic_status(std::string_view id_text);
    [[nodiscard]] api_response update_topic(std::string_view id_text);

    // Pieces.
    [[nodiscard]] json created_post_json(post const &item) const;
    [[nodiscard]] json upload_json(upload const &file) const;
    [[nodiscard]] std::string suggest_username(std::string const &wanted, std::string const &email) const;
    [[nodiscard]] std::string memo_key() const;

    forum_state &m_state;
    caller const &m_asking;
    request const &m_request;
    parameters const &m_params;
    api_memory &m_memory;
};

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
        return not_found();
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
    return not_found();
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

// -- Users -------------------------------------------------------------------------------------

/// UsersController#create's answer to a failed save: the model's messages by field (the
/// model's primary_email reported as email).
json user_errors_by_field(std::vector<std::string> const &messages)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> FIELDS = {{
        {"Primary email ", "email"},
        {"Username ", "username"},
        {"Name ", "name"},
    }};
    json errors = json::object();
    for (auto const &message : messages) {
        bool placed = false;
        for (auto const &[prefix, field] : FIELDS) {
            if (message.starts_with(prefix)) {
                errors[std::string{field}].push_back(message.substr(prefix.size()));
                placed = true;
                break;
            }
        }
        if (!placed) {
            errors["base"].push_back(message);
        }
    }
    return errors;
}

std::string activation_message(std::string const &email)
{
    // login.activate_email, as recorded in api-user-create-response.json.
    return "You're almost done! We sent an activation email to <b>" + email +
           "</b>. Please follow the instructions in the email to activate your account.";
}

api_response writer::create_user()
{
    auto const email = m_params.last("email");
    if (!email || email->empty()) {
        return missing_parameter("email");
    }
    auto const username = m_params.last("username");
    if (!username || username->empty()) {
        return missing_parameter("username");
    }
    // hide_email_address_taken: a taken address answers like a success, without user_id.
    if (m_state.settings().hide_email_address_taken &&
        m_state.find_user_by_email(std::string{base::trim(*email)}) != nullptr) {
        return json_answer(200, json{{"success", true}, {"active", false}, {"message", activation_message(*email)}});
    }
    // active, approved and staged count only for an API request made as an admin.
    bool const admin_api = m_asking.api && m_asking.who.admin();
    create_user_request request;
    request.username = *username;
    request.name = m_params.last("name").value_or("");
    request.email = *email;
    request.trust_level = DEFAULT_TRUST_LEVEL;
    request.active = admin_api && m_params.truthy("active");
    request.staged = admin_api && m_params.truthy("staged");
    try {
        user const &created = m_state.create_user(request);
        json answer{{"success", true},
                    {"active", created.active},
                    // login.active (unconfirmed) for an active account, else login.activate_email.
                    {"message", created.active ? std::string{"Your account is activated and ready to use."}
                                               : activation_message(created.email)}};
        if (!m_state.settings().hide_email_address_taken) {
            answer["user_id"] = created.id;
        }
        return json_answer(200, answer);
    } catch (validation_error const &problem) {
        // A failed save is still a 200: success false, the messages by field, the values sent.
        std::string message;
        for (auto const &line : problem.errors()) {
            message += (message.empty() ? "" : "\n") + line;
        }
        return json_answer(
            200, json{{"success", false},
                      {"message", message},
                      {"errors", user_errors_by_field(problem.errors())},
                      {"values", {{"name", request.name}, {"username", request.username}, {"email", request.email}}},
                      {"is_developer", false}});
    }
}

api_response writer::activate_user(std::string_view id_text)
{
    auto const id = parse_id(id_text);
    if (!id || m_state.find_user(*id) == nullptr) {
        return not_found();
    }
    m_state.activate_user(*id);
    return json_answer(200, json{{"success", "OK"}});
}

// -- Posts -------------------------------------------------------------------------------------

std::string writer::memo_key() const
{
    // PostsController#signature_for: the parameters, the acting user and who sent it (here the
    // client's address; Discourse adds user agent and referrer, which the server does not pass on).
    auto sorted = m_params.pairs();
    std::ranges::sort(sorted);
    std::string key =
        m_request.raw.path + "\n" + std::to_string(m_asking.account->id) + "\n" + m_request.raw.client + "\n";
    for (auto const &[name, value] : sorted) {
        key += name + "=" + base::sha1_hex(value) + "\n";
    }
    return key;
}

api_response writer::create_post()
{
    auto const raw = m_params.last("raw");
    if (!raw || raw->empty()) {
        return missing_parameter("raw");
    }
    if (!m_asking.api) {
        return create_post_unmemoized();
    }
    // API requests: the result (success or validation failure) is remembered for 120 s, so a
    // retried identical request gets the first answer instead of a second post.
    std::int64_t const now = std::chrono::floor<std::chrono::seconds>(m_state.now()).time_since_epoch().count();
    std::string const key = memo_key();
    {
        std::lock_guard const lock{m_memory.mutex};
        while (!m_memory.post_result_expiry.empty() && m_memory.post_result_expiry.front().first <= now) {
            auto const &[expires, old_key] = m_memory.post_result_expiry.front();
            if (auto const found = m_memory.post_results.find(old_key);
                found != m_memory.post_results.end() && found->second.expires == expires) {
                m_memory.post_results.erase(found);
            }
            m_memory.post_result_expiry.pop_front();
        }
        if (auto const found = m_memory.post_results.find(key);
            found != m_memory.post_results.end() && found->second.expires > now) {
            return found->second.answer;
        }
    }
    api_response answer = create_post_unmemoized();
    // Errors raised before or around the post manager (400, 403, 429) are not results and are
    // not remembered.
    if (answer.status == 200 || answer.status == 422) {
        std::lock_guard const lock{m_memory.mutex};
        m_memory.post_results[key] = api_memory::memo{now + POST_MEMO_SECONDS, answer};
        m_memory.post_result_expiry.emplace_back(now + POST_MEMO_SECONDS, key);
    }
    return answer;
}

api_response writer::create_post_unmemoized()
{
    user const &author = *m_asking.account;
    viewer const &who = m_asking.who;
    std::string const raw = *m_params.last("raw");
    // Options only an API request may use (is_api?): dropped silently otherwise.
    bool const skip_validations = m_asking.api && m_params.is_true("skip_validations");
    bool const import_mode = m_asking.api && m_params.is_true("import_mode");
    std::optional<timestamp> created_at;
    std::optional<std::string> external_id;
    if (m_asking.api) {
        if (auto const text = m_params.last("created_at"); text && !text->empty()) {
            created_at = parse_time(*text); // what Time.zone.parse cannot read is left out
        }
        if (auto const text = m_params.last("external_id"); text && !text->empty()) {
            external_id = *text;
        }
    }
    // no_bump needs Guardian#can_skip_bump? (staff or trust level 4).
    bool const no_bump = m_params.truthy("no_bump");
    if (no_bump && !who.staff() && who.trust_level() < 4) {
        return invalid_parameter("no_bump");
    }

    try {
        post const *created = nullptr;
        if (auto const topic_text = m_params.last("topic_id"); topic_text && !topic_text->empty()) {
            // A reply. whisper=true needs staff (Discourse's message for it is unconfirmed, so
            // the generic one is used).
            bool const whisper = m_params.is_true("whisper");
            if (whisper && !who.staff()) {
                return invalid_access();
            }
            auto const topic_id = parse_id(*topic_text);
            if (!topic_id) {
                return json_answer(422, json{{"action", "create_post"}, {"errors", json::array({TOPIC_NOT_FOUND})}});
            }
            create_post_request request;
            request.user_id = author.id;
            request.topic_id = *topic_id;
            request.raw = raw;
            if (auto const number = m_params.last("reply_to_post_number"); number && !number->empty()) {
                if (auto const value = parse_id(*number)) {
                    request.reply_to_post_number = static_cast<int>(*value);
                }
            }
            request.created_at = created_at;
            request.type = whisper ? post_type::whisper : post_type::regular;
            request.no_bump = no_bump;
            request.skip_validations = skip_validations;
            request.import_mode = import_mode;
            created = &m_state.create_post(request);
        } else {
            // A new topic (reply_to_post_number is dropped without a topic).
            create_topic_request request;
            request.user_id = author.id;
            request.title = m_params.last("title").value_or("");
            request.raw = raw;
            request.kind =
                m_params.last("archetype") == "private_message" ? archetype::private_message : archetype::regular;
            if (request.kind == archetype::regular) {
                // category: an id, or a name as older clients send it.
                if (auto const text = m_params.last("category"); text && !text->empty()) {
                    category const *place = nullptr;
                    if (auto const id = parse_id(*text)) {
                        place = m_state.find_category(*id);
                    } else {
                        std::string const wanted = lowercase_utf8(*text);
                        for (auto const &[id_, candidate] : m_state.categories()) {
                            if (lowercase_utf8(candidate.name) == wanted) {
                                place = &candidate;
                                break;
                            }
                        }
                    }
                    if (place == nullptr) {
                        return invalid_parameter("category");
                    }
                    request.category_id = place->id;
                }
            } else {
                // target_recipients (target_usernames before it): comma-separated usernames.
                auto names = m_params.last("target_recipients");
                if (!names) {
                    names = m_params.last("target_usernames");
                }
                std::string_view list = names ? std::string_view{*names} : std::string_view{};
                while (!list.empty()) {
                    auto const comma = list.find(',');
                    std::string const name{base::trim(list.substr(0, comma))};
                    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
                    if (name.empty()) {
                        continue;
                    }
                    user const *recipient = m_state.find_user_by_username(name);
                    if (recipient == nullptr) {
                        // TopicCreator's target_user_not_found (wording unconfirmed).
                        return json_answer(422, json{{"action", "create_post"},
                                                     {"errors", json::array({"One of the users you are sending this "
                                                                             "message to could not be found."})}});
                    }
                    request.recipient_ids.push_back(recipient->id);
                }
            }
            request.tags = m_params.listed("tags");
            request.created_at = created_at;
            request.external_id = external_id;
            request.skip_validations = skip_validations;
            request.import_mode = import_mode;
            // skip_validations does not open restricted categories here. (Newer Discourse skips
            // TopicCreator's category check with it; older ones do not, and an importer that
            // passes here passes on both.)
            topic const &subject = m_state.create_topic(request);
            created = m_state.find_post_by_number(subject.id, 1);
        }
        json const body = created_post_json(*created);
        if (m_params.is_true("nested_post")) {
            return json_answer(200, json{{"action", "create_post"}, {"post", body}, {"success", true}});
        }
        return json_answer(200, body);
    } catch (validation_error const &problem) {
        // NewPostResult without success: 422, no error_type, no success key.
        return json_answer(422, json{{"action", "create_post"}, {"errors", problem.errors()}});
    } catch (rate_limit_error const &limit) {
        return rate_limited(limit.wait_seconds());
    } catch (permission_error const &) {
        return invalid_access();
    } catch (not_found_error const &) {
        return not_found();
    }
}

json writer::created_post_json(post const &item) const
{
    // The post at the root (PostsController#create → backwards_compatible_json), with the
    // fields of schema-topic-create-response.json in the order of api-topic-create-response.json;
    // values as the read side serializes the same post.
    json const full = post_json(m_state, m_asking.who, item);
    static constexpr std::string_view KEYS[] = {"id",
                                                "name",
                                                "username",
                                                "avatar_template",
                                                "created_at",
                                                "raw",
                                                "cooked",
                                                "post_number",
                                                "post_type",
                                                "updated_at",
                                                "reply_count",
                                                "reply_to_post_number",
                                                "quote_count",
                                                "incoming_link_count",
                                                "reads",
                                                "readers_count",
                                                "score",
                                                "yours",
                                                "topic_id",
                                                "topic_slug",
                                                "display_username",
                                                "primary_group_name",
                                                "primary_group_flair_url",
                                                "primary_group_flair_bg_color",
                                                "primary_group_flair_color",
                                                "version",
                                                "can_edit",
                                                "can_delete",
                                                "can_recover",
                                                "can_wiki",
                                                "user_title",
                                                "bookmarked",
                                                "actions_summary",
                                                "moderator",
                                                "admin",
                                                "staff",
                                                "user_id",
                                                "draft_sequence",
                                                "hidden",
                                                "trust_level",
                                                "deleted_at",
                                                "user_deleted",
                                                "edit_reason",
                                                "can_view_edit_history",
                                                "wiki",
                                                "reviewable_id",
                                                "reviewable_score_count",
                                                "reviewable_score_pending_count"};
    json out = json::object();
    for (auto const key_view : KEYS) {
        std::string const key{key_view};
        if (key == "score" || key == "draft_sequence") {
            out[key] = 0;
        } else if (key == "reviewable_id" || key.starts_with("primary_group_flair_")) {
            out[key] = nullptr;
        } else if (full.contains(key)) {
            out[key] = full[key];
        } else {
            out[key] = nullptr;
        }
    }
    return out;
}

api_response writer::edit_post(std::string_view id_text)
{
    auto const id = parse_id(id_text);
    post const *item = id ? m_state.find_post(*id) : nullptr;
    if (item == nullptr || !m_state.can_see_post(m_asking.who, *item, true)) {
        return not_found();
    }
    auto const raw = m_params.last("post[raw]");
    if (!raw) {
        return missing_parameter("post");
    }
    // post[original_text] (post[raw_old] before it): the text the editor started from. If the
    // post changed since, the edit is refused (edit_conflict; wording unconfirmed).
    auto original = m_params.last("post[original_text]");
    if (!original) {
        original = m_params.last("post[raw_old]");
    }
    if (original && *original != item->raw) {
        return errors_answer(409, {"This post was edited by another user and your changes can no longer be saved."});
    }
    edit_post_request request;
    request.post_id = item->id;
    request.editor_id = m_asking.account->id;
    request.raw = *raw;
    if (auto const title = m_params.last("title")) {
        request.title = *title;
    }
    // bypass_bump (top level or in post[…]) counts only for staff and trust level 4; the
    // forum checks that.
    request.bypass_bump = m_params.truthy("bypass_bump") || m_params.truthy("post[bypass_bump]");
    try {
        (void)m_state.edit_post(request);
    } catch (validation_error const &problem) {
        return errors_answer(422, problem.errors());
    } catch (rate_limit_error const &limit) {
        return rate_limited(limit.wait_seconds());
    } catch (permission_error const &) {
        return invalid_access();
    }
    json body = post_json(m_state, m_asking.who, *m_state.find_post(item->id));
    // The reason is shown with the answer; the forum does not keep it (post revisions are not modelled).
    if (auto const reason = m_params.last("post[edit_reason]"); reason && !reason->empty()) {
        body["edit_reason"] = *reason;
    }
    return json_answer(200, json{{"post", std::move(body)}});
}

api_response writer::topic_status(std::string_view id_text)
{
    auto const status = m_params.last("status");
    if (!status || status->empty()) {
        return missing_parameter("status");
    }
    auto const enabled = m_params.last("enabled");
    if (!enabled || enabled->empty()) {
        return missing_parameter("enabled");
    }
    if (*status != "closed" && *status != "archived" && *status != "visible" && *status != "pinned") {
        return invalid_parameter("status");
    }
    auto const id = parse_id(id_text);
    topic const *subject = id ? m_state.find_topic(*id) : nullptr;
    if (subject == nullptr || !m_state.can_see_topic(m_asking.who, *subject)) {
        return not_found();
    }
    try {
        (void)m_state.set_topic_status(subject->id, *status, *enabled == "true", m_asking.account->id);
    } catch (permission_error const &) {
        return invalid_access();
    }
    return json_answer(200, json{{"success", "OK"}, {"topic_status_update", nullptr}});
}

/// `PUT /t/{slug}/{id}.json` (TopicsController#update): the fields PostRevisor tracks. Only
/// tags are modelled (an importer sets them as an admin after an author who may not create
/// tags posted the topic); title and category_id are refused as not modelled rather than
/// silently ignored. Answers `{basic_topic:{id, title, fancy_title, slug, posts_count}}`.
api_response writer::update_topic(std::string_view id_text)
{
    auto const id = parse_id(id_text);
    if (!id) {
        return not_found();
    }
    if (m_params.last("title") || m_params.last("category_id")) {
        return invalid_parameter("title/category_id (the rehearsal forum changes only tags here)");
    }
    try {
        m_state.set_topic_tags(*id, m_params.listed("tags"), m_asking.who);
    } catch (not_found_error const &) {
        return not_found();
    } catch (permission_error const &) {
        return invalid_access();
    } catch (validation_error const &problem) {
        return json_answer(422, json{{"errors", problem.errors()}});
    }
    topic const &subject = *m_state.find_topic(*id);
    return json_answer(200, json{{"basic_topic",
                                  {{"id", subject.id},
                                   {"title", subject.title},
                                   {"fancy_title", subject.fancy_title},
                                   {"slug", subject.slug},
                                   {"posts_count", subject.posts_count}}}});
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

// -- DiscourseConnect --------------------------------------------------------------------------

/// A failure of sync_sso: `{"failed":"FAILED","message":…}`.
api_response sso_failure(int status, std::string const &message)
{
    return json_answer(status, json{{"failed", "FAILED"}, {"message", message}});
}

std::string writer::suggest_username(std::string const &wanted, std::string const &email) const
{
    // UserNameSuggester, as far as it matters here (details from memory, unconfirmed): Latin
    // letters are transliterated (the slug rules' table, which gives them in lower case), other
    // characters than letters, digits, `_`, `.` and `-` become `_`, runs of those three shrink
    // to one, the name starts with a letter or digit, is cut to 20 characters, padded with `1`
    // to three, and a number is added while the name is taken.
    std::string const source = wanted.empty() ? email.substr(0, email.find('@')) : wanted;
    std::string ascii;
    for (std::size_t pos = 0; pos < source.size();) {
        if (static_cast<unsigned char>(source[pos]) < 0x80) {
            ascii.push_back(source[pos++]);
            continue;
        }
        std::size_t const start = pos;
        (void)next_code_point(source, pos);
        std::string const letter = slug_for(source.substr(start, pos - start), slug_method::ascii, "");
        ascii += letter.empty() ? "_" : letter;
    }
    std::string name;
    for (char const c : ascii) {
        bool const word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        char const next = word || c == '.' || c == '-' ? c : '_';
        bool const special = next == '_' || next == '.' || next == '-';
        bool const after_special = !name.empty() && (name.back() == '_' || name.back() == '.' || name.back() == '-');
        if (special && (name.empty() || after_special)) {
            continue;
        }
        name.push_back(next);
    }
    while (!name.empty() && (name.back() == '_' || name.back() == '.' || name.back() == '-')) {
        name.pop_back();
    }
    name = name.substr(0, MAX_USERNAME_LENGTH);
    while (name.size() < 3) {
        name.push_back('1');
    }
    std::string attempt = name;
    for (int i = 1; m_state.find_user_by_username(attempt) != nullptr; ++i) {
        std::string const suffix = std::to_string(i);
        attempt = name.substr(0, MAX_USERNAME_LENGTH - suffix.size()) + suffix;
    }
    return attempt;
}

api_response writer::sync_sso()
{
    site_settings const &settings = m_state.settings();
    if (!settings.enable_discourse_connect) {
        return empty_answer(404);
    }
    // The sso field is form-decoded once (a `+` in it must have been sent as %2B), as fixed
    // Discourse does; unfixed versions decoded it twice, so the importer avoids `+` anyway.
    std::string const sso = m_params.last("sso").value_or("");
    std::string const sig = m_params.last("sig").value_or("");
    // DiscourseConnectBase.parse's messages (wordings unconfirmed).
    auto const payload = base64_decode(sso);
    if (sso.empty() || !payload) {
        return sso_failure(422,
                           "The SSO field must be Base64 encoded, using only A-Z, a-z, 0-9, +, /, and = characters.");
    }
    if (base::hmac_sha256_hex(settings.discourse_connect_secret, sso) != sig) {
        return sso_failure(422, "Bad signature for payload");
    }
    parameters fields;
    fields.add_form(*payload);
    std::string const external_id{base::trim(fields.last("external_id").value_or(""))};
    if (external_id.empty()) {
        return sso_failure(422, "external_id is blank");
    }
    std::string const email{base::trim(fields.last("email").value_or(""))};
    bool const require_activation = fields.is_true("require_activation");

    // Found by external_id; else (unless require_activation) a user with the e-mail is adopted;
    // else a new user. E-mail, username and name are set only on creation (the auth_overrides_*
    // settings are off).
    user const *found = m_state.find_user_by_external_id(external_id);
    if (found == nullptr && !require_activation && !email.empty()) {
        found = m_state.find_user_by_email(email);
        if (found != nullptr) {
            m_state.mutable_user(found->id)->external_id = external_id;
        }
    }
    if (found == nullptr) {
        create_user_request request;
        request.username = suggest_username(fields.last("username").value_or(""), email);
        request.name = fields.last("name").value_or("");
        if (request.name.empty()) {
            request.name = request.username;
        }
        request.email = email;
        request.trust_level = DEFAULT_TRUST_LEVEL;
        request.active = false;
        request.external_id = external_id;
        try {
            found = &m_state.create_user(request);
        } catch (validation_error const &problem) {
            std::string message;
            for (auto const &line : problem.errors()) {
                message += (message.empty() ? "" : ", ") + line;
            }
            return sso_failure(403, "Validation failed: " + message);
        }
    }
    user &account = *m_state.mutable_user(found->id);
    account.staged = false;
    if (!account.active && !require_activation) {
        account.active = true;
    }
    if (auto const admin = fields.last("admin")) {
        account.admin = *admin == "true";
    }
    if (auto const moderator = fields.last("moderator")) {
        account.moderator = *moderator == "true";
    }
    return json_answer(200, admin_user_json(m_state, m_asking.who, account));
}

} // namespace

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
        return not_found();
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
            return rate_limited(static_cast<int>(MINUTE - age), "admin_api_key_rate_limit");
        }
    }
    requests.push_back(now_seconds);
    while (static_cast<int>(requests.size()) > per_minute) {
        requests.pop_front();
    }
    return std::nullopt;
}

} // namespace forumgate::rehearsal::detail
