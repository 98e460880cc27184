#pragma once
// Seed files: the whole rehearsal forum as one JSON document with explicit ids, loaded at
// start-up (--seed) and written on exit (--save). The format is described in
// docs/rehearsal-forum.md.

#include "rehearsal/forum.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace forumgate::rehearsal {

/// The value of the seed's "format" key.
constexpr std::string_view SEED_FORMAT = "forumgate-rehearsal-seed";
/// The seed format's version; load refuses others.
constexpr int SEED_VERSION = 1;

/// Builds a forum from a seed document. Every record keeps its id; post numbers, post types,
/// dates and slugs are taken as written. Checks the references: unique ids (post ids across
/// all topics), unique usernames, post numbers unique per topic with a post 1, and that every
/// category, user, tag, group and replied-to post named exists.
/// \param json_text the document
/// \param source_name the file name used in messages ("seed.json")
/// \param base_directory where an upload's "path" is looked up
/// \param clock the forum's clock for later writes (default: the system clock)
/// \throws forumgate::input_error naming the file and the item: "seed.json: topic 774: post
/// 9003 has post number 2 twice".
[[nodiscard]] forum_state load_seed(std::string_view json_text, std::string_view source_name = "seed.json",
                                    std::filesystem::path const &base_directory = {},
                                    std::function<timestamp()> clock = {});

/// Reads and loads a seed file; uploads' paths are relative to its directory.
/// \throws forumgate::input_error if the file cannot be read or is not a valid seed.
[[nodiscard]] forum_state load_seed_file(std::filesystem::path const &file, std::function<timestamp()> clock = {});

/// Writes the whole forum as a seed document: keys in a fixed order, records by id, optional
/// fields only when they differ from their defaults, two-space indentation, a final newline.
/// save_seed(load_seed(x)) == x for every x that save_seed wrote.
[[nodiscard]] std::string save_seed(forum_state const &state);

/// Writes save_seed(state) to `file` through a temporary file and a rename, so a reader never
/// sees half a file. \throws std::runtime_error naming the file when writing fails.
void save_seed_file(forum_state const &state, std::filesystem::path const &file);

/// \return `bytes` in standard Base64 with padding, no line breaks.
[[nodiscard]] std::string encode_base64(std::string_view bytes);
/// What decode_base64() does with a lone sixth of a byte left at the end, which valid Base64
/// never has.
enum class base64_leftover
{
    refuse, ///< the text is not Base64 (seed files)
    drop,   ///< ignored, as Ruby's Base64.decode64 ignores it (DiscourseConnect payloads)
};
/// \return the bytes of standard Base64 text (padding optional; CR/LF ignored), or nullopt if
/// it has any other character outside the alphabet, or anything but padding after padding.
[[nodiscard]] std::optional<std::string> decode_base64(std::string_view text,
                                                       base64_leftover leftover = base64_leftover::refuse);

} // namespace forumgate::rehearsal
