#include "mappings/lookup_table.hpp"

#include <algorithm>
#include <bit>

namespace forumgate::mappings {

std::uint64_t hash_key(std::string_view key) noexcept
{
    // FNV-1a, then a final mix so that the low bits used for the slot are well spread.
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char const c : key) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33U;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33U;
    return h;
}

void string_table::add(std::string_view key, std::uint32_t value)
{
    m_arena.append(key);
    m_offsets.push_back(static_cast<std::uint32_t>(m_arena.size()));
    m_values.push_back(value);
}

void string_table::build()
{
    m_arena.shrink_to_fit();
    m_offsets.shrink_to_fit();
    m_values.shrink_to_fit();
    std::size_t const count = m_values.size();
    std::size_t const capacity = std::bit_ceil(std::max<std::size_t>(count * 2, 2));
    m_mask = capacity - 1;
    m_slots.assign(capacity, 0);
    // Keep the first of duplicate keys: later ones are left out of the table.
    for (std::size_t entry = 0; entry < count; ++entry) {
        std::string_view const k = key(entry);
        std::size_t slot = hash_key(k) & m_mask;
        bool duplicate = false;
        while (m_slots[slot] != 0) {
            if (key(m_slots[slot] - 1) == k) {
                duplicate = true;
                break;
            }
            slot = (slot + 1) & m_mask;
        }
        if (!duplicate) {
            m_slots[slot] = static_cast<std::uint32_t>(entry + 1);
        }
    }
}

std::optional<std::uint32_t> string_table::find(std::string_view k) const noexcept
{
    if (m_slots.empty()) {
        return std::nullopt;
    }
    for (std::size_t slot = hash_key(k) & m_mask;; slot = (slot + 1) & m_mask) {
        std::uint32_t const entry = m_slots[slot];
        if (entry == 0) {
            return std::nullopt;
        }
        if (key(entry - 1) == k) {
            return m_values[entry - 1];
        }
    }
}

std::size_t string_table::memory_bytes() const noexcept
{
    return m_arena.capacity() +
           (m_offsets.capacity() + m_values.capacity() + m_slots.capacity()) * sizeof(std::uint32_t);
}

} // namespace forumgate::mappings
