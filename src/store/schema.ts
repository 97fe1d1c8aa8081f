import type { Generated } from "kysely";

/**
 * The tables, as Kysely sees them. Times are epoch milliseconds (bigint), booleans are 0/1
 * integers, so one schema reads the same on SQLite and PostgreSQL. Migrations in
 * ./migrations create them; a release only adds (tables, nullable columns, indexes), so the
 * previous release keeps working on the new schema during a rolling deploy.
 */
export interface Database {
  /** Counters per UTC day shared by every instance (the summary API's daily cap) (0004). */
  daily_counters: {
    name: string;
    day: string;
    count: number;
  };
  /** Feeds added with /addfeed, and tombstones for feeds removed with /removefeed. */
  feed_sources: {
    name: string;
    url: string;
    kind: string;
    removed: number;
    added_by: number | null;
    created_at: number;
    /** JSON of the feed's options (article mode, label) (0004). */
    options: string | null;
    /** The folded name, unique among feeds not removed (0011). */
    name_key: string | null;
  };
  /** The poller's state per feed: validators, backoff, last results. */
  feed_state: {
    name: string;
    url: string;
    title: string | null;
    etag: string | null;
    last_modified: string | null;
    baseline_done: number;
    failures: number;
    skip_until_cycle: number;
    not_before: number | null;
    last_checked_at: number | null;
    last_success_at: number | null;
    last_error_at: number | null;
    last_error: string | null;
    next_attempt_at: number | null;
    items_known: number;
    items_held: number;
    /** Space-separated digests of the last settled document's entries (0002). */
    entry_digests: string | null;
    /** Entries of the last read that were not items (0004). */
    items_rejected: number | null;
    /** Epoch ms the feed is due (adaptive polling); the interval chosen; recent publication times. */
    next_read_at: number | null;
    read_every_ms: number | null;
    recent_published: string | null;
    /** Where permanent redirects lead, reads in a row (0016). */
    moved_to: string | null;
    moved_reads: number | null;
  };
  /** Every stored article, once per (feed, item id). */
  items: {
    id: Generated<number>;
    feed: string;
    item_key: string;
    story_key: string;
    title: string;
    link: string | null;
    text: string;
    image: string | null;
    published: string | null;
    /** For ordering; 0 when the feed gave no usable date. */
    published_at: number;
    categories: string;
    author: string | null;
    source: string | null;
    created_at: number;
    /** An abstractive summary from SUMMARY_API_URL, when one was made (0004). */
    summary: string | null;
    /** The folded words keyword filters are matched on, " word word " (0005). */
    match_text: string | null;
  };
  /** Keyword filters of a subscription: a folded term to include or exclude (0005). */
  subscription_filters: {
    subscription_id: number;
    /** Folded (matchWords), the key. */
    term: string;
    /** As it was typed, for showing. */
    label: string;
    include: number;
    created_at: number;
  };
  subscriptions: {
    id: Generated<number>;
    chat_id: number;
    /** 0: the chat itself, not a forum topic. */
    thread_id: number;
    all_feeds: number;
    chat_type: string;
    title: string | null;
    created_by: number | null;
    created_at: number;
  };
  /** The feeds of a subscription; with all_feeds = 1 the rows are exclusions. */
  subscription_feeds: {
    subscription_id: number;
    feed: string;
    excluded: number;
  };
  chat_settings: {
    chat_id: number;
    summary: string;
    images: number;
    previews: number;
    silent: number;
    quiet_start: number | null;
    quiet_end: number | null;
    language: string | null;
    /** "Đọc tiếp" as a URL button (0007). */
    read_button: number | null;
    /** The bulletin: null (off), 'also' or 'only' (0010). */
    bulletin_mode: string | null;
    /** Its times, minutes after midnight, comma-separated; null: the defaults (0010). */
    bulletin_times: string | null;
    /** When it was turned on or rescheduled: earlier slots are not owed (0010). */
    bulletin_since: number | null;
    /** The chat's IANA time zone; null: TIMEZONE (0010). */
    time_zone: string | null;
  };
  /** OPML imports waiting for a bot admin's confirmation (0013). */
  opml_imports: {
    id: string;
    user_id: number;
    chat_id: number;
    state: string;
    /** JSON of the feeds the preview listed as new. */
    feeds: string;
    created_at: number;
    claimed_at: number | null;
  };
  /** WebSub subscriptions, one per feed (0015). */
  websub: {
    feed: string;
    hub: string;
    topic: string;
    callback_id: string;
    secret: string;
    /** subscribing (asked, not verified yet), active, unsubscribing, failed (the hub refused or denied). */
    state: string;
    trusted: number;
    lease_until: number | null;
    verified_at: number | null;
    requested_at: number;
    error: string | null;
  };
  /** Feeds failing, told about, or paused (0012). */
  feed_health: {
    name: string;
    failing_since: number;
    reason: string | null;
    http_status: number | null;
    alerted_at: number | null;
    paused_at: number | null;
  };
  /** One bulletin per (chat, topic, slot): claimed, then sent, empty or failed (0010). */
  bulletins: {
    chat_id: number;
    thread_id: number;
    slot_at: number;
    status: string;
    claimed_by: string | null;
    /** While claimed: the claim's end, or when a failed send may be tried again. */
    claim_until: number | null;
    attempts: number;
    items: number | null;
    message_id: number | null;
    error: string | null;
    created_at: number;
    done_at: number | null;
  };
  user_languages: {
    user_id: number;
    language: string;
  };
  /** The delivery queue and its ledger: a row per (chat, topic, story), unique. */
  deliveries: {
    id: Generated<number>;
    chat_id: number;
    thread_id: number;
    item_id: number;
    feed: string;
    story_key: string;
    status: string;
    attempts: number;
    not_before: number;
    claimed_by: string | null;
    claim_until: number | null;
    created_at: number;
    done_at: number | null;
    message_id: number | null;
    error: string | null;
    /** 1: sent inside a digest (0009). */
    digest: number | null;
  };
  /** Update ids already handled (Telegram re-delivers; several instances share them). */
  processed_updates: {
    update_id: number;
    at: number;
  };
  /** Webhook updates waiting for the instance that handles updates (0003). */
  inbox: {
    update_id: number;
    body: string;
    received_at: number;
  };
  /** Telegram's 429 pauses still running, per chat or "*" (0003). */
  flood_pauses: {
    chat: string;
    until: number;
  };
  /** Named leases: an owner and a deadline, renewed by the holder. */
  leases: {
    name: string;
    owner: string;
    expires_at: number;
  };
  /** Counters and small values: the cycle number, figures for /stats. */
  meta: {
    key: string;
    value: number;
  };
  /** Keyv's table: the deduplication layer (seen ids with a TTL). */
  keyv: {
    key: string;
    value: string;
    expires: number | null;
  };
}
