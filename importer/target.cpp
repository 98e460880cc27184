#include "importer/target.hpp"

#include "base/url_codec.hpp"
#include "importer/discourse_json.hpp"

#include <fmt/format.h>
#include <openssl/hmac.h>

#include <random>

namespace forumgate::importer {

namespace http = boost::beast::http;
using nlohmann::json;

std::string form_encode(std::vector<form_field> const &fields)
{
    std::string out;
    for (auto const &field : fields) {
        if (!out.empty()) {
            out += '&';
        }
        base::append_encoded_query_component(out, field.name);
        out += '=';
        base::append_encoded_query_component(out, field.value);
    }
    return out;
}

namespace {

/// \return `fields` as multipart/form-data with `boundary`.
std::string multipart_encode(std::vector<form_field> const &fields, std::string const &boundary)
{
    std::string out;
    for (auto const &field : fields) {
        out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.name + "\"";
        if (!field.filename.empty()) {
            out += "; filename=\"" + field.filename + "\"\r\nContent-Type: " +
                   (field.content_type.empty() ? std::string{"application/octet-stream"} : field.content_type);
        }
        out += "\r\n\r\n" + field.value + "\r\n";
    }
    return out + "--" + boundary + "--\r\n";
}

std::vector<std::string> errors_of(json const &body)
{
    std::vector<std::string> out;
    if (body.is_object()) {
        if (auto const errors = body.find("errors"); errors != body.end()) {
            if (errors->is_array()) {
                for (auto const &error : *errors) {
                    out.push_back(error.is_string() ? error.get<std::string>() : error.dump());
                }
            } else if (errors->is_object()) {
                // POST /users.json: {"errors":{"username":["must be unique"]}, "message":"…"}
                for (auto const &[field, messages] : errors->items()) {
                    for (auto const &message : messages) {
                        out.push_back(field + " " +
                                      (message.is_string() ? message.get<std::string>() : message.dump()));
                    }
                }
            }
        }
        if (out.empty()) {
            for (auto const *key : {"message", "error"}) {
                if (auto const text = body.find(key);
                    text != body.end() && text->is_string() && !text->get<std::string>().empty()) {
                    out.push_back(text->get<std::string>());
                    break;
                }
            }
        }
    }
    return out;
}

std::string joined(std::vector<std::string> const &messages)
{
    std::string out;
    for (auto const &message : messages) {
        out += (out.empty() ? "" : "; ") + message;
    }
    return out;
}

std::string image_type(std::string const &filename)
{
    auto const dot = filename.rfind('.');
    auto const extension = dot == std::string::npos ? std::string{} : base::ascii_lower(filename.substr(dot + 1));
    if (extension == "png" || extension == "gif" || extension == "webp") {
        return "image/" + extension;
    }
    if (extension == "jpg" || extension == "jpeg") {
        return "image/jpeg";
    }
    return "application/octet-stream";
}

} // namespace

target_forum::target_forum(web::site_url site, web::http_client::options client_options, web::request_pacer &pacer,
                           web::retry_policy policy, std::string api_key)
    : m_client(std::move(site), std::move(client_options)), m_pacer(pacer), m_policy(policy),
      m_api_key(std::move(api_key))
{
    m_policy.answer_client_errors = true; // a refusal's messages are wanted, not just its status
}

web::http_response target_forum::send(http::verb method, std::string const &target, std::string const &acting,
                                      std::string body, std::string const &content_type)
{
    web::http_request request{
        .method = method, .target = target, .body = std::move(body), .content_type = content_type};
    request.headers = {{"Api-Key", m_api_key}, {"Api-Username", acting.empty() ? std::string{"system"} : acting}};
    return web::polite_send(m_client, m_pacer, request, m_policy);
}

json target_forum::get_json(std::string const &target, std::string const &acting)
{
    auto const answer = send(http::verb::get, target, acting, {}, {});
    auto const url = site().url(target);
    if (answer.status >= 300 && answer.status < 400) {
        throw bad_answer{url + ": unexpected redirect to " + answer.header("Location").value_or("(no Location)")};
    }
    if (answer.status >= 400) {
        throw web::fetch_error{url + ": HTTP " + std::to_string(answer.status) + " " +
                                   joined(errors_of(json::parse(answer.body, nullptr, false))) +
                                   std::string{web::credentials_hint(answer.status)},
                               url, answer.status, true};
    }
    return parse_answer(url, answer.body);
}

web::http_response target_forum::write(http::verb method, std::string const &target, std::string const &acting,
                                       std::vector<form_field> const &fields, bool multipart)
{
    if (multipart) {
        thread_local std::mt19937_64 random{std::random_device{}()};
        auto const boundary = fmt::format("forumgate-{:016x}{:016x}", random(), random());
        return send(method, target, acting, multipart_encode(fields, boundary),
                    "multipart/form-data; boundary=" + boundary);
    }
    return send(method, target, acting, form_encode(fields), "application/x-www-form-urlencoded");
}

namespace {

/// \throws target_refusal for a 4xx, naming the request and Discourse's messages.
json checked(web::site_url const &site, std::string const &what, std::string const &target,
             web::http_response const &answer)
{
    auto body = json::parse(answer.body, nullptr, false);
    if (answer.status >= 400) {
        auto errors = errors_of(body);
        if (errors.empty()) {
            errors.push_back("HTTP " + std::to_string(answer.status));
        }
        throw target_refusal{what + " (" + site.url(target) + "): " + std::to_string(answer.status) + " " +
                                 joined(errors),
                             answer.status, errors};
    }
    if (body.is_discarded() && !answer.body.empty()) {
        throw bad_answer{site.url(target) + ": not JSON: " + answer.body.substr(0, 120)};
    }
    return body;
}

} // namespace

std::map<std::string, std::string> target_forum::site_settings()
{
    auto const body = get_json("/admin/site_settings.json");
    std::map<std::string, std::string> out;
    auto const url = site().url("/admin/site_settings.json");
    if (!body.is_object() || !body.contains("site_settings") || !body["site_settings"].is_array()) {
        throw bad_answer{url + ": expected {site_settings:[…]}"};
    }
    for (auto const &item : body["site_settings"]) {
        if (!item.is_object() || !item.contains("setting")) {
            throw bad_answer{url + ": a setting without a name"};
        }
        auto const &value = item.contains("value") ? item["value"] : json{};
        out[item["setting"].get<std::string>()] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    return out;
}

std::vector<target_category> target_forum::categories()
{
    std::vector<target_category> out;
    for (auto const &category : read_site_categories(site().url("/site.json"), get_json("/site.json"))) {
        out.push_back({category.id, category.parent_id, category.slug, category.name});
    }
    return out;
}

std::vector<target_user> target_forum::users()
{
    std::vector<target_user> out;
    for (int page = 1;; ++page) {
        std::string const target = "/admin/users/list/all.json?show_emails=true&page=" + std::to_string(page);
        auto const list = get_json(target);
        if (!list.is_array()) {
            throw bad_answer{site().url(target) + ": expected an array of users"};
        }
        for (auto const &item : list) {
            auto const user = read_user(site().url(target), item);
            out.push_back({user.id.value_or(0), user.username, user.email, item.value("active", true)});
        }
        if (list.size() < 100) {
            return out;
        }
    }
}

std::optional<found_topic> target_forum::topic_by_external_id(std::string const &external_id)
{
    std::string const target = "/t/external_id/" + external_id + ".json";
    auto const answer = send(http::verb::get, target, "system", {}, {});
    if (answer.status == 404) {
        return std::nullopt;
    }
    if (answer.status >= 300 && answer.status < 400) {
        // Location: /t/{slug}/{id}.json (with the site's prefix): the id is the last segment.
        auto location = answer.header("Location").value_or("");
        auto const query = location.find('?');
        location = location.substr(0, query);
        if (location.ends_with(".json")) {
            location.resize(location.size() - 5);
        }
        auto const last = location.rfind('/');
        auto const id = base::parse_uint(std::string_view{location}.substr(last + 1));
        if (!id) {
            throw bad_answer{site().url(target) + ": redirect to " + location + " names no topic id"};
        }
        // The segment before the id is the slug when the one before it is "t".
        auto const before = std::string_view{location}.substr(0, last);
        auto const slug = before.substr(before.rfind('/') + 1);
        bool const named = !slug.empty() && before.substr(0, before.size() - slug.size()).ends_with("/t/");
        return found_topic{static_cast<std::int64_t>(*id), named ? std::string{slug} : std::string{}};
    }
    auto const body = checked(site(), "topic by external id", target, answer);
    if (body.contains("id") && body["id"].is_number_integer()) {
        return found_topic{body["id"].get<std::int64_t>(), body.value("slug", std::string{})};
    }
    throw bad_answer{site().url(target) + ": no topic id in the answer"};
}

std::vector<target_post> target_forum::topic_posts(std::int64_t topic_id)
{
    std::string const target = "/t/" + std::to_string(topic_id) + ".json";
    auto const topic = read_topic(site().url(target), get_json(target));
    std::vector<target_post> out;
    for (auto const &posts_target : posts_targets(topic_id, topic.stream)) {
        for (auto &post : read_posts(site().url(posts_target), get_json(posts_target), true)) {
            out.push_back(
                {post.id, post.post_number, post.username, post.created_at, std::move(post.raw), post.post_type});
        }
    }
    std::ranges::sort(out, {}, &target_post::post_number);
    return out;
}

target_category target_forum::create_category(std::vector<form_field> const &fields)
{
    auto const body = checked(site(), "creating a category", "/categories.json",
                              write(http::verb::post, "/categories.json", "system", fields));
    auto const url = site().url("/categories.json");
    if (!body.contains("category")) {
        throw bad_answer{url + ": no category in the answer"};
    }
    auto const categories = read_site_categories(url, json{{"categories", json::array({body["category"]})}});
    return {categories.front().id, categories.front().parent_id, categories.front().slug, categories.front().name};
}

target_user target_forum::create_user(std::vector<form_field> const &fields)
{
    auto const body =
        checked(site(), "creating a user", "/users.json", write(http::verb::post, "/users.json", "system", fields));
    // Failures come back as 200 with success:false (discourse.md §3.3).
    if (!body.is_object() || !body.value("success", false)) {
        auto errors = errors_of(body);
        if (errors.empty()) {
            errors.emplace_back("refused without a reason");
        }
        throw target_refusal{"creating a user (" + site().url("/users.json") + "): " + joined(errors), 200, errors};
    }
    target_user out;
    out.id = body.contains("user_id") && body["user_id"].is_number_integer() ? body["user_id"].get<std::int64_t>() : 0;
    out.active = body.value("active", false);
    return out;
}

void target_forum::activate_user(std::int64_t user_id)
{
    std::string const target = "/admin/users/" + std::to_string(user_id) + "/activate.json";
    (void)checked(site(), "activating user " + std::to_string(user_id), target,
                  write(http::verb::put, target, "system", {}));
}

target_user target_forum::sync_sso(std::string const &payload, std::string const &secret)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<unsigned char const *>(payload.data()), payload.size(), digest.data(), &length);
    std::string signature;
    for (unsigned int i = 0; i < length; ++i) {
        signature += fmt::format("{:02x}", digest[i]);
    }
    auto const answer =
        write(http::verb::post, "/admin/users/sync_sso", "system", {{"sso", payload}, {"sig", signature}});
    auto const body = checked(site(), "provisioning a user through DiscourseConnect", "/admin/users/sync_sso", answer);
    auto const user = read_user(site().url("/admin/users/sync_sso"), body);
    return {user.id.value_or(0), user.username, user.email, body.value("active", true)};
}

std::pair<std::string, std::string> target_forum::upload(std::string const &filename, std::string const &bytes)
{
    auto const body = checked(
        site(), "uploading " + filename, "/uploads.json",
        write(http::verb::post, "/uploads.json", "system",
              {{"upload_type", "composer"}, {"synchronous", "true"}, {"file", bytes, filename, image_type(filename)}},
              true));
    auto const url = site().url("/uploads.json");
    if (!body.is_object() || !body.contains("url") || !body["url"].is_string() || !body.contains("short_url")) {
        throw bad_answer{url + ": no url and short_url in the answer"};
    }
    return {body["url"].get<std::string>(), body["short_url"].get<std::string>()};
}

created_post target_forum::create_post(std::string const &acting, std::vector<form_field> const &fields)
{
    auto const body = checked(site(), "creating a post as " + acting, "/posts.json",
                              write(http::verb::post, "/posts.json", acting, fields));
    auto const url = site().url("/posts.json");
    if (body.is_object() && body.value("action", "") == "enqueued") {
        throw target_refusal{"creating a post as " + acting + " (" + url +
                                 "): queued for approval instead of posted; relax approve_* site settings",
                             200,
                             {"enqueued for approval"}};
    }
    json const &post = body.contains("post") && body["post"].is_object() ? body["post"] : body;
    created_post out;
    try {
        out.id = post.at("id").get<std::int64_t>();
        out.topic_id = post.at("topic_id").get<std::int64_t>();
        out.post_number = post.at("post_number").get<int>();
        out.topic_slug = post.value("topic_slug", "");
    } catch (json::exception const &problem) {
        throw bad_answer{url + ": the created post's id, topic_id or post_number is missing: " + problem.what()};
    }
    return out;
}

void target_forum::edit_post(std::string const &acting, std::int64_t post_id, std::vector<form_field> const &fields)
{
    std::string const target = "/posts/" + std::to_string(post_id) + ".json";
    (void)checked(site(), "editing post " + std::to_string(post_id), target,
                  write(http::verb::put, target, acting, fields));
}

void target_forum::update_topic(std::string const &acting, std::int64_t topic_id, std::vector<form_field> const &fields)
{
    std::string const target = "/t/-/" + std::to_string(topic_id) + ".json";
    (void)checked(site(), "updating topic " + std::to_string(topic_id), target,
                  write(http::verb::put, target, acting, fields));
}

} // namespace forumgate::importer
