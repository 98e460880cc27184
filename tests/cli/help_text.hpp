#pragma once
// What a forumgate --help text lists, read the way a user reads it: the command paths (from
// the "Subcommands:" sections, recursively), and per command its subcommands, its options as
// typed (`--soft`, `--no-soft`, `-h`) and its positional arguments. The manual and completion
// tests hold the generated files against these.

#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace forumgate::testing {

/// The parts of one command's --help.
struct help_text
{
    std::set<std::string> subcommands;
    std::set<std::string> options;     ///< every name: "-h", "--help", "--no-soft"
    std::set<std::string> positionals; ///< "DIR", "URL"
    std::string footer;                ///< the last line
};

/// \return the --help of `forumgate PATH…`, as the tests run it: no store in the environment.
inline std::string help_of(std::vector<std::string> path)
{
    path.emplace_back("--help");
    auto const result = run_process(FORUMGATE_BINARY, path, {{"FORUMGATE_DB", ""}, {"FORUMGATE_CONFIG", ""}});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
}

inline help_text parse_help(std::string const &help)
{
    help_text parts;
    std::istringstream lines{help};
    std::string line;
    std::string section;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == ':' && line.front() != ' ') {
            section = line;
            continue;
        }
        if (!line.empty()) {
            parts.footer = line;
        }
        // An entry starts two spaces in; a description that did not fit goes on 30 spaces in.
        if (line.size() < 3 || line.compare(0, 2, "  ") != 0 || line[2] == ' ') {
            continue;
        }
        std::istringstream words{line.substr(2)};
        std::string word;
        if (section == "Subcommands:") {
            words >> word;
            parts.subcommands.insert(word);
        } else if (section == "Positionals:") {
            words >> word;
            parts.positionals.insert(word);
        } else if (section == "Options:") {
            while (words >> word && word.front() == '-') {
                if (word.back() == ',') {
                    word.pop_back();
                }
                parts.options.insert(word);
            }
        }
    }
    return parts;
}

/// Every command path of forumgate, itself first ({}), depth first in the order of --help.
inline std::vector<std::vector<std::string>> command_paths()
{
    std::vector<std::vector<std::string>> paths{{}};
    for (std::size_t next = 0; next < paths.size(); ++next) {
        auto const path = paths[next];
        std::size_t at = next + 1;
        for (auto const &sub : parse_help(help_of(path)).subcommands) {
            auto longer = path;
            longer.push_back(sub);
            paths.insert(paths.begin() + static_cast<std::ptrdiff_t>(at++), longer);
        }
    }
    return paths;
}

/// "forumgate-map-load" for {"map", "load"}.
inline std::string page_name(std::vector<std::string> const &path)
{
    std::string name = "forumgate";
    for (auto const &word : path) {
        name += "-" + word;
    }
    return name;
}

} // namespace forumgate::testing
