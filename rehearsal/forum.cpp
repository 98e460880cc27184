#include "rehearsal/forum.hpp"

#include "base/digest.hpp"
#include "rehearsal/cook.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <variant>

namespace forumgate::rehearsal {
namespace {

std::string join(std::vector<std::string> const &items, std::string_view separator)
{
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += items[i];
    }
    return out;
}

std::string ascii_lowercase(std::string_view text)
{
    std::string out{text};
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string_view strip(std::string_view text)
{
    auto const space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
    while (!text.empty() && space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// ---- Site settings table.

using setting_member = std::variant<int site_settings::*, bool site_settings::*, std::string site_settings::*,
                                    slug_method site_settings::*>;

struct setting_entry
{
    std::string_view name;
    setting_member member;
};

#define FORUMGATE_SETTING(name) (setting_entry{#name, &site_settings::name})

std::vector<setting_entry> const &setting_entries()
{
    static std::vector<setting_entry> const ENTRIES = {
        FORUMGATE_SETTING(min_topic_title_length),
        FORUMGATE_SETTING(max_topic_title_length),
        FORUMGATE_SETTING(min_personal_message_title_length),
        FORUMGATE_SETTING(min_post_length),
        FORUMGATE_SETTING(min_first_post_length),
        FORUMGATE_SETTING(min_personal_message_post_length),
        FORUMGATE_SETTING(max_post_length),
        FORUMGATE_SETTING(allow_duplicate_topic_titles),
        FORUMGATE_SETTING(allow_duplicate_topic_titles_category),
        FORUMGATE_SETTING(allow_uncategorized_topics),
        FORUMGATE_SETTING(unique_posts_mins),
        FORUMGATE_SETTING(max_consecutive_replies),
        FORUMGATE_SETTING(rate_limit_create_topic),
        FORUMGATE_SETTING(rate_limit_create_post),
        FORUMGATE_SETTING(rate_limit_new_user_create_topic),
        FORUMGATE_SETTING(rate_limit_new_user_create_post),
        FORUMGATE_SETTING(max_topics_per_day),
        FORUMGATE_SETTING(max_personal_messages_per_day),
        FORUMGATE_SETTING(max_topics_in_first_day),
        FORUMGATE_SETTING(max_replies_in_first_day),
        FORUMGATE_SETTING(max_edits_per_day),
        FORUMGATE_SETTING(slug_generation_method),
        FORUMGATE_SETTING(tagging_enabled),
        FORUMGATE_SETTING(max_tags_per_topic),
        FORUMGATE_SETTING(max_tag_length),
        FORUMGATE_SETTING(min_trust_to_create_tag),
        FORUMGATE_SETTING(force_lowercase_tags),
        FORUMGATE_SETTING(authorized_extensions),
        FORUMGATE_SETTING(max_image_size_kb),
        FORUMGATE_SETTING(max_attachment_size_kb),
        FORUMGATE_SETTING(enable_discourse_connect),
        FORUMGATE_SETTING(discourse_connect_url),
        FORUMGATE_SETTING(discourse_connect_secret),
        FORUMGATE_SETTING(hide_email_address_taken),
        FORUMGATE_SETTING(detailed_404),
        FORUMGATE_SETTING(disable_emails),
        FORUMGATE_SETTING(sitemap_page_size),
    };
    return ENTRIES;
}

#undef FORUMGATE_SETTING

setting_entry const &find_setting(std::string_view name)
{
    for (auto const &entry : setting_entries()) {
        if (entry.name == name) {
            return entry;
        }
    }
    throw not_found_error{"No setting named '" + std::string{name} + "' exists"};
}

std::string setting_text(site_settings const &settings, setting_member const &member)
{
    return std::visit(
        [&settings](auto pointer) -> std::string {
            auto const &value = settings.*pointer;
            using value_type = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<value_type, int>) {
                return std::to_string(value);
            } else if constexpr (std::is_same_v<value_type, bool>) {
                return value ? "true" : "false";
            } else if constexpr (std::is_same_v<value_type, slug_method>) {
                return std::string{to_string(value)};
            } else {
                return value;
            }
        },
        member);
}

// ---- Uploads.

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

bool is_image_extension(std::string_view extension)
{
    return extension == "jpg" || extension == "jpeg" || extension == "png" || extension == "gif" ||
           extension == "heic" || extension == "heif" || extension == "webp";
}

// The messages of Discourse's PostCreator and validators (config/locales/server.en.yml).
constexpr std::string_view TOPIC_NOT_FOUND =
    "Something has gone wrong. Perhaps this topic was closed or deleted while you were looking at it?";

} // namespace

validation_error::validation_error(std::vector<std::string> errors)
    : std::runtime_error(join(errors, "; ")), m_errors(std::move(errors))
{}

rate_limit_error::rate_limit_error(std::string limiter, int wait_seconds)
    : std::runtime_error(rate_limit_message(wait_seconds)), m_limiter(std::move(limiter)), m_wait_seconds(wait_seconds)
{}

std::string rate_limit_time_left(int wait_seconds)
{
    // RateLimiter::LimitExceeded#time_left: seconds under a minute, minutes under an hour,
    // else hours, each rounded down (config/locales/server.en.yml rate_limiter.*).
    auto const phrase = [](int count, char const *unit) {
        return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
    };
    if (wait_seconds < 60) {
        return phrase(wait_seconds, "second");
    }
    if (wait_seconds < 3600) {
        return phrase(wait_seconds / 60, "minute");
    }
    return phrase(wait_seconds / 3600, "hour");
}

std::string rate_limit_message(int wait_seconds)
{
    // rate_limiter.too_many_requests, with Discourse's typographic apostrophe. Newer versions
    // may word some limiters their own way (rate_limiter.by_type.*: "You’re creating topics too
    // quickly…"); those wordings could not be confirmed, so every limiter uses this one.
    return "You\u2019ve performed this action too many times. Please wait " + rate_limit_time_left(wait_seconds) +
           " before trying again.";
}

std::vector<setting_info> const &setting_table()
{
    static std::vector<setting_info> const TABLE = [] {
        site_settings const defaults;
        std::vector<setting_info> table;
        for (auto const &entry : setting_entries()) {
            setting_type const type = std::visit(
                [](auto pointer) {
                    using value_type = std::decay_t<decltype(site_settings{}.*pointer)>;
                    if constexpr (std::is_same_v<value_type, int>) {
                        return setting_type::integer;
                    } else if constexpr (std::is_same_v<value_type, bool>) {
                        return setting_type::boolean;
                    } else if constexpr (std::is_same_v<value_type, slug_method>) {
                        return setting_type::enumeration;
                    } else {
                        return setting_type::string;
                    }
                },
                entry.member);
            table.push_back(setting_info{entry.name, type, setting_text(defaults, entry.member)});
        }
        return table;
    }();
    return TABLE;
}

std::string get_setting(site_settings const &settings, std::string_view name)
{
    return setting_text(settings, find_setting(name).member);
}

void set_setting(site_settings &settings, std::string_view name, std::string_view value)
{
    setting_entry const *entry = nullptr;
    try {
        entry = &find_setting(name);
    } catch (not_found_error const &e) {
        throw validation_error{{e.what()}};
    }
    std::string_view const text = strip(value);
    std::visit(
        [&](auto pointer) {
            auto &target = settings.*pointer;
            using value_type = std::decay_t<decltype(target)>;
            if constexpr (std::is_same_v<value_type, int>) {
                // Discourse removes everything but digits and '-' from integer settings.
                std::string digits;
                for (char const c : text) {
                    if ((c >= '0' && c <= '9') || c == '-') {
                        digits.push_back(c);
                    }
                }
                try {
                    std::size_t used = 0;
                    int const number = std::stoi(digits, &used);
                    if (used != digits.size()) {
                        throw std::invalid_argument{digits};
                    }
                    target = number;
                } catch (std::exception const &) {
                    throw validation_error{{"Invalid value for " + std::string{name} + ": must be an integer"}};
                }
            } else if constexpr (std::is_same_v<value_type, bool>) {
                if (text == "true" || text == "t" || text == "1") {
                    target = true;
                } else if (text == "false" || text == "f" || text == "0") {
                    target = false;
                } else {
                    throw validation_error{{"Invalid value for " + std::string{name} + ": must be true or false"}};
                }
            } else if constexpr (std::is_same_v<value_type, slug_method>) {
                auto const method = parse_slug_method(text);
                if (!method) {
                    throw validation_error{
                        {"Invalid value for " + std::string{name} + ": must be one of ascii, encoded, none"}};
                }
                target = *method;
            } else {
                target = std::string{text};
            }
        },
        entry->member);
}

std::string_view to_string(archetype value) noexcept
{
    return value == archetype::private_message ? "private_message" : "regular";
}

// ---- Uploads.

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

// ---- Viewer.

viewer viewer::of(user const &account)
{
    viewer who;
    who.m_user_id = account.id;
    who.m_admin = account.admin;
    who.m_moderator = account.moderator;
    who.m_trust_level = account.trust_level;
    return who;
}

// ---- forum_state: construction and lookups.

forum_state::forum_state(std::function<timestamp()> clock) : m_clock(std::move(clock))
{
    user system;
    system.id = SYSTEM_USER_ID;
    system.username = "system";
    system.name = "system";
    system.email = "no_email";
    system.created_at = now();
    system.trust_level = 4;
    system.admin = true;
    system.moderator = true;
    insert_user(system);
}

timestamp forum_state::now() const
{
    if (m_clock) {
        return m_clock();
    }
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

category const *forum_state::find_category(std::int64_t id) const
{
    auto const it = m_categories.find(id);
    return it == m_categories.end() ? nullptr : &it->second;
}

user const *forum_state::find_user(std::int64_t id) const
{
    auto const it = m_users.find(id);
    return it == m_users.end() ? nullptr : &it->second;
}

user const *forum_state::find_user_by_username(std::string_view username) const
{
    auto const it = m_user_by_username.find(lowercase_utf8(username));
    return it == m_user_by_username.end() ? nullptr : find_user(it->second);
}

user const *forum_state::find_user_by_external_id(std::string_view external_id) const
{
    for (auto const &[id, account] : m_users) {
        if (account.external_id && *account.external_id == external_id) {
            return &account;
        }
    }
    return nullptr;
}

user const *forum_state::find_user_by_email(std::string_view email) const
{
    std::string const wanted = lowercase_utf8(email);
    for (auto const &[id, account] : m_users) {
        if (lowercase_utf8(account.email) == wanted) {
            return &account;
        }
    }
    return nullptr;
}

topic const *forum_state::find_topic(std::int64_t id) const
{
    auto const it = m_topics.find(id);
    return it == m_topics.end() ? nullptr : &it->second;
}

topic const *forum_state::find_topic_by_external_id(std::string_view external_id) const
{
    auto const it = m_topic_by_external_id.find(external_id);
    return it == m_topic_by_external_id.end() ? nullptr : find_topic(it->second);
}

post const *forum_state::find_post(std::int64_t id) const
{
    auto const it = m_posts.find(id);
    return it == m_posts.end() ? nullptr : &it->second;
}

post const *forum_state::find_post_by_number(std::int64_t topic_id, int post_number) const
{
    topic const *const subject = find_topic(topic_id);
    if (subject == nullptr) {
        return nullptr;
    }
    auto const it = subject->post_ids_by_number.find(post_number);
    return it == subject->post_ids_by_number.end() ? nullptr : find_post(it->second);
}

tag const *forum_state::find_tag(std::string_view name) const
{
    for (auto const &[id, item] : m_tags) {
        if (item.name == name) {
            return &item;
        }
    }
    return nullptr;
}

upload const *forum_state::find_upload(std::int64_t id) const
{
    auto const it = m_uploads.find(id);
    return it == m_uploads.end() ? nullptr : &it->second;
}

upload const *forum_state::find_upload_by_sha1(std::string_view sha1) const
{
    auto const it = m_upload_by_sha1.find(sha1);
    return it == m_upload_by_sha1.end() ? nullptr : find_upload(it->second);
}

upload const *forum_state::find_upload_by_short_url(std::string_view short_url) const
{
    if (short_url.substr(0, 9) == "upload://") {
        short_url.remove_prefix(9);
    }
    short_url = short_url.substr(0, short_url.find('.'));
    auto const sha1 = base::sha1_from_base62(short_url);
    return sha1 ? find_upload_by_sha1(*sha1) : nullptr;
}

group const *forum_state::find_group(std::string_view name) const
{
    for (auto const &[id, item] : m_groups) {
        if (item.name == name) {
            return &item;
        }
    }
    return nullptr;
}

std::string forum_state::category_slug_path(std::int64_t category_id) const
{
    std::vector<std::string> parts;
    std::optional<std::int64_t> current = category_id;
    // Discourse nests at most three levels; the bound also stops a cycle in bad data.
    for (int level = 0; current && level < 8; ++level) {
        category const *const place = find_category(*current);
        if (place == nullptr) {
            break;
        }
        parts.push_back(place->slug.empty() ? std::to_string(place->id) + "-category" : place->slug);
        current = place->parent_id;
    }
    std::reverse(parts.begin(), parts.end());
    return join(parts, "/");
}

// ---- Visibility.

bool forum_state::in_group(viewer const &who, std::string_view group_name) const
{
    if (group_name == "everyone") {
        return true;
    }
    if (who.is_anonymous()) {
        return false;
    }
    if (group_name == "admins") {
        return who.admin();
    }
    if (group_name == "moderators") {
        return who.moderator();
    }
    if (group_name == "staff") {
        return who.staff();
    }
    if (group_name.substr(0, 12) == "trust_level_" && group_name.size() == 13) {
        return who.trust_level() >= group_name[12] - '0';
    }
    group const *const custom = find_group(group_name);
    return custom != nullptr && std::binary_search(custom->user_ids.begin(), custom->user_ids.end(), *who.user_id());
}

bool forum_state::can_see_category(viewer const &who, category const &place) const
{
    if (place.parent_id) {
        category const *const parent = find_category(*place.parent_id);
        if (parent != nullptr && parent->id != place.id && !can_see_category(who, *parent)) {
            return false;
        }
    }
    if (!place.read_restricted || who.staff()) {
        return true;
    }
    return std::any_of(place.allowed_groups.begin(), place.allowed_groups.end(),
                       [&](std::string const &name) { return in_group(who, name); });
}

bool forum_state::can_see_topic(viewer const &who, topic const &subject) const
{
    if (subject.deleted_at && !who.staff()) {
        return false;
    }
    if (subject.kind == archetype::private_message) {
        if (who.admin()) {
            return true;
        }
        auto const id = who.user_id();
        return id &&
               (subject.user_id == *id || std::find(subject.allowed_user_ids.begin(), subject.allowed_user_ids.end(),
                                                    *id) != subject.allowed_user_ids.end());
    }
    if (subject.category_id) {
        category const *const place = find_category(*subject.category_id);
        return place == nullptr || can_see_category(who, *place);
    }
    return true;
}

bool forum_state::listed_for(viewer const &who, topic const &subject) const
{
    return subject.kind == archetype::regular && !subject.deleted_at && (subject.visible || who.staff()) &&
           can_see_topic(who, subject);
}

bool forum_state::can_see_post_type(viewer const &who, post const &item) const
{
    if (item.type != post_type::whisper) {
        return true;
    }
    return who.staff() || (who.user_id() && *who.user_id() == item.user_id);
}

bool forum_state::can_see_post(viewer const &who, post const &item, bool include_deleted) const
{
    topic const *const subject = find_topic(item.topic_id);
    if (subject == nullptr || !can_see_topic(who, *subject) || !can_see_post_type(who, item)) {
        return false;
    }
    return !item.deleted_at || (include_deleted && who.staff());
}

std::vector<std::int64_t> forum_state::post_stream(viewer const &who, std::int64_t topic_id, bool show_deleted) const
{
    std::vector<std::int64_t> stream;
    topic const *const subject = find_topic(topic_id);
    if (subject == nullptr || !can_see_topic(who, *subject)) {
        return stream;
    }
    for (auto const &[number, id] : subject->post_ids_by_number) {
        post const &item = m_posts.at(id);
        if (!can_see_post_type(who, item)) {
            continue;
        }
        if (item.deleted_at && !(who.staff() && (show_deleted || number == 1))) {
            continue;
        }
        stream.push_back(id);
    }
    return stream;
}

// ---- Validation helpers.

void forum_state::validate_title(topic const *self, std::string const &title, archetype kind,
                                 std::optional<std::int64_t> category_id, std::vector<std::string> &errors) const
{
    std::string_view const stripped = strip(title);
    std::size_t const length = utf8_length(stripped);
    int const minimum = kind == archetype::private_message ? m_settings.min_personal_message_title_length
                                                           : m_settings.min_topic_title_length;
    if (stripped.empty()) {
        errors.emplace_back("Title can't be blank");
    } else if (length < static_cast<std::size_t>(minimum)) {
        errors.push_back("Title is too short (minimum is " + std::to_string(minimum) + " characters)");
    } else if (length > static_cast<std::size_t>(m_settings.max_topic_title_length)) {
        errors.push_back("Title is too long (maximum is " + std::to_string(m_settings.max_topic_title_length) +
                         " characters)");
    }
    // UniqueAmongValidator: regular, listed, not deleted topics; case-insensitive.
    if (kind == archetype::regular && !m_settings.allow_duplicate_topic_titles && !stripped.empty()) {
        std::string const wanted = lowercase_utf8(stripped);
        for (auto const &[id, other] : m_topics) {
            if ((self != nullptr && other.id == self->id) || other.kind != archetype::regular || other.deleted_at ||
                !other.visible) {
                continue;
            }
            if (m_settings.allow_duplicate_topic_titles_category && other.category_id != category_id) {
                continue;
            }
            if (lowercase_utf8(strip(other.title)) == wanted) {
                errors.emplace_back("Title has already been used");
                break;
            }
        }
    }
}

void forum_state::validate_body(std::string const &raw, bool first_post, archetype kind,
                                std::vector<std::string> &errors) const
{
    std::string_view const stripped = strip(raw);
    std::size_t const length = utf8_length(stripped);
    int const minimum = kind == archetype::private_message ? m_settings.min_personal_message_post_length
                        : first_post                       ? m_settings.min_first_post_length
                                                           : m_settings.min_post_length;
    if (stripped.empty()) {
        errors.emplace_back("Body can't be blank");
    } else if (length < static_cast<std::size_t>(minimum)) {
        errors.push_back("Body is too short (minimum is " + std::to_string(minimum) + " characters)");
    } else if (length > static_cast<std::size_t>(m_settings.max_post_length)) {
        errors.push_back("Body is too long (maximum is " + std::to_string(m_settings.max_post_length) + " characters)");
    }
}

std::vector<std::string> forum_state::clean_tags(std::vector<std::string> const &names, viewer const &who,
                                                 std::vector<std::string> &errors) const
{
    std::vector<std::string> cleaned;
    if (!m_settings.tagging_enabled) {
        return cleaned; // Discourse ignores tags while tagging is off
    }
    for (auto const &name : names) {
        // DiscourseTagging.clean_tag: trim, spaces to '-', lowercase, cut to max_tag_length.
        std::string tag_name;
        for (char const c : strip(name)) {
            tag_name.push_back(c == ' ' ? '-' : c);
        }
        if (m_settings.force_lowercase_tags) {
            tag_name = lowercase_utf8(tag_name);
        }
        if (utf8_length(tag_name) > static_cast<std::size_t>(m_settings.max_tag_length)) {
            std::size_t pos = 0;
            for (int i = 0; i < m_settings.max_tag_length; ++i) {
                (void)next_code_point(tag_name, pos);
            }
            tag_name.resize(pos);
        }
        if (tag_name.empty() || std::find(cleaned.begin(), cleaned.end(), tag_name) != cleaned.end()) {
            continue;
        }
        // Unknown tags are created only by staff or trust ≥ min_trust_to_create_tag; others'
        // unknown tags are dropped.
        if (find_tag(tag_name) == nullptr && !who.staff() && who.trust_level() < m_settings.min_trust_to_create_tag) {
            continue;
        }
        cleaned.push_back(tag_name);
    }
    if (cleaned.size() > static_cast<std::size_t>(m_settings.max_tags_per_topic)) {
        // Wording of Discourse's tags limit message is unverified.
        errors.push_back("You can only apply " + std::to_string(m_settings.max_tags_per_topic) + " tags to a topic.");
    }
    return cleaned;
}

std::string forum_state::cook_post(std::string_view raw) const
{
    return cook(raw, [this](std::string_view short_url) {
        upload const *const file = find_upload_by_short_url(short_url);
        return file == nullptr ? std::string{} : file->url();
    });
}

user const &forum_state::require_user(std::int64_t id) const
{
    user const *const account = find_user(id);
    if (account == nullptr) {
        throw not_found_error{"user " + std::to_string(id) + " not found"};
    }
    return *account;
}

void forum_state::validate_unique_body(user const &author, archetype kind, std::string const &raw,
                                       std::vector<std::string> &errors) const
{
    if (m_settings.unique_posts_mins <= 0 || author.staff() || strip(raw).empty()) {
        return;
    }
    auto const found = m_recent_bodies.find(unique_body_key(author.id, kind, raw));
    if (found != m_recent_bodies.end() && found->second > now_seconds()) {
        errors.emplace_back("Body is too similar to what you recently posted");
    }
}

void forum_state::validate_consecutive_replies(user const &author, topic const &target,
                                               std::vector<std::string> &errors) const
{
    int const most = m_settings.max_consecutive_replies;
    if (most <= 0 || author.staff() || target.kind == archetype::private_message) {
        return;
    }
    // The topic's author may reply as often as they like.
    if (auto const first = target.post_ids_by_number.find(1);
        first != target.post_ids_by_number.end() && m_posts.at(first->second).user_id == author.id) {
        return;
    }
    // Of the last `most` posts (not deleted, not hidden, any type), how many are the author's.
    int looked = 0;
    int mine = 0;
    for (auto it = target.post_ids_by_number.rbegin(); it != target.post_ids_by_number.rend() && looked < most; ++it) {
        post const &item = m_posts.at(it->second);
        if (item.deleted_at || item.hidden) {
            continue;
        }
        ++looked;
        mine += item.user_id == author.id ? 1 : 0;
    }
    if (mine >= most) {
        // Wording of Discourse's max_consecutive_replies message (server.en.yml) is unconfirmed.
        errors.push_back("No more than " + std::to_string(most) +
                         " consecutive replies are allowed. Please edit your previous reply, or wait for someone to "
                         "reply to you.");
    }
}

std::string forum_state::unique_body_key(std::int64_t user_id, archetype kind, std::string const &raw) const
{
    // Post#unique_post_key: per author (private messages apart) and hash of the body without
    // its white space.
    std::string squeezed;
    for (char const c : raw) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') {
            squeezed.push_back(c);
        }
    }
    return std::string{kind == archetype::private_message ? "unique-pm-post-" : "unique-post-"} +
           std::to_string(user_id) + ":" + base::sha1_hex(squeezed);
}

void forum_state::remember_body(user const &author, archetype kind, std::string const &raw)
{
    if (m_settings.unique_posts_mins <= 0 || strip(raw).empty()) {
        return;
    }
    std::int64_t const now = now_seconds();
    m_recent_bodies[unique_body_key(author.id, kind, raw)] = now + std::int64_t{m_settings.unique_posts_mins} * 60;
    // Expired entries go in sweeps, each when the map has doubled since the last, so the cost
    // per post stays constant and a long import does not keep every body it ever sent.
    if (m_recent_bodies.size() > 2 * m_recent_bodies_swept + 1024) {
        std::erase_if(m_recent_bodies, [now](auto const &entry) { return entry.second <= now; });
        m_recent_bodies_swept = m_recent_bodies.size();
    }
}

std::int64_t forum_state::now_seconds() const
{
    return std::chrono::floor<std::chrono::seconds>(now()).time_since_epoch().count();
}

bool forum_state::new_user(user const &author) const
{
    return (author.created_at >= now() - std::chrono::hours{24} || author.trust_level == 0) && author.trust_level < 2 &&
           !author.staff();
}

bool forum_state::posting_on_first_day(user const &author) const
{
    // UserStat#first_post_created_at is the created_at of the author's first post, so an
    // imported author whose first post is old is past their first day.
    auto const first = m_first_post_at.find(author.id);
    return !author.staff() && author.trust_level < 2 &&
           (author.trust_level == 0 || first == m_first_post_at.end() ||
            first->second >= now() - std::chrono::hours{24});
}

bool forum_state::rate_limited(user const &author, bool skip_validations) const
{
    return m_rate_limits && !skip_validations && !author.staff();
}

std::vector<forum_state::limiter> forum_state::topic_limiters(user const &author, archetype kind) const
{
    constexpr int DAY = 24 * 60 * 60;
    // Topic's rate_limit declarations (default, per day, private messages per day), then its
    // first post's default limiter.
    std::vector<limiter> limiters;
    limiters.push_back(
        {"create_topic", 1,
         new_user(author) ? m_settings.rate_limit_new_user_create_topic : m_settings.rate_limit_create_topic});
    if (kind == archetype::regular) {
        if (posting_on_first_day(author)) {
            limiters.push_back({"first-day-topics-per-day", m_settings.max_topics_in_first_day, DAY});
        } else {
            limiters.push_back({"topics-per-day", m_settings.max_topics_per_day, DAY});
        }
    } else {
        limiters.push_back({"pms-per-day", m_settings.max_personal_messages_per_day, DAY});
    }
    limiters.push_back(
        {"create_post", 1,
         new_user(author) ? m_settings.rate_limit_new_user_create_post : m_settings.rate_limit_create_post});
    return limiters;
}

std::vector<forum_state::limiter> forum_state::post_limiters(user const &author) const
{
    constexpr int DAY = 24 * 60 * 60;
    std::vector<limiter> limiters;
    limiters.push_back(
        {"create_post", 1,
         new_user(author) ? m_settings.rate_limit_new_user_create_post : m_settings.rate_limit_create_post});
    if (posting_on_first_day(author)) {
        limiters.push_back({"first-day-replies-per-day", m_settings.max_replies_in_first_day, DAY});
    }
    return limiters;
}

void forum_state::check_limiters(std::int64_t user_id, std::vector<limiter> const &limiters) const
{
    std::int64_t const now = now_seconds();
    for (auto const &rule : limiters) {
        // A limit or window of zero (or less) limits nothing.
        if (rule.max <= 0 || rule.window_seconds <= 0) {
            continue;
        }
        auto const found = m_limiter_events.find({user_id, rule.key});
        if (found == m_limiter_events.end()) {
            continue;
        }
        // RateLimiter keeps the last `max` events; one more is allowed when there are fewer
        // or the oldest of them has left the window.
        auto const &events = found->second;
        if (static_cast<int>(events.size()) < rule.max) {
            continue;
        }
        std::int64_t const oldest = events[events.size() - static_cast<std::size_t>(rule.max)];
        std::int64_t const age = now - oldest;
        if (age < rule.window_seconds) {
            throw rate_limit_error{rule.key, static_cast<int>(rule.window_seconds - age)};
        }
    }
}

void forum_state::record_limiters(std::int64_t user_id, std::vector<limiter> const &limiters)
{
    std::int64_t const now = now_seconds();
    for (auto const &rule : limiters) {
        if (rule.max <= 0 || rule.window_seconds <= 0) {
            continue;
        }
        auto &events = m_limiter_events[{user_id, rule.key}];
        events.push_back(now);
        while (static_cast<int>(events.size()) > rule.max) {
            events.pop_front();
        }
    }
}

// ---- Counters.

void forum_state::recount_topic(topic &target)
{
    target.highest_post_number = target.post_ids_by_number.empty() ? 0 : target.post_ids_by_number.rbegin()->first;
    target.posts_count = 0;
    target.like_count = 0;
    for (auto const &[number, id] : target.post_ids_by_number) {
        post const &item = m_posts.at(id);
        if (item.deleted_at) {
            continue;
        }
        if (item.type != post_type::whisper) {
            ++target.posts_count;
        }
        target.like_count += item.like_count;
    }
}

namespace {

// What a topic adds to its category's counters.
std::pair<int, int> category_share(topic const &subject)
{
    if (subject.kind != archetype::regular || subject.deleted_at || !subject.category_id) {
        return {0, 0};
    }
    return {1, subject.posts_count};
}

} // namespace

void forum_state::recount_categories()
{
    for (auto &[id, place] : m_categories) {
        place.topic_count = 0;
        place.post_count = 0;
    }
    for (auto const &[id, subject] : m_topics) {
        auto const [topics, posts] = category_share(subject);
        if (topics == 0) {
            continue;
        }
        auto const it = m_categories.find(*subject.category_id);
        if (it != m_categories.end()) {
            it->second.topic_count += topics;
            it->second.post_count += posts;
        }
    }
}

// ---- Writes.

category const &forum_state::create_category(create_category_request const &request)
{
    std::vector<std::string> errors;
    std::string_view const name = strip(request.name);
    if (name.empty()) {
        errors.emplace_back("Name can't be blank");
    }
    if (request.parent_id) {
        category const *const parent = find_category(*request.parent_id);
        if (parent == nullptr) {
            throw not_found_error{"parent category " + std::to_string(*request.parent_id) + " not found"};
        }
        if (parent->parent_id) {
            errors.emplace_back("Parent category cannot be a subcategory"); // max_category_nesting = 2
        }
    }
    auto const sibling_has = [&](auto const &predicate) {
        return std::any_of(m_categories.begin(), m_categories.end(), [&](auto const &entry) {
            return entry.second.parent_id == request.parent_id && predicate(entry.second);
        });
    };
    if (sibling_has([&](category const &other) { return lowercase_utf8(other.name) == lowercase_utf8(name); })) {
        errors.emplace_back("Category Name has already been taken");
    }
    std::string slug;
    if (request.slug && !request.slug->empty()) {
        slug = slug_for(*request.slug, m_settings.slug_generation_method, "");
        if (slug != *request.slug && m_settings.slug_generation_method == slug_method::ascii) {
            errors.emplace_back("Slug is invalid");
        } else if (sibling_has([&](category const &other) { return other.slug == slug; })) {
            errors.emplace_back("Slug is already in use");
        }
    } else {
        slug = slug_for(name, m_settings.slug_generation_method, "");
        if (!slug.empty() && sibling_has([&](category const &other) { return other.slug == slug; })) {
            slug.clear(); // Category#ensure_slug: a taken generated slug is dropped
        }
    }
    if (request.id && m_categories.contains(*request.id)) {
        errors.push_back("Category " + std::to_string(*request.id) + " already exists");
    }
    if (!errors.empty()) {
        throw validation_error{std::move(errors)};
    }
    category record;
    record.id = request.id.value_or(m_next_category_id);
    record.name = name;
    record.slug = slug;
    record.parent_id = request.parent_id;
    record.read_restricted = request.read_restricted;
    record.allowed_groups = request.allowed_groups;
    record.description = request.description;
    record.color = request.color;
    record.text_color = request.text_color;
    if (request.position) {
        record.position = *request.position;
    } else {
        int highest = -1;
        for (auto const &[id, other] : m_categories) {
            highest = std::max(highest, other.position);
        }
        record.position = highest + 1;
    }
    insert_category(record);
    return m_categories.at(record.id);
}

user const &forum_state::create_user(create_user_request const &request)
{
    std::vector<std::string> errors;
    std::string const username{strip(request.username)};
    bool valid_username = !username.empty() && username.size() <= 60;
    for (char const c : username) {
        bool const allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                             c == '.' || c == '-' || static_cast<unsigned char>(c) >= 0x80;
        valid_username = valid_username && allowed;
    }
    if (!valid_username) {
        errors.emplace_back("Username must only include numbers, letters, dashes, dots, and underscores");
    } else if (find_user_by_username(username) != nullptr) {
        errors.emplace_back("Username must be unique");
    }
    if (!request.staged && strip(request.email).empty()) {
        errors.emplace_back("Primary email can't be blank");
    } else if (!request.email.empty() && find_user_by_email(strip(request.email)) != nullptr) {
        errors.emplace_back("Primary email has already been taken");
    }
    if (request.external_id && find_user_by_external_id(*request.external_id) != nullptr) {
        errors.emplace_back("External id has already been taken");
    }
    if (request.id && m_users.contains(*request.id)) {
        errors.push_back("User " + std::to_string(*request.id) + " already exists");
    }
    if (!errors.empty()) {
        throw validation_error{std::move(errors)};
    }
    user record;
    record.id = request.id.value_or(m_next_user_id);
    record.username = username;
    record.name = request.name;
    record.email = strip(request.email);
    record.created_at = request.created_at.value_or(now());
    record.trust_level = request.trust_level;
    record.admin = request.admin;
    record.moderator = request.moderator;
    record.active = request.active;
    record.staged = request.staged;
    record.external_id = request.external_id;
    insert_user(record);
    return m_users.at(record.id);
}

group const &forum_state::create_group(std::string const &name, std::vector<std::int64_t> user_ids,
                                       std::optional<std::int64_t> id)
{
    if (find_group(name) != nullptr || name == "everyone" || name == "admins" || name == "moderators" ||
        name == "staff" || name.substr(0, 12) == "trust_level_") {
        throw validation_error{{"Name has already been taken"}};
    }
    for (auto const member : user_ids) {
        (void)require_user(member);
    }
    group record;
    record.id = id.value_or(m_next_group_id);
    record.name = name;
    record.user_ids = std::move(user_ids);
    std::int64_t const group_id = record.id;
    insert_group(std::move(record));
    return m_groups.at(group_id);
}

void forum_state::set_topic_tags(std::int64_t topic_id, std::vector<std::string> const &names, viewer const &who)
{
    topic *const subject = mutable_topic(topic_id);
    if (subject == nullptr || !can_see_topic(who, *subject)) {
        throw not_found_error{"topic " + std::to_string(topic_id)};
    }
    if (!who.staff() && who.user_id() != subject->user_id) {
        throw permission_error{"only staff and the author may change a topic's tags"};
    }
    std::vector<std::string> errors;
    auto const cleaned = clean_tags(names, who, errors);
    if (!errors.empty()) {
        throw validation_error{std::move(errors)};
    }
    for (auto const &name : cleaned) {
        (void)create_tag(name);
    }
    subject->tags = cleaned;
}

tag const &forum_state::create_tag(std::string const &name, std::optional<std::int64_t> id)
{
    std::string const tag_name = m_settings.force_lowercase_tags ? lowercase_utf8(name) : name;
    if (tag const *const existing = find_tag(tag_name)) {
        return *existing;
    }
    tag record;
    record.id = id.value_or(m_next_tag_id);
    record.name = tag_name;
    insert_tag(record);
    return m_tags.at(record.id);
}

post &forum_state::append_post(topic &target, post record)
{
    record.id = m_next_post_id;
    record.topic_id = target.id;
    record.post_number = target.highest_post_number + 1;
    record.updated_at = record.created_at;
    record.cooked = cook_post(record.raw);
    target.post_ids_by_number.emplace(record.post_number, record.id);
    target.highest_post_number = record.post_number;
    std::int64_t const id = record.id;
    insert_post(std::move(record));
    return m_posts.at(id);
}

topic const &forum_state::create_topic(create_topic_request const &request)
{
    user const &author = require_user(request.user_id);
    viewer const who = viewer::of(author);
    if (!author.active && !author.staged) {
        throw permission_error{"user " + author.username + " is not active"};
    }
    std::vector<std::string> errors;
    std::vector<std::int64_t> participants;
    if (request.kind == archetype::regular) {
        if (request.category_id) {
            category const *const place = find_category(*request.category_id);
            if (place == nullptr) {
                throw not_found_error{"category " + std::to_string(*request.category_id) + " not found"};
            }
            if (!can_see_category(who, *place)) {
                throw permission_error{"user " + author.username + " may not post in category " + place->name};
            }
        } else if (!m_settings.allow_uncategorized_topics && !request.skip_validations) {
            errors.emplace_back("Category can't be blank");
        }
    } else {
        for (auto const id : request.recipient_ids) {
            (void)require_user(id);
            participants.push_back(id);
        }
        participants.push_back(author.id);
        std::sort(participants.begin(), participants.end());
        participants.erase(std::unique(participants.begin(), participants.end()), participants.end());
        if (participants.size() < 2 && !request.skip_validations) {
            errors.emplace_back("You must choose a valid user.");
        }
    }
    if (request.external_id) {
        if (request.external_id->size() > 50) {
            errors.emplace_back("External id is too long (maximum is 50 characters)");
        } else if (find_topic_by_external_id(*request.external_id) != nullptr) {
            errors.emplace_back("External id has already been taken");
        }
    }
    if (!request.skip_validations) {
        validate_title(nullptr, request.title, request.kind,
                       request.kind == archetype::regular ? request.category_id : std::nullopt, errors);
        validate_body(request.raw, true, request.kind, errors);
        validate_unique_body(author, request.kind, request.raw, errors);
    }
    std::vector<std::string> tag_errors;
    std::vector<std::string> tag_names = clean_tags(request.tags, who, tag_errors);
    if (!request.skip_validations) {
        errors.insert(errors.end(), tag_errors.begin(), tag_errors.end());
    }
    if (!errors.empty()) {
        throw validation_error{std::move(errors)};
    }
    // The rate limiters run after the validations, as Discourse's run when the records are
    // saved; a refused creation records nothing in any of them.
    std::vector<limiter> const limiters =
        rate_limited(author, request.skip_validations) ? topic_limiters(author, request.kind) : std::vector<limiter>{};
    check_limiters(author.id, limiters);

    for (auto const &name : tag_names) {
        (void)create_tag(name);
    }
    timestamp const created_at = request.created_at.value_or(now());
    topic record;
    record.id = m_next_topic_id;
    record.title = strip(request.title);
    record.fancy_title = fancy_title(record.title);
    record.slug = slug_for(record.title, m_settings.slug_generation_method, "topic");
    record.category_id = request.kind == archetype::regular ? request.category_id : std::nullopt;
    record.user_id = author.id;
    record.created_at = created_at;
    record.bumped_at = created_at;
    record.last_posted_at = created_at;
    record.kind = request.kind;
    record.visible = request.visible;
    record.tags = std::move(tag_names);
    record.external_id = request.external_id;
    record.allowed_user_ids = std::move(participants);
    std::int64_t const id = record.id;
    insert_topic(std::move(record));
    topic &target = m_topics.at(id);

    post first;
    first.user_id = author.id;
    first.raw = request.raw;
    first.created_at = created_at;
    (void)append_post(target, std::move(first));
    recount_topic(target);
    if (auto const [topics, posts] = category_share(target); topics != 0) {
        if (auto const it = m_categories.find(*target.category_id); it != m_categories.end()) {
            it->second.topic_count += topics;
            it->second.post_count += posts;
        }
    }
    record_limiters(author.id, limiters);
    if (!request.import_mode) {
        m_first_post_at.try_emplace(author.id, created_at);
        remember_body(author, request.kind, request.raw);
    }
    return target;
}

post const &forum_state::create_post(create_post_request const &request)
{
    user const &author = require_user(request.user_id);
    viewer const who = viewer::of(author);
    if (!author.active && !author.staged) {
        throw permission_error{"user " + author.username + " is not active"};
    }
    auto const topic_it = m_topics.find(request.topic_id);
    if (topic_it == m_topics.end() || !can_see_topic(who, topic_it->second) || topic_it->second.deleted_at ||
        ((topic_it->second.closed || topic_it->second.archived) && !who.staff())) {
        throw validation_error{{std::string{TOPIC_NOT_FOUND}}};
    }
    if ((request.type == post_type::whisper || request.type == post_type::small_action ||
         request.type == post_type::moderator_action) &&
        !who.staff()) {
        throw permission_error{"only staff may create a " +
                               std::string{request.type == post_type::whisper ? "whisper" : "staff post"}};
    }
    topic &target = topic_it->second;
    if (!request.skip_validations && request.type != post_type::small_action) {
        std::vector<std::string> errors;
        validate_body(request.raw, false, target.kind, errors);
        validate_unique_body(author, target.kind, request.raw, errors);
        validate_consecutive_replies(author, target, errors);
        if (!errors.empty()) {
            throw validation_error{std::move(errors)};
        }
    }
    std::vector<limiter> const limiters =
        rate_limited(author, request.skip_validations) ? post_limiters(author) : std::vector<limiter>{};
    check_limiters(author.id, limiters);
    auto const before = category_share(target);
    timestamp const created_at = request.created_at.value_or(now());
    post record;
    record.user_id = author.id;
    record.raw = request.raw;
    record.created_at = created_at;
    record.type = request.type;
    record.action_code = request.action_code;
    if (request.reply_to_post_number && target.post_ids_by_number.contains(*request.reply_to_post_number)) {
        record.reply_to_post_number = request.reply_to_post_number;
    }
    post &added = append_post(target, std::move(record));
    // PostCreator#update_topic_stats: whispers leave the topic's dates alone; small actions
    // count as a post but do not bump.
    if (added.type != post_type::whisper) {
        target.last_posted_at = created_at;
        if (!request.no_bump && added.type != post_type::small_action) {
            target.bumped_at = created_at;
        }
    }
    recount_topic(target);
    auto const after = category_share(target);
    if (target.category_id) {
        if (auto const it = m_categories.find(*target.category_id); it != m_categories.end()) {
            it->second.topic_count += after.first - before.first;
            it->second.post_count += after.second - before.second;
        }
    }
    record_limiters(author.id, limiters);
    if (!request.import_mode && added.type != post_type::small_action) {
        m_first_post_at.try_emplace(author.id, created_at);
        remember_body(author, target.kind, added.raw);
    }
    return added;
}

edit_result forum_state::edit_post(edit_post_request const &request)
{
    auto const post_it = m_posts.find(request.post_id);
    if (post_it == m_posts.end()) {
        throw not_found_error{"post " + std::to_string(request.post_id) + " not found"};
    }
    post &item = post_it->second;
    user const &editor = require_user(request.editor_id);
    viewer const who = viewer::of(editor);
    if (!can_see_post(who, item, true)) {
        throw not_found_error{"post " + std::to_string(request.post_id) + " not found"};
    }
    if (!who.staff() && editor.id != item.user_id) {
        throw permission_error{"user " + editor.username + " may not edit post " + std::to_string(item.id)};
    }
    topic &target = m_topics.at(item.topic_id);
    bool const retitle = request.title && item.post_number == 1 && strip(*request.title) != target.title;
    if (request.raw == item.raw && !retitle) {
        return edit_result{};
    }
    std::vector<std::string> errors;
    if (request.raw != item.raw && item.type != post_type::small_action) {
        validate_body(request.raw, item.post_number == 1, target.kind, errors);
    }
    if (retitle) {
        validate_title(&target, std::string{strip(*request.title)}, target.kind, target.category_id, errors);
    }
    if (!errors.empty()) {
        throw validation_error{std::move(errors)};
    }
    // EditRateLimiter: new versions by anyone but staff, max_edits_per_day a day. (Newer
    // versions raise the limit for trust level 2 and up; this keeps the base limit.)
    std::vector<limiter> const limiters =
        rate_limited(editor, false) ? std::vector<limiter>{{"edit-post", m_settings.max_edits_per_day, 24 * 60 * 60}}
                                    : std::vector<limiter>{};
    check_limiters(editor.id, limiters);
    timestamp const edited_at = request.edited_at.value_or(now());
    if (retitle) {
        target.title = strip(*request.title);
        target.fancy_title = fancy_title(target.title);
        target.slug = slug_for(target.title, m_settings.slug_generation_method, "topic");
    }
    item.raw = request.raw;
    item.cooked = cook_post(item.raw);
    item.updated_at = edited_at;
    ++item.version;

    record_limiters(editor.id, limiters);
    edit_result result;
    result.changed = true;
    bool const is_last =
        std::none_of(target.post_ids_by_number.upper_bound(item.post_number), target.post_ids_by_number.end(),
                     [this](auto const &entry) { return !m_posts.at(entry.second).deleted_at; });
    bool const bypass = request.bypass_bump && (who.staff() || editor.trust_level >= 4);
    if (is_last && item.type != post_type::whisper && !bypass) {
        target.bumped_at = edited_at;
        result.bumped = true;
    }
    return result;
}

void forum_state::activate_user(std::int64_t user_id)
{
    auto const found = m_users.find(user_id);
    if (found == m_users.end()) {
        throw not_found_error{"user " + std::to_string(user_id) + " not found"};
    }
    found->second.active = true;
}

void forum_state::delete_post(std::int64_t post_id, std::int64_t by_user_id, std::optional<timestamp> at)
{
    auto const post_it = m_posts.find(post_id);
    if (post_it == m_posts.end() || post_it->second.deleted_at) {
        throw not_found_error{"post " + std::to_string(post_id) + " not found"};
    }
    user const &by = require_user(by_user_id);
    post &item = post_it->second;
    if (!by.staff() && by.id != item.user_id) {
        throw permission_error{"user " + by.username + " may not delete post " + std::to_string(post_id)};
    }
    topic &target = m_topics.at(item.topic_id);
    auto const before = category_share(target);
    timestamp const when = at.value_or(now());
    item.deleted_at = when;
    if (item.post_number == 1) {
        target.deleted_at = when;
    }
    recount_topic(target);
    auto const after = category_share(target);
    if (target.category_id) {
        if (auto const it = m_categories.find(*target.category_id); it != m_categories.end()) {
            it->second.topic_count += after.first - before.first;
            it->second.post_count += after.second - before.second;
        }
    }
}

post const &forum_state::set_topic_status(std::int64_t topic_id, std::string_view status, bool enabled,
                                          std::int64_t by_user_id, std::optional<timestamp> at)
{
    auto const topic_it = m_topics.find(topic_id);
    if (topic_it == m_topics.end()) {
        throw not_found_error{"topic " + std::to_string(topic_id) + " not found"};
    }
    user const &by = require_user(by_user_id);
    if (!by.staff()) {
        throw permission_error{"user " + by.username + " may not change the status of topic " +
                               std::to_string(topic_id)};
    }
    topic &target = topic_it->second;
    if (status == "closed") {
        target.closed = enabled;
    } else if (status == "archived") {
        target.archived = enabled;
    } else if (status == "visible") {
        target.visible = enabled;
    } else if (status == "pinned") {
        target.pinned = enabled;
    } else {
        throw validation_error{{"Status is not valid: " + std::string{status}}};
    }
    create_post_request request;
    request.user_id = by.id;
    request.topic_id = topic_id;
    request.type = post_type::small_action;
    request.action_code = std::string{status} + (enabled ? ".enabled" : ".disabled");
    request.created_at = at;
    request.skip_validations = true;
    // Staff may post in a closed topic, so closing first and then recording works.
    return create_post(request);
}

upload const &forum_state::add_upload(add_upload_request const &request)
{
    (void)require_user(request.user_id);
    std::string extension;
    if (auto const dot = request.original_filename.rfind('.'); dot != std::string::npos) {
        extension = ascii_lowercase(request.original_filename.substr(dot + 1));
    }
    std::vector<std::string> allowed;
    {
        std::string_view list = m_settings.authorized_extensions;
        while (!list.empty()) {
            auto const bar = list.find('|');
            allowed.emplace_back(ascii_lowercase(strip(list.substr(0, bar))));
            list = bar == std::string_view::npos ? std::string_view{} : list.substr(bar + 1);
        }
    }
    bool const any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
    if (!any && std::find(allowed.begin(), allowed.end(), extension) == allowed.end()) {
        throw validation_error{{"Sorry, the file you are trying to upload is not authorized (authorized extensions: " +
                                join(allowed, ", ") + ")."}};
    }
    bool const image = is_image_extension(extension);
    int const limit_kb = image ? m_settings.max_image_size_kb : m_settings.max_attachment_size_kb;
    if (request.bytes.size() > static_cast<std::size_t>(limit_kb) * 1024) {
        throw validation_error{{"Sorry, the file you are trying to upload is too big (maximum size is " +
                                std::to_string(limit_kb) + " KB)."}};
    }
    std::string const digest = base::sha1_hex(request.bytes);
    if (upload const *const existing = find_upload_by_sha1(digest)) {
        return *existing;
    }
    upload record;
    record.id = m_next_upload_id;
    record.user_id = request.user_id;
    record.sha1 = digest;
    record.original_filename = request.original_filename;
    record.extension = extension;
    record.filesize = static_cast<std::int64_t>(request.bytes.size());
    if (image) {
        if (auto const size = image_size(request.bytes)) {
            record.width = size->first;
            record.height = size->second;
        }
    }
    record.created_at = request.created_at.value_or(now());
    record.bytes = request.bytes;
    std::int64_t const id = record.id;
    insert_upload(std::move(record));
    return m_uploads.at(id);
}

// ---- Direct inserts.

void forum_state::insert_category(category record)
{
    m_next_category_id = std::max(m_next_category_id, record.id + 1);
    m_categories.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_user(user record)
{
    m_next_user_id = std::max(m_next_user_id, record.id + 1);
    m_user_by_username[lowercase_utf8(record.username)] = record.id;
    m_users.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_group(group record)
{
    std::sort(record.user_ids.begin(), record.user_ids.end());
    m_next_group_id = std::max(m_next_group_id, record.id + 1);
    m_groups.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_tag(tag record)
{
    m_next_tag_id = std::max(m_next_tag_id, record.id + 1);
    m_tags.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_topic(topic record)
{
    m_next_topic_id = std::max(m_next_topic_id, record.id + 1);
    if (record.external_id) {
        m_topic_by_external_id[*record.external_id] = record.id;
    }
    std::sort(record.allowed_user_ids.begin(), record.allowed_user_ids.end());
    m_topics.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_post(post record)
{
    m_next_post_id = std::max(m_next_post_id, record.id + 1);
    if (auto const it = m_topics.find(record.topic_id); it != m_topics.end()) {
        it->second.post_ids_by_number[record.post_number] = record.id;
        it->second.highest_post_number = std::max(it->second.highest_post_number, record.post_number);
    }
    m_posts.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_upload(upload record)
{
    m_next_upload_id = std::max(m_next_upload_id, record.id + 1);
    m_upload_by_sha1[record.sha1] = record.id;
    m_uploads.insert_or_assign(record.id, std::move(record));
}

post *forum_state::mutable_post(std::int64_t id)
{
    auto const it = m_posts.find(id);
    return it == m_posts.end() ? nullptr : &it->second;
}

topic *forum_state::mutable_topic(std::int64_t id)
{
    auto const it = m_topics.find(id);
    return it == m_topics.end() ? nullptr : &it->second;
}

user *forum_state::mutable_user(std::int64_t id)
{
    auto const it = m_users.find(id);
    return it == m_users.end() ? nullptr : &it->second;
}

void forum_state::rebuild_derived()
{
    m_user_by_username.clear();
    for (auto const &[id, account] : m_users) {
        m_user_by_username[lowercase_utf8(account.username)] = id;
    }
    m_topic_by_external_id.clear();
    for (auto &[id, subject] : m_topics) {
        subject.post_ids_by_number.clear();
        subject.fancy_title = fancy_title(subject.title);
        if (subject.external_id) {
            m_topic_by_external_id[*subject.external_id] = id;
        }
    }
    m_upload_by_sha1.clear();
    for (auto const &[id, file] : m_uploads) {
        m_upload_by_sha1[file.sha1] = id;
    }
    m_first_post_at.clear();
    for (auto &[id, item] : m_posts) {
        if (auto const it = m_topics.find(item.topic_id); it != m_topics.end()) {
            it->second.post_ids_by_number[item.post_number] = id;
        }
        item.cooked = cook_post(item.raw);
        if (item.type != post_type::small_action) {
            auto const first = m_first_post_at.try_emplace(item.user_id, item.created_at).first;
            first->second = std::min(first->second, item.created_at);
        }
    }
    for (auto &[id, subject] : m_topics) {
        recount_topic(subject);
    }
    recount_categories();
}

} // namespace forumgate::rehearsal
