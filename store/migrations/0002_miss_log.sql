create table forumgate.misses (
    target text primary key,
    reason text not null,
    hits bigint not null,
    first_seen timestamptz not null default now(),
    last_seen timestamptz not null default now()
);
