#pragma once
// What `forumgate import` and `forumgate verify` share on their command lines: the store, the new
// forum's address and admin key, and how hard to press it.

#include "web/polite.hpp"

#include <chrono>
#include <string>

namespace forumgate::importer {

/// Represents how a command reaches the store and the new forum.
struct new_forum_access
{
    std::string database;
    std::string target;                  ///< the new forum's base URL
    std::string api_key;                 ///< an all-users admin key of the new forum
    std::string api_username = "system"; ///< the admin who acts (and who posted attributed posts)
    int concurrency = 4;
    double rate = 0.0; ///< requests per second for the whole run; 0: no cap
    std::string ca_file;
    std::chrono::milliseconds timeout{std::chrono::seconds{60}};
    web::retry_policy retries{};
    bool terminal = false; ///< progress redrawn on one line
    bool quiet = false;    ///< no progress at all
};

} // namespace forumgate::importer
