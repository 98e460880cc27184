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
