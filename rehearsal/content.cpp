#include "rehearsal/content.hpp"

#include "rehearsal/cook.hpp"
#include "rehearsal/forum.hpp"

#include <algorithm>

namespace forumgate::rehearsal {
namespace {

// The messages of Discourse's PostCreator and validators (config/locales/server.en.yml).
constexpr std::string_view TOPIC_NOT_FOUND =
    "Something has gone wrong. Perhaps this topic was closed or deleted while you were looking at it?";

/// Adds "`kind` ID already exists" to `errors` if a create request names an id that `table`
/// (one of the forum's tables) already holds.
template <typename Table>
void check_id_free(Table const &table, std::optional<std::int64_t> id, std::string_view kind,
                   std::vector<std::string> &errors)
{
    if (id && table.contains(*id)) {
        errors.push_back(std::string{kind} + " " + std::to_string(*id) + " already exists");
    }
}

/// Adds Discourse's length message for `field` ("Title", "Body") to `errors` if `stripped` is
/// blank, or has fewer than `minimum` or more than `maximum` characters.
void check_length(std::string_view field, std::string_view stripped, int minimum, int maximum,
                  std::vector<std::string> &errors)
{
    std::size_t const length = utf8_length(stripped);
    if (stripped.empty()) {
        errors.push_back(std::string{field} + " can't be blank");
    } else if (length < static_cast<std::size_t>(minimum)) {
        errors.push_back(std::string{field} + " is too short (minimum is " + std::to_string(minimum) + " characters)");
    } else if (length > static_cast<std::size_t>(maximum)) {
        errors.push_back(std::string{field} + " is too long (maximum is " + std::to_string(maximum) + " characters)");
    }
}

} // namespace

// ---- Validations.

void forum_state::validate_title(topic const *self, std::string const &title, archetype kind,
                                 std::optional<std::int64_t> category_id, std::vector<std::string> &errors) const
{
    std::string_view const stripped = ruby_strip(title);
    int const minimum = kind == archetype::private_message ? m_settings.min_personal_message_title_length
                                                           : m_settings.min_topic_title_length;
    check_length("Title", stripped, minimum, m_settings.max_topic_title_length, errors);
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
            if (lowercase_utf8(ruby_strip(other.title)) == wanted) {
                errors.emplace_back("Title has already been used");
                break;
            }
        }
    }
}

void forum_state::validate_body(std::string const &raw, bool first_post, archetype kind,
                                std::vector<std::string> &errors) const
{
    std::string_view const stripped = ruby_strip(raw);
    int const minimum = kind == archetype::private_message ? m_settings.min_personal_message_post_length
                        : first_post                       ? m_settings.min_first_post_length
                                                           : m_settings.min_post_length;
    check_length("Body", stripped, minimum, m_settings.max_post_length, errors);
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
        for (char const c : ruby_strip(name)) {
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

void forum_state::validate_unique_body(user const &author, archetype kind, std::string const &raw,
                                       std::vector<std::string> &errors) const
{
    if (m_settings.unique_posts_mins <= 0 || author.staff()) {
        return;
    }
    if (m_limits.posted_recently(author.id, kind, raw, now_seconds())) {
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

void forum_state::update_category_counts(topic const &target, std::pair<int, int> before)
{
    if (!target.category_id) {
        return;
    }
    auto const after = category_share(target);
    if (auto const it = m_categories.find(*target.category_id); it != m_categories.end()) {
        it->second.topic_count += after.first - before.first;
        it->second.post_count += after.second - before.second;
    }
}

void forum_state::note_posted(user const &author, archetype kind, std::string const &raw, timestamp created_at,
                              std::vector<limiter> const &limiters, bool record_history)
{
    std::int64_t const now = now_seconds();
    m_limits.record(author.id, limiters, now);
    if (record_history) {
        m_limits.note_first_post(author.id, created_at);
        m_limits.remember_body(author.id, kind, raw, m_settings.unique_posts_mins, now);
    }
}

// ---- Writes.

category const &forum_state::create_category(create_category_request const &request)
{
    std::vector<std::string> errors;
    std::string_view const name = ruby_strip(request.name);
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
    check_id_free(m_categories, request.id, "Category", errors);
    throw_if_any(errors);
    int position = 0;
    if (request.position) {
        position = *request.position;
    } else {
        for (auto const &[id, other] : m_categories) { // none given: after every other category
            position = std::max(position, other.position + 1);
        }
    }
    category const record{.id = request.id.value_or(m_next_category_id),
                          .name = std::string{name},
                          .slug = slug,
                          .parent_id = request.parent_id,
                          .read_restricted = request.read_restricted,
                          .allowed_groups = request.allowed_groups,
                          .description = request.description,
                          .color = request.color,
                          .text_color = request.text_color,
                          .position = position};
    insert_category(record);
    return m_categories.at(record.id);
}

user const &forum_state::create_user(create_user_request const &request)
{
    std::vector<std::string> errors;
    std::string const username{ruby_strip(request.username)};
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
    if (!request.staged && ruby_strip(request.email).empty()) {
        errors.emplace_back("Primary email can't be blank");
    } else if (!request.email.empty() && find_user_by_email(ruby_strip(request.email)) != nullptr) {
        errors.emplace_back("Primary email has already been taken");
    }
    if (request.external_id && find_user_by_external_id(*request.external_id) != nullptr) {
        errors.emplace_back("External id has already been taken");
    }
    check_id_free(m_users, request.id, "User", errors);
    throw_if_any(errors);
    user const record{.id = request.id.value_or(m_next_user_id),
                      .username = username,
                      .name = request.name,
                      .email = std::string{ruby_strip(request.email)},
                      .created_at = request.created_at.value_or(now()),
                      .trust_level = request.trust_level,
                      .admin = request.admin,
                      .moderator = request.moderator,
                      .active = request.active,
                      .staged = request.staged,
                      .external_id = request.external_id};
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
    throw_if_any(errors);
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

std::vector<std::int64_t> forum_state::check_topic_place(create_topic_request const &request, user const &author,
                                                         std::vector<std::string> &errors) const
{
    std::vector<std::int64_t> participants;
    if (request.kind == archetype::regular) {
        if (request.category_id) {
            category const *const place = find_category(*request.category_id);
            if (place == nullptr) {
                throw not_found_error{"category " + std::to_string(*request.category_id) + " not found"};
            }
            if (!can_see_category(viewer::of(author), *place)) {
                throw permission_error{"user " + author.username + " may not post in category " + place->name};
            }
        } else if (!m_settings.allow_uncategorized_topics && !request.skip_validations) {
            errors.emplace_back("Category can't be blank");
        }
        return participants;
    }
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
    return participants;
}

topic &forum_state::add_topic(create_topic_request const &request, user const &author,
                              std::vector<std::string> tag_names, std::vector<std::int64_t> participants)
{
    for (auto const &name : tag_names) {
        (void)create_tag(name);
    }
    timestamp const created_at = request.created_at.value_or(now());
    topic record;
    record.id = m_next_topic_id;
    record.title = ruby_strip(request.title);
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
    update_category_counts(target, {0, 0});
    return target;
}

topic const &forum_state::create_topic(create_topic_request const &request)
{
    user const &author = require_user(request.user_id);
    if (!author.active && !author.staged) {
        throw permission_error{"user " + author.username + " is not active"};
    }
    std::vector<std::string> errors;
    std::vector<std::int64_t> participants = check_topic_place(request, author, errors);
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
    std::vector<std::string> tag_names = clean_tags(request.tags, viewer::of(author), tag_errors);
    if (!request.skip_validations) {
        errors.insert(errors.end(), tag_errors.begin(), tag_errors.end());
    }
    throw_if_any(errors);
    // The rate limiters run after the validations, as Discourse's run when the records are
    // saved; a refused creation records nothing in any of them.
    std::vector<limiter> const limiters = m_limits.applies_to(author, request.skip_validations)
                                              ? m_limits.topic_limiters(author, request.kind, m_settings, now())
                                              : std::vector<limiter>{};
    m_limits.check(author.id, limiters, now_seconds());
    topic &target = add_topic(request, author, std::move(tag_names), std::move(participants));
    note_posted(author, request.kind, request.raw, target.created_at, limiters, !request.import_mode);
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
        throw_if_any(errors);
    }
    std::vector<limiter> const limiters = m_limits.applies_to(author, request.skip_validations)
                                              ? m_limits.post_limiters(author, m_settings, now())
                                              : std::vector<limiter>{};
    m_limits.check(author.id, limiters, now_seconds());
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
    update_category_counts(target, before);
    note_posted(author, target.kind, added.raw, created_at, limiters,
                !request.import_mode && added.type != post_type::small_action);
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
    bool const retitle = request.title && item.post_number == 1 && ruby_strip(*request.title) != target.title;
    if (request.raw == item.raw && !retitle) {
        return edit_result{};
    }
    std::vector<std::string> errors;
    if (request.raw != item.raw && item.type != post_type::small_action) {
        validate_body(request.raw, item.post_number == 1, target.kind, errors);
    }
    if (retitle) {
        validate_title(&target, std::string{ruby_strip(*request.title)}, target.kind, target.category_id, errors);
    }
    throw_if_any(errors);
    // EditRateLimiter: new versions by anyone but staff.
    std::vector<limiter> const limiters =
        m_limits.applies_to(editor, false) ? posting_limits::edit_limiters(m_settings) : std::vector<limiter>{};
    m_limits.check(editor.id, limiters, now_seconds());
    timestamp const edited_at = request.edited_at.value_or(now());
    if (retitle) {
        target.title = ruby_strip(*request.title);
        target.fancy_title = fancy_title(target.title);
        target.slug = slug_for(target.title, m_settings.slug_generation_method, "topic");
    }
    item.raw = request.raw;
    item.cooked = cook_post(item.raw);
    item.updated_at = edited_at;
    ++item.version;

    m_limits.record(editor.id, limiters, now_seconds());
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
    update_category_counts(target, before);
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

} // namespace forumgate::rehearsal
