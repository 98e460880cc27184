// Finding the subcommand a command line names, and saying what is wrong with one CLI11 refused:
// the mistyped subcommand or flag and the nearest one that exists.

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace forumgate::cli {
namespace {

std::vector<std::string> subcommand_names(CLI::App const &app)
{
    std::vector<std::string> names;
    for (auto const *sub : app.get_subcommands([](CLI::App const *) { return true; })) {
        if (!sub->get_name().empty() && !sub->get_disabled()) {
            names.push_back(sub->get_name());
        }
    }
    return names;
}

std::string path_of(CLI::App const &app)
{
    return app.get_parent() == nullptr ? std::string{} : command_path(app);
}

/// "unknown command "map lod"; did you mean "map load"?" and where to find the list.
std::string unknown_command(CLI::App const &app, std::string const &word)
{
    std::string const prefix = path_of(app).empty() ? std::string{} : path_of(app) + " ";
    auto const names = subcommand_names(app);
    auto const guess = base::nearest(word, names);
    std::string message = fmt::format("unknown command \"{}{}\"", prefix, word);
    if (guess) {
        message += fmt::format("; did you mean \"{}{}\"?", prefix, *guess);
    } else {
        message += fmt::format("; the commands{} are: {}", prefix.empty() ? "" : " of " + path_of(app),
                               fmt::join(names, ", "));
    }
    return message;
}

/// The option of `app` named `name` (`--source`, `-h`), or of a parent that `app` falls through to.
CLI::Option const *find_option(CLI::App const *app, std::string const &name)
{
    for (; app != nullptr; app = app->get_parent()) {
        if (auto const *option = app->get_option_no_throw(name); option != nullptr) {
            return option;
        }
    }
    return nullptr;
}

std::string unknown_option(CLI::App const &app, std::string const &name)
{
    std::vector<std::string> names;
    for (CLI::App const *level = &app; level != nullptr; level = level->get_parent()) {
        for (auto const *option : level->get_options([](CLI::Option const *o) { return shown_in_help(*o); })) {
            for (auto const &long_name : option->get_lnames()) {
                names.push_back("--" + long_name);
            }
        }
    }
    auto const guess = base::nearest(name, names);
    std::string const where = path_of(app).empty() ? "forumgate" : "forumgate " + path_of(app);
    return fmt::format("unknown option \"{}\" for {}{}", name, where,
                       guess ? fmt::format("; did you mean \"{}\"?", *guess) : fmt::format(" (see: {} --help)", where));
}

} // namespace

std::string command_path(CLI::App const &sub)
{
    std::vector<std::string> names;
    for (CLI::App const *level = &sub; level->get_parent() != nullptr; level = level->get_parent()) {
        names.insert(names.begin(), level->get_name());
    }
    return fmt::format("{}", fmt::join(names, " "));
}

CLI::App &chosen_command(CLI::App &app)
{
    CLI::App *chosen = &app;
    while (!chosen->get_subcommands().empty()) {
        chosen = chosen->get_subcommands().front();
    }
    return *chosen;
}

CLI::App *find_command(CLI::App &app, std::vector<std::string> const &words)
{
    CLI::App *current = &app;
    for (auto const &word : words) {
        auto const names = subcommand_names(*current);
        if (std::find(names.begin(), names.end(), word) == names.end()) {
            throw argument_error{unknown_command(*current, word)};
        }
        current = current->get_subcommand(word);
    }
    return current;
}

std::optional<std::string> explain_parse_error(CLI::App const &app, std::vector<std::string> const &args,
                                               std::string_view refusal)
{
    CLI::App const *current = &app;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string const &arg = args[i];
        if (arg == "--") {
            break;
        }
        if (arg.size() > 1 && arg.front() == '-') {
            std::string const name = arg.substr(0, arg.find('='));
            auto const *option = find_option(current, name);
            if (option == nullptr) {
                return unknown_option(*current, name);
            }
            if (takes_value(*option) && name.size() == arg.size()) {
                ++i; // its value (a flag has none: the next word is a word of its own)
            }
            continue;
        }
        auto const names = subcommand_names(*current);
        if (names.empty()) {
            continue; // a positional argument
        }
        if (std::find(names.begin(), names.end(), arg) == names.end()) {
            return unknown_command(*current, arg);
        }
        current = current->get_subcommand(arg);
    }
    if (current->get_require_subcommand_min() > 0 && refusal.find("subcommand") != std::string_view::npos) {
        std::string const path = path_of(*current);
        return fmt::format("{} subcommand is required, one of: {} (see: forumgate help{})",
                           path.empty() ? "a" : "\"" + path + "\": a", fmt::join(subcommand_names(*current), ", "),
                           path.empty() ? "" : " " + path);
    }
    return std::nullopt;
}

} // namespace forumgate::cli
