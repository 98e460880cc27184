// Shell completion for forumgate, bash and zsh, written from the CLI11 tree that --help prints:
// the commands (nested), the options of each (negations such as --no-soft included), and for
// a value or an argument whose type names a file or a folder (FILE, DIR), file names; a choice
// ({a,b}) completes to its values; any other value to nothing.

#include "base/error.hpp"
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>

namespace forumgate::cli {
namespace {

/// What the value of an option or an argument completes to.
struct value_kind
{
    enum class what : std::uint8_t
    {
        flag,    ///< no value
        text,    ///< a value that nothing can guess (a URL, a number): nothing
        file,    ///< a file name (the type names FILE)
        dir,     ///< a folder name (the type names DIR)
        choice,  ///< one of `choices`
        command, ///< a command path (`help`'s argument)
    };
    what kind = what::flag;
    std::vector<std::string> choices;
};

value_kind kind_of(CLI::Option const &option, CLI::App const &owner)
{
    if (!takes_value(option)) {
        return {};
    }
    if (option.get_positional() && owner.get_name() == "help" && owner.get_parent() != nullptr &&
        owner.get_parent()->get_parent() == nullptr) {
        return {value_kind::what::command, {}};
    }
    std::string const type = value_type(option);
    if (type.size() > 2 && type.front() == '{' && type.back() == '}') {
        return {value_kind::what::choice, CLI::detail::split(type.substr(1, type.size() - 2), ',')};
    }
    if (type.find("FILE") != std::string::npos) {
        return {value_kind::what::file, {}};
    }
    if (type.find("DIR") != std::string::npos) {
        return {value_kind::what::dir, {}};
    }
    return {value_kind::what::text, {}};
}

/// One option as completion sees it.
struct option_entry
{
    std::vector<std::string> names; ///< "-h", "--help"; "--soft", "--no-soft"
    value_kind value;
    bool repeatable = false;
    std::string description;
};

/// One command: forumgate itself (path "") or a subcommand ("map load").
struct command_entry
{
    std::string path;
    std::string description;
    std::vector<std::pair<std::string, std::string>> subcommands; ///< name, description
    std::vector<option_entry> options;
    std::vector<option_entry> arguments; ///< the positionals, in order
};

/// Every command of `app`, forumgate's first, depth first in the order of --help.
std::vector<command_entry> commands_of(CLI::App const &app)
{
    std::vector<command_entry> out;
    std::function<void(CLI::App const &)> visit = [&](CLI::App const &sub) {
        command_entry entry{command_path(sub), sub.get_description(), {}, {}, {}};
        for (auto const *option : sub.get_options()) {
            if (!shown_in_help(*option)) {
                continue;
            }
            option_entry item{{}, kind_of(*option, sub), repeatable(*option), option_description(*option)};
            if (option->get_positional()) {
                item.names.push_back(option->get_name(true, false));
                entry.arguments.push_back(item);
                continue;
            }
            for (auto const &name : option->get_snames()) {
                item.names.push_back("-" + name);
            }
            for (auto const &name : option->get_lnames()) {
                item.names.push_back("--" + name);
            }
            entry.options.push_back(item);
        }
        std::vector<CLI::App const *> subs;
        for (auto const *next : sub.get_subcommands([](CLI::App const *) { return true; })) {
            if (!next->get_name().empty() && !next->get_disabled()) {
                entry.subcommands.emplace_back(next->get_name(), next->get_description());
                subs.push_back(next);
            }
        }
        out.push_back(std::move(entry));
        for (auto const *next : subs) {
            visit(*next);
        }
    };
    visit(app);
    return out;
}

/// The options of forumgate itself that every command takes too (`--log-level`, `--config`):
/// all but --help and --version.
std::vector<option_entry> global_options(command_entry const &forumgate)
{
    std::vector<option_entry> out;
    for (auto const &option : forumgate.options) {
        if (std::find(option.names.begin(), option.names.end(), "--help") == option.names.end() &&
            std::find(option.names.begin(), option.names.end(), "--version") == option.names.end()) {
            out.push_back(option);
        }
    }
    return out;
}

std::string bash_word(value_kind const &value)
{
    switch (value.kind) {
    case value_kind::what::flag:
        return "";
    case value_kind::what::text:
        return "text";
    case value_kind::what::file:
        return "file";
    case value_kind::what::dir:
        return "dir";
    case value_kind::what::choice:
        return fmt::format("choice:{}", fmt::join(value.choices, " "));
    case value_kind::what::command:
        return "command";
    }
    return "";
}

/// `text` in bash's double quotes (the texts here hold no newline).
std::string bash_quote(std::string const &text)
{
    std::string out = "\"";
    for (char const c : text) {
        if (c == '"' || c == '\\' || c == '$' || c == '`') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

// The function reads the tables above it: it walks the words before the cursor to the command
// they name (skipping options and their values), then offers that command's options, its
// subcommands, or what its argument or the option before the cursor takes. It needs nothing of
// the bash-completion package, so it also works where only `complete` is there.
constexpr std::string_view BASH_FUNCTION =
    R"(# The kind of value option $2 of command $1 (or of forumgate itself) takes, into _forumgate_kind:
# "" for a flag or an unknown option.
_forumgate_value_of() {
  _forumgate_kind=${_forumgate_values["$1|$2"]-}
  if [[ -z $_forumgate_kind ]]; then
    _forumgate_kind=${_forumgate_values["forumgate|$2"]-}
  fi
}

# Sets COMPREPLY to what a value of kind $1 may be, for the word $2.
_forumgate_complete_value() {
  case $1 in
    file)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$2") ;;
    dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$2") ;;
    choice:*)
      mapfile -t COMPREPLY < <(compgen -W "${1#choice:}" -- "$2") ;;
    *)
      COMPREPLY=() ;;
  esac
}

_forumgate() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev="" command=forumgate help_command=forumgate word i
  COMPREPLY=()
  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # bash splits --option=value at the "=": the value of the option before it.
  if [[ $cur == "=" && $prev == -* ]]; then
    cur=""
  elif [[ $prev == "=" ]] && (( COMP_CWORD > 1 )); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  fi
  # The command the words before the cursor name: options and their values skipped.
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word=${COMP_WORDS[i]}
    case $word in
      =) ;;
      -*)
        _forumgate_value_of "$command" "$word"
        if [[ -n $_forumgate_kind && ${COMP_WORDS[i + 1]-} != "=" ]]; then
          (( i += 1 ))
        elif [[ -n $_forumgate_kind ]]; then
          (( i += 2 ))
        fi ;;
      *)
        if [[ $command == "forumgate help" ]]; then
          [[ " ${_forumgate_commands["$help_command"]-} " == *" $word "* ]] && help_command+=" $word"
        elif [[ " ${_forumgate_commands["$command"]-} " == *" $word "* ]]; then
          command+=" $word"
        fi ;;
    esac
  done

  if [[ $prev == -* ]]; then
    _forumgate_value_of "$command" "$prev"
    if [[ -n $_forumgate_kind ]]; then
      _forumgate_complete_value "$_forumgate_kind" "$cur"
      return 0
    fi
  fi
  if [[ $cur == -* ]]; then
    local options=${_forumgate_options["$command"]-}
    [[ $command != forumgate ]] && options+=" $_forumgate_global_options"
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  elif [[ -n ${_forumgate_commands["$command"]-} ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${_forumgate_commands["$command"]}" -- "$cur")
  elif [[ ${_forumgate_arguments["$command"]-} == command ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${_forumgate_commands["$help_command"]-}" -- "$cur")
  else
    _forumgate_complete_value "${_forumgate_arguments["$command"]-}" "$cur"
  fi
  return 0
}

complete -F _forumgate forumgate
)";

/// The key of a command in the bash tables: "forumgate", "forumgate map load" (bash takes no
/// empty key).
std::string bash_key(std::string const &path)
{
    return path.empty() ? "forumgate" : "forumgate " + path;
}

std::string bash_completion(std::vector<command_entry> const &commands)
{
    std::string out = fmt::format(
        "# bash completion for forumgate {}: /usr/share/bash-completion/completions/forumgate.\n"
        "# Written by `forumgate help --bash-completion FILE` from forumgate's own commands and options.\n\n"
        "# Per command (\"forumgate\", \"forumgate map load\"): its subcommands, its options, the value each\n"
        "# option takes (file, dir, choice:VALUES, text: nothing to offer) and what its arguments are.\n"
        "# -g: this file is sourced inside a function by bash-completion's loader.\n",
        FORUMGATE_VERSION);
    out += "declare -gA _forumgate_commands=(\n";
    for (auto const &command : commands) {
        if (!command.subcommands.empty()) {
            std::vector<std::string> names;
            for (auto const &[name, description] : command.subcommands) {
                names.push_back(name);
            }
            out += fmt::format("  [{}]={}\n", bash_quote(bash_key(command.path)),
                               bash_quote(fmt::format("{}", fmt::join(names, " "))));
        }
    }
    out += ")\ndeclare -gA _forumgate_options=(\n";
    for (auto const &command : commands) {
        std::vector<std::string> names;
        for (auto const &option : command.options) {
            names.insert(names.end(), option.names.begin(), option.names.end());
        }
        out += fmt::format("  [{}]={}\n", bash_quote(bash_key(command.path)),
                           bash_quote(fmt::format("{}", fmt::join(names, " "))));
    }
    out += ")\ndeclare -gA _forumgate_values=(\n";
    for (auto const &command : commands) {
        for (auto const &option : command.options) {
            for (auto const &name : option.names) {
                if (option.value.kind != value_kind::what::flag) {
                    out += fmt::format("  [{}]={}\n", bash_quote(bash_key(command.path) + "|" + name),
                                       bash_quote(bash_word(option.value)));
                }
            }
        }
    }
    out += ")\ndeclare -gA _forumgate_arguments=(\n";
    for (auto const &command : commands) {
        if (!command.arguments.empty()) {
            out += fmt::format("  [{}]={}\n", bash_quote(bash_key(command.path)),
                               bash_quote(bash_word(command.arguments.front().value)));
        }
    }
    std::vector<std::string> globals;
    for (auto const &option : global_options(commands.front())) {
        globals.insert(globals.end(), option.names.begin(), option.names.end());
    }
    out += fmt::format(
        ")\n# The options of forumgate itself that every command takes too.\n_forumgate_global_options={}\n\n",
        bash_quote(fmt::format("{}", fmt::join(globals, " "))));
    out += BASH_FUNCTION;
    return out;
}

/// `text` for an _arguments explanation `[…]` or the description of a _describe item, inside
/// single quotes.
std::string zsh_text(std::string_view text)
{
    std::string out;
    for (char const c : text) {
        if (c == '\'') {
            out += "'\\''";
        } else if (c == '[' || c == ']' || c == '\\') {
            out += '\\';
            out += c;
        } else {
            out += c;
        }
    }
    return out;
}

/// The _arguments action of a value: `:message:action`.
std::string zsh_action(option_entry const &option)
{
    std::string message = option.names.back();
    message.erase(0, message.find_first_not_of('-'));
    std::transform(message.begin(), message.end(), message.begin(), [](char c) { return c == '-' ? ' ' : c; });
    switch (option.value.kind) {
    case value_kind::what::flag:
        return "";
    case value_kind::what::file:
        return fmt::format(":{}:_files", message);
    case value_kind::what::dir:
        return fmt::format(":{}:_files -/", message);
    case value_kind::what::choice:
        return fmt::format(":{}:({})", message, fmt::join(option.value.choices, " "));
    case value_kind::what::command:
        return fmt::format(":{}:_forumgate_help_words", message);
    case value_kind::what::text:
        return fmt::format(":{}: ", message);
    }
    return "";
}

/// The _arguments specs of `option`: one per name, each excluding the others ("--soft" and
/// "--no-soft" are one option) unless it may be repeated.
std::vector<std::string> zsh_specs(option_entry const &option)
{
    std::vector<std::string> specs;
    std::string const exclusions = option.repeatable ? "*" : fmt::format("({})", fmt::join(option.names, " "));
    bool const takes_value = option.value.kind != value_kind::what::flag;
    for (auto const &name : option.names) {
        // --name=VALUE or --name VALUE; -x VALUE or -xVALUE.
        std::string const value_form = !takes_value ? "" : name.rfind("--", 0) == 0 ? "=" : "+";
        specs.push_back(fmt::format("'{}{}{}[{}]{}'", exclusions, name, value_form, zsh_text(option.description),
                                    zsh_action(option)));
    }
    return specs;
}

/// "_forumgate" for forumgate itself, "_forumgate_map_load", "_forumgate_rehearsal_forum".
std::string zsh_function_name(std::string const &path)
{
    std::string name = path.empty() ? "_forumgate" : "_forumgate_";
    for (char const c : path) {
        name += c == ' ' || c == '-' ? '_' : c;
    }
    return name;
}

std::string zsh_function(command_entry const &command, std::vector<option_entry> const &globals)
{
    std::vector<std::string> specs;
    for (auto const &option : command.options) {
        auto const more = zsh_specs(option);
        specs.insert(specs.end(), more.begin(), more.end());
    }
    if (!command.path.empty()) {
        for (auto const &option : globals) {
            auto const more = zsh_specs(option);
            specs.insert(specs.end(), more.begin(), more.end());
        }
    }
    std::string out = fmt::format("{}() {{\n", zsh_function_name(command.path));
    if (command.subcommands.empty()) {
        for (std::size_t i = 0; i < command.arguments.size(); ++i) {
            auto const &argument = command.arguments[i];
            specs.push_back(
                fmt::format("'{}{}'", argument.repeatable ? "*" : std::to_string(i + 1), zsh_action(argument)));
        }
        out += "  _arguments -S \\\n";
        for (std::size_t i = 0; i < specs.size(); ++i) {
            out += fmt::format("    {}{}\n", specs[i], i + 1 < specs.size() ? " \\" : "");
        }
        return out + "}\n\n";
    }
    out += "  local curcontext=$curcontext state state_descr line ret=1\n"
           "  typeset -A opt_args\n"
           "  _arguments -C -S \\\n";
    for (auto const &spec : specs) {
        out += fmt::format("    {} \\\n", spec);
    }
    out += "    '1:command:->command' \\\n"
           "    '*::argument:->argument' && ret=0\n"
           "  case $state in\n"
           "    command)\n"
           "      local -a commands=(\n";
    for (auto const &[name, description] : command.subcommands) {
        out += fmt::format("        '{}:{}'\n", name, zsh_text(description));
    }
    std::string const title = command.path.empty() ? "forumgate" : "forumgate " + command.path;
    std::string context = title; // forumgate-map, for zstyle
    std::replace(context.begin(), context.end(), ' ', '-');
    out += fmt::format("      )\n"
                       "      _describe -t commands '{} command' commands && ret=0 ;;\n"
                       "    argument)\n"
                       "      curcontext=${{curcontext%:*:*}}:{}-$line[1]:\n"
                       "      case $line[1] in\n",
                       title, context);
    for (auto const &[name, description] : command.subcommands) {
        std::string const path = command.path.empty() ? name : command.path + " " + name;
        out += fmt::format("        {}) {} && ret=0 ;;\n", name, zsh_function_name(path));
    }
    return out + "      esac ;;\n  esac\n  return ret\n}\n\n";
}

std::string zsh_completion(std::vector<command_entry> const &commands)
{
    std::string out = fmt::format(
        "#compdef forumgate\n"
        "# zsh completion for forumgate {}: _forumgate in a folder of $fpath (/usr/share/zsh/vendor-completions).\n"
        "# Written by `forumgate help --zsh-completion FILE` from forumgate's own commands and options.\n\n",
        FORUMGATE_VERSION);
    // `forumgate help map load`: the words after help name a command.
    out += "_forumgate_help_words() {\n  local -a words_of\n  case ${(j: :)${words[2,CURRENT-1]}} in\n";
    for (auto const &command : commands) {
        if (command.subcommands.empty()) {
            continue;
        }
        std::vector<std::string> names;
        for (auto const &[name, description] : command.subcommands) {
            names.push_back(name);
        }
        out += fmt::format("    {}) words_of=({}) ;;\n", command.path.empty() ? "''" : "'" + command.path + "'",
                           fmt::join(names, " "));
    }
    out += "  esac\n  compadd -a words_of\n}\n\n";
    auto const globals = global_options(commands.front());
    for (auto it = commands.rbegin(); it != commands.rend(); ++it) {
        out += zsh_function(*it, globals);
    }
    return out + "_forumgate \"$@\"\n";
}

} // namespace

void write_completion(CLI::App const &app, shell kind, std::string const &file)
{
    auto const commands = commands_of(app);
    std::ofstream out{file, std::ios::binary | std::ios::trunc};
    out << (kind == shell::bash ? bash_completion(commands) : zsh_completion(commands));
    out.close();
    if (!out) {
        throw input_error{fmt::format("writing the completion file {}: {}", file, std::strerror(errno))};
    }
}

} // namespace forumgate::cli
