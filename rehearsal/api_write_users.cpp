// The REST API's write side: users (`POST /users.json`, `PUT /admin/users/{id}/activate.json`)
// and DiscourseConnect (`POST /admin/users/sync_sso`).

#include "base/digest.hpp"
#include "base/text.hpp"
#include "rehearsal/api_writer.hpp"
#include "rehearsal/seed.hpp"
#include "rehearsal/slug.hpp"

#include <array>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::detail {

namespace {

/// Discourse's default_trust_level: accounts made through the API start at trust level 0.
constexpr int DEFAULT_TRUST_LEVEL = 0;
/// Discourse's max_username_length (UserNameSuggester cuts suggestions to it).
constexpr std::size_t MAX_USERNAME_LENGTH = 20;

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

// -- DiscourseConnect --------------------------------------------------------------------------

/// A failure of sync_sso: `{"failed":"FAILED","message":…}`.
api_response sso_failure(int status, std::string const &message)
{
    return json_answer(status, json{{"failed", "FAILED"}, {"message", message}});
}

} // namespace

api_response writer::create_user()
{
    if (auto const missing = m_params.first_missing({"email", "username"})) {
        return missing_parameter(*missing);
    }
    std::string const email = *m_params.last("email");
    std::string const username = *m_params.last("username");
    // hide_email_address_taken: a taken address answers like a success, without user_id.
    if (m_state.settings().hide_email_address_taken &&
        m_state.find_user_by_email(std::string{base::trim(email)}) != nullptr) {
        return json_answer(200, json{{"success", true}, {"active", false}, {"message", activation_message(email)}});
    }
    // active, approved and staged count only for an API request made as an admin.
    bool const admin_api = m_asking.api && m_asking.who.admin();
    create_user_request request;
    request.username = username;
    request.name = m_params.last("name").value_or("");
    request.email = email;
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
        return not_found_answer();
    }
    m_state.activate_user(*id);
    return json_answer(200, json{{"success", "OK"}});
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
    auto const payload = decode_base64(sso, base64_leftover::drop);
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

} // namespace forumgate::rehearsal::detail
