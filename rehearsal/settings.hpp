#pragma once
// The rehearsal forum's site settings: the ones that bite importers, with Discourse's
// defaults, and the one table that names them for the admin API and seed files.

#include "rehearsal/slug.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace forumgate::rehearsal {

/// Represents the site settings that bite importers, with Discourse's defaults
/// (config/site_settings.yml; discourse.md §3.7).
struct site_settings
{
    int min_topic_title_length = 15;
    int max_topic_title_length = 255;
    int min_personal_message_title_length = 2;
    int min_post_length = 20;
    int min_first_post_length = 20;
    int min_personal_message_post_length = 10;
    int max_post_length = 32000;
    bool allow_duplicate_topic_titles = false;
    bool allow_duplicate_topic_titles_category = false;
    bool allow_uncategorized_topics = false;
    int unique_posts_mins = 5;
    int max_consecutive_replies = 3;
    int rate_limit_create_topic = 15;
    int rate_limit_create_post = 5;
    int rate_limit_new_user_create_topic = 120;
    int rate_limit_new_user_create_post = 30;
    int max_topics_per_day = 20;
    int max_personal_messages_per_day = 20;
    int max_topics_in_first_day = 3;
    int max_replies_in_first_day = 10;
    int max_edits_per_day = 30;
    slug_method slug_generation_method = slug_method::ascii;
    bool tagging_enabled = true;
    int max_tags_per_topic = 5;
    int max_tag_length = 20;
    int min_trust_to_create_tag = 3;
    bool force_lowercase_tags = true;
    std::string authorized_extensions = "jpg|jpeg|png|gif|heic|heif|webp";
    int max_image_size_kb = 4096;
    int max_attachment_size_kb = 4096;
    bool enable_discourse_connect = false;
    std::string discourse_connect_url;
    std::string discourse_connect_secret;
    bool hide_email_address_taken = false;
    bool detailed_404 = false;
    std::string disable_emails = "no";
    int sitemap_page_size = 10000;

    bool operator==(site_settings const &) const = default;
};

/// The type of a setting as Discourse's admin API lists it.
enum class setting_type
{
    integer,
    boolean,
    string,
    enumeration,
};

/// Describes one site setting: its name, type and default (as text).
struct setting_info
{
    std::string_view name;
    setting_type type;
    std::string default_value;
};

/// \return every setting site_settings holds, in a fixed order (the order of the struct).
[[nodiscard]] std::vector<setting_info> const &setting_table();

/// \return the current value of setting `name` as text (booleans "true"/"false").
/// \throws not_found_error if there is no such setting.
[[nodiscard]] std::string get_setting(site_settings const &settings, std::string_view name);

/// Sets `name` from text as `PUT /admin/site_settings/{name}` does: the value is stripped;
/// for integers every character but digits and `-` is removed first; booleans take
/// "true"/"false" (also "t"/"f", "1"/"0"); slug_generation_method one of its three names.
/// \throws validation_error with Discourse-like messages for an unknown name or a bad value.
void set_setting(site_settings &settings, std::string_view name, std::string_view value);

} // namespace forumgate::rehearsal
