// The rehearsal forum's REST API: each request takes the forum's lock once (shared for reads,
// exclusive for writes), works out who asks (Api-Key / Api-Username), charges the admin-API
// budget and routes on the path. Reads are answered by the reader (api_read_site.cpp,
// api_read_topics.cpp, api_read_users.cpp) with the JSON Discourse would send; shapes follow
// the recorded responses in tests/fixtures/discourse and Discourse's API schemas
// (discourse.md §2, §3.1, §3.6). Writes go to api_write.cpp.

#include "rehearsal/api.hpp"

#include "rehearsal/api_detail.hpp"
#include "rehearsal/api_reader.hpp"
#include "rehearsal/pages.hpp"
#include "rehearsal/request.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <exception>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace forumgate::rehearsal {

namespace detail {

std::optional<std::int64_t> parse_id(std::string_view text)
{
    std::int64_t value = 0;
    auto const *end = text.data() + text.size();
    auto const [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty()) {
        return std::nullopt;
    }
    return value;
}

json category_json(forum_state const &state, viewer const &who, category const &place)
{
    return reader{state, who}.category_json(place, true);
}

json post_json(forum_state const &state, viewer const &who, post const &item)
{
    return reader{state, who}.post_json(item, *state.find_topic(item.topic_id), false, true);
}

json admin_user_json(forum_state const &state, viewer const &who, user const &account)
{
    return reader{state, who}.admin_user_json(account, true, true);
}

api_response reader::answer(request const &asked) const
{
    if (!asked.is_read()) {
        return not_found_answer();
    }
    auto const &query = asked.query;
    auto const &p = asked.api_parts;
    auto const is = [&](std::initializer_list<std::string_view> pattern) { return asked.api_is(pattern); };
    if (asked.format != "json") {
        // Raw markdown as plain text: /raw/{topic_id}[/{post_number}], /posts/{id}/raw.
        post const *item = nullptr;
        if ((is({"raw", "*"}) || is({"raw", "*", "*"})) && parse_id(p[1])) {
            auto const number = p.size() == 3 ? parse_id(p[2]) : std::optional<std::int64_t>{1};
            item = number ? m_state.find_post_by_number(*parse_id(p[1]), static_cast<int>(*number)) : nullptr;
        } else if (is({"posts", "*", "raw"}) && parse_id(p[1])) {
            item = m_state.find_post(*parse_id(p[1]));
        }
        if (item != nullptr && m_state.can_see_post(m_who, *item, false)) {
            return api_response{200, "text/plain; charset=utf-8", item->raw, {}};
        }
        return not_found_answer();
    }
    if (is({"site"})) {
        return site();
    }
    if (is({"categories"})) {
        return categories(query);
    }
    if (is({"c", "*", "show"})) {
        return category_show(p[1]);
    }
    if (is({"latest"})) {
        return topic_list(std::nullopt, query);
    }
    if (p.size() >= 4 && p[0] == "c" && p[p.size() - 2] == "l" && p.back() == "latest") {
        // /c/{slug…}/{id}/l/latest.json (a subcategory has its parent's slug first), or
        // /c/{slug}/l/latest.json as the Ruby client asks.
        auto const &named = p[p.size() - 3];
        category const *found = nullptr;
        if (auto const id = parse_id(named); id && p.size() >= 5) {
            found = m_state.find_category(*id);
        } else {
            for (auto const &[place_id, place] : m_state.categories()) {
                if (place.slug == named || std::to_string(place_id) + "-category" == named) {
                    found = &place;
                    break;
                }
            }
        }
        if (found == nullptr || !m_state.can_see_category(m_who, *found)) {
            return not_found_answer();
        }
        return topic_list(found->id, query);
    }
    if (is({"t", "external_id", "*"})) {
        return topic_by_external_id(p[2]);
    }
    if (is({"t", "*"})) {
        if (!parse_id(p[1])) {
            return topic_by_slug(p[1]);
        }
        return topic_show(p[1], query);
    }
    if (is({"t", "*", "posts"})) {
        return topic_posts(p[1], query);
    }
    if (is({"t", "*", "*"})) {
        // /t/{id}/{post_number} or /t/{slug}/{id}: slugs are never all digits.
        if (parse_id(p[1]) && parse_id(p[2])) {
            return topic_show(p[1], query, static_cast<int>(*parse_id(p[2])));
        }
        return topic_show(p[2], query, std::nullopt, p[1]);
    }
    if (is({"t", "*", "*", "*"}) && parse_id(p[3])) {
        return topic_show(p[2], query, static_cast<int>(*parse_id(p[3])), p[1]);
    }
    if (is({"posts", "*"})) {
        return post_show(p[1]);
    }
    if (is({"u", "*"}) || is({"users", "*"})) {
        return user_show(p[1]);
    }
    if (is({"admin", "users", "list", "*"})) {
        return admin_users_list(p[3], query);
    }
    if (is({"admin", "users", "*"})) {
        return admin_user_show(p[2]);
    }
    if (is({"tags"})) {
        return tags();
    }
    return not_found_answer();
}

} // namespace detail

namespace {

using detail::error_answer;
using detail::not_found_answer;

constexpr std::string_view INVALID_API_CREDENTIALS =
    "You are not permitted to view the requested resource. The API username or key is invalid.";

/// Works out who asks: no key is anonymous; the all-users key acts as Api-Username (system
/// when none is named); anything else is refused as Discourse refuses it.
/// \return the refusal, or nullopt with `asking` filled in.
std::optional<api_response> authenticate(forum_state const &state, api_request const &request,
                                         std::string const &admin_key, detail::caller &asking)
{
    if (request.api_key.empty()) {
        return std::nullopt;
    }
    if (admin_key.empty() || request.api_key != admin_key) {
        return error_answer(403, INVALID_API_CREDENTIALS, "invalid_access");
    }
    auto const *acting = request.api_username.empty() ? state.find_user(SYSTEM_USER_ID)
                                                      : state.find_user_by_username(request.api_username);
    if (acting == nullptr || !acting->active) {
        return error_answer(403, INVALID_API_CREDENTIALS, "invalid_access");
    }
    asking.who = viewer::of(*acting);
    asking.account = acting;
    asking.api = true;
    return std::nullopt;
}

std::int64_t seconds_of(timestamp when)
{
    return std::chrono::floor<std::chrono::seconds>(when).time_since_epoch().count();
}

} // namespace

api::api(forum &state, std::string admin_key, api_options options)
    : m_forum(state), m_admin_key(std::move(admin_key)), m_options(options),
      m_memory(std::make_unique<detail::api_memory>())
{}

api::~api() = default;

api::budget_use api::admin_api_use() const
{
    std::lock_guard const lock{m_memory->mutex};
    return {m_memory->admin_api_admitted, m_memory->admin_api_refused};
}

api_response api::handle(api_request const &received) const
{
    // Every request with a valid Api-Key is charged to the one site-wide budget, reads too.
    auto const charge = [this](forum_state const &state, detail::caller const &asking) -> std::optional<api_response> {
        if (!asking.api || m_options.admin_api_requests_per_minute <= 0) {
            return std::nullopt;
        }
        return detail::charge_admin_api(*m_memory, seconds_of(state.now()), m_options.admin_api_requests_per_minute);
    };
    try {
        // Parsed once, outside the forum's lock, for every route below.
        request const asked{received};
        if (asked.is_read()) {
            return m_forum.read([&](forum_state const &state) {
                detail::caller asking;
                if (auto refused = authenticate(state, received, m_admin_key, asking)) {
                    return *std::move(refused);
                }
                if (auto spent = charge(state, asking)) {
                    return *std::move(spent);
                }
                if (auto admin = detail::answer_admin_read(state, asking, asked)) {
                    return *std::move(admin);
                }
                if (auto page = answer_page(state, asking.who, asked)) {
                    return *std::move(page);
                }
                return detail::reader{state, asking.who}.answer(asked);
            });
        }
        // Writes (POST, PUT, DELETE) hold the forum exclusively for the whole request.
        return m_forum.write([&](forum_state &state) {
            detail::caller asking;
            if (auto refused = authenticate(state, received, m_admin_key, asking)) {
                return *std::move(refused);
            }
            if (auto spent = charge(state, asking)) {
                return *std::move(spent);
            }
            // POST /uploads/lookup-urls reads, but is a POST: the page routes answer it.
            if (auto page = answer_page(state, asking.who, asked)) {
                return *std::move(page);
            }
            return detail::answer_write(state, asking, asked, *m_memory);
        });
    } catch (not_found_error const &) {
        return not_found_answer();
    } catch (permission_error const &) {
        return error_answer(403, "You are not permitted to view the requested resource.", "invalid_access");
    } catch (std::exception const &problem) {
        return error_answer(500, problem.what(), "server_error");
    }
}

api_handler api::handler() const
{
    return [this](api_request const &request) { return handle(request); };
}

} // namespace forumgate::rehearsal
