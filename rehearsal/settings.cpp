#include "rehearsal/settings.hpp"

#include "rehearsal/errors.hpp"

#include <stdexcept>
#include <type_traits>
#include <variant>

namespace forumgate::rehearsal {
namespace {

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

} // namespace

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
    std::string_view const text = ruby_strip(value);
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

} // namespace forumgate::rehearsal
