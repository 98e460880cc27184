#pragma once
// The sample-forum generator behind `--generate N`: a realistic old forum, the same for the same
// options, for the demo, the tests and rehearsals.

#include "rehearsal/forum.hpp"

#include <cstdint>
#include <string>

namespace forumgate::rehearsal {

/// What to generate.
struct generator_options
{
    std::size_t topic_count = 100; ///< regular topics; about topic_count / 20 private messages come on top
    std::uint64_t seed = 1;        ///< the same seed (and options) gives the same forum, byte for byte
    std::string old_host = "forum.cooperationbirmingham.org.uk"; ///< host of absolute links in posts
    timestamp start = timestamp{std::chrono::sys_days{std::chrono::year{2016} / 3 / 1}};
    timestamp end = timestamp{std::chrono::sys_days{std::chrono::year{2024} / 6 / 30}};
};

/// Builds a forum of about `options.topic_count` topics: nested categories with one
/// read_restricted category, tags, about N/4 users (some with non-ASCII names, one anonymized
/// "anon…" account), 1–40 replies per topic with a long tail (about 6 posts per topic), quotes
/// of earlier posts (`[quote="user, post:N, topic:T"]`), links between topics in every URL shape
/// (absolute on `old_host` and relative: /t/slug/id, /t/slug/id/n, /t/id/n, /t/id, /p/id, /c/…,
/// /u/…, /tag/…, ?page=), small PNG uploads referenced as `upload://…png`, small actions,
/// deleted posts and topics, whispers, private messages, edited posts, very short, duplicate and
/// non-ASCII titles. Topics and posts are created in time order, so ids follow created_at.
/// Randomness is a std::mt19937_64 seeded with `options.seed`, drawn in a fixed order.
/// \pre options.topic_count ≥ 1 and options.start < options.end.
[[nodiscard]] forum_state generate_forum(generator_options const &options);

/// \return a valid PNG image of `width`×`height` RGB pixels (`rgb` holds 3 bytes per pixel),
/// stored without compression.
[[nodiscard]] std::string make_png(int width, int height, std::string_view rgb);

} // namespace forumgate::rehearsal
