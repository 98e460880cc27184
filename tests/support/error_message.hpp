#pragma once
// The message an expected exception carries: tests compare it whole, or look for the file:line
// and words it must name.

#include <gtest/gtest.h>

#include <string>

namespace forumgate::testing {

/// The message of the exception E that `action` throws (fails the test if it throws none).
template <typename E, typename Action>
std::string message_of(Action &&action)
{
    try {
        action();
    } catch (E const &e) {
        return e.what();
    }
    ADD_FAILURE() << "no exception thrown";
    return {};
}

} // namespace forumgate::testing
