// The manual pages: forumgate(1) and forumgate-COMMAND(1) for every command, written in roff
// from the CLI11 tree that --help prints (help.cpp gives the names, value types, descriptions
// and defaults), so a page cannot say other than --help. The few sections --help has no room
// for (the config file, the environment, the files of the service, serve's signals) are
// written here, once.

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "store/map_tables.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>

namespace forumgate::cli {
namespace {

/// Words longer than this get break points after ':', ',', '/' and '|' (the default cipher
/// list is 190 characters without a space): roff cannot break them otherwise and warns.
constexpr std::size_t LONGEST_UNBROKEN_WORD = 40;

/// Appends the UTF-8 sequence at `text[at]` as roff's `\[uXXXX]`; \return the bytes it took.
std::size_t append_code_point(std::string &out, std::string_view text, std::size_t at)
{
    auto const lead = static_cast<unsigned char>(text[at]);
    std::size_t const length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (length == 1 || at + length > text.size()) {
        out += "\\[uFFFD]"; // not UTF-8: the replacement character
        return 1;
    }
    std::uint32_t code = lead & (0x7FU >> length);
    for (std::size_t i = 1; i < length; ++i) {
        code = (code << 6U) | (static_cast<unsigned char>(text[at + i]) & 0x3FU);
    }
    out += fmt::format("\\[u{:04X}]", code);
    return length;
}

/// `text` as roff text: `-` as `\-` (a hyphen-minus one can copy, not a typographic hyphen),
/// backslashes as `\(rs`, other than ASCII as `\[uXXXX]`, break points in long words.
std::string escape(std::string_view text)
{
    std::string out;
    std::size_t word = 0; // bytes since the last space
    for (std::size_t i = 0; i < text.size();) {
        char const c = text[i];
        if (static_cast<unsigned char>(c) >= 0x80) {
            i += append_code_point(out, text, i);
            ++word;
            continue;
        }
        word = c == ' ' ? 0 : word + 1;
        if (c == '-') {
            out += "\\-";
        } else if (c == '\\') {
            out += "\\(rs";
        } else {
            out += c;
        }
        ++i;
        if ((c == ':' || c == ',' || c == '/' || c == '|') && i < text.size() && text[i] != ' ') {
            auto const end = text.find(' ', i);
            if (word + (end == std::string_view::npos ? text.size() : end) - i > LONGEST_UNBROKEN_WORD) {
                out += "\\:";
            }
        }
    }
    return out;
}

/// `text` as roff, `code spans` in bold.
std::string markup(std::string_view text)
{
    std::string out;
    bool const balanced = std::count(text.begin(), text.end(), '`') % 2 == 0;
    bool code = false;
    for (std::size_t start = 0;;) {
        auto const tick = balanced ? text.find('`', start) : std::string_view::npos;
        out += escape(text.substr(start, tick == std::string_view::npos ? std::string_view::npos : tick - start));
        if (tick == std::string_view::npos) {
            break;
        }
        out += code ? "\\fR" : "\\fB";
        code = !code;
        start = tick + 1;
    }
    return out;
}

/// One line of roff text: a line may not start with a control character ('.' or ''').
std::string text_line(std::string_view text)
{
    std::string line = markup(text);
    if (!line.empty() && (line.front() == '.' || line.front() == '\'')) {
        line.insert(0, "\\&");
    }
    return line + "\n";
}

/// `-h, --help` in bold, `INT` in italics.
std::string option_tag(CLI::Option const &option)
{
    std::string tag;
    std::string const names = option_names(option);
    for (auto const &name : CLI::detail::split(names, ',')) {
        tag += fmt::format("{}\\fB{}\\fR", tag.empty() ? "" : ", ", escape(CLI::detail::trim_copy(name)));
    }
    if (auto const type = value_type(option); !type.empty()) {
        tag += fmt::format(" \\fI{}\\fR", escape(type));
    }
    if (repeatable(option)) {
        tag += " .\\|.\\|.";
    }
    return tag;
}

/// The description of `sub` as its help prints it, without forumgate's "forumgate: " before it.
std::string description_of(CLI::App const &sub)
{
    std::string text = sub.get_description();
    if (text.rfind("forumgate: ", 0) == 0) {
        text.erase(0, std::string_view{"forumgate: "}.size());
    }
    return text;
}

/// The text of a NAME line: the description, without what is in parentheses, up to its first
/// "; ", ": " or ". " (`whatis` shows it on one line).
std::string summary(CLI::App const &sub)
{
    std::string text = description_of(sub);
    std::regex const innermost{R"( ?\([^()]*\))"};
    for (std::string shorter; (shorter = std::regex_replace(text, innermost, "")) != text;) {
        text = shorter; // "(their format: forumgate-map(1))": "(1)" first, then the rest
    }
    std::smatch end;
    if (std::regex_search(text, end, std::regex{R"([;:.]( |$))"})) {
        text.erase(static_cast<std::size_t>(end.position(0)));
    }
    text.erase(std::remove(text.begin(), text.end(), '`'), text.end());
    return text;
}

std::vector<CLI::App const *> subcommands_of(CLI::App const &sub)
{
    std::vector<CLI::App const *> out;
    for (auto const *next : sub.get_subcommands([](CLI::App const *) { return true; })) {
        if (!next->get_name().empty() && !next->get_disabled()) {
            out.push_back(next);
        }
    }
    return out;
}

/// The section SYNOPSIS: the command path in bold, the rest of the usage line as it is.
std::string synopsis(CLI::App const &sub)
{
    std::string const path = command_path(sub);
    std::string const command = path.empty() ? "forumgate" : "forumgate " + path;
    std::string const rest = CLI::detail::trim_copy(usage_line(sub).substr(command.size()));
    // "[OPTIONS] DIR", "[OPTIONS] [URL...]", "[OPTIONS] SUBCOMMAND": the words a user replaces in italics.
    return fmt::format(".SH SYNOPSIS\n.B {}\n{}\n", escape(command),
                       std::regex_replace(escape(rest), std::regex{"([A-Z][A-Z_]+)"}, "\\fI$1\\fR"));
}

/// A list item of a section: `tag` (roff already) and its text.
std::string item(std::string const &tag, std::string_view text)
{
    return fmt::format(".TP\n{}\n{}", tag, text_line(text));
}

/// "0 ok, 1 ran but found problems, 2 fatal." -> the codes and their meanings.
std::vector<std::pair<std::string, std::string>> exit_codes(CLI::App const &sub)
{
    std::string text = exit_status_of(sub);
    if (auto const sentence = text.find(". "); sentence != std::string::npos) {
        text.erase(sentence); // forumgate's own footer goes on about the help command
    }
    if (!text.empty() && text.back() == '.') {
        text.pop_back();
    }
    std::vector<std::pair<std::string, std::string>> codes;
    std::regex const between_codes{", (?=\\d+ )"};
    for (std::sregex_token_iterator at{text.begin(), text.end(), between_codes, -1}, end; at != end; ++at) {
        std::string const code = at->str();
        auto const space = code.find(' ');
        if (space != std::string::npos) {
            codes.emplace_back(code.substr(0, space), code.substr(space + 1));
        }
    }
    return codes;
}

/// What forumgate(1) says after the one line of its description.
constexpr std::array<char const *, 2> FORUMGATE_DESCRIPTION{
    "It copies the old forum through Discourse's REST API into its store (`fetch`), recreates it on the new forum "
    "and records where each topic, post, category, user and upload went (`import`, `verify`), and answers every old "
    "URL with a 301 to the exact new place (`serve`), while `coverage` reports which old links land where. The "
    "commands below are in the order of a move; `forumgate help COMMAND` prints the options of one.",
    "Results go to standard output; logs and errors to standard error. A command that takes `--db` creates or "
    "upgrades the forumgate schema of the store on first use.",
};

/// A section written here rather than found in the tree of commands.
struct section
{
    std::string title;
    std::vector<std::pair<std::string, std::string>> items; ///< bold tag (none: a paragraph) and text
};

std::string render(section const &extra)
{
    std::string out = fmt::format(".SH {}\n", extra.title);
    for (auto const &[tag, text] : extra.items) {
        out += tag.empty() ? ".PP\n" + text_line(text) : item(fmt::format("\\fB{}\\fR", markup(tag)), text);
    }
    return out;
}

/// The config file, the environment and the files of the service, for forumgate(1). The
/// variables are those the table of docs/configuration.md describes (a test compares them).
std::vector<section> forumgate_sections()
{
    return {
        {"CONFIG FILE",
         {{"",
           "One file can hold the settings of a whole move, for every command: `--config FILE` (before or after the "
           "command) or FORUMGATE_CONFIG names it."},
          {"", "A line is `name = value`; the names are the long options of the commands without `--` (`api-key-file "
               "= …` for `--api-key-file`); `#` starts a comment. A repeatable option repeats its line; a flag takes "
               "`true` or `false`."},
          {"", "Lines before any `[section]` are for every command: each takes the keys it has and skips the others. "
               "Lines after a `[COMMAND]` line (`[fetch]`, `[map load]`) are for that command only, and win over the "
               "lines for every command."},
          {"", "The command line wins over the environment, and both win over the file. An unknown key or section "
               "and a bad value stop the command before it does anything, naming FILE:LINE and the nearest key. API "
               "keys and secrets are never read from the file: name a key file (`api-key-file`) instead."},
          {"", "`forumgate serve` reads the file again on SIGHUP; see forumgate-serve(1)."}}},
        {"ENVIRONMENT",
         {{"FORUMGATE_CONFIG", "The config file, for every command when `--config` is not given."},
          {"FORUMGATE_DB",
           "The store: a libpq connection string (`host=/run/postgresql dbname=forumgate`) or URI "
           "(`postgresql://forumgate@db.example/forumgate`), for every command that takes `--db` when `--db` is not "
           "given."},
          {"FORUMGATE_SOURCE_API_KEY",
           "`fetch`: an admin API key of the old forum, when `--api-key-file` is not given (neither: an anonymous "
           "fetch). Keys are never taken from the command line, where every user of the machine could read them."},
          {"FORUMGATE_TARGET_API_KEY",
           "`import` and `verify`: an all-users admin API key of the new forum, when `--api-key-file` is not given. "
           "`coverage --check-targets`: a key of the new forum to ask for members-only targets as a member, when "
           "`--api-key-file` is not given (neither: they are not asked for)."},
          {"FORUMGATE_SSO_SECRET", "`import`: the DiscourseConnect secret of the new forum, when `--sso-secret-file` "
                                   "is not given; with either, users are provisioned through sync_sso."},
          {"PGPASSWORD, PGPASSFILE", "Read by libpq: where the store's password belongs, rather than in `--db`."}}},
        {"FILES",
         {{"/etc/forumgate/serve.conf",
           "The config file of the forumgate-serve service (`forumgate serve --config /etc/forumgate/serve.conf`); "
           "`systemctl reload forumgate-serve` makes it read again."},
          {"/etc/forumgate/serve.env",
           "The environment of the service (optional): FORUMGATE_DB instead of the `db` line, PGPASSFILE."},
          {"/var/lib/forumgate", "The service's state folder: a snapshot file (the `snapshot` setting) to start "
                                 "from when the store is unreachable."},
          {"/var/log/forumgate", "The service's log folder, for an access log (the `access-log` setting)."},
          {"~/.pgpass", "The store's password, read by libpq."}}},
    };
}

std::vector<section> serve_sections()
{
    return {
        {"SIGNALS",
         {{"SIGHUP",
           "Read the config file again (the settings marked [reloadable]; others are logged and kept), reopen the "
           "access log, read the TLS certificate and key again and rebuild the map. A setting that cannot be applied "
           "changes nothing, with a warning; a failed rebuild keeps the old map."},
          {"SIGTERM, SIGINT",
           "Stop accepting, let requests in flight finish (at most drain-timeout-ms), flush the miss log, exit 0."}}},
        {"FILES",
         {{"/etc/forumgate/serve.conf", "The config file of the forumgate-serve service."},
          {"/etc/forumgate/serve.env", "The environment of the service (optional)."}}},
    };
}

/// The map files, from the store's own table of them: names and columns as `map load` reads them.
section map_files_section(std::string const &command, std::string const &verb)
{
    section files{
        "MAP FILES",
        {{"", fmt::format("The files `{}` {} DIR, each optional, each with a header row naming its columns (in "
                          "any order; those in brackets may be left out), as RFC 4180 CSV in UTF-8:",
                          command, verb)}}};
    for (auto const &table : store::MAP_TABLES) {
        std::string columns;
        for (auto const &column : table.columns) {
            columns += fmt::format("{}{}{}{}", columns.empty() ? "" : ",", column.required ? "" : "[", column.name,
                                   column.required ? "" : "]");
        }
        files.items.emplace_back(fmt::format("{}.csv", table.name), columns);
    }
    files.items.emplace_back("", "An empty new id means deliberately not migrated: old links to it get 410 Gone. The "
                                 "meaning of every column: map-files.md in forumgate's documentation.");
    return files;
}

std::vector<section> extra_sections(std::string const &path)
{
    if (path.empty()) {
        return forumgate_sections();
    }
    if (path == "serve") {
        return serve_sections();
    }
    if (path == "map load") {
        return {map_files_section(path, "reads from")};
    }
    if (path == "map export") {
        return {map_files_section(path, "writes to"),
                {"NGINX",
                 {{"", "With --format nginx, DIR gets forumgate-map.conf, for nginx's http block, and "
                       "forumgate-locations.conf, for the server block of the old host names. nginx then answers "
                       "/t/{slug}/{id}, /t/{id}, the post numbers the map lists, /last, /p/{id}, /c/{slugs}/{id} and "
                       "uploads by exact path, each exactly as forumgate resolve does, and passes every other "
                       "request (a query, an unlisted post number, .json, old slugs, users, tags, uploads by SHA-1, "
                       "site pages, custom rules) to the fallback: 404, or the forumgate serve named by --fallback. "
                       "Export again after every change to the map. The details: nginx-export.md in forumgate's "
                       "documentation."}}}};
    }
    if (path == "rehearsal-forum") {
        return {{"SEED FILES",
                 {{"", "A seed file (`--seed`, `--save`) holds a whole forum as one JSON document with explicit ids: "
                       "`{\"format\": \"forumgate-rehearsal-seed\", …}` with its users, categories, tags, topics and "
                       "their posts, uploads and site settings. Its keys and the checks made on loading it: "
                       "rehearsal-forum.md in forumgate's documentation."}}}};
    }
    return {};
}

/// The section ENVIRONMENT of a command: the variables its options read.
std::string environment(std::vector<CLI::Option const *> const &options)
{
    std::string out;
    std::set<std::string> named;
    std::regex const variable{"FORUMGATE_[A-Z_]+"};
    for (auto const *option : options) {
        if (option->get_lnames().empty()) {
            continue;
        }
        std::string const first = "--" + option->get_lnames().front();
        if (!option->get_envname().empty() && named.insert(option->get_envname()).second) {
            out += item(fmt::format("\\fB{}\\fR", escape(option->get_envname())),
                        fmt::format("The value of `{}` when it is not given.", first));
        }
        std::string const description = option->get_description();
        for (std::sregex_iterator at{description.begin(), description.end(), variable}, end; at != end; ++at) {
            if (named.insert(at->str()).second) {
                out += item(fmt::format("\\fB{}\\fR", escape(at->str())), fmt::format("See `{}`.", first));
            }
        }
    }
    return out.empty() ? out : ".SH ENVIRONMENT\n" + out;
}

/// The comment, .TH and NAME.
std::string heading(CLI::App const &sub, std::string const &date)
{
    std::string const name = manual_page(sub);
    std::string title = name;
    std::transform(title.begin(), title.end(), title.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return fmt::format(
        ".\\\" Written by `forumgate help --man DIR` from the commands of forumgate {}; the text is the code's.\n"
        ".TH {} 1 \"{}\" \"forumgate {}\" \"forumgate manual\"\n"
        // Ragged right and no hyphenation: option names, file names and long defaults stay whole.
        ".ad l\n.nh\n"
        ".SH NAME\n{} \\- {}\n",
        FORUMGATE_VERSION, escape(title), escape(date), escape(FORUMGATE_VERSION), escape(name), escape(summary(sub)));
}

/// DESCRIPTION, and COMMANDS for a command that has subcommands.
std::string description(CLI::App const &sub)
{
    std::string text = description_of(sub);
    if (!text.empty()) {
        text.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(text.front())));
    }
    if (!text.empty() && std::string_view{".!?"}.find(text.back()) == std::string_view::npos) {
        text += '.';
    }
    std::string out = ".SH DESCRIPTION\n" + text_line(text);
    if (sub.get_parent() == nullptr) {
        for (auto const *paragraph : FORUMGATE_DESCRIPTION) {
            out += ".PP\n" + text_line(paragraph);
        }
    }
    if (auto const subs = subcommands_of(sub); !subs.empty()) {
        out += ".SH COMMANDS\n";
        for (auto const *next : subs) {
            out += item(fmt::format("\\fB{}\\fR", escape(next->get_name())),
                        fmt::format("{}. See {}(1).", next->get_description(), manual_page(*next)));
        }
    }
    return out;
}

/// ARGUMENTS (the positionals, if any) and OPTIONS, as --help lists them.
std::string options(CLI::App const &sub)
{
    std::string out;
    auto const positionals =
        sub.get_options([](CLI::Option const *option) { return option->get_positional() && shown_in_help(*option); });
    if (!positionals.empty()) {
        out += ".SH ARGUMENTS\n";
        for (auto const *positional : positionals) {
            std::string const tag = fmt::format("\\fI{}\\fR{}", escape(positional->get_name(true, false)),
                                                repeatable(*positional) ? " .\\|.\\|." : "");
            out += item(tag, option_description(*positional) + (positional->get_required() ? " (required)" : ""));
        }
    }
    out += ".SH OPTIONS\n";
    for (auto const *option :
         sub.get_options([](CLI::Option const *option) { return option->nonpositional() && shown_in_help(*option); })) {
        std::string text = option_description(*option);
        if (!option->get_envname().empty()) {
            text += fmt::format(" (env: {})", option->get_envname());
        }
        out += item(option_tag(*option), text);
    }
    if (sub.get_parent() != nullptr) {
        out += ".PP\n" + text_line("The options of forumgate(1), `--log-level` and `--config`, may be given too.");
    }
    return out;
}

/// EXIT STATUS, from the footer.
std::string exit_status(CLI::App const &sub)
{
    auto const codes = exit_codes(sub);
    if (codes.empty()) {
        return {};
    }
    std::string out = ".SH \"EXIT STATUS\"\n";
    for (auto const &[code, meaning] : codes) {
        out += item(fmt::format("\\fB{}\\fR", code), meaning);
    }
    if (sub.get_parent() == nullptr) {
        out += ".PP\n" + text_line("The page of each command says what its codes mean there.");
    }
    return out;
}

/// SEE ALSO: forumgate(1), the page of the group the command is in, the pages of its own commands.
std::string see_also(CLI::App const &sub)
{
    std::vector<std::string> pages;
    for (CLI::App const *up = sub.get_parent(); up != nullptr; up = up->get_parent()) {
        pages.insert(pages.begin(), manual_page(*up));
    }
    for (auto const *next : subcommands_of(sub)) {
        pages.push_back(manual_page(*next));
    }
    std::string out = ".SH \"SEE ALSO\"\n";
    for (std::size_t i = 0; i < pages.size(); ++i) {
        out += fmt::format(".BR {} (1){}\n", escape(pages[i]), i + 1 < pages.size() ? "," : "");
    }
    if (sub.get_parent() == nullptr) {
        out += ".PP\n" + text_line("The documentation of forumgate (cutover.md: a whole move, step by step; "
                                   "configuration.md: every option of every command).");
    }
    return out;
}

std::string page(CLI::App const &sub, std::string const &date)
{
    std::string out = heading(sub, date) + synopsis(sub) + description(sub) + options(sub) + exit_status(sub);
    if (sub.get_parent() != nullptr) {
        out += environment(sub.get_options(
            [](CLI::Option const *option) { return option->nonpositional() && shown_in_help(*option); }));
    }
    for (auto const &extra : extra_sections(command_path(sub))) {
        out += render(extra);
    }
    return out + see_also(sub);
}

/// The date of the pages: SOURCE_DATE_EPOCH's, for a build that gives the same files every time
/// (as Debian's package builds set it), else today's.
std::string page_date()
{
    std::time_t when = std::time(nullptr);
    if (char const *epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
        when = static_cast<std::time_t>(std::strtoll(epoch, nullptr, 10));
    }
    std::tm utc{};
    gmtime_r(&when, &utc);
    return fmt::format("{:04}-{:02}-{:02}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday);
}

} // namespace

void write_manual_pages(CLI::App const &app, std::string const &dir)
{
    std::filesystem::create_directories(dir);
    std::string const date = page_date();
    std::function<void(CLI::App const &)> write = [&](CLI::App const &sub) {
        auto const file = std::filesystem::path{dir} / (manual_page(sub) + ".1");
        std::ofstream out{file, std::ios::binary | std::ios::trunc};
        out << page(sub, date);
        out.close();
        if (!out) {
            throw input_error{fmt::format("writing the manual page {}: {}", file.string(), std::strerror(errno))};
        }
        for (auto const *next : subcommands_of(sub)) {
            write(*next);
        }
    };
    write(app);
}

} // namespace forumgate::cli
