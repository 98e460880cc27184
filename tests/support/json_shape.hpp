#pragma once
// Contract checks for JSON answers: does a response carry the same keys with the same JSON
// types as a recorded Discourse response, and does it satisfy one of Discourse's JSON schemas.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace forumgate::testing {

/// Compares the shape of `actual` with a recorded example. Where the example has several
/// instances of a place (array elements), their shapes are merged: a key is expected when
/// every instance had it, and any type an instance had is accepted. Integer and float both
/// count as number; null says nothing of the type and is accepted anywhere; extra keys in
/// `actual` are fine (newer Discourse versions add fields). \return one line per difference, naming its JSON path ("$.topic_list.topics[2].id:
/// expected number, got string"); empty if the shapes agree.
[[nodiscard]] std::vector<std::string> shape_differences(nlohmann::json const &example, nlohmann::json const &actual);

/// Checks `actual` against a JSON Schema, for the subset Discourse's API schemas use: `type`
/// (a name or a list of names, "integer" accepting only integers), `properties`, `required`,
/// `items`, `additionalProperties: false`. \return one line per violation; empty if valid.
[[nodiscard]] std::vector<std::string> schema_violations(nlohmann::json const &schema, nlohmann::json const &actual);

/// \return `lines`, each followed by a newline (schema violations or a command line in a failure
/// message).
[[nodiscard]] std::string joined_lines(std::vector<std::string> const &lines);

/// Reads a JSON file. \throws std::runtime_error naming the file.
[[nodiscard]] nlohmann::json read_json_file(std::string const &path);

} // namespace forumgate::testing
