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
