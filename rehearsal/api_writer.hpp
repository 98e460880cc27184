#pragma once
// Private to the REST API's write side (api_write.cpp routes and answers categories, uploads and
// site settings; api_write_posts.cpp answers posts and topics, api_write_users.cpp users and
// DiscourseConnect): the writer, which answers one write request, and the error answers the
// writes share.

#include "rehearsal/api_detail.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::rehearsal::detail {

// -- Answers -----------------------------------------------------------------------------------

/// `render_json_error(model)`: `{"errors":[…]}` without a type.
[[nodiscard]] api_response errors_answer(int status, std::vector<std::string> const &errors);
/// Discourse::InvalidAccess: 403 `invalid_access`.
[[nodiscard]] api_response invalid_access();
/// An answer with no body (`head :ok`, `render body: nil`).
[[nodiscard]] api_response empty_answer(int status);
/// `params.require(name)` failed. Rails' message; that Discourse adds error_type
/// invalid_parameters to it is unconfirmed.
[[nodiscard]] api_response missing_parameter(std::string_view name);
/// Discourse::InvalidParameters (message invalid_params; wording unconfirmed).
[[nodiscard]] api_response invalid_parameter(std::string_view name);
/// RateLimiter::LimitExceeded as ApplicationController renders it: 429 with Retry-After and,
/// when the limiter has one, Discourse-Rate-Limit-Error-Code.
[[nodiscard]] api_response rate_limited(int wait_seconds, std::string_view error_code = {});

// -- The writer --------------------------------------------------------------------------------

/// Answers one write request: the forum, who asks, the parameters and what the API remembers.
class writer
{
public:
    writer(forum_state &state, caller const &asking, request const &asked, api_memory &memory)
        : m_state(state), m_asking(asking), m_request(asked), m_params(asked.params), m_memory(memory)
    {}

    /// Routes the request (api_write.cpp).
    [[nodiscard]] api_response answer();

private:
    // Routes: categories, uploads, site settings (api_write.cpp).
    [[nodiscard]] api_response create_category();
    [[nodiscard]] api_response create_upload();
    [[nodiscard]] api_response update_site_setting(std::string const &name);
    [[nodiscard]] json upload_json(upload const &file) const;

    // Routes: users and DiscourseConnect (api_write_users.cpp).
    [[nodiscard]] api_response create_user();
    [[nodiscard]] api_response activate_user(std::string_view id_text);
    [[nodiscard]] api_response sync_sso();
    [[nodiscard]] std::string suggest_username(std::string const &wanted, std::string const &email) const;

    // Routes: posts and topics (api_write_posts.cpp).
    [[nodiscard]] api_response create_post();
    [[nodiscard]] api_response create_post_unmemoized();
    [[nodiscard]] api_response edit_post(std::string_view id_text);
    [[nodiscard]] api_response topic_status(std::string_view id_text);
    [[nodiscard]] api_response update_topic(std::string_view id_text);

    /// What `POST /posts.json` asks beside where the post goes, the same for a reply and a new topic.
    struct post_options
    {
        std::string raw;
        bool skip_validations = false; ///< API requests only
        bool import_mode = false;      ///< API requests only
        bool no_bump = false;
        std::optional<timestamp> created_at;    ///< API requests only
        std::optional<std::string> external_id; ///< API requests only; new topics only
    };
    [[nodiscard]] post_options read_post_options() const;
    /// Creates a reply in the topic `topic_text` names. \return the refusal, or nullopt with
    /// `created` set.
    [[nodiscard]] std::optional<api_response> create_reply(std::string_view topic_text, post_options const &options,
                                                           post const *&created);
    /// Creates a new topic (a regular one in a category, or a private message to its
    /// recipients). \return the refusal, or nullopt with `created` set to its first post.
    [[nodiscard]] std::optional<api_response> create_new_topic(post_options const &options, post const *&created);
    /// \return the category that the `category` parameter names (an id, or a name as older
    /// clients send it), or nullptr.
    [[nodiscard]] category const *named_category(std::string_view text) const;
    /// Adds the recipients of a private message to `request`. \return the refusal, if one is unknown.
    [[nodiscard]] std::optional<api_response> add_recipients(create_topic_request &request) const;
    [[nodiscard]] json created_post_json(post const &item) const;
    [[nodiscard]] std::string memo_key() const;

    forum_state &m_state;
    caller const &m_asking;
    request const &m_request;
    parameters const &m_params;
    api_memory &m_memory;
};

} // namespace forumgate::rehearsal::detail
