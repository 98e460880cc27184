#pragma once
// Names of an enum's values, kept as one table per enum.

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

namespace forumgate::base {

/// \pre the enum's values count up from 0 in the order of `names`.
/// \return the name of `value`, or `fallback` for a value past the table's end.
template <typename Enum, std::size_t N>
[[nodiscard]] constexpr std::string_view enum_name(std::array<std::string_view, N> const &names, Enum value,
                                                   std::string_view fallback) noexcept
{
    auto const index = static_cast<std::size_t>(static_cast<std::underlying_type_t<Enum>>(value));
    return index < N ? names[index] : fallback;
}

} // namespace forumgate::base
