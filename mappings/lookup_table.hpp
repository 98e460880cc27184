#pragma once
// Compact read-only lookup tables for the snapshot: small per entry, one or two cache misses
// per lookup, built once and never changed.

#include "mappings/huge_pages.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::mappings {

/// Represents a map from 32-bit ids to 32-bit values. Dense id ranges (Discourse assigns ids
/// in sequence) get a direct table of 4 bytes per id; sparse ones an open-addressing hash.
class id_table
{
public:
    /// Keys dense enough for a direct table: at most this many slots per key.
    static constexpr std::uint64_t DENSE_SLOTS_PER_KEY = 3;

    /// Builds from (key, value) pairs.
    /// \pre no value is UINT32_MAX (it marks an empty slot).
    /// \return a key that appears more than once (the table is then incomplete), or nullopt.
    [[nodiscard]] std::optional<std::uint32_t>
    build(std::vector<std::pair<std::uint32_t, std::uint32_t>> const &entries);

    [[nodiscard]] std::optional<std::uint32_t> find(std::uint64_t key) const noexcept
    {
        if (key > UINT32_MAX) {
            return std::nullopt;
        }
        auto const k = static_cast<std::uint32_t>(key);
        if (m_dense) {
            if (k >= m_values.size() || m_values[k] == EMPTY) {
                return std::nullopt;
            }
            return m_values[k];
        }
        if (m_keys.empty()) {
            return std::nullopt;
        }
        for (std::size_t slot = hash(k) & m_mask;; slot = (slot + 1) & m_mask) {
            if (m_values[slot] == EMPTY) {
                return std::nullopt;
            }
            if (m_keys[slot] == k) {
                return m_values[slot];
            }
        }
    }

    [[nodiscard]] std::size_t memory_bytes() const noexcept
    {
        return (m_keys.capacity() + m_values.capacity()) * sizeof(std::uint32_t);
    }

    /// Calls `visit(key, value)` for every entry, in no particular order.
    template <typename Visit>
    void for_each(Visit &&visit) const
    {
        for (std::size_t slot = 0; slot < m_values.size(); ++slot) {
            if (m_values[slot] != EMPTY) {
                visit(m_dense ? static_cast<std::uint32_t>(slot) : m_keys[slot], m_values[slot]);
            }
        }
    }

private:
    static constexpr std::uint32_t EMPTY = UINT32_MAX;

    // Fibonacci hashing: the high half of the product mixes every bit of the key. (Bits from 20
    // up, used before, left ids that are multiples of a large power of two on a few slots.)
    static std::size_t hash(std::uint32_t k) noexcept
    {
        return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ULL) >> 32U);
    }

    bool m_dense = true;
    std::size_t m_mask = 0;
    big_vector<std::uint32_t> m_keys;
    big_vector<std::uint32_t> m_values;
};

/// Represents a map from strings to 32-bit values (slugs, usernames, tags, upload keys).
/// Keys live in one arena; the hash table holds only entry numbers.
class string_table
{
public:
    /// Adds a key. Of keys added twice, the first one added is the one found.
    void add(std::string_view key, std::uint32_t value);
    /// Builds the hash table; call once after the last add().
    void build();

    [[nodiscard]] std::optional<std::uint32_t> find(std::string_view key) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return m_values.size(); }
    [[nodiscard]] std::string_view key(std::size_t entry) const noexcept
    {
        return std::string_view{m_arena.data() + m_offsets[entry], m_offsets[entry + 1] - m_offsets[entry]};
    }
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

    /// Calls `visit(value)` for the value of every key find() finds (of duplicate keys, the
    /// first one added), in no particular order. \pre build() was called.
    template <typename Visit>
    void for_each_found(Visit &&visit) const
    {
        for (std::uint32_t const entry : m_slots) {
            if (entry != 0) {
                visit(m_values[entry - 1]);
            }
        }
    }

private:
    static std::uint64_t hash(std::string_view key) noexcept;

    big_string m_arena;
    big_vector<std::uint32_t> m_offsets{0};
    big_vector<std::uint32_t> m_values;
    big_vector<std::uint32_t> m_slots; // entry + 1, 0 = empty
    std::size_t m_mask = 0;
};

} // namespace forumgate::mappings
