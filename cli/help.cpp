// How forumgate's help reads: a formatter that prints options as a user types them (no CLI11
// internals such as `--no-sweep{false}` or `INT=8`), defaults as "(default: 8)", footers that
// name the manual page; the parts of an option's line, which the manual pages (manual.cpp) and
// the shell completions (completion.cpp) take from here so that they say what --help says; and
// the `help` and `version` subcommands (`help --man DIR` and the completion options, hidden
// from --help, are how the build writes those files).

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
    std::string make_option_name(CLI::Option const *option, bool positional) const override
    {
        return positional ? option->get_name(true, false) : option_names(*option);
    }

    /// ` INT`, ` TEXT ...` (repeatable), ` {a,b,c}` (a choice), ` (env: NAME)`: no default here;
    /// no type that only repeats a positional's name (`DIR`, not `DIR DIR`).
    std::string make_option_opts(CLI::Option const *option) const override
    {
        if (!option->get_option_text().empty()) {
            return " " + option->get_option_text();
        }
        std::string out;
        if (takes_value(*option)) {
            if (auto const type = value_type(*option);
                !option->get_positional() || type != option->get_name(true, false)) {
                out += " " + type;
            }
            if (repeatable(*option)) {
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

    std::string make_option_desc(CLI::Option const *option) const override { return option_description(*option); }
};

} // namespace

std::string option_names(CLI::Option const &option)
{
    std::string names;
    for (auto const &name : option.get_snames()) {
        names += (names.empty() ? "-" : ", -") + name;
    }
    for (auto const &name : option.get_lnames()) {
        names += (names.empty() ? "--" : ", --") + name;
    }
    return names;
}

bool takes_value(CLI::Option const &option)
{
    // A flag bound to a bool keeps the bool's type size (1): what makes it a flag is that it
    // expects no value.
    return option.get_type_size() != 0 && option.get_expected_max() != 0;
}

std::string value_type(CLI::Option const &option)
{
    if (!takes_value(option)) {
        return {};
    }
    std::string type = option.get_type_name();
    // A check adds to the type: "TEXT:{a,b}" -> "{a,b}", "FLOAT:FLOAT in [0 - 1]" -> "FLOAT in [0 - 1]".
    if (auto const colon = type.find(':'); colon != std::string::npos) {
        type = type.substr(colon + 1);
    }
    return type;
}

bool repeatable(CLI::Option const &option)
{
    return takes_value(option) && option.get_expected_max() == CLI::detail::expected_max_vector_size;
}

std::string option_description(CLI::Option const &option)
{
    std::string text = option.get_description();
    std::string value = option.get_default_str();
    if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
        value = value.substr(1, value.size() - 2); // a list: [a,b] -> a,b
    }
    if (takes_value(option) && !value.empty() && text.find("(default") == std::string::npos) {
        text += fmt::format(" (default: {})", value);
    }
    return text;
}

bool shown_in_help(CLI::Option const &option)
{
    return !option.get_group().empty(); // CLI11 leaves options of the group "" out of --help
}

std::string usage_line(CLI::App const &sub)
{
    std::string const path = command_path(sub);
    std::string line = formatter{}.make_usage(&sub, path.empty() ? "forumgate" : "forumgate " + path);
    line = line.substr(line.find(':') + 2); // "Usage: "
    while (!line.empty() && line.back() == '\n') {
        line.pop_back();
    }
    return line;
}

std::string manual_page(CLI::App const &sub)
{
    std::string const path = command_path(sub);
    std::string page = "forumgate";
    for (std::string const &word : CLI::detail::split_up(path)) {
        page += "-" + word;
    }
    return page;
}

std::string exit_status_of(CLI::App const &sub)
{
    std::string const footer = sub.get_footer();
    std::string const prefix = "Exit status: ";
    if (footer.rfind(prefix, 0) != 0) {
        return {};
    }
    // set_footer(): "Exit status: 0 ok, 2 fatal. Manual: forumgate-x(1)."
    auto const manual = footer.rfind(" Manual: ");
    return footer.substr(prefix.size(), manual == std::string::npos ? std::string::npos : manual - prefix.size());
}

void set_up_help(CLI::App &app)
{
    app.formatter(std::make_shared<formatter>());
}

void set_footer(CLI::App &sub, std::string const &exit_status)
{
    sub.footer(fmt::format("{}{}Manual: {}(1).", exit_status, exit_status.empty() ? "" : " ", manual_page(sub)));
}

void add_help_command(CLI::App &app, command &run)
{
    struct generated_files
    {
        std::string manual_dir;
        std::string bash_completion;
        std::string zsh_completion;
    };
    auto words = std::make_shared<std::vector<std::string>>();
    auto files = std::make_shared<generated_files>();
    auto *help = app.add_subcommand("help", "Print the help of forumgate or of COMMAND, the same as --help");
    help->add_option("COMMAND", *words, "A subcommand, e.g. fetch or map load");
    // For the build (cli/CMakeLists.txt): the manual pages and the shell completions, written from
    // this very tree of commands, so that they say what --help says. Kept out of --help and the
    // config file: they are no part of using forumgate.
    help->add_option("--man", files->manual_dir, "Write forumgate.1 and forumgate-COMMAND.1 for every command to DIR")
        ->type_name("DIR")
        ->group("")
        ->configurable(false);
    help->add_option("--bash-completion", files->bash_completion, "Write forumgate's bash completion to FILE")
        ->type_name("FILE")
        ->group("")
        ->configurable(false);
    help->add_option("--zsh-completion", files->zsh_completion, "Write forumgate's zsh completion (_forumgate) to FILE")
        ->type_name("FILE")
        ->group("")
        ->configurable(false);
    set_footer(*help, "Exit status: 0 ok, 2 no such command.");
    help->callback([&app, &run, words, files] {
        if (!files->manual_dir.empty() || !files->bash_completion.empty() || !files->zsh_completion.empty()) {
            run = [&app, files] {
                if (!files->manual_dir.empty()) {
                    write_manual_pages(app, files->manual_dir);
                }
                if (!files->bash_completion.empty()) {
                    write_completion(app, shell::bash, files->bash_completion);
                }
                if (!files->zsh_completion.empty()) {
                    write_completion(app, shell::zsh, files->zsh_completion);
                }
                return EXIT_OK;
            };
            return;
        }
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
