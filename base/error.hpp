#pragma once
// Named exception types of forumgate. Each message says what was being done and with what.

#include <stdexcept>
#include <string>

namespace forumgate {

/// A bad command line: a missing option, a clash between options, an unusable value.
class argument_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// Bad input data: a CSV row, a rule, a map entry. The message starts with where (FILE:LINE).
class input_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// A database operation failed; the message names the operation.
class database_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace forumgate
