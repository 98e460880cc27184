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
