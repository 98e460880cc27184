#pragma once
// PostgreSQL text[] values: read from a result field, written as an array literal parameter.

#include <pqxx/pqxx>

#include <string>
#include <vector>

namespace forumgate::pg {

/// \return the elements of a text[] field (NULL elements are left out).
[[nodiscard]] std::vector<std::string> read_text_array(pqxx::field const &field);

/// \return a PostgreSQL array literal of `items` (each quoted), for text[] parameters:
/// {"a","b c","q\"uote"}.
[[nodiscard]] std::string text_array_literal(std::vector<std::string> const &items);

} // namespace forumgate::pg
