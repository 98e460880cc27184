// The config file of a whole move (base/config_file.hpp), applied to the subcommand being run:
// its keys are the long option names without `--`; the command line and the environment win;
// keys of other subcommands are skipped; a key no subcommand knows is an error that names the
// nearest one.

#include "base/config_file.hpp"
#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace forumgate::cli {
namespace {

/// \return true if `option` may be set from a config file (not --help, --version, --config).
bool configurable(CLI::Option const &option)
{
    return option.get_configurable() && !option.get_positional() && !option.get_lnames().empty() &&
           option.get_lnames().front() != "config" && option.get_lnames().front() != "help";
}

/// The config keys of `command`: its own options', and those of the commands it falls through to.
std::vector<std::string> keys_of(CLI::App const &chosen)
{
    std::vector<std::string> keys;
    for (CLI::App const *level = &chosen; level != nullptr; level = level->get_parent()) {
        for (auto const *option : level->get_options()) {
            if (configurable(*option)) {
                keys.insert(keys.end(), option->get_lnames().begin(), option->get_lnames().end());
            }
        }
    }
    return keys;
}

/// The option `key` sets in `command` or a parent (`log-level`), or nullptr.
CLI::Option *option_for(CLI::App &chosen, std::string const &key)
{
    for (CLI::App *level = &chosen; level != nullptr; level = level->get_parent()) {
        auto *option = level->get_option_no_throw("--" + key);
        if (option != nullptr && configurable(*option)) {
            return option;
        }
    }
    return nullptr;
}

/// "; did you mean 'source'?", and for what looks like a secret, where secrets go.
std::string did_you_mean(std::string const &word, std::vector<std::string> const &known)
{
    auto const guess = base::nearest(word, known);
    std::string hint = guess ? fmt::format("; did you mean '{}'?", *guess) : std::string{};
    for (std::string_view const secret : {"key", "secret", "password", "token"}) {
        if (word.find(secret) != std::string::npos && word.find("file") == std::string::npos) {
            hint += " (API keys and secrets are read from a file named by a *-file key, or from the environment; "
                    "never from the config file)";
            break;
        }
    }
    return hint;
}

/// \throws argument_error for a `[section]` that names no subcommand, or a key that the
/// command of its section (any command, outside a section) does not know.
void check_entry(base::config_entry const &entry, std::string const &where, CLI::App &app,
                 std::vector<std::string> const &all_keys)
{
    if (entry.section.empty()) {
        if (std::find(all_keys.begin(), all_keys.end(), entry.key) == all_keys.end()) {
            throw argument_error{
                fmt::format("{}: unknown setting '{}'{}", where, entry.key, did_you_mean(entry.key, all_keys))};
        }
        return;
    }
    CLI::App *section = nullptr;
    try {
        section = find_command(app, CLI::detail::split_up(entry.section));
    } catch (argument_error const &e) {
        throw argument_error{fmt::format("{}: [{}]: {}", where, entry.section, e.what())};
    }
    auto const known = keys_of(*section);
    if (std::find(known.begin(), known.end(), entry.key) == known.end()) {
        throw argument_error{fmt::format("{}: unknown setting '{}' of forumgate {}{}", where, entry.key, entry.section,
                                         did_you_mean(entry.key, known))};
    }
}

/// Gives `option` the value of `entry`, as if typed on the command line.
void set_from(CLI::Option &option, base::config_entry const &entry, std::string const &where)
{
    try {
        // A flag's value says whether the flag is given: `no-sweep = true` as `--no-sweep`, which
        // sets its variable to false.
        option.add_result(takes_value(option) ? entry.value : option.get_flag_value(entry.key, entry.value));
        option.run_callback();
    } catch (CLI::Error const &e) {
        throw argument_error{fmt::format("{}: {} = {}: {}", where, entry.key, entry.value, e.what())};
    }
}

} // namespace

std::vector<std::string> config_keys(CLI::App const &app)
{
    std::vector<std::string> keys;
    std::vector<CLI::App const *> pending{&app};
    while (!pending.empty()) {
        CLI::App const *next = pending.back();
        pending.pop_back();
        for (auto const *option : next->get_options()) {
            if (configurable(*option)) {
                keys.insert(keys.end(), option->get_lnames().begin(), option->get_lnames().end());
            }
        }
        for (auto const *sub : next->get_subcommands([](CLI::App const *) { return true; })) {
            pending.push_back(sub);
        }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

void apply_config_file(std::string const &file, CLI::App &app, CLI::App &chosen, bool check_only)
{
    auto const entries = base::read_config_entries(file);
    auto const all_keys = config_keys(app);
    std::string const path = command_path(chosen);
    // Per option, the lines that set it: those of the command's [section] win over the others.
    std::map<CLI::Option *, std::vector<base::config_entry const *>> lines;
    for (auto const &entry : entries) {
        std::string const where = fmt::format("{}:{}", file, entry.line);
        check_entry(entry, where, app, all_keys);
        CLI::Option *option = base::applies_to(entry, path) ? option_for(chosen, entry.key) : nullptr;
        if (option == nullptr || option->count() > 0) {
            continue; // another command's, or given on the command line or in the environment
        }
        auto &picked = lines[option];
        if (!picked.empty() && picked.front()->section.empty() && !entry.section.empty()) {
            picked.clear(); // [section] over the lines for every command
        } else if (!picked.empty() && !picked.front()->section.empty() && entry.section.empty()) {
            continue;
        }
        picked.push_back(&entry);
    }
    if (check_only) {
        return;
    }
    for (auto &[option, picked] : lines) {
        if (picked.size() > 1 && option->get_expected_max() <= 1) {
            throw argument_error{fmt::format("{}:{}: {} is set twice (also at line {})", file, picked[1]->line,
                                             picked[1]->key, picked[0]->line)};
        }
        for (auto const *entry : picked) {
            set_from(*option, *entry, fmt::format("{}:{}", file, entry->line));
        }
        spdlog::debug("{}: {} from line {}", file, picked.front()->key, picked.front()->line);
    }
}

} // namespace forumgate::cli
