#include "base/config_file.hpp"

#include "base/error.hpp"
#include "base/text.hpp"

#include <fmt/format.h>

#include <fstream>

namespace forumgate::base {
namespace {

/// `[ map   load ]` -> "map load": words separated by one space.
std::string section_name(std::string_view text)
{
    std::string name;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto const start = text.find_first_not_of(" \t", pos);
        if (start == std::string_view::npos) {
            break;
        }
        auto end = text.find_first_of(" \t", start);
        end = end == std::string_view::npos ? text.size() : end;
        name += (name.empty() ? "" : " ") + std::string{text.substr(start, end - start)};
        pos = end;
    }
    return name;
}

} // namespace

std::vector<config_entry> read_config_entries(std::filesystem::path const &file)
{
    std::ifstream in{file};
    if (!in) {
        throw argument_error{fmt::format("{}: cannot read the config file", file.string())};
    }
    std::vector<config_entry> entries;
    std::string section;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        std::string_view text = line;
        if (auto const hash = text.find('#'); hash != std::string_view::npos) {
            text = text.substr(0, hash);
        }
        text = trim(text);
        if (text.empty()) {
            continue;
        }
        if (text.front() == '[' && text.back() == ']') {
            section = section_name(text.substr(1, text.size() - 2));
            continue;
        }
        auto const eq = text.find('=');
        if (eq == std::string_view::npos || trim(text.substr(0, eq)).empty()) {
            throw argument_error{
                fmt::format("{}:{}: expected `name = value` or `[subcommand]`", file.string(), number)};
        }
        entries.push_back(
            {section, std::string{trim(text.substr(0, eq))}, std::string{trim(text.substr(eq + 1))}, number});
    }
    return entries;
}

bool applies_to(config_entry const &entry, std::string const &command)
{
    return entry.section.empty() || entry.section == command;
}

} // namespace forumgate::base
