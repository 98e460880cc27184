// How forumgate's help reads: a formatter that prints options as a user types them (no CLI11
// internals such as `--no-sweep{false}` or `INT=8`), defaults as "(default: 8)", footers that
// name the manual page; and the `help` and `version` subcommands.

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "cli/version.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace forumgate::cli {
namespace {

class formatter : public CLI::Formatter
{
public:
    /// `-h, --help`, `--soft, --no-soft`: the names as typed; positionals by their name.
    std::string make_option_name(CLI::Option const *option, bool positional) const override
    {
        if (positional) {
            return option->get_name(true, false);
        }
        std::string names;
        for (auto const &name : option->get_snames()) {
            names += (names.empty() ? "-" : ", -") + name;
        }
        for (auto const &name : option->get_lnames()) {
            names += (names.empty() ? "--" : ", --") + name;
        }
        return names;
    }

    /// ` INT`, ` TEXT ...` (repeatable), ` {a,b,c}` (a choice), ` (env: NAME)`: no default here.
    std::string make_option_opts(CLI::Option const *option) const override
    {
        if (!option->get_option_text().empty()) {
            return " " + option->get_option_text();
        }
        std::string out;
        if (option->get_type_size() != 0) {
            std::string type = option->get_type_name();
            // A check adds to the type: "TEXT:{a,b}" -> "{a,b}", "FLOAT:FLOAT in [0 - 1]" -> "FLOAT in [0 - 1]".
            if (auto const colon = type.find(':'); colon != std::string::npos) {
                type = type.substr(colon + 1);
            }
            out += " " + type;
            if (option->get_expected_max() == CLI::detail::expected_max_vector_size) {
                out += " ...";
            }
            if (option->get_required()) {
                out += " (required)";
            }
        }
        if (!option->get_envname().empty()) {
            out += " (env: " + option->get_envname() + ")";
        }
        return out;
    }

    /// The description, then the default where there is one: "(default: 8)".
    std::string make_option_desc(CLI::Option const *option) const override
    {
        std::string text = option->get_description();
        std::string value = option->get_default_str();
        if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
            value = value.substr(1, value.size() - 2); // a list: [a,b] -> a,b
        }
        if (option->get_type_size() != 0 && !value.empty() && text.find("(default") == std::string::npos) {
            text += fmt::format(" (default: {})", value);
        }
        return text;
    }
};

/// The manual page of `sub`: forumgate-fetch(1), forumgate-map(1) for map's subcommands.
std::string manual_page(CLI::App const &sub)
{
    CLI::App const *top = &sub;
    while (top->get_parent() != nullptr && top->get_parent()->get_parent() != nullptr) {
        top = top->get_parent();
    }
    return top->get_parent() == nullptr ? "forumgate(1)" : "forumgate-" + top->get_name() + "(1)";
}

} // namespace

void set_up_help(CLI::App &app)
{
    app.formatter(std::make_shared<formatter>());
}

void set_footer(CLI::App &sub, std::string const &exit_status)
{
    sub.footer(fmt::format("{}{}Manual: {}.", exit_status, exit_status.empty() ? "" : " ", manual_page(sub)));
}

void add_help_command(CLI::App &app, command &run)
{
    auto words = std::make_shared<std::vector<std::string>>();
    auto *help = app.add_subcommand("help", "Print the help of forumgate or of COMMAND, the same as --help");
    help->add_option("COMMAND", *words, "A subcommand, e.g. fetch or map load");
    set_footer(*help, "Exit status: 0 ok, 2 no such command.");
    help->callback([&app, &run, words] {
        run = [&app, words] {
            CLI::App *chosen = nullptr;
            try {
                chosen = find_command(app, *words);
            } catch (argument_error const &e) {
                std::cerr << "forumgate: " << e.what() << "\n";
                return EXIT_FATAL;
            }
            // As --help prints it: the usage line names the path to the command.
            std::string path = "forumgate";
            for (std::size_t i = 0; i + 1 < words->size(); ++i) {
                path += " " + (*words)[i];
            }
            std::cout << (chosen == &app ? app.get_formatter()->make_help(&app, "forumgate", CLI::AppFormatMode::Normal)
                                         : chosen->help(path));
            return EXIT_OK;
        };
    });
}

void add_version_command(CLI::App &app, command &run)
{
    app.set_version_flag(
        "--version",
        [] {
            auto text = version_text();
            text.pop_back(); // CLI11 ends the line
            return text;
        },
        "Print the version, as `forumgate version` does");
    auto *version = app.add_subcommand(
        "version", "Print the version, the git revision of the build and the libraries it was built with");
    set_footer(*version, "");
    version->callback([&run] {
        run = [] {
            std::cout << version_text();
            return EXIT_OK;
        };
    });
}

} // namespace forumgate::cli
