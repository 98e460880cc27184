#pragma once
// An allocator for the snapshot's large arrays: backs them with transparent huge pages where
// the kernel offers them, because random lookups in a map of millions of posts otherwise
// spend more time on TLB misses than on the lookups themselves.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace forumgate::mappings {

/// Represents an allocation policy: blocks of 2 MiB or more are aligned to 2 MiB and marked
/// MADV_HUGEPAGE; smaller ones come from operator new as usual.
template <typename T>
class huge_page_allocator
{
public:
    using value_type = T;

    /// The x86-64 and arm64 huge page size.
    static constexpr std::size_t HUGE_PAGE = std::size_t{2} << 20U;

    huge_page_allocator() noexcept = default;
    template <typename U>
    huge_page_allocator(huge_page_allocator<U> const &) noexcept
    {}

    [[nodiscard]] T *allocate(std::size_t count)
    {
        std::size_t const bytes = count * sizeof(T);
        if (bytes < HUGE_PAGE) {
            return static_cast<T *>(::operator new(bytes));
        }
        std::size_t const rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        void *block = std::aligned_alloc(HUGE_PAGE, rounded);
        if (block == nullptr) {
            throw std::bad_alloc{};
        }
        ::madvise(block, rounded, MADV_HUGEPAGE); // advice only: fine if refused
        return static_cast<T *>(block);
    }

    void deallocate(T *block, std::size_t count) noexcept
    {
        if (count * sizeof(T) < HUGE_PAGE) {
            ::operator delete(block);
        } else {
            std::free(block);
        }
    }

    template <typename U>
    bool operator==(huge_page_allocator<U> const &) const noexcept
    {
        return true;
    }
};

template <typename T>
using big_vector = std::vector<T, huge_page_allocator<T>>;

/// Gives back to the kernel the whole pages of [begin, end), memory read for the last time:
/// the bytes there read as zeros afterwards. The pages at either edge, shared with whatever
/// lies outside the range, are kept. Used to let a large input array shrink as it is consumed
/// while its output grows, so that the two are not both resident at their full size.
inline void release_pages(void const *begin, void const *end) noexcept
{
    auto const page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    auto const first = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) / page * page;
    auto const last = reinterpret_cast<std::uintptr_t>(end) / page * page;
    if (last > first) {
        ::madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED); // advice: fine if refused
    }
}
using big_string = std::basic_string<char, std::char_traits<char>, huge_page_allocator<char>>;

} // namespace forumgate::mappings
