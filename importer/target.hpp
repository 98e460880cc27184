#pragma once
// The new forum as the importer talks to it: Discourse's REST write API (discourse.md §3) and
// the reads that reconciliation and verify need, over one kept-alive connection. Every request
// carries the admin key and acts as the user it names (an all-users key impersonates).

#include "web/http_client.hpp"
#include "web/polite.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forumgate::importer {

/// The new forum answered a write with a refusal (4xx other than 429): what Discourse said.
/// status is the HTTP status; errors() are Discourse's messages.
class target_refusal : public std::runtime_error
{
public:
    target_refusal(std::string message, int status, std::vector<std::string> errors)
        : std::runtime_error(std::move(message)), m_status(status), m_errors(std::move(errors))
    {}
    [[nodiscard]] int status() const noexcept { return m_status; }
    [[nodiscard]] std::vector<std::string> const &errors() const noexcept { return m_errors; }

private:
    int m_status;
    std::vector<std::string> m_errors;
};

/// One form field; a file field carries its file name and content type.
struct form_field
{
    std::string name;
    std::string value;
    std::string filename{};
    std::string content_type{};
};

/// \return `fields` as application/x-www-form-urlencoded.
[[nodiscard]] std::string form_encode(std::vector<form_field> const &fields);

/// A user account of the new forum, as the admin list shows it.
struct target_user
{
    std::int64_t id = 0;
    std::string username;
    std::string email;
    bool active = true;
};

/// A category of the new forum.
struct target_category
{
    std::int64_t id = 0;
    std::optional<std::int64_t> parent_id;
    std::string slug;
    std::string name;
};

/// A post of the new forum, as a topic's post stream shows it.
struct target_post
{
    std::int64_t id = 0;
    int post_number = 0;
    std::string username;
    std::string created_at;
    std::string raw;
    int post_type = 1;
};

/// A created post or topic.
struct created_post
{
    std::int64_t id = 0;
    std::int64_t topic_id = 0;
    int post_number = 0;
    std::string topic_slug;
};

/// A topic found on the new forum by its external id.
struct found_topic
{
    std::int64_t id = 0;
    std::string slug; ///< as the new forum spells it in its URLs; empty if it named none
};

/// Represents the new forum for one worker. Not thread-safe; the pacer is shared.
class target_forum
{
public:
    target_forum(web::site_url site, web::http_client::options client_options, web::request_pacer &pacer,
                 web::retry_policy policy, std::string api_key);

    [[nodiscard]] web::site_url const &site() const noexcept { return m_client.site(); }

    /// GET as `acting` (empty: the key's default user). \throws web::fetch_error, bad_answer.
    [[nodiscard]] nlohmann::json get_json(std::string const &target, std::string const &acting = "system");

    /// `GET /admin/site_settings.json`: name → value as text.
    [[nodiscard]] std::map<std::string, std::string> site_settings();
    /// Every category (`/site.json`).
    [[nodiscard]] std::vector<target_category> categories();
    /// Every account (`/admin/users/list/all.json?show_emails=true`, all pages).
    [[nodiscard]] std::vector<target_user> users();
    /// `GET /t/external_id/{id}.json`: the topic's id and slug (from the redirect to
    /// /t/{slug}/{id}.json, or the topic's JSON), or nullopt when unknown.
    [[nodiscard]] std::optional<found_topic> topic_by_external_id(std::string const &external_id);
    /// A topic's posts with raw, in post-number order, as an admin sees them.
    [[nodiscard]] std::vector<target_post> topic_posts(std::int64_t topic_id);

    /// `POST /categories.json`. \return the new category. \throws target_refusal.
    target_category create_category(std::vector<form_field> const &fields);
    /// `POST /users.json` as an admin. \return the new user's id and username.
    /// \throws target_refusal with Discourse's messages (its 200 `success:false` answers too).
    target_user create_user(std::vector<form_field> const &fields);
    /// `PUT /admin/users/{id}/activate`.
    void activate_user(std::int64_t user_id);
    /// `POST /admin/users/sync_sso` with a signed payload. \return the account.
    target_user sync_sso(std::string const &payload, std::string const &secret);
    /// `POST /uploads.json` (multipart) as system. \return {url, short_url} of the new upload.
    std::pair<std::string, std::string> upload(std::string const &filename, std::string const &bytes);
    /// `POST /posts.json` as `acting`. \throws target_refusal (a 422 with Discourse's errors).
    created_post create_post(std::string const &acting, std::vector<form_field> const &fields);
    /// `PUT /posts/{id}.json` as `acting`.
    void edit_post(std::string const &acting, std::int64_t post_id, std::vector<form_field> const &fields);
    /// `PUT /t/-/{id}.json` as `acting` (tags, title, category).
    void update_topic(std::string const &acting, std::int64_t topic_id, std::vector<form_field> const &fields);

private:
    web::http_response send(boost::beast::http::verb method, std::string const &target, std::string const &acting,
                            std::string body, std::string const &content_type);
    web::http_response write(boost::beast::http::verb method, std::string const &target, std::string const &acting,
                             std::vector<form_field> const &fields, bool multipart = false);

    web::http_client m_client;
    web::request_pacer &m_pacer;
    web::retry_policy m_policy;
    std::string m_api_key;
};

} // namespace forumgate::importer
