-- The map's change log: for each map version, the keys of the rows its transaction inserted,
-- updated or deleted, by table. A redirector whose map has version N reads the changes after N
-- and the rows they name, instead of the whole map (docs/scaling.md). Posts are logged by their
-- topic (old_topic_id): a change to one post changes how its topic's post numbers land, so the
-- topic's posts are read again. A key '*' means the table changed as a whole (a truncate, a
-- statement that changed more than 10,000 rows, the settings, the rules): read the whole map.
create table forumgate.map_changes (
    version bigint not null,
    table_name text not null,
    key text not null,
    primary key (version, table_name, key)
);

-- As before (0001), and now also logs the keys of the changed rows under the transaction's
-- version; the trigger's one argument names the key column (none: the table is logged as a
-- whole). Changes more than 10,000 versions old are pruned: a redirector that far behind reads
-- the whole map, as it does for any version the log no longer holds.
create or replace function forumgate.bump_map_version() returns trigger
language plpgsql as $$
declare
    bumped bigint;
    current_version bigint;
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
        delete from forumgate.map_changes where version <= bumped - 10000;
    end if;
    select version into current_version from forumgate.map_version;
    -- (A truncate has no transition table: it must not be named in a query that runs then.)
    if tg_op <> 'TRUNCATE' and tg_nargs > 0 then
        if (select count(*) from (select from changed_rows limit 10001) as first_rows) <= 10000 then
            insert into forumgate.map_changes
            select distinct current_version, tg_table_name, to_jsonb(r) ->> tg_argv[0] from changed_rows r
            on conflict do nothing;
            return null;
        end if;
    end if;
    insert into forumgate.map_changes values (current_version, tg_table_name, '*') on conflict do nothing;
    return null;
end
$$;

-- The keyed tables' triggers again, with their key column; settings and rules stay as they are
-- (no argument: logged as a whole).
do $$
declare
    keyed record;
begin
    for keyed in select * from (values ('topics', 'old_id'), ('posts', 'old_topic_id'), ('categories', 'old_id'),
                                       ('users', 'old_username_lower'), ('tags', 'old_name_lower'),
                                       ('uploads', 'old_path')) as t(name, key) loop
        execute format('drop trigger %I on forumgate.%I', keyed.name || '_inserted', keyed.name);
        execute format('drop trigger %I on forumgate.%I', keyed.name || '_updated', keyed.name);
        execute format('drop trigger %I on forumgate.%I', keyed.name || '_deleted', keyed.name);
        execute format('create trigger %I after insert on forumgate.%I referencing new table as changed_rows '
                       'for each statement execute function forumgate.bump_map_version(%L)',
                       keyed.name || '_inserted', keyed.name, keyed.key);
        execute format('create trigger %I after update on forumgate.%I referencing new table as changed_rows '
                       'for each statement execute function forumgate.bump_map_version(%L)',
                       keyed.name || '_updated', keyed.name, keyed.key);
        execute format('create trigger %I after delete on forumgate.%I referencing old table as changed_rows '
                       'for each statement execute function forumgate.bump_map_version(%L)',
                       keyed.name || '_deleted', keyed.name, keyed.key);
    end loop;
end
$$;

-- A post moved to another topic changes the topic it left too.
create trigger posts_updated_from after update on forumgate.posts referencing old table as changed_rows
    for each statement execute function forumgate.bump_map_version('old_topic_id');
