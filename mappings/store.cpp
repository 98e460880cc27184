#include "mappings/store.hpp"

#include "base/csv.hpp"
#include "base/error.hpp"
#include "base/url_codec.hpp"
#include "mappings/copy.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <span>
#include <unordered_map>
#include <utility>

namespace forumgate::mappings {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Constants

/// Advisory lock keys (ASCII "fgmigrat", "fgloadmp"). Migrations take the first so that two
/// processes starting at once never both create the schema; loads take the second so that two
/// loads queue up instead of waiting on each other's row locks (and possibly deadlocking).
constexpr std::int64_t MIGRATION_LOCK_KEY = 0x66676D6967726174;
constexpr std::int64_t LOAD_LOCK_KEY = 0x66676C6F61646D70;

/// Discourse ids and post numbers are PostgreSQL integers; the snapshot keeps ids in 32 bits
/// and uses the top bit of a post number as its "hidden" flag.
constexpr std::uint64_t MAX_ID = 4294967295U;
constexpr std::uint64_t MAX_POST_NUMBER = 2147483647U;

/// Rows checked by one scratch snapshot_builder before it is replaced. The builder keeps every
/// row it is given; replacing it keeps a 10-million-post load at a few MB instead of the
/// hundreds a full snapshot takes. Checks that need a build (uploads) build once per batch.
constexpr std::size_t CHECK_BATCH_ROWS = 65536;

/// CSV export is written in blocks of this size (one write call per block).
constexpr std::size_t EXPORT_BLOCK_BYTES = std::size_t{1} << 20U;

/// Error messages quote at most this many bytes of a bad value.
constexpr std::size_t MAX_SHOWN_VALUE = 64;

// ---------------------------------------------------------------------------------------------
// Migrations

/// One schema change. Once released, a migration is never edited: a change is a new migration.
struct migration
{
    int version;
    std::string_view description;
    std::string_view sql;
};

constexpr std::array MIGRATIONS{
    // 1: the ID map (topics, posts, categories, users, tags, uploads, custom rules), the site
    // settings, and the map version that every committed change bumps and announces on
    // forumgate_map (MAP_CHANNEL) for the redirectors to reload.
    migration{1, "ID map tables, site settings, map version and change notification", R"sql(
-- Where the map redirects to and which old host names it answers for. One row.
create table forumgate.settings (
    id boolean primary key default true check (id),
    new_base text not null,
    old_hosts text[] not null,
    upload_hosts text[] not null default '{}'
);

-- The map's version: bumped once by each transaction that changes the map. One row.
create table forumgate.map_version (
    id boolean primary key default true check (id),
    version bigint not null,
    txid bigint,
    changed_at timestamptz
);
insert into forumgate.map_version (version) values (0);

create table forumgate.topics (
    old_id bigint primary key,
    old_slug text not null default '',
    new_id bigint,
    new_slug text not null default '',
    restricted boolean not null default false
);

create table forumgate.posts (
    old_id bigint primary key,
    old_topic_id bigint not null,
    old_post_number integer not null,
    new_id bigint,
    new_topic_id bigint,
    new_post_number integer,
    hidden boolean not null default false,
    -- Deferrable (checked at the end of each statement rather than row by row) so that one
    -- load may renumber posts, e.g. swap two numbers, without tripping over itself.
    unique (old_topic_id, old_post_number) deferrable initially immediate
);

create table forumgate.categories (
    old_id bigint primary key,
    old_slug_path text not null,
    new_id bigint,
    new_slug_path text not null default '',
    restricted boolean not null default false
);

create table forumgate.users (
    old_username_lower text primary key,
    old_username text not null,
    new_username text
);

create table forumgate.tags (
    old_name_lower text primary key,
    old_name text not null,
    new_name text
);

create table forumgate.uploads (
    old_path text primary key,
    new_url text
);

create table forumgate.rules (
    position integer primary key,
    pattern text not null,
    replacement text not null,
    kind text not null check (kind in ('redirect', 'rewrite'))
);

-- Bumps the map version at most once per transaction and announces the new version on
-- forumgate_map (delivered at commit). Runs after each statement on a map table; a statement
-- that changed no rows (an identical reload) changes nothing, so it bumps nothing.
create function forumgate.bump_map_version() returns trigger
language plpgsql as $$
declare
    bumped bigint;
begin
    if tg_op <> 'TRUNCATE' then
        if not exists (select from changed_rows) then
            return null;
        end if;
    end if;
    update forumgate.map_version
       set version = version + 1, txid = txid_current(), changed_at = now()
     where txid is distinct from txid_current()
    returning version into bumped;
    if found then
        perform pg_notify('forumgate_map', bumped::text);
    end if;
    return null;
end
$$;

-- A trigger with transition tables may have only one event, hence one trigger per event.
do $$
declare
    map_table text;
begin
    foreach map_table in array array['settings', 'topics', 'posts', 'categories', 'users', 'tags', 'uploads', 'rules'] loop
        execute format('create trigger %I after insert on forumgate.%I referencing new table as changed_rows '
                       'for each statement execute function forumgate.bump_map_version()', map_table || '_inserted', map_table);
        execute format('create trigger %I after update on forumgate.%I referencing new table as changed_rows '
                       'for each statement execute function forumgate.bump_map_version()', map_table || '_updated', map_table);
        execute format('create trigger %I after delete on forumgate.%I referencing old table as changed_rows '
                       'for each statement execute function forumgate.bump_map_version()', map_table || '_deleted', map_table);
        execute format('create trigger %I after truncate on forumgate.%I '
                       'for each statement execute function forumgate.bump_map_version()', map_table || '_truncated', map_table);
    end loop;
end
$$;
)sql"},

    // 2: the miss log. How often real visitors asked for old URLs that got a 404 or 410, added
    // up by the redirectors (store::record_misses). Not part of the map: no version-bump
    // triggers, so recording misses never makes the redirectors reload.
    migration{2, "miss log of old URLs answered 404 or 410", R"sql(
create table forumgate.misses (
    target text primary key,
    reason text not null,
    hits bigint not null,
    first_seen timestamptz not null default now(),
    last_seen timestamptz not null default now()
);
)sql"},

    // 3: the archive of the old forum that `forumgate fetch` fills and `forumgate import` reads
    // (docs/fetch.md). Ids are the old forum's. Not part of the map: no version-bump triggers.
    migration{3, "archive of the old forum (fetch)", R"sql(
-- The archive's identity: which forum it copies and how. One row; a fetch with another source
-- is refused rather than mixing two forums.
create table forumgate.archive_source (
    id boolean primary key default true check (id),
    source text not null,
    authenticated boolean not null,
    include_private_messages boolean not null,
    first_started_at timestamptz not null default now(),
    last_started_at timestamptz not null default now(),
    last_finished_at timestamptz,
    last_complete boolean not null default false
);

create table forumgate.archive_categories (
    id bigint primary key,
    parent_id bigint,
    name text not null,
    slug text not null,
    description text,
    color text,
    text_color text,
    position integer,
    read_restricted boolean not null default false,
    topic_count integer,
    data jsonb not null,
    fetched_at timestamptz not null default now()
);

create table forumgate.archive_tags (
    name text primary key,
    topic_count integer,
    fetched_at timestamptz not null default now()
);

-- Users who wrote a post or were mentioned. missing: the old forum no longer knows the name
-- (a deleted account); posts keep the username they were written under.
create table forumgate.archive_users (
    username_lower text primary key,
    id bigint,
    username text not null,
    name text,
    email text,
    created_at timestamptz,
    trust_level integer,
    admin boolean,
    moderator boolean,
    missing boolean not null default false,
    data jsonb,
    fetched_at timestamptz not null default now()
);

create table forumgate.archive_topics (
    id bigint primary key,
    title text not null,
    fancy_title text,
    slug text not null,
    category_id bigint,
    user_id bigint,
    archetype text not null,
    created_at timestamptz,
    bumped_at timestamptz,
    last_posted_at timestamptz,
    visible boolean not null,
    closed boolean not null,
    archived boolean not null,
    pinned boolean not null,
    deleted_at timestamptz,
    tags text[] not null default '{}',
    highest_post_number integer not null,
    posts_count integer not null,
    views integer,
    like_count integer,
    participants text[] not null default '{}',
    -- The topic's fields as a topic list shows them, joined: a listed topic whose signature is
    -- unchanged is not fetched again (docs/fetch.md, incremental runs).
    list_signature text,
    data jsonb not null,
    fetched_at timestamptz not null default now()
);

create table forumgate.archive_posts (
    id bigint primary key,
    topic_id bigint not null references forumgate.archive_topics (id) on delete cascade,
    post_number integer not null,
    user_id bigint,
    username text,
    post_type integer not null,
    action_code text,
    raw text not null,
    cooked text not null,
    created_at timestamptz not null,
    updated_at timestamptz,
    reply_to_post_number integer,
    version integer,
    like_count integer,
    reads integer,
    hidden boolean not null default false,
    wiki boolean not null default false,
    deleted_at timestamptz,
    mentions text[] not null default '{}',    -- @names in raw, lowercased
    upload_refs text[] not null default '{}', -- upload:// short URLs and /uploads/ paths in raw and cooked
    unique (topic_id, post_number)
);
create index archive_posts_by_user on forumgate.archive_posts (lower(username));

-- Uploads referenced by posts, stored in a content-addressed folder as {sha1[0:2]}/{sha1}.{ext}.
create table forumgate.archive_uploads (
    sha1 text primary key check (sha1 ~ '^[0-9a-f]{40}$'),
    extension text not null,
    short_url text not null,
    url text not null,
    filesize bigint not null,
    fetched_at timestamptz not null default now()
);

-- Ids the sweep asked for that the old forum does not show (deleted, private, never used):
-- not asked again unless --full.
create table forumgate.archive_absent_topics (
    id bigint primary key,
    status integer not null,
    checked_at timestamptz not null default now()
);

-- The old forum's own permalinks (old URLs it already redirects).
create table forumgate.archive_permalinks (
    url text primary key,
    topic_id bigint,
    post_id bigint,
    category_id bigint,
    tag_name text,
    user_id bigint,
    external_url text,
    data jsonb not null,
    fetched_at timestamptz not null default now()
);

-- What could not be fetched, with the URL and why; retried by the next run, removed when it
-- succeeds. kind: topic, user, upload, category, list, permalinks.
create table forumgate.archive_failures (
    kind text not null,
    key text not null,
    url text not null,
    reason text not null,
    attempts integer not null default 1,
    first_failed_at timestamptz not null default now(),
    last_failed_at timestamptz not null default now(),
    primary key (kind, key)
);
)sql"},

    // 4: the state of `forumgate import` beside the map it fills (docs/import.md): which forum
    // it writes to, how each old user was placed, what each copied post was sent as, and what
    // failed. Not part of the map: no version-bump triggers.
    migration{4, "import state (import)", R"sql(
create table forumgate.import_target (
    id boolean primary key default true check (id),
    target text not null,
    archive_source text not null,
    first_started_at timestamptz not null default now(),
    last_started_at timestamptz not null default now(),
    last_finished_at timestamptz,
    last_complete boolean not null default false
);

-- How each old account was placed on the new forum: matched by e-mail or username, created,
-- provisioned through DiscourseConnect, or its posts attributed to a fallback account.
create table forumgate.import_users (
    username_lower text primary key,
    new_user_id bigint,
    new_username text not null,
    how text not null check (how in ('email', 'username', 'created', 'sso', 'fallback')),
    updated_at timestamptz not null default now()
);

-- Every post created on the new forum, with the raw it was last sent as (the final pass edits
-- a post only when its rewritten raw differs) and what could not be rewritten in it.
create table forumgate.import_posts (
    old_id bigint primary key,
    old_topic_id bigint not null,
    new_id bigint not null,
    new_topic_id bigint not null,
    new_post_number integer not null,
    sent_raw text not null,
    problems text[] not null default '{}',
    reconciled boolean not null default false,
    -- Posted by the importing admin with the author named at the top, because the author's
    -- account may not post there (a restricted category) or has none.
    attributed boolean not null default false,
    updated_at timestamptz not null default now()
);
create index import_posts_by_topic on forumgate.import_posts (old_topic_id);

-- What failed, with the new forum's own message; retried by the next run.
create table forumgate.import_failures (
    kind text not null,
    key text not null,
    reason text not null,
    attempts integer not null default 1,
    first_failed_at timestamptz not null default now(),
    last_failed_at timestamptz not null default now(),
    primary key (kind, key)
);
)sql"},
};
static_assert(MIGRATIONS.back().version == SCHEMA_VERSION, "SCHEMA_VERSION must be the last migration's version");

// ---------------------------------------------------------------------------------------------
// Messages and connection strings

/// libpq's parse of a connection string (nullptr if it cannot be parsed).
using conninfo_options = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

conninfo_options parse_conninfo(std::string const &conninfo)
{
    char *error = nullptr;
    PQconninfoOption *const options = PQconninfoParse(conninfo.c_str(), &error);
    // libpq's parse errors may quote the string, password and all: never shown.
    if (error != nullptr) {
        PQfreemem(error);
    }
    return conninfo_options{options, &PQconninfoFree};
}

/// A value for a keyword/value connection string, quoted when it has to be.
std::string conninfo_value(std::string_view value)
{
    bool const plain = !value.empty() && value.find_first_of(" \t\n\r\f\v'\\") == std::string_view::npos;
    if (plain) {
        return std::string{value};
    }
    std::string quoted = "'";
    for (char const c : value) {
        if (c == '\'' || c == '\\') {
            quoted.push_back('\\');
        }
        quoted.push_back(c);
    }
    quoted.push_back('\'');
    return quoted;
}

/// The useful part of a libpq or libpqxx message, on one line: without "ERROR:  ", the query
/// excerpt and its caret line.
std::string server_message(std::exception const &e)
{
    std::string out;
    std::string_view rest = e.what();
    while (!rest.empty()) {
        auto const end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            line.remove_prefix(1);
        }
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
            line.remove_suffix(1);
        }
        if (line.starts_with("ERROR:")) {
            line.remove_prefix(6);
            while (!line.empty() && line.front() == ' ') {
                line.remove_prefix(1);
            }
        }
        if (line.empty() || line.starts_with("LINE ") || line.find_first_not_of(" ^") == std::string_view::npos) {
            continue;
        }
        if (!out.empty()) {
            out.push_back(' ');
        }
        out.append(line);
    }
    return out;
}

/// Runs `action`, turning a libpqxx failure into a database_error that says what was being done.
template <typename Action>
auto with_context(std::string_view what, Action &&action) -> decltype(action())
{
    try {
        return action();
    } catch (pqxx::failure const &e) {
        throw database_error{fmt::format("{}: {}", what, server_message(e))};
    }
}

/// A value as quoted in an error message: clipped, control bytes shown as '?'.
std::string shown(std::string_view value)
{
    std::string out{value.substr(0, MAX_SHOWN_VALUE)};
    std::replace_if(
        out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }, '?');
    if (value.size() > MAX_SHOWN_VALUE) {
        out += "…";
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Schema and settings

int read_schema_version(pqxx::transaction_base &txn)
{
    if (txn.exec1("SELECT to_regclass('forumgate.schema_migrations') IS NULL")[0].as<bool>()) {
        return 0;
    }
    return txn.exec1("SELECT coalesce(max(version), 0) FROM forumgate.schema_migrations")[0].as<int>();
}

std::string newer_schema_message(std::string const &description, int version)
{
    return fmt::format("the database at {} has forumgate schema version {}, but this forumgate knows only versions up "
                       "to {}: it was migrated by a newer forumgate, so use that (a store cannot be downgraded)",
                       description, version, SCHEMA_VERSION);
}

/// \throws database_error unless the database holds exactly the schema this build uses.
void check_schema(pqxx::transaction_base &txn, std::string const &description)
{
    int const version = read_schema_version(txn);
    if (version == SCHEMA_VERSION) {
        return;
    }
    if (version == 0) {
        throw database_error{
            fmt::format("the database at {} has no forumgate schema yet: run `forumgate db migrate`", description)};
    }
    if (version > SCHEMA_VERSION) {
        throw database_error{newer_schema_message(description, version)};
    }
    throw database_error{fmt::format("the database at {} has forumgate schema version {}, older than the {} this build "
                                     "needs: run `forumgate db migrate`",
                                     description, version, SCHEMA_VERSION)};
}

std::int64_t read_map_version(pqxx::transaction_base &txn)
{
    return txn.exec1("SELECT version FROM forumgate.map_version")[0].as<std::int64_t>();
}

std::vector<std::string> parse_text_array(pqxx::field const &field)
{
    std::vector<std::string> out;
    auto parser = field.as_array();
    for (auto item = parser.get_next(); item.first != pqxx::array_parser::juncture::done; item = parser.get_next()) {
        if (item.first == pqxx::array_parser::juncture::string_value) {
            out.push_back(std::move(item.second));
        }
    }
    return out;
}

std::string text_array_literal(std::vector<std::string> const &values)
{
    std::string out = "{";
    for (auto const &value : values) {
        if (out.size() > 1) {
            out.push_back(',');
        }
        out.push_back('"');
        for (char const c : value) {
            if (c == '"' || c == '\\') {
                out.push_back('\\');
            }
            out.push_back(c);
        }
        out.push_back('"');
    }
    out.push_back('}');
    return out;
}

std::optional<site_settings> read_settings(pqxx::transaction_base &txn)
{
    auto const rows = txn.exec("SELECT new_base, old_hosts, upload_hosts FROM forumgate.settings");
    if (rows.empty()) {
        return std::nullopt;
    }
    site_settings settings;
    settings.new_base = rows[0][0].as<std::string>();
    settings.old_hosts = parse_text_array(rows[0][1]);
    settings.upload_hosts = parse_text_array(rows[0][2]);
    return settings;
}

/// What storing the settings did.
enum class settings_change : std::uint8_t
{
    none,
    inserted,
    updated
};

/// Stores normalised settings, touching the row only if they differ (so the version stays).
settings_change store_settings(pqxx::transaction_base &txn, site_settings const &settings)
{
    auto const rows = txn.exec_params(
        "INSERT INTO forumgate.settings AS s (id, new_base, old_hosts, upload_hosts) "
        "VALUES (true, $1, $2::text[], $3::text[]) "
        "ON CONFLICT (id) DO UPDATE SET new_base = excluded.new_base, old_hosts = excluded.old_hosts, "
        "upload_hosts = excluded.upload_hosts "
        "WHERE (s.new_base, s.old_hosts, s.upload_hosts) IS DISTINCT FROM "
        "(excluded.new_base, excluded.old_hosts, excluded.upload_hosts) "
        "RETURNING (s.xmax = 0)",
        settings.new_base, text_array_literal(settings.old_hosts), text_array_literal(settings.upload_hosts));
    if (rows.empty()) {
        return settings_change::none;
    }
    return rows[0][0].as<bool>() ? settings_change::inserted : settings_change::updated;
}

// ---------------------------------------------------------------------------------------------
// Reading map files
//
// The map files (docs/map-files.md). Each is optional; the first line names the columns, in any
// order. An empty value means "none": not migrated for new ids and new names.
//
//   topics.csv      old_id,old_slug,new_id,new_slug[,restricted]
//   posts.csv       old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number[,hidden]
//   categories.csv  old_id,old_slug_path,new_id,new_slug_path[,restricted]
//   users.csv       old_username,new_username
//   tags.csv        old_name,new_name
//   uploads.csv     old_path,new_url
//   rules.csv       pattern,replacement[,kind]     kind: redirect (default) or rewrite
//   settings.csv    key,value                      keys: new_base, old_host…, upload_host…
//
// Ids are plain decimal numbers from 1 to 4294967295, post numbers from 1 to 2147483647.
// restricted and hidden are true/false (also t/f, yes/no, 1/0, any case; empty is false).
// Users and tags are keyed by their old name ignoring ASCII case; uploads by old path.
// rules.csv replaces all rules: its order is the order they are tried in. settings.csv is
// read only when the load is given no settings.

struct column_spec
{
    std::string_view name;
    bool required;
};

/// Represents one map file being read: its header, then each row's fields by column.
class map_file
{
public:
    map_file(fs::path const &path, std::string name, std::span<column_spec const> columns)
        : m_name{std::move(name)}, m_columns{columns}, m_reader{m_stream, m_name}, m_index(columns.size(), NO_FIELD)
    {
        m_stream.open(path, std::ios::binary);
        if (!m_stream) {
            throw input_error{fmt::format("{}: cannot be opened: {}", m_name, std::strerror(errno))};
        }
        read_header();
    }

    /// Reads the next row. \return false at the end of the file.
    bool next()
    {
        if (!m_reader.next(m_fields)) {
            return false;
        }
        if (m_fields.size() != m_header_fields) {
            fail(fmt::format("{} fields, but the first line names {} columns", m_fields.size(), m_header_fields));
        }
        ++m_rows;
        return true;
    }

    [[nodiscard]] std::string const &name() const noexcept { return m_name; }
    [[nodiscard]] std::uint64_t line() const noexcept { return m_reader.line(); }
    [[nodiscard]] std::int64_t rows() const noexcept { return m_rows; }
    [[noreturn]] void fail(std::string_view message) const { throw input_error{m_reader.where(message)}; }

    /// \return the raw value of a column ("" if the file has no such column).
    [[nodiscard]] std::string_view field(std::size_t column) const noexcept
    {
        return m_index[column] == NO_FIELD ? std::string_view{} : std::string_view{m_fields[m_index[column]]};
    }

    [[nodiscard]] std::uint64_t id(std::size_t column) const { return number(column, MAX_ID); }
    [[nodiscard]] std::optional<std::uint64_t> optional_id(std::size_t column) const
    {
        return field(column).empty() ? std::nullopt : std::optional{id(column)};
    }
    [[nodiscard]] std::uint32_t post_number(std::size_t column) const
    {
        return static_cast<std::uint32_t>(number(column, MAX_POST_NUMBER));
    }
    [[nodiscard]] std::optional<std::uint32_t> optional_post_number(std::size_t column) const
    {
        return field(column).empty() ? std::nullopt : std::optional{post_number(column)};
    }

    [[nodiscard]] bool flag(std::size_t column) const
    {
        std::string const value = base::ascii_lower(field(column));
        if (value.empty() || value == "false" || value == "f" || value == "0" || value == "no") {
            return false;
        }
        if (value == "true" || value == "t" || value == "1" || value == "yes") {
            return true;
        }
        fail(fmt::format("{} '{}' is not true or false", m_columns[column].name, shown(field(column))));
    }

    /// \return a text value, checked to be UTF-8 without NUL bytes (PostgreSQL text holds neither).
    [[nodiscard]] std::string_view text(std::size_t column) const
    {
        std::string_view const value = field(column);
        if (value.find('\0') != std::string_view::npos) {
            fail(fmt::format("{} holds a NUL byte", m_columns[column].name));
        }
        if (!base::is_valid_utf8(value)) {
            fail(fmt::format("{} '{}' is not valid UTF-8", m_columns[column].name, shown(value)));
        }
        return value;
    }
    /// Like text(), with an empty value read as none.
    void optional_text(std::size_t column, std::optional<std::string> &out) const
    {
        std::string_view const value = text(column);
        if (value.empty()) {
            out.reset();
        } else {
            out.emplace(value);
        }
    }

private:
    static constexpr std::size_t NO_FIELD = SIZE_MAX;

    void read_header()
    {
        std::string expected;
        for (auto const &column : m_columns) {
            expected += expected.empty() ? "" : ",";
            expected += column.name;
        }
        if (!m_reader.next(m_fields)) {
            throw input_error{
                fmt::format("{}:1: the file is empty; its first line must name the columns: {}", m_name, expected)};
        }
        m_header_fields = m_fields.size();
        for (std::size_t i = 0; i < m_fields.size(); ++i) {
            auto const known = std::find_if(m_columns.begin(), m_columns.end(),
                                            [&](column_spec const &c) { return c.name == m_fields[i]; });
            if (known == m_columns.end()) {
                fail(fmt::format("unknown column {} (the columns are {})", shown(m_fields[i]), expected));
            }
            auto const column = static_cast<std::size_t>(known - m_columns.begin());
            if (m_index[column] != NO_FIELD) {
                fail(fmt::format("column {} appears twice", known->name));
            }
            m_index[column] = i;
        }
        for (std::size_t column = 0; column < m_columns.size(); ++column) {
            if (m_columns[column].required && m_index[column] == NO_FIELD) {
                fail(fmt::format("missing column {}", m_columns[column].name));
            }
        }
    }

    [[nodiscard]] std::uint64_t number(std::size_t column, std::uint64_t max) const
    {
        std::string_view const value = field(column);
        std::string_view const name = m_columns[column].name;
        if (value.empty()) {
            fail(fmt::format("{} is empty", name));
        }
        if (!base::is_digits(value)) {
            fail(fmt::format("{} '{}' is not a number", name, shown(value)));
        }
        auto const parsed = base::parse_uint(value); // nullopt: more than 64 bits
        if (!parsed || *parsed == 0 || *parsed > max) {
            fail(fmt::format("{} '{}' is out of range (1 to {})", name, shown(value), max));
        }
        return *parsed;
    }

    std::string m_name;
    std::span<column_spec const> m_columns;
    std::ifstream m_stream;
    base::csv_reader m_reader;
    std::vector<std::string> m_fields;
    std::vector<std::size_t> m_index; ///< per column: its field in each record, or NO_FIELD
    std::size_t m_header_fields = 0;
    std::int64_t m_rows = 0;
};

/// Runs the checks a snapshot build makes on each row, with a scratch snapshot_builder, so
/// that a row the redirector could not load is refused now, with its file and line.
template <typename Row>
class row_checker
{
public:
    /// `check_build`: also run the checks build() makes (uploads parse their paths there).
    row_checker(site_settings const &settings, bool check_build) : m_settings{settings}, m_check_build{check_build} {}

    void check(Row const &row, map_file const &file)
    {
        if (!m_builder) {
            m_builder = std::make_unique<snapshot_builder>(m_settings);
        }
        try {
            m_builder->add(row);
        } catch (input_error const &e) {
            file.fail(e.what());
        }
        if (m_check_build) {
            m_batch.emplace_back(row, file.line());
        }
        if (++m_rows == CHECK_BATCH_ROWS) {
            finish(file);
        }
    }

    /// Checks the rows not yet built.
    void finish(map_file const &file)
    {
        if (m_check_build && m_builder) {
            try {
                (void)m_builder->build();
            } catch (input_error const &) {
                // Find the row by building each alone. If none fails alone, rows clash with
                // each other (a duplicate): the duplicate check reports that with both lines.
                for (auto const &[row, line] : m_batch) {
                    snapshot_builder single{m_settings};
                    try {
                        single.add(row);
                        (void)single.build();
                    } catch (input_error const &e) {
                        throw input_error{fmt::format("{}:{}: {}", file.name(), line, e.what())};
                    }
                }
            }
        }
        m_builder.reset();
        m_batch.clear();
        m_rows = 0;
    }

private:
    site_settings const &m_settings;
    bool m_check_build;
    std::unique_ptr<snapshot_builder> m_builder;
    std::vector<std::pair<Row, std::uint64_t>> m_batch;
    std::size_t m_rows = 0;
};

/// Finds an old id given twice in one file. Keeps 8 bytes per row (id and line in one word)
/// and sorts once at the end: a hash map from id to line would take several times the memory
/// on a file of 10 million posts.
class id_duplicates
{
public:
    explicit id_duplicates(std::string_view what) : m_what{what} {}

    void add(std::uint64_t id, map_file const &file)
    {
        if (file.line() > UINT32_MAX) {
            file.fail("the file has more than 4294967295 lines");
        }
        m_entries.push_back((id << 32U) | file.line());
    }

    /// \throws input_error "FILE:LINE: topic 774 already on line 12" for the earliest repeat.
    void check(map_file const &file)
    {
        std::sort(m_entries.begin(), m_entries.end());
        std::uint64_t repeat_line = UINT64_MAX;
        std::uint64_t first_line = 0;
        std::uint64_t repeated_id = 0;
        for (std::size_t i = 1; i < m_entries.size(); ++i) {
            std::uint64_t const id = m_entries[i] >> 32U;
            if (id == m_entries[i - 1] >> 32U && (i < 2 || m_entries[i - 2] >> 32U != id)) {
                std::uint64_t const line = m_entries[i] & UINT32_MAX;
                if (line < repeat_line) {
                    repeat_line = line;
                    first_line = m_entries[i - 1] & UINT32_MAX;
                    repeated_id = id;
                }
            }
        }
        m_entries = {};
        if (repeat_line != UINT64_MAX) {
            throw input_error{fmt::format("{}:{}: {} {} already on line {}", file.name(), repeat_line, m_what,
                                          repeated_id, first_line)};
        }
    }

private:
    std::string_view m_what;
    std::vector<std::uint64_t> m_entries;
};

/// Finds a name (user, tag, upload path) given twice in one file.
class name_duplicates
{
public:
    explicit name_duplicates(std::string_view what) : m_what{what} {}

    void add(std::string key, std::string_view shown_name, map_file const &file)
    {
        auto const [entry, inserted] = m_first_lines.try_emplace(std::move(key), file.line());
        if (!inserted) {
            file.fail(fmt::format("{} {} already on line {}", m_what, shown(shown_name), entry->second));
        }
    }

private:
    std::string_view m_what;
    std::unordered_map<std::string, std::uint64_t> m_first_lines;
};

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Inserts the staging table's rows into a map table, and updates the rows whose values
/// differ; identical rows are not touched (so an identical reload bumps no version).
/// \return the rows inserted and updated.
std::pair<std::int64_t, std::int64_t> merge(pqxx::transaction_base &txn, std::string_view staging,
                                            std::string_view table, std::string_view key,
                                            std::initializer_list<std::string_view> values)
{
    std::string value_list;
    std::string assignments;
    std::string target_values;
    std::string new_values;
    std::string stored_values;
    std::string staged_values;
    for (auto const value : values) {
        bool const first = value_list.empty();
        std::string_view const comma = first ? "" : ", ";
        value_list += fmt::format("{}{}", comma, value);
        assignments += fmt::format("{}{} = excluded.{}", comma, value, value);
        target_values += fmt::format("{}target.{}", comma, value);
        new_values += fmt::format("{}excluded.{}", comma, value);
        stored_values += fmt::format("{}stored.{}", comma, value);
        staged_values += fmt::format("{}staged.{}", comma, value);
    }
    // The NOT EXISTS drops unchanged rows before the INSERT sees them. ON CONFLICT … WHERE alone
    // would give the same result, but it locks every conflicting row it does not update, which
    // rewrites every page of the table on an identical reload (39 s instead of 13 s for 10M
    // posts). The WHERE stays as the rule of what counts as a change.
    // xmax is 0 on a freshly inserted row version and set on an updated one (the old version's
    // row lock carries over): the usual way to tell the two apart in one statement.
    auto const started = std::chrono::steady_clock::now();
    auto const row = txn.exec1(
        fmt::format("WITH changed AS ("
                    "INSERT INTO forumgate.{table} AS target ({key}, {values}) "
                    "SELECT {key}, {values} FROM {staging} AS staged WHERE NOT EXISTS ("
                    "SELECT FROM forumgate.{table} AS stored WHERE stored.{key} = staged.{key} "
                    "AND ({stored_values}) IS NOT DISTINCT FROM ({staged_values})) "
                    "ON CONFLICT ({key}) DO UPDATE SET {assignments} "
                    "WHERE ({target_values}) IS DISTINCT FROM ({new_values}) "
                    "RETURNING (target.xmax = 0) AS inserted) "
                    "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM changed",
                    fmt::arg("table", table), fmt::arg("key", key), fmt::arg("values", value_list),
                    fmt::arg("staging", staging), fmt::arg("assignments", assignments),
                    fmt::arg("target_values", target_values), fmt::arg("new_values", new_values),
                    fmt::arg("stored_values", stored_values), fmt::arg("staged_values", staged_values)));
    spdlog::debug("merged {} into forumgate.{} in {:.1f} s", staging, table, seconds_since(started));
    return {row[0].as<std::int64_t>(), row[1].as<std::int64_t>()};
}

load_result::file file_result(map_file const &file, std::pair<std::int64_t, std::int64_t> changed)
{
    return {file.name(), file.rows(), changed.first, changed.second, 0};
}

namespace topic_csv {
enum : std::size_t
{
    old_id,
    old_slug,
    new_id,
    new_slug,
    restricted
};
constexpr std::array<column_spec, 5> COLUMNS{
    {{"old_id", true}, {"old_slug", true}, {"new_id", true}, {"new_slug", true}, {"restricted", false}}};
} // namespace topic_csv

load_result::file load_topics(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "topics.csv", topic_csv::COLUMNS};
    txn.exec("CREATE TEMP TABLE fg_load_topics (old_id bigint, old_slug text, new_id bigint, new_slug text, "
             "restricted boolean, line bigint) ON COMMIT DROP");
    row_checker<topic_row> checker{settings, false};
    id_duplicates duplicates{"topic"};
    {
        copy_writer staging{txn, "fg_load_topics"};
        topic_row row;
        while (file.next()) {
            row.old_id = file.id(topic_csv::old_id);
            row.old_slug = file.text(topic_csv::old_slug);
            row.new_id = file.optional_id(topic_csv::new_id);
            row.new_slug = file.text(topic_csv::new_slug);
            row.restricted = file.flag(topic_csv::restricted);
            checker.check(row, file);
            duplicates.add(row.old_id, file);
            staging.number(row.old_id);
            staging.text(row.old_slug);
            staging.number(row.new_id);
            staging.text(row.new_slug);
            staging.flag(row.restricted);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        duplicates.check(file);
        staging.complete();
    }
    return file_result(
        file, merge(txn, "fg_load_topics", "topics", "old_id", {"old_slug", "new_id", "new_slug", "restricted"}));
}

namespace post_csv {
enum : std::size_t
{
    old_id,
    old_topic_id,
    old_post_number,
    new_id,
    new_topic_id,
    new_post_number,
    hidden
};
constexpr std::array<column_spec, 7> COLUMNS{{{"old_id", true},
                                              {"old_topic_id", true},
                                              {"old_post_number", true},
                                              {"new_id", true},
                                              {"new_topic_id", true},
                                              {"new_post_number", true},
                                              {"hidden", false}}};
} // namespace post_csv

/// Explains why (old_topic_id, old_post_number) is not unique, with lines, after the merge of
/// posts failed on it.
[[noreturn]] void explain_post_number_clash(pqxx::transaction_base &txn, std::string const &message)
{
    auto const in_file =
        txn.exec("SELECT s.line, s.old_id, s.old_topic_id, s.old_post_number, f.line, f.old_id FROM fg_load_posts s "
                 "JOIN fg_load_posts f ON f.old_topic_id = s.old_topic_id AND f.old_post_number = s.old_post_number "
                 "AND f.line < s.line ORDER BY s.line LIMIT 1");
    if (!in_file.empty()) {
        auto const &r = in_file[0];
        throw input_error{fmt::format("posts.csv:{}: post {}: topic {} post number {} is already post {} on line {}",
                                      r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[5].c_str(),
                                      r[4].c_str())};
    }
    auto const stored =
        txn.exec("SELECT s.line, s.old_id, s.old_topic_id, s.old_post_number, p.old_id FROM fg_load_posts s "
                 "JOIN forumgate.posts p ON p.old_topic_id = s.old_topic_id AND p.old_post_number = s.old_post_number "
                 "AND p.old_id <> s.old_id WHERE NOT EXISTS (SELECT FROM fg_load_posts o WHERE o.old_id = p.old_id) "
                 "ORDER BY s.line LIMIT 1");
    if (!stored.empty()) {
        auto const &r = stored[0];
        throw input_error{fmt::format("posts.csv:{}: post {}: topic {} post number {} is already post {} in the map",
                                      r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str())};
    }
    throw database_error{fmt::format("loading posts.csv: {}", message)};
}

load_result::file load_posts(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "posts.csv", post_csv::COLUMNS};
    txn.exec(
        "CREATE TEMP TABLE fg_load_posts (old_id bigint, old_topic_id bigint, old_post_number integer, "
        "new_id bigint, new_topic_id bigint, new_post_number integer, hidden boolean, line bigint) ON COMMIT DROP");
    row_checker<post_row> checker{settings, false};
    id_duplicates duplicates{"post"};
    {
        copy_writer staging{txn, "fg_load_posts"};
        post_row row;
        while (file.next()) {
            row.old_id = file.id(post_csv::old_id);
            row.old_topic_id = file.id(post_csv::old_topic_id);
            row.old_post_number = file.post_number(post_csv::old_post_number);
            row.new_id = file.optional_id(post_csv::new_id);
            row.new_topic_id = file.optional_id(post_csv::new_topic_id);
            row.new_post_number = file.optional_post_number(post_csv::new_post_number);
            row.hidden = file.flag(post_csv::hidden);
            checker.check(row, file);
            duplicates.add(row.old_id, file);
            staging.number(row.old_id);
            staging.number(row.old_topic_id);
            staging.number(row.old_post_number);
            staging.number(row.new_id);
            staging.number(row.new_topic_id);
            staging.number(row.new_post_number);
            staging.flag(row.hidden);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        duplicates.check(file);
        staging.complete();
    }
    // In a savepoint, so that a clash of post numbers can be explained afterwards.
    std::string clash;
    try {
        pqxx::subtransaction merging{txn, "merge_posts"};
        auto const changed =
            merge(merging, "fg_load_posts", "posts", "old_id",
                  {"old_topic_id", "old_post_number", "new_id", "new_topic_id", "new_post_number", "hidden"});
        merging.commit();
        return file_result(file, changed);
    } catch (pqxx::unique_violation const &e) {
        clash = server_message(e);
    }
    explain_post_number_clash(txn, clash);
}

namespace category_csv {
enum : std::size_t
{
    old_id,
    old_slug_path,
    new_id,
    new_slug_path,
    restricted
};
constexpr std::array<column_spec, 5> COLUMNS{
    {{"old_id", true}, {"old_slug_path", true}, {"new_id", true}, {"new_slug_path", true}, {"restricted", false}}};
} // namespace category_csv

load_result::file load_categories(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "categories.csv", category_csv::COLUMNS};
    txn.exec("CREATE TEMP TABLE fg_load_categories (old_id bigint, old_slug_path text, new_id bigint, "
             "new_slug_path text, restricted boolean, line bigint) ON COMMIT DROP");
    row_checker<category_row> checker{settings, true};
    id_duplicates duplicates{"category"};
    {
        copy_writer staging{txn, "fg_load_categories"};
        category_row row;
        while (file.next()) {
            row.old_id = file.id(category_csv::old_id);
            row.old_slug_path = file.text(category_csv::old_slug_path);
            row.new_id = file.optional_id(category_csv::new_id);
            row.new_slug_path = file.text(category_csv::new_slug_path);
            row.restricted = file.flag(category_csv::restricted);
            checker.check(row, file);
            duplicates.add(row.old_id, file);
            staging.number(row.old_id);
            staging.text(row.old_slug_path);
            staging.number(row.new_id);
            staging.text(row.new_slug_path);
            staging.flag(row.restricted);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        duplicates.check(file);
        staging.complete();
    }
    return file_result(file, merge(txn, "fg_load_categories", "categories", "old_id",
                                   {"old_slug_path", "new_id", "new_slug_path", "restricted"}));
}

// users.csv and tags.csv: a name and its new name, compared without regard to ASCII case (as
// the snapshot looks names up).
struct name_file
{
    std::string_view file;       ///< "users.csv"
    std::string_view table;      ///< "users"
    std::string_view old_column; ///< "old_username"
    std::string_view new_column; ///< "new_username"
    std::string_view label;      ///< "user", in messages
};

constexpr name_file USERS_FILE{"users.csv", "users", "old_username", "new_username", "user"};
constexpr name_file TAGS_FILE{"tags.csv", "tags", "old_name", "new_name", "tag"};

template <typename Row>
load_result::file load_names(pqxx::work &txn, fs::path const &path, site_settings const &settings,
                             name_file const &spec, std::string Row::*old_name,
                             std::optional<std::string> Row::*new_name)
{
    enum : std::size_t
    {
        old_index,
        new_index
    };
    std::array<column_spec, 2> const columns{{{spec.old_column, true}, {spec.new_column, true}}};
    map_file file{path, std::string{spec.file}, columns};
    std::string const staging_table = fmt::format("fg_load_{}", spec.table);
    txn.exec(fmt::format("CREATE TEMP TABLE {} ({}_lower text, {} text, {} text, line bigint) ON COMMIT DROP",
                         staging_table, spec.old_column, spec.old_column, spec.new_column));
    row_checker<Row> checker{settings, true};
    name_duplicates duplicates{spec.label};
    {
        copy_writer staging{txn, staging_table};
        Row row;
        while (file.next()) {
            row.*old_name = file.text(old_index);
            file.optional_text(new_index, row.*new_name);
            checker.check(row, file);
            std::string key = base::ascii_lower(row.*old_name);
            staging.text(key);
            duplicates.add(std::move(key), row.*old_name, file);
            staging.text(row.*old_name);
            staging.text_or_null(row.*new_name);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        staging.complete();
    }
    std::string const key = fmt::format("{}_lower", spec.old_column);
    return file_result(file, merge(txn, staging_table, spec.table, key, {spec.old_column, spec.new_column}));
}

load_result::file load_users(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    return load_names(txn, path, settings, USERS_FILE, &user_row::old_username, &user_row::new_username);
}

load_result::file load_tags(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    return load_names(txn, path, settings, TAGS_FILE, &tag_row::old_name, &tag_row::new_name);
}

namespace upload_csv {
enum : std::size_t
{
    old_path,
    new_url
};
constexpr std::array<column_spec, 2> COLUMNS{{{"old_path", true}, {"new_url", true}}};
} // namespace upload_csv

load_result::file load_uploads(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "uploads.csv", upload_csv::COLUMNS};
    txn.exec("CREATE TEMP TABLE fg_load_uploads (old_path text, new_url text, line bigint) ON COMMIT DROP");
    row_checker<upload_row> checker{settings, true};
    name_duplicates duplicates{"upload"};
    {
        copy_writer staging{txn, "fg_load_uploads"};
        upload_row row;
        while (file.next()) {
            row.old_path = file.text(upload_csv::old_path);
            file.optional_text(upload_csv::new_url, row.new_url);
            checker.check(row, file);
            duplicates.add(row.old_path, row.old_path, file);
            staging.text(row.old_path);
            staging.text_or_null(row.new_url);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        staging.complete();
    }
    return file_result(file, merge(txn, "fg_load_uploads", "uploads", "old_path", {"new_url"}));
}

namespace rule_csv {
enum : std::size_t
{
    pattern,
    replacement,
    kind
};
constexpr std::array<column_spec, 3> COLUMNS{{{"pattern", true}, {"replacement", true}, {"kind", false}}};
} // namespace rule_csv

std::string_view rule_kind_name(rule_kind kind)
{
    return kind == rule_kind::rewrite ? "rewrite" : "redirect";
}

load_result::file load_rules(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "rules.csv", rule_csv::COLUMNS};
    txn.exec("CREATE TEMP TABLE fg_load_rules (position integer, pattern text, replacement text, kind text, "
             "line bigint) ON COMMIT DROP");
    row_checker<rule_row> checker{settings, true};
    std::int64_t position = 0;
    {
        copy_writer staging{txn, "fg_load_rules"};
        rule_row row;
        while (file.next()) {
            row.pattern = file.text(rule_csv::pattern);
            row.replacement = file.text(rule_csv::replacement);
            std::string const kind = base::ascii_lower(file.text(rule_csv::kind));
            if (kind.empty() || kind == "redirect") {
                row.kind = rule_kind::redirect;
            } else if (kind == "rewrite") {
                row.kind = rule_kind::rewrite;
            } else {
                file.fail(fmt::format("kind '{}' is neither redirect nor rewrite", shown(file.field(rule_csv::kind))));
            }
            checker.check(row, file);
            staging.number(static_cast<std::uint64_t>(++position));
            staging.text(row.pattern);
            staging.text(row.replacement);
            staging.text(rule_kind_name(row.kind));
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        staging.complete();
    }
    // Rules are tried in order, so the file replaces them all: rule N is the file's Nth row.
    auto result =
        file_result(file, merge(txn, "fg_load_rules", "rules", "position", {"pattern", "replacement", "kind"}));
    result.deleted = static_cast<std::int64_t>(
        txn.exec_params("DELETE FROM forumgate.rules WHERE position > $1", position).affected_rows());
    return result;
}

namespace settings_csv {
enum : std::size_t
{
    key,
    value
};
constexpr std::array<column_spec, 2> COLUMNS{{{"key", true}, {"value", true}}};
} // namespace settings_csv

/// Reads settings.csv (normalised). \throws input_error naming the file.
site_settings read_settings_file(fs::path const &path, std::int64_t &rows)
{
    map_file file{path, "settings.csv", settings_csv::COLUMNS};
    site_settings settings;
    std::uint64_t new_base_line = 0;
    while (file.next()) {
        std::string_view const key = file.text(settings_csv::key);
        std::string_view const value = file.text(settings_csv::value);
        if (key == "new_base") {
            if (new_base_line != 0) {
                file.fail(fmt::format("new_base already on line {}", new_base_line));
            }
            new_base_line = file.line();
            settings.new_base = value;
        } else if (key == "old_host") {
            settings.old_hosts.emplace_back(value);
        } else if (key == "upload_host") {
            settings.upload_hosts.emplace_back(value);
        } else {
            file.fail(fmt::format("unknown key '{}' (the keys are new_base, old_host and upload_host)", shown(key)));
        }
    }
    rows = file.rows();
    if (new_base_line == 0) {
        throw input_error{"settings.csv: no new_base row"};
    }
    try {
        normalise(settings);
    } catch (input_error const &e) {
        throw input_error{fmt::format("settings.csv: {}", e.what())};
    }
    return settings;
}

/// The map files in the order they are loaded.
struct map_file_kind
{
    std::string_view name;
    load_result::file (*load)(pqxx::work &, fs::path const &, site_settings const &);
};

constexpr std::array<map_file_kind, 7> MAP_FILES{{
    {"topics.csv", load_topics},
    {"posts.csv", load_posts},
    {"categories.csv", load_categories},
    {"users.csv", load_users},
    {"tags.csv", load_tags},
    {"uploads.csv", load_uploads},
    {"rules.csv", load_rules},
}};

// ---------------------------------------------------------------------------------------------
// Writing map files

/// Represents one CSV file being written in the format map_file reads. It is written under a
/// temporary name and renamed when complete, so a failed export never leaves a truncated file
/// under the real name.
class csv_writer
{
public:
    /// `header`: the column names of the first line.
    csv_writer(fs::path path, std::span<std::string_view const> header) : m_path{std::move(path)}
    {
        m_temporary = m_path;
        m_temporary += ".tmp";
        m_out.open(m_temporary, std::ios::binary | std::ios::trunc);
        if (!m_out) {
            throw input_error{fmt::format("{}: cannot be written: {}", m_temporary.string(), std::strerror(errno))};
        }
        m_block.reserve(EXPORT_BLOCK_BYTES + 4096);
        for (auto const column : header) {
            raw(column);
        }
        end_row();
    }
    ~csv_writer()
    {
        if (!m_closed) {
            m_out.close();
            std::error_code ignored;
            fs::remove(m_temporary, ignored);
        }
    }
    csv_writer(csv_writer const &) = delete;
    csv_writer &operator=(csv_writer const &) = delete;

    /// A value that never needs quoting (numbers, booleans, column names).
    void raw(std::string_view value)
    {
        start_field();
        m_block.append(value);
    }
    /// A text value, quoted when it holds a comma, quote, CR or LF.
    void text(std::string_view value)
    {
        start_field();
        if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
            m_block.append(value);
            return;
        }
        m_block.push_back('"');
        for (char const c : value) {
            if (c == '"') {
                m_block.push_back('"');
            }
            m_block.push_back(c);
        }
        m_block.push_back('"');
    }
    void flag(bool value) { raw(value ? "true" : "false"); }
    void end_row()
    {
        m_block.push_back('\n');
        m_first_field = true;
        if (m_block.size() >= EXPORT_BLOCK_BYTES) {
            flush();
        }
    }
    void close()
    {
        flush();
        m_out.close();
        if (!m_out) {
            throw input_error{fmt::format("{}: write failed: {}", m_temporary.string(), std::strerror(errno))};
        }
        fs::rename(m_temporary, m_path);
        m_closed = true;
    }

private:
    void start_field()
    {
        if (!m_first_field) {
            m_block.push_back(',');
        }
        m_first_field = false;
    }
    void flush()
    {
        m_out.write(m_block.data(), static_cast<std::streamsize>(m_block.size()));
        if (!m_out) {
            throw input_error{fmt::format("{}: write failed: {}", m_temporary.string(), std::strerror(errno))};
        }
        m_block.clear();
    }

    fs::path m_path;
    fs::path m_temporary;
    std::ofstream m_out;
    std::string m_block;
    bool m_first_field = true;
    bool m_closed = false;
};

/// How a column is written to CSV.
enum class cell : std::uint8_t
{
    number, ///< digits, or empty for NULL
    text,   ///< quoted when needed, empty for NULL
    flag,   ///< true/false
};

struct export_column
{
    std::string_view name;
    cell kind;
};

/// One exported table: its file, its columns (named as in the file and the table), its order.
struct export_table
{
    std::string_view file;
    std::string_view table;
    std::string_view order_by;
    std::vector<export_column> columns;
};

void export_file(pqxx::transaction_base &txn, fs::path const &dir, export_table const &spec)
{
    std::string select;
    std::vector<std::string_view> header;
    for (auto const &column : spec.columns) {
        select += fmt::format("{}{}", select.empty() ? "" : ", ", column.name);
        header.push_back(column.name);
    }
    csv_writer out{dir / spec.file, header};
    copy_reader rows{txn, fmt::format("forumgate.{}", spec.table),
                     fmt::format("SELECT {} FROM forumgate.{} ORDER BY {}", select, spec.table, spec.order_by),
                     spec.columns.size()};
    std::string text;
    while (rows.next()) {
        copy_row const &row = rows.row();
        std::size_t i = 0;
        for (auto const &column : spec.columns) {
            if (row.is_null(i)) {
                out.raw("");
            } else if (column.kind == cell::number) {
                out.raw(row.raw(i));
            } else if (column.kind == cell::flag) {
                out.flag(row.flag(i));
            } else {
                row.text(i, text);
                out.text(text);
            }
            ++i;
        }
        out.end_row();
    }
    rows.complete();
    out.close();
}

// ---------------------------------------------------------------------------------------------
// Snapshot rows: the map tables as a snapshot reads them, from the store or from a file
//
// load_snapshot reads each table with COPY … TO STDOUT; a snapshot file holds the very same
// COPY text lines. Both hand each row to snapshot_row_decoder, the one place that knows which
// field is which.

/// The map tables a snapshot is built from.
enum class map_table : std::uint8_t
{
    topics,
    posts,
    categories,
    users,
    tags,
    uploads,
    rules
};

/// One map table as a snapshot reads it.
struct snapshot_table
{
    map_table table;
    std::string_view name;                     ///< forumgate.{name}; its name in snapshot files
    std::span<std::string_view const> columns; ///< the fields of its rows, in order
    std::string_view order_by;                 ///< "" when the order of the rows does not matter
};

constexpr std::array<std::string_view, 5> TOPIC_COLUMNS{"old_id", "old_slug", "new_id", "new_slug", "restricted"};
constexpr std::array<std::string_view, 7> POST_COLUMNS{"old_id",       "old_topic_id",    "old_post_number", "new_id",
                                                       "new_topic_id", "new_post_number", "hidden"};
constexpr std::array<std::string_view, 5> CATEGORY_COLUMNS{"old_id", "old_slug_path", "new_id", "new_slug_path",
                                                           "restricted"};
constexpr std::array<std::string_view, 2> USER_COLUMNS{"old_username", "new_username"};
constexpr std::array<std::string_view, 2> TAG_COLUMNS{"old_name", "new_name"};
constexpr std::array<std::string_view, 2> UPLOAD_COLUMNS{"old_path", "new_url"};
constexpr std::array<std::string_view, 3> RULE_COLUMNS{"pattern", "replacement", "kind"};

/// In the order they are read from the store and written to snapshot files. Posts come
/// second so that their count is known (reserve_posts) before the largest table is read.
constexpr std::array<snapshot_table, 7> SNAPSHOT_TABLES{{
    {map_table::topics, "topics", TOPIC_COLUMNS, ""},
    {map_table::posts, "posts", POST_COLUMNS, ""},
    {map_table::categories, "categories", CATEGORY_COLUMNS, ""},
    {map_table::users, "users", USER_COLUMNS, ""},
    {map_table::tags, "tags", TAG_COLUMNS, ""},
    {map_table::uploads, "uploads", UPLOAD_COLUMNS, ""},
    {map_table::rules, "rules", RULE_COLUMNS, "position"}, // rules are tried in order
}};

/// "old_id,old_slug,…": a table's columns as a snapshot file's table line names them.
std::string column_list(snapshot_table const &table)
{
    std::string out;
    for (auto const column : table.columns) {
        out += out.empty() ? "" : ",";
        out += column;
    }
    return out;
}

/// The query whose COPY rows are a table's snapshot rows.
std::string snapshot_query(snapshot_table const &table)
{
    std::string query = fmt::format("SELECT {} FROM forumgate.{}", column_list(table), table.name);
    if (!table.order_by.empty()) {
        query += fmt::format(" ORDER BY {}", table.order_by);
    }
    return query;
}

/// Turns COPY rows of the map tables into snapshot rows and adds them to a builder. Keeps one
/// row of each kind, so that their strings' memory is reused from row to row.
class snapshot_row_decoder
{
public:
    /// Adds one row of `table`, whose fields are SNAPSHOT_TABLES' columns of it.
    /// \throws input_error naming the bad field, or the row and what the builder refused.
    void add(map_table table, copy_row const &row, snapshot_builder &builder)
    {
        switch (table) {
        case map_table::topics:
            m_topic.old_id = row.number(0);
            row.text(1, m_topic.old_slug);
            m_topic.new_id = row.optional_number<std::uint64_t>(2);
            row.text(3, m_topic.new_slug);
            m_topic.restricted = row.flag(4);
            builder.add(m_topic);
            return;
        case map_table::posts:
            m_post.old_id = row.number(0);
            m_post.old_topic_id = row.number(1);
            m_post.old_post_number = post_number(row, 2);
            m_post.new_id = row.optional_number<std::uint64_t>(3);
            m_post.new_topic_id = row.optional_number<std::uint64_t>(4);
            m_post.new_post_number = row.is_null(5) ? std::nullopt : std::optional{post_number(row, 5)};
            m_post.hidden = row.flag(6);
            builder.add(m_post);
            return;
        case map_table::categories:
            m_category.old_id = row.number(0);
            row.text(1, m_category.old_slug_path);
            m_category.new_id = row.optional_number<std::uint64_t>(2);
            row.text(3, m_category.new_slug_path);
            m_category.restricted = row.flag(4);
            builder.add(m_category);
            return;
        case map_table::users:
            row.text(0, m_user.old_username);
            row.text(1, m_user.new_username);
            builder.add(m_user);
            return;
        case map_table::tags:
            row.text(0, m_tag.old_name);
            row.text(1, m_tag.new_name);
            builder.add(m_tag);
            return;
        case map_table::uploads:
            row.text(0, m_upload.old_path);
            row.text(1, m_upload.new_url);
            builder.add(m_upload);
            return;
        case map_table::rules:
            row.text(0, m_rule.pattern);
            row.text(1, m_rule.replacement);
            if (row.raw(2) == "redirect") {
                m_rule.kind = rule_kind::redirect;
            } else if (row.raw(2) == "rewrite") {
                m_rule.kind = rule_kind::rewrite;
            } else {
                throw input_error{fmt::format("kind '{}' is neither redirect nor rewrite", shown(row.raw(2)))};
            }
            builder.add(m_rule);
            return;
        }
    }

private:
    /// A post number: PostgreSQL's integer holds it, but a file could hold any number.
    static std::uint32_t post_number(copy_row const &row, std::size_t column)
    {
        std::uint64_t const value = row.number(column);
        if (value > MAX_POST_NUMBER) {
            throw input_error{fmt::format("{} {} is more than {}", row.name(column), value, MAX_POST_NUMBER)};
        }
        return static_cast<std::uint32_t>(value);
    }

    topic_row m_topic;
    post_row m_post;
    category_row m_category;
    user_row m_user;
    tag_row m_tag;
    upload_row m_upload;
    rule_row m_rule;
};

// ---------------------------------------------------------------------------------------------
// Snapshot files (docs/map-files.md, "Snapshot files")
//
//   forumgate-snapshot 1
//   version 12
//   new_base https://forum.brum.coop
//   old_host forum.cooperationbirmingham.org.uk
//   upload_host cdn.brum.coop
//   table topics old_id,old_slug,new_id,new_slug,restricted 4
//   774<TAB>agm-2023-minutes<TAB>1774<TAB>agm-2023-minutes<TAB>f
//   … (exactly 4 rows, then the next table line: every table of SNAPSHOT_TABLES once)
//   end
//
// Rows are COPY text rows of snapshot_query(); setting values are COPY-escaped too. Every line
// ends in a line feed. The row counts and the end line make a truncated file an error.

constexpr std::string_view SNAPSHOT_MAGIC = "forumgate-snapshot";
/// The format version written and read. A change to the format is a new version; readers
/// refuse versions they do not know rather than guess.
constexpr int SNAPSHOT_FORMAT = 1;

/// Snapshot files are written and read in blocks of this size: one system call per block
/// instead of per row is most of the speed; larger blocks only hold more memory.
constexpr std::size_t SNAPSHOT_BLOCK_BYTES = std::size_t{1} << 20U;

/// A longer line is refused. It bounds the memory that reading a file which is not a snapshot
/// (one huge line) can take, far above any real row (a slug, a URL, a rule).
constexpr std::size_t MAX_SNAPSHOT_LINE_BYTES = std::size_t{64} << 20U;

/// Represents a snapshot file being written. It is written as FILE.tmp-PID beside FILE, then
/// flushed to disk and renamed over FILE by commit(): a reader (a redirector starting) sees
/// the old file or the whole new one, never a part. Without commit() the temporary file is
/// removed.
class snapshot_file_writer
{
public:
    explicit snapshot_file_writer(fs::path file) : m_file{std::move(file)}
    {
        m_temporary = m_file;
        m_temporary += fmt::format(".tmp-{}", ::getpid());
        m_fd = ::open(m_temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (m_fd < 0) {
            throw input_error{fmt::format("{}: cannot be written: {}", m_temporary.string(), std::strerror(errno))};
        }
        m_block.reserve(SNAPSHOT_BLOCK_BYTES + 4096);
    }
    ~snapshot_file_writer()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        if (!m_committed) {
            std::error_code ignored;
            fs::remove(m_temporary, ignored);
        }
    }
    snapshot_file_writer(snapshot_file_writer const &) = delete;
    snapshot_file_writer &operator=(snapshot_file_writer const &) = delete;

    /// Appends a line (a line feed is added).
    void line(std::string_view text)
    {
        m_block.append(text);
        m_block.push_back('\n');
        if (m_block.size() >= SNAPSHOT_BLOCK_BYTES) {
            flush();
        }
    }
    /// Appends `key value`, the value COPY-escaped.
    void setting(std::string_view key, std::string_view value)
    {
        m_block.append(key);
        m_block.push_back(' ');
        append_copy_text(m_block, value);
        line("");
    }

    /// Writes what is left, flushes the file to disk and renames it over FILE.
    void commit()
    {
        flush();
        if (::fsync(m_fd) != 0) {
            fail("flushing to disk");
        }
        if (::close(std::exchange(m_fd, -1)) != 0) {
            fail("closing");
        }
        std::error_code error;
        fs::rename(m_temporary, m_file, error);
        if (error) {
            throw input_error{
                fmt::format("renaming {} to {}: {}", m_temporary.string(), m_file.string(), error.message())};
        }
        m_committed = true;
        // The rename is durable once the folder is flushed too. The file is complete either
        // way, so a failure here is not worth failing the whole write for.
        fs::path const folder = m_file.has_parent_path() ? m_file.parent_path() : fs::path{"."};
        int const folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (folder_fd >= 0) {
            (void)::fsync(folder_fd);
            ::close(folder_fd);
        }
    }

private:
    [[noreturn]] void fail(std::string_view what) const
    {
        throw input_error{fmt::format("{}: {} failed: {}", m_temporary.string(), what, std::strerror(errno))};
    }
    void flush()
    {
        std::string_view rest = m_block;
        while (!rest.empty()) {
            ssize_t const written = ::write(m_fd, rest.data(), rest.size());
            if (written < 0) {
                if (errno == EINTR) {
                    continue;
                }
                fail("write");
            }
            rest.remove_prefix(static_cast<std::size_t>(written));
        }
        m_block.clear();
    }

    fs::path m_file;
    fs::path m_temporary;
    int m_fd = -1;
    std::string m_block;
    bool m_committed = false;
};

/// Represents a snapshot file being read line by line (in blocks of SNAPSHOT_BLOCK_BYTES),
/// and where in it: every error names FILE:LINE.
class snapshot_file_reader
{
public:
    explicit snapshot_file_reader(fs::path const &file) : m_name{file.string()}
    {
        m_stream.open(file, std::ios::binary);
        if (!m_stream) {
            throw input_error{fmt::format("{}: cannot be opened: {}", m_name, std::strerror(errno))};
        }
        m_buffer.resize(SNAPSHOT_BLOCK_BYTES);
    }

    /// Reads the next line, without its line feed; `line` is valid until the next call.
    /// \return false at the end of the file. \throws input_error if the last line has no line
    /// feed (the file was cut), or a line is longer than MAX_SNAPSHOT_LINE_BYTES.
    bool next(std::string_view &line)
    {
        std::size_t scanned = m_begin;
        for (;;) {
            auto const *const start = m_buffer.data() + scanned;
            auto const *const feed = static_cast<char const *>(std::memchr(start, '\n', m_end - scanned));
            if (feed != nullptr) {
                auto const end = static_cast<std::size_t>(feed - m_buffer.data());
                line = std::string_view{m_buffer.data() + m_begin, end - m_begin};
                m_begin = end + 1;
                ++m_line;
                return true;
            }
            scanned = m_end;
            if (m_eof) {
                if (m_begin == m_end) {
                    return false;
                }
                ++m_line;
                fail("the last line ends without a line feed: the file was cut short");
            }
            scanned -= m_begin;
            fill();
        }
    }

    /// The number of the line last read (1 for the first).
    [[nodiscard]] std::uint64_t line_number() const noexcept { return m_line; }

    /// \throws input_error "FILE:LINE: message" for the line last read.
    [[noreturn]] void fail(std::string_view message) const { fail_at(m_line, message); }
    [[noreturn]] void fail_at(std::uint64_t line, std::string_view message) const
    {
        throw input_error{fmt::format("{}:{}: {}", m_name, line, message)};
    }
    /// \throws input_error "FILE:LINE: message" for the line after the last (a missing line).
    [[noreturn]] void fail_at_end(std::string_view message) const { fail_at(m_line + 1, message); }

    [[nodiscard]] std::string const &name() const noexcept { return m_name; }

private:
    /// Moves the unread part to the front and reads more after it (growing the buffer if one
    /// line fills it).
    void fill()
    {
        std::size_t const unread = m_end - m_begin;
        std::memmove(m_buffer.data(), m_buffer.data() + m_begin, unread);
        m_begin = 0;
        m_end = unread;
        if (m_end == m_buffer.size()) {
            if (m_buffer.size() >= MAX_SNAPSHOT_LINE_BYTES) {
                fail_at_end(fmt::format("a line longer than {} MiB: not a forumgate snapshot file",
                                        MAX_SNAPSHOT_LINE_BYTES >> 20U));
            }
            m_buffer.resize(m_buffer.size() * 2);
        }
        m_stream.read(m_buffer.data() + m_end, static_cast<std::streamsize>(m_buffer.size() - m_end));
        m_end += static_cast<std::size_t>(m_stream.gcount());
        if (m_stream.eof()) {
            m_eof = true;
        } else if (!m_stream) {
            fail_at_end(fmt::format("cannot be read: {}", std::strerror(errno)));
        }
    }

    std::string m_name;
    std::ifstream m_stream;
    std::vector<char> m_buffer;
    std::size_t m_begin = 0; ///< the first unread byte in m_buffer
    std::size_t m_end = 0;   ///< one past the last byte read into m_buffer
    bool m_eof = false;
    std::uint64_t m_line = 0;
};

/// Splits "keyword rest" at its first space (rest is empty without one).
std::pair<std::string_view, std::string_view> split_keyword(std::string_view line)
{
    auto const space = line.find(' ');
    if (space == std::string_view::npos) {
        return {line, {}};
    }
    return {line.substr(0, space), line.substr(space + 1)};
}

/// The header of a snapshot file: its format line, map version and settings.
struct snapshot_file_header
{
    std::int64_t version = 0;
    site_settings settings;
    std::uint64_t settings_line = 0; ///< the new_base line, for messages about the settings
};

/// Reads the header up to and including the first table line (left in `line`).
snapshot_file_header read_snapshot_header(snapshot_file_reader &in, std::string_view &line)
{
    std::string const expected = fmt::format("{} {}", SNAPSHOT_MAGIC, SNAPSHOT_FORMAT);
    std::string const not_a_snapshot =
        fmt::format("not a forumgate snapshot file (its first line would be \"{}\")", expected);
    bool has_line = false;
    try {
        has_line = in.next(line);
    } catch (input_error const &) {
        // No line feed in the whole file, or none in the first 64 MiB: binary, or something else.
        in.fail_at(1, not_a_snapshot);
    }
    if (!has_line) {
        in.fail_at_end(fmt::format("the file is empty, {}", not_a_snapshot));
    }
    if (line != expected) {
        auto const [magic, format] = split_keyword(line);
        if (magic == SNAPSHOT_MAGIC) {
            in.fail(
                fmt::format("snapshot format '{}' is not one this forumgate reads (it reads {}): written by another "
                            "version of forumgate?",
                            shown(format), SNAPSHOT_FORMAT));
        }
        in.fail(not_a_snapshot);
    }
    snapshot_file_header header;
    std::uint64_t version_line = 0;
    std::string value;
    for (;;) {
        if (!in.next(line)) {
            in.fail_at_end("the file ends in its header: it was cut short");
        }
        auto const [keyword, rest] = split_keyword(line);
        if (keyword == "table") {
            break;
        }
        if (keyword == "version") {
            if (version_line != 0) {
                in.fail(fmt::format("version already on line {}", version_line));
            }
            auto const parsed = base::is_digits(rest) ? base::parse_uint(rest) : std::nullopt;
            if (!parsed || *parsed > static_cast<std::uint64_t>(INT64_MAX)) {
                in.fail(fmt::format("version '{}' is not a number", shown(rest)));
            }
            header.version = static_cast<std::int64_t>(*parsed);
            version_line = in.line_number();
            continue;
        }
        value.clear();
        append_copy_unescaped(value, rest);
        if (keyword == "new_base") {
            if (header.settings_line != 0) {
                in.fail(fmt::format("new_base already on line {}", header.settings_line));
            }
            header.settings.new_base = value;
            header.settings_line = in.line_number();
        } else if (keyword == "old_host") {
            header.settings.old_hosts.push_back(value);
        } else if (keyword == "upload_host") {
            header.settings.upload_hosts.push_back(value);
        } else {
            in.fail(fmt::format("unknown header line '{}' (expected version, new_base, old_host, upload_host or table)",
                                shown(line)));
        }
    }
    if (version_line == 0) {
        in.fail("no version line before the first table");
    }
    if (header.settings_line == 0) {
        in.fail("no new_base line before the first table");
    }
    return header;
}

/// Reads the rows of one table into `builder`; `line` holds its table line and, after, the
/// line that follows its rows.
void read_snapshot_table(snapshot_file_reader &in, std::string_view &line, std::span<bool> seen,
                         snapshot_builder &builder, snapshot_row_decoder &decoder)
{
    // table NAME COLUMNS ROWS
    auto const [name, after_name] = split_keyword(split_keyword(line).second);
    auto const [columns, count] = split_keyword(after_name);
    auto const known = std::find_if(SNAPSHOT_TABLES.begin(), SNAPSHOT_TABLES.end(),
                                    [&](snapshot_table const &t) { return t.name == name; });
    if (known == SNAPSHOT_TABLES.end()) {
        std::string names;
        for (auto const &t : SNAPSHOT_TABLES) {
            names += fmt::format("{}{}", names.empty() ? "" : ", ", t.name);
        }
        in.fail(fmt::format("unknown table '{}' (the tables are {})", shown(name), names));
    }
    auto const &table = *known;
    auto const index = static_cast<std::size_t>(known - SNAPSHOT_TABLES.begin());
    if (seen[index]) {
        in.fail(fmt::format("table {} appears twice", table.name));
    }
    seen[index] = true;
    if (columns != column_list(table)) {
        in.fail(fmt::format("table {} has the columns '{}', but this forumgate reads {}", table.name, shown(columns),
                            column_list(table)));
    }
    auto const rows = base::is_digits(count) ? base::parse_uint(count) : std::nullopt;
    if (!rows) {
        in.fail(fmt::format("table {}: row count '{}' is not a number (a table line is `table NAME COLUMNS ROWS`)",
                            table.name, shown(count)));
    }
    std::uint64_t const table_line = in.line_number();
    if (table.table == map_table::posts) {
        builder.reserve_posts(static_cast<std::size_t>(std::min<std::uint64_t>(*rows, MAX_ID)));
    }

    copy_row row{table.columns};
    for (std::uint64_t read = 0; read < *rows; ++read) {
        if (!in.next(line)) {
            in.fail_at_end(fmt::format("the file ends after {} of the {} rows of table {} (line {}): it was cut short",
                                       read, *rows, table.name, table_line));
        }
        try {
            row.split(line);
            decoder.add(table.table, row, builder);
        } catch (input_error const &e) {
            if (line == "end" || line.starts_with("table ")) {
                in.fail(fmt::format("table {} (line {}) has {} rows, not the {} its table line says", table.name,
                                    table_line, read, *rows));
            }
            in.fail(fmt::format("table {}: {}", table.name, e.what()));
        }
    }
    if (!in.next(line)) {
        in.fail_at_end("the file ends without its end line: it was cut short");
    }
    if (line != "end" && !line.starts_with("table ") &&
        static_cast<std::size_t>(std::count(line.begin(), line.end(), '\t')) + 1 == table.columns.size()) {
        in.fail(fmt::format("table {} (line {}) has more rows than the {} its table line says", table.name, table_line,
                            *rows));
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Connection strings

std::string describe_conninfo(std::string const &conninfo)
{
    auto const options = parse_conninfo(conninfo);
    if (!options) {
        return "an unparsable connection string";
    }
    std::string out;
    for (std::string_view const keyword : {"host", "port", "dbname", "user"}) {
        for (PQconninfoOption const *option = options.get(); option->keyword != nullptr; ++option) {
            if (option->keyword == keyword && option->val != nullptr && option->val[0] != '\0') {
                out += fmt::format("{}{}={}", out.empty() ? "" : " ", keyword, conninfo_value(option->val));
            }
        }
    }
    return out.empty() ? "the default database (libpq defaults and PG* variables)" : out;
}

std::string with_database(std::string const &conninfo, std::string const &dbname)
{
    auto const options = parse_conninfo(conninfo);
    if (!options) {
        throw argument_error{"the database connection string cannot be parsed (see the libpq manual, "
                             "\"Connection Strings\")"};
    }
    std::string out;
    for (PQconninfoOption const *option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val != nullptr && std::string_view{option->keyword} != "dbname") {
            out += fmt::format("{}={} ", option->keyword, conninfo_value(option->val));
        }
    }
    out += fmt::format("dbname={}", conninfo_value(dbname));
    return out;
}

// ---------------------------------------------------------------------------------------------
// store

store::store(std::string const &conninfo) : m_description{describe_conninfo(conninfo)}
{
    with_context(fmt::format("connecting to {}", m_description), [&] {
        m_connection = std::make_unique<pqxx::connection>(conninfo);
        // COPY text is exchanged as UTF-8 whatever the server's or the environment's encoding.
        m_connection->set_client_encoding("UTF8");
    });
}

store::~store() = default;

std::vector<int> store::migrate()
{
    std::vector<int> applied;
    // Up to date: nothing is written, so a store that is a read-only standby, or a role that may
    // only read, serves the commands that only read (serve, resolve, map stats, map snapshot).
    int const current = schema_version();
    if (current == SCHEMA_VERSION) {
        return applied;
    }
    if (current > SCHEMA_VERSION) {
        throw database_error{newer_schema_message(m_description, current)};
    }
    std::string const lock = fmt::format("SELECT pg_advisory_xact_lock({})", MIGRATION_LOCK_KEY);
    with_context(fmt::format("preparing the forumgate schema in {}", m_description), [&] {
        pqxx::work txn{*m_connection};
        txn.exec(lock);
        txn.exec("CREATE SCHEMA IF NOT EXISTS forumgate");
        txn.exec("CREATE TABLE IF NOT EXISTS forumgate.schema_migrations ("
                 "version integer primary key, description text not null, "
                 "applied_at timestamptz not null default now())");
        int const version = read_schema_version(txn);
        if (version > SCHEMA_VERSION) {
            throw database_error{newer_schema_message(m_description, version)};
        }
        txn.commit();
    });
    for (auto const &step : MIGRATIONS) {
        with_context(
            fmt::format("applying migration {} ({}) to {}", step.version, step.description, m_description), [&] {
                pqxx::work txn{*m_connection};
                txn.exec(lock);
                // Read again under the lock: another process may have applied it meanwhile.
                if (!txn.exec_params("SELECT FROM forumgate.schema_migrations WHERE version = $1", step.version)
                         .empty()) {
                    return;
                }
                txn.exec(std::string{step.sql});
                txn.exec_params("INSERT INTO forumgate.schema_migrations (version, description) VALUES ($1, $2)",
                                step.version, std::string{step.description});
                txn.commit();
                applied.push_back(step.version);
            });
    }
    return applied;
}

int store::schema_version()
{
    return with_context(fmt::format("reading the schema version of {}", m_description), [&] {
        pqxx::read_transaction txn{*m_connection};
        return read_schema_version(txn);
    });
}

std::optional<site_settings> store::settings()
{
    return with_context(fmt::format("reading the site settings from {}", m_description), [&] {
        pqxx::read_transaction txn{*m_connection};
        check_schema(txn, m_description);
        return read_settings(txn);
    });
}

void store::set_settings(site_settings settings)
{
    normalise(settings);
    with_context(fmt::format("storing the site settings in {}", m_description), [&] {
        pqxx::work txn{*m_connection};
        check_schema(txn, m_description);
        (void)store_settings(txn, settings);
        txn.commit();
    });
}

load_result store::load_csv(std::filesystem::path const &dir, std::optional<site_settings> settings)
{
    if (!fs::is_directory(dir)) {
        throw input_error{fmt::format("{} is not a folder", dir.string())};
    }
    return with_context(fmt::format("loading the map from {} into {}", dir.string(), m_description), [&] {
        load_result result;
        pqxx::work txn{*m_connection};
        check_schema(txn, m_description);
        txn.exec(fmt::format("SELECT pg_advisory_xact_lock({})", LOAD_LOCK_KEY));
        result.version_before = read_map_version(txn);

        // Settings given by the caller win over settings.csv; either is stored (if it differs
        // from what is stored) and used to check the rows. Without either, the stored ones are.
        std::optional<load_result::file> settings_file;
        if (settings) {
            normalise(*settings);
        } else if (fs::exists(dir / "settings.csv")) {
            settings_file.emplace();
            settings_file->name = "settings.csv";
            settings = read_settings_file(dir / "settings.csv", settings_file->rows);
        }
        if (settings) {
            auto const change = store_settings(txn, *settings);
            if (settings_file) {
                settings_file->inserted = change == settings_change::inserted ? 1 : 0;
                settings_file->updated = change == settings_change::updated ? 1 : 0;
                result.files.push_back(*settings_file);
            }
        } else {
            settings = read_settings(txn);
        }

        for (auto const &kind : MAP_FILES) {
            fs::path const path = dir / kind.name;
            if (!fs::exists(path)) {
                continue;
            }
            if (!settings) {
                throw input_error{
                    "the map has no site settings yet: --new-base and --old-host are needed on the first load"};
            }
            auto const started = std::chrono::steady_clock::now();
            result.files.push_back(kind.load(txn, path, *settings));
            spdlog::debug("{}: {} rows read, checked and merged in {:.1f} s", kind.name, result.files.back().rows,
                          seconds_since(started));
        }
        result.version_after = read_map_version(txn);
        txn.commit();
        return result;
    });
}

void store::export_csv(std::filesystem::path const &dir)
{
    with_context(fmt::format("exporting the map from {} to {}", m_description, dir.string()), [&] {
        fs::create_directories(dir);
        // One snapshot of the database for all files, so that they agree with each other.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        using enum cell;
        // Text keys are ordered by byte (COLLATE "C"), so exports are the same whatever the
        // database's locale.
        std::array<export_table, 7> const tables{{
            {"topics.csv",
             "topics",
             "old_id",
             {{"old_id", number}, {"old_slug", text}, {"new_id", number}, {"new_slug", text}, {"restricted", flag}}},
            {"posts.csv",
             "posts",
             "old_id",
             {{"old_id", number},
              {"old_topic_id", number},
              {"old_post_number", number},
              {"new_id", number},
              {"new_topic_id", number},
              {"new_post_number", number},
              {"hidden", flag}}},
            {"categories.csv",
             "categories",
             "old_id",
             {{"old_id", number},
              {"old_slug_path", text},
              {"new_id", number},
              {"new_slug_path", text},
              {"restricted", flag}}},
            {"users.csv",
             "users",
             "old_username_lower COLLATE \"C\"",
             {{"old_username", text}, {"new_username", text}}},
            {"tags.csv", "tags", "old_name_lower COLLATE \"C\"", {{"old_name", text}, {"new_name", text}}},
            {"uploads.csv", "uploads", "old_path COLLATE \"C\"", {{"old_path", text}, {"new_url", text}}},
            {"rules.csv", "rules", "position", {{"pattern", text}, {"replacement", text}, {"kind", text}}},
        }};
        for (auto const &table : tables) {
            export_file(txn, dir, table);
        }
        if (auto const stored = read_settings(txn)) {
            std::array<std::string_view, 2> const header{"key", "value"};
            csv_writer out{dir / "settings.csv", header};
            auto const row = [&](std::string_view key, std::string_view value) {
                out.raw(key);
                out.text(value);
                out.end_row();
            };
            row("new_base", stored->new_base);
            for (auto const &host : stored->old_hosts) {
                row("old_host", host);
            }
            for (auto const &host : stored->upload_hosts) {
                row("upload_host", host);
            }
            out.close();
        }
        txn.commit();
    });
}

map_stats store::stats()
{
    return with_context(fmt::format("counting the map in {}", m_description), [&] {
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        auto const row =
            txn.exec1("SELECT v.version, t.total, t.not_migrated, t.restricted, p.total, p.not_migrated, "
                      "(SELECT count(*) FROM forumgate.categories), (SELECT count(*) FROM forumgate.users), "
                      "(SELECT count(*) FROM forumgate.tags), (SELECT count(*) FROM forumgate.uploads), "
                      "(SELECT count(*) FROM forumgate.rules), (SELECT count(*) FROM forumgate.misses) "
                      "FROM forumgate.map_version v, "
                      "(SELECT count(*) AS total, count(*) FILTER (WHERE new_id IS NULL) AS not_migrated, "
                      "count(*) FILTER (WHERE restricted) AS restricted FROM forumgate.topics) t, "
                      "(SELECT count(*) AS total, count(*) FILTER (WHERE new_id IS NULL) AS not_migrated FROM "
                      "forumgate.posts) p");
        map_stats out;
        out.version = row[0].as<std::int64_t>();
        out.topics = row[1].as<std::int64_t>();
        out.topics_not_migrated = row[2].as<std::int64_t>();
        out.topics_restricted = row[3].as<std::int64_t>();
        out.posts = row[4].as<std::int64_t>();
        out.posts_not_migrated = row[5].as<std::int64_t>();
        out.categories = row[6].as<std::int64_t>();
        out.users = row[7].as<std::int64_t>();
        out.tags = row[8].as<std::int64_t>();
        out.uploads = row[9].as<std::int64_t>();
        out.rules = row[10].as<std::int64_t>();
        out.misses = row[11].as<std::int64_t>();
        txn.commit();
        return out;
    });
}

std::int64_t store::map_version()
{
    return with_context(fmt::format("reading the map version from {}", m_description), [&] {
        pqxx::read_transaction txn{*m_connection};
        check_schema(txn, m_description);
        return read_map_version(txn);
    });
}

std::shared_ptr<snapshot const> store::load_snapshot()
{
    std::unique_ptr<snapshot_builder> builder;
    std::string_view table;
    auto const rethrow_with_table = [&](input_error const &e) {
        throw input_error{fmt::format("forumgate.{}: {}", table, e.what())};
    };
    with_context(fmt::format("reading the map from {}", m_description), [&] {
        // One repeatable-read transaction: every table as it was at the same moment.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        auto settings = read_settings(txn);
        if (!settings) {
            throw input_error{fmt::format(
                "the map in {} has no site settings yet: load it with --new-base and --old-host first", m_description)};
        }
        auto const counts =
            txn.exec1("SELECT (SELECT version FROM forumgate.map_version), (SELECT count(*) FROM forumgate.posts)");
        builder = std::make_unique<snapshot_builder>(std::move(*settings));
        builder->set_version(counts[0].as<std::int64_t>());
        builder->reserve_posts(counts[1].as<std::size_t>());

        try {
            snapshot_row_decoder decoder;
            for (auto const &spec : SNAPSHOT_TABLES) {
                table = spec.name;
                copy_reader rows{txn, fmt::format("forumgate.{}", spec.name), snapshot_query(spec), spec.columns};
                while (rows.next()) {
                    decoder.add(spec.table, rows.row(), *builder);
                }
                rows.complete();
            }
        } catch (input_error const &e) {
            rethrow_with_table(e);
        }
        // Read-only: ending it early frees the server's snapshot before the (long) build.
        txn.commit();
    });
    table = "map";
    try {
        return builder->build();
    } catch (input_error const &e) {
        rethrow_with_table(e);
    }
    return nullptr; // not reached: rethrow_with_table throws
}

void store::record_misses(std::vector<miss_count> const &misses)
{
    // Only what PostgreSQL can store: one unstorable target would fail the batch, and the
    // redirector keeps a failed batch to retry it, so it would never get through.
    std::size_t skipped = 0;
    std::vector<std::pair<std::string_view, miss_count const *>> rows;
    rows.reserve(misses.size());
    for (auto const &miss : misses) {
        std::string_view target = miss.target;
        if (target.size() > MAX_MISS_TARGET_BYTES) {
            target = target.substr(0, MAX_MISS_TARGET_BYTES);
            // Not in the middle of a UTF-8 sequence: drop continuation bytes and their lead byte.
            while (!target.empty() && (static_cast<unsigned char>(target.back()) & 0xC0U) == 0x80U) {
                target.remove_suffix(1);
            }
            if (!target.empty() && (static_cast<unsigned char>(target.back()) & 0x80U) != 0) {
                target.remove_suffix(1);
            }
        }
        bool const storable = miss.hits > 0 && !target.empty() && target.find('\0') == std::string_view::npos &&
                              miss.reason.find('\0') == std::string::npos && base::is_valid_utf8(target) &&
                              base::is_valid_utf8(miss.reason);
        if (storable) {
            rows.emplace_back(target, &miss);
        } else {
            ++skipped;
        }
    }
    if (skipped > 0) {
        spdlog::warn("miss log: {} of {} entries skipped (no hits, or a target that is not UTF-8 text)", skipped,
                     misses.size());
    }
    if (rows.empty()) {
        return;
    }
    with_context(fmt::format("recording {} missed URLs in {}", rows.size(), m_description), [&] {
        pqxx::work txn{*m_connection};
        check_schema(txn, m_description);
        txn.exec("CREATE TEMP TABLE fg_misses (position bigint, target text, reason text, hits bigint) ON COMMIT DROP");
        {
            copy_writer staging{txn, "fg_misses"};
            std::uint64_t position = 0;
            for (auto const &[target, miss] : rows) {
                staging.number(++position);
                staging.text(target);
                staging.text(miss->reason);
                staging.number(static_cast<std::uint64_t>(miss->hits));
                staging.end_row();
            }
            staging.complete();
        }
        // One row per target (ON CONFLICT may not touch a row twice), its last reason winning.
        // Ordered by target, so that two redirectors recording at once lock rows in the same
        // order and never deadlock.
        txn.exec("INSERT INTO forumgate.misses AS m (target, reason, hits) "
                 "SELECT target, (array_agg(reason ORDER BY position DESC))[1], sum(hits)::bigint "
                 "FROM fg_misses GROUP BY target ORDER BY target "
                 "ON CONFLICT (target) DO UPDATE SET hits = m.hits + excluded.hits, reason = excluded.reason, "
                 "last_seen = now()");
        txn.commit();
    });
}

void store::write_snapshot_file(std::filesystem::path const &file)
{
    auto const started = std::chrono::steady_clock::now();
    std::int64_t total_rows = 0;
    with_context(fmt::format("writing a snapshot of the map in {} to {}", m_description, file.string()), [&] {
        // One repeatable-read transaction, as load_snapshot: every table, and its row count, as
        // it was at the same moment.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        auto const settings = read_settings(txn);
        if (!settings) {
            throw input_error{fmt::format(
                "the map in {} has no site settings yet: load it with --new-base and --old-host first", m_description)};
        }
        std::string count_query = "SELECT (SELECT version FROM forumgate.map_version)";
        for (auto const &spec : SNAPSHOT_TABLES) {
            count_query += fmt::format(", (SELECT count(*) FROM forumgate.{})", spec.name);
        }
        auto const counts = txn.exec1(count_query);

        snapshot_file_writer out{file};
        out.line(fmt::format("{} {}", SNAPSHOT_MAGIC, SNAPSHOT_FORMAT));
        out.line(fmt::format("version {}", counts[0].as<std::int64_t>()));
        out.setting("new_base", settings->new_base);
        for (auto const &host : settings->old_hosts) {
            out.setting("old_host", host);
        }
        for (auto const &host : settings->upload_hosts) {
            out.setting("upload_host", host);
        }
        for (std::size_t i = 0; i < SNAPSHOT_TABLES.size(); ++i) {
            auto const &spec = SNAPSHOT_TABLES[i];
            auto const rows = counts[static_cast<int>(i + 1)].as<std::int64_t>();
            out.line(fmt::format("table {} {} {}", spec.name, column_list(spec), rows));
            // The lines as the server sends them are the file's rows: no decoding, no encoding.
            copy_reader copy{txn, fmt::format("forumgate.{}", spec.name), snapshot_query(spec), spec.columns};
            std::int64_t written = 0;
            while (copy.next_line()) {
                out.line(copy.line());
                ++written;
            }
            copy.complete();
            if (written != rows) {
                throw database_error{
                    fmt::format("reading forumgate.{}: {} rows counted, but {} read in the same transaction", spec.name,
                                rows, written)};
            }
            total_rows += written;
        }
        out.line("end");
        txn.commit();
        out.commit();
    });
    spdlog::debug("snapshot of {} rows written to {} in {:.1f} s", total_rows, file.string(), seconds_since(started));
}

std::shared_ptr<snapshot const> read_snapshot_file(std::filesystem::path const &file)
{
    snapshot_file_reader in{file};
    std::string_view line;
    auto header = read_snapshot_header(in, line);
    std::unique_ptr<snapshot_builder> builder;
    try {
        builder = std::make_unique<snapshot_builder>(std::move(header.settings));
    } catch (input_error const &e) {
        in.fail_at(header.settings_line, fmt::format("the settings are unusable: {}", e.what()));
    }
    builder->set_version(header.version);

    // Tables, each once, in any order, until the end line.
    std::array<bool, SNAPSHOT_TABLES.size()> seen{};
    snapshot_row_decoder decoder;
    while (line != "end") {
        if (!line.starts_with("table ")) {
            in.fail(fmt::format("'{}' is neither a table line nor the end line", shown(line)));
        }
        read_snapshot_table(in, line, seen, *builder, decoder);
    }
    for (std::size_t i = 0; i < seen.size(); ++i) {
        if (!seen[i]) {
            in.fail(fmt::format("no table {} before the end line", SNAPSHOT_TABLES[i].name));
        }
    }
    if (in.next(line)) {
        in.fail("more lines after the end line");
    }
    try {
        return builder->build();
    } catch (input_error const &e) {
        throw input_error{fmt::format("{}: {}", in.name(), e.what())};
    }
}

} // namespace forumgate::mappings
