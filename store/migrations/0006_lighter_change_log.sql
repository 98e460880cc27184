-- The map tables' trigger (0005) with less work for each statement that changes the map, which
-- an import makes several times a topic: the map version is read from the row it bumps, and the
-- change log is pruned once every 100 versions instead of after each one (it kept the last
-- 10,000 versions and now keeps between 10,000 and 10,099). Pruning by a parameter on every
-- bump had the planner scan the whole log each time. What is logged is unchanged.
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
        if bumped % 100 = 0 then
            execute 'delete from forumgate.map_changes where version <= $1' using bumped - 10000;
        end if;
        current_version := bumped;
    else
        select version into current_version from forumgate.map_version;
    end if;
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
