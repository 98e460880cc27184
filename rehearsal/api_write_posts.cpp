// The REST API's write side: posts and topics (`POST /posts.json`, `PUT /posts/{id}.json`,
// `PUT /t/{id}/status.json`, `PUT /t/{slug}/{id}.json`), with the memo of `POST /posts.json`
// results that makes a retried request safe.

#include "base/digest.hpp"
#include "base/iso_time.hpp"
#include "base/text.hpp"
#include "rehearsal/api_writer.hpp"
#include "rehearsal/slug.hpp"

#include <algorithm>
#include <mutex>
#include <string_view>
#include <utility>

namespace forumgate::rehearsal::detail {

namespace {

/// PostCreator's message for a topic that is missing, hidden or closed to the author.
constexpr std::string_view TOPIC_NOT_FOUND =
    "Something has gone wrong. Perhaps this topic was closed or deleted while you were looking at it?";
/// How long `POST /posts.json` answers are remembered (DistributedMemoizer.memoize(…, 120)).
constexpr std::int64_t POST_MEMO_SECONDS = 120;

} // namespace

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

writer::post_options writer::read_post_options() const
{
    post_options options;
    options.raw = *m_params.last("raw");
    // Options only an API request may use (is_api?): dropped silently otherwise.
    options.skip_validations = m_asking.api && m_params.is_true("skip_validations");
    options.import_mode = m_asking.api && m_params.is_true("import_mode");
    if (m_asking.api) {
        if (auto const text = m_params.last("created_at"); text && !text->empty()) {
            options.created_at = parse_time(*text); // what Time.zone.parse cannot read is left out
        }
        if (auto const text = m_params.last("external_id"); text && !text->empty()) {
            options.external_id = *text;
        }
    }
    options.no_bump = m_params.truthy("no_bump");
    return options;
}

api_response writer::create_post_unmemoized()
{
    post_options const options = read_post_options();
    // no_bump needs Guardian#can_skip_bump? (staff or trust level 4).
    if (options.no_bump && !m_asking.who.staff() && m_asking.who.trust_level() < 4) {
        return invalid_parameter("no_bump");
    }
    try {
        post const *created = nullptr;
        auto const topic_text = m_params.last("topic_id");
        auto refused = topic_text && !topic_text->empty() ? create_reply(*topic_text, options, created)
                                                          : create_new_topic(options, created);
        if (refused) {
            return *std::move(refused);
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
        return not_found_answer();
    }
}

std::optional<api_response> writer::create_reply(std::string_view topic_text, post_options const &options,
                                                 post const *&created)
{
    // whisper=true needs staff (Discourse's message for it is unconfirmed, so the generic one
    // is used).
    bool const whisper = m_params.is_true("whisper");
    if (whisper && !m_asking.who.staff()) {
        return invalid_access();
    }
    auto const topic_id = parse_id(topic_text);
    if (!topic_id) {
        return json_answer(422, json{{"action", "create_post"}, {"errors", json::array({TOPIC_NOT_FOUND})}});
    }
    create_post_request request;
    request.user_id = m_asking.account->id;
    request.topic_id = *topic_id;
    request.raw = options.raw;
    if (auto const number = m_params.last("reply_to_post_number"); number && !number->empty()) {
        if (auto const value = parse_id(*number)) {
            request.reply_to_post_number = static_cast<int>(*value);
        }
    }
    request.created_at = options.created_at;
    request.type = whisper ? post_type::whisper : post_type::regular;
    request.no_bump = options.no_bump;
    request.skip_validations = options.skip_validations;
    request.import_mode = options.import_mode;
    created = &m_state.create_post(request);
    return std::nullopt;
}

std::optional<api_response> writer::create_new_topic(post_options const &options, post const *&created)
{
    // reply_to_post_number is dropped without a topic.
    create_topic_request request;
    request.user_id = m_asking.account->id;
    request.title = m_params.last("title").value_or("");
    request.raw = options.raw;
    request.kind = m_params.last("archetype") == "private_message" ? archetype::private_message : archetype::regular;
    if (request.kind == archetype::regular) {
        if (auto const text = m_params.last("category"); text && !text->empty()) {
            category const *place = named_category(*text);
            if (place == nullptr) {
                return invalid_parameter("category");
            }
            request.category_id = place->id;
        }
    } else if (auto refused = add_recipients(request)) {
        return refused;
    }
    request.tags = m_params.listed("tags");
    request.created_at = options.created_at;
    request.external_id = options.external_id;
    request.skip_validations = options.skip_validations;
    request.import_mode = options.import_mode;
    // skip_validations does not open restricted categories here. (Newer Discourse skips
    // TopicCreator's category check with it; older ones do not, and an importer that
    // passes here passes on both.)
    topic const &subject = m_state.create_topic(request);
    created = m_state.find_post_by_number(subject.id, 1);
    return std::nullopt;
}

category const *writer::named_category(std::string_view text) const
{
    if (auto const id = parse_id(text)) {
        return m_state.find_category(*id);
    }
    std::string const wanted = lowercase_utf8(text);
    for (auto const &[id, candidate] : m_state.categories()) {
        if (lowercase_utf8(candidate.name) == wanted) {
            return &candidate;
        }
    }
    return nullptr;
}

std::optional<api_response> writer::add_recipients(create_topic_request &request) const
{
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
            return json_answer(
                422, json{{"action", "create_post"},
                          {"errors", json::array({"One of the users you are sending this message to could not be "
                                                  "found."})}});
        }
        request.recipient_ids.push_back(recipient->id);
    }
    return std::nullopt;
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
        return not_found_answer();
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
    if (auto const missing = m_params.first_missing({"status", "enabled"})) {
        return missing_parameter(*missing);
    }
    std::string const status = *m_params.last("status");
    if (status != "closed" && status != "archived" && status != "visible" && status != "pinned") {
        return invalid_parameter("status");
    }
    auto const id = parse_id(id_text);
    topic const *subject = id ? m_state.find_topic(*id) : nullptr;
    if (subject == nullptr || !m_state.can_see_topic(m_asking.who, *subject)) {
        return not_found_answer();
    }
    try {
        (void)m_state.set_topic_status(subject->id, status, m_params.is_true("enabled"), m_asking.account->id);
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
        return not_found_answer();
    }
    if (m_params.last("title") || m_params.last("category_id")) {
        return invalid_parameter("title/category_id (the rehearsal forum changes only tags here)");
    }
    try {
        m_state.set_topic_tags(*id, m_params.listed("tags"), m_asking.who);
    } catch (not_found_error const &) {
        return not_found_answer();
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

} // namespace forumgate::rehearsal::detail
