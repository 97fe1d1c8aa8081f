## bantin — English

start-private =
    👋 Hello! I am <b>bantin</b>, a bot that posts <b>short summaries</b> of new news articles to Telegram groups and channels.

    • /latest — the newest stories
    • /feeds — the news sources and their status
    • /subscribe — get posts in this chat
    • /subscribe @your_channel — post to your channel (you and the bot must be its admins)
    • /settings — summary length, images, quiet hours…
    • /language — change the language
start-group =
    👋 Hello! I am <b>bantin</b>, a bot that posts short summaries of new news articles.

    A group admin types /subscribe to get every source, or /subscribe { $example } for one. Anyone can type /latest for the newest stories.
greet-group =
    👋 Thanks for adding <b>bantin</b>!

    An admin types /subscribe to get the news here (inside a topic, posts go to that topic). /help for more.

latest-title = 📰 { $count ->
    [one] The latest story
   *[other] { $count } latest stories
}
latest-title-feed = 📰 { $count ->
    [one] The latest story
   *[other] { $count } latest stories
} — { $feed }
latest-empty = No stories yet. Try again in a few minutes.
latest-bad-count = The number must be between 1 and { $max }. Example: /latest 5
latest-unknown-feed = There is no source “{ $feed }”. See /feeds
rate-limited = ⏳ Each person may use { $command } at most { $limit } times in { $seconds } seconds. Please try again in { $seconds } seconds.

feeds-title = 📚 <b>Sources</b>
feeds-empty = No sources yet.
feeds-line = • <b>{ $name }</b> — { $title } ({ $host })
feeds-line-untitled = • <b>{ $name }</b> — { $host }
feeds-local-file = a file on the server
feeds-url = 🔗 { $url }
feeds-status-ok = ✅ read at { $when } · { $items ->
    [one] { $items } story
   *[other] { $items } stories
}
feeds-status-never = ⏳ not read yet
feeds-status-failing = ⚠️ cannot be read right now (next try: { $next })
feeds-status-error = ⚠️ error ({ $failures ->
    [one] { $failures } failure
   *[other] { $failures } failures
} in a row): { $error } (next try { $next })
feeds-next = 🔄 next read: { $next } ({ $every } min apart{ $fixed ->
    [yes] , fixed
   *[no] {""}
})
feeds-held = 📦 { $held ->
    [one] { $held } story was
   *[other] { $held } stories were
} not posted: over the limit per read
feeds-rejected = 🚫 { $rejected ->
    [one] { $rejected } entry
   *[other] { $rejected } entries
} of the last read not posted: no title or link, or a placeholder title ("No Description")
feeds-subscribed = This chat receives: { $feeds }
feeds-not-subscribed = This chat is not subscribed. Type /subscribe.

sub-done = ✅ Subscribed. This chat now receives: { $feeds }. New stories will be posted here.
sub-done-channel = ✅ Channel { $channel } is subscribed and receives: { $feeds }.
sub-all = all sources
sub-all-except = all sources except { $feeds }
unsub-done = 🔕 Unsubscribed from: { $feeds }.
unsub-remaining = Still receiving: { $feeds }.
unsub-none-left = No subscriptions left.
sub-not-admin = ⛔ Only the group's admins can change subscriptions.
sub-unknown-feed = There is no source “{ $feed }”. See /feeds
sub-channel-in-private = Manage a channel from a private chat with the bot: /subscribe @channel
sub-choose-channel = Choose the channel to post to (you and the bot must both be its admins):
sub-choose-channel-button = 📢 Choose a channel
channel-not-found = Channel { $channel } was not found. Add the bot to the channel with the right to post, then try again.
channel-user-not-admin = ⛔ You are not an admin of { $channel }.
channel-bot-not-admin = ⛔ The bot is not an admin allowed to post in { $channel }. Make it an admin, then try again.
channel-not-channel = { $channel } is not a channel.

settings-title = ⚙️ <b>Settings</b> for { $chat }
settings-summary = Summary: { $value }
settings-summary-short = short
settings-summary-normal = normal
settings-summary-long = long
settings-images = Images: { $value }
settings-previews = Link previews: { $value }
settings-silent = Silent posts: { $value }
settings-quiet = Quiet hours: { $value }
settings-on = on
settings-off = off
settings-saved = Saved.
settings-not-admin = Only admins can change settings.

admin-only = ⛔ This command is for the bot's admins only.
addfeed-usage = Usage: /addfeed <url> [name] [article=auto|full|never] [label="Display name"] [every=10m]
addfeed-bad-option = Not a valid option: { $options }. Use article=auto (read the article page when the item is only a teaser), article=full (always read it), article=never (never), label="Display name" (at most 80 characters), every=10m (read every 10 minutes, 1m to 24h; by default the bot follows how often the feed publishes).
addfeed-checking = ⏳ Checking { $url }…
addfeed-ok = ✅ Added source <b>{ $name }</b> ({ $items ->
    [one] { $items } story
   *[other] { $items } stories
}). Chats subscribed to “all” will get its new stories.
addfeed-failed = ❌ Could not read the feed: { $error }
addfeed-bad-name = “{ $name }” cannot be a source name: use only letters, digits, “-” and “_”, at most 40 characters.
removefeed-usage = Usage: /removefeed <name>
removefeed-ok = 🗑 Removed source <b>{ $name }</b>.
stats-text =
    📊 <b>Stats</b>
    Sources: { $feeds } · Subscriptions: { $subs } ({ $chats ->
        [one] { $chats } chat
       *[other] { $chats } chats
    })
    Sent: { $sent } · Digests: { $digests } · Pending: { $pending }
    Dead letters: { $dead }
    429: { $flood } · Retries: { $retries } · Fallbacks: { $fallbacks }

language-choose = Chọn ngôn ngữ / Choose a language:
language-set = ✅ Switched to English.
unknown-command = I do not know that command. Type /help for the list.
button-stale = This button is out of date. Please send the command again.
error-generic = ⚠️ Something went wrong; please try again later.

digest-title = 📰 { $count ->
    [one] { $count } new story
   *[other] { $count } new stories
}

cmd-start = About the bot
cmd-help = Help
cmd-latest = Latest stories
cmd-feeds = News sources
cmd-language = Change language
cmd-subscribe = Subscribe this chat
cmd-unsubscribe = Unsubscribe
cmd-settings = Settings

filter-title = 🔎 <b>Keyword filters</b> of { $chat }
filter-none = No filters: every story of the subscribed feeds is posted.
filter-includes = ✅ Only stories with: { $terms }
filter-excludes = 🚫 Leave out stories with: { $terms }
filter-usage = Add filters: /filter +hanoi, +flood, -advertisement (+ keeps only stories with the word, - leaves out stories with it; accents and case do not matter). Remove all: /filter off
filter-remove-hint = Press a button to remove that filter. Remove all: /filter off
filter-saved = ✅ Filters saved.
filter-removed = Removed.
filter-already-removed = This filter was already removed.
filter-cleared = { $count ->
    [0] There were no filters to remove.
    [one] 🧹 Removed 1 filter: every story is posted.
   *[other] 🧹 Removed { $count } filters: every story is posted.
}
filter-not-admin = ⛔ Only the group's admins can change its filters.
filter-no-subscription = This chat is not subscribed to any feed yet. Send /subscribe first, then set filters.
filter-too-many = At most { $max } filters per subscription. Remove some (/filter) and try again; nothing was changed.
filter-bad-empty = “{ $item }” has no letters or digits to filter on. Example: /filter +hanoi, -advertisement
filter-bad-too-long = “{ $item }” is too long: at most { $chars } characters per filter.
filter-bad-too-many = At most { $max } filters at once; nothing was changed.
settings-filters = 🔎 Filters: { $filters } (change with /filter)
cmd-filter = Filter stories by keyword
search-title = 🔎 { $count ->
    [one] 1 story
   *[other] { $count } stories
} for “{ $query }”
search-none = Nothing found for “{ $query }”. Try fewer or other words (accents are optional), or see /latest.
search-usage = Send /search and the words to look for, for example: /search typhoon (accents and case do not matter).
cmd-search = Search stories
help-title = ℹ️ <b>bantin's commands</b>
help-member =
    <b>For everyone</b>
    /latest [n] [source] — the newest stories (5 by default, at most 20)
    /search &lt;words&gt; — find stories already posted (accents optional)
    /feeds — the news sources and their status
    /language — change the language
    /help — this list
help-admin =
    <b>For the group's admins</b> (in a private chat: for you)
    /subscribe [source… | all] [@channel] — get posts here (or in your channel)
    /unsubscribe [source… | all] [@channel] — stop some or all sources
    /filter [+word, -word | off] — only stories with these words, or none with them
    /settings [@channel] — summary length, layout, silent posts, quiet hours, the bulletin
    /bulletin [on | only | off] [times…] — morning/evening bulletin: the main stories in one message
    /quiet &lt;from&gt; &lt;to&gt; | off — quiet hours
    /timezone &lt;zone&gt; — the chat's time zone (bulletin, quiet hours, posts' times)
help-admin-hint = The group's admins also have /subscribe, /unsubscribe, /filter, /settings and /bulletin.
help-bot-admin =
    <b>For the bot's admins</b>
    /addfeed &lt;url&gt; [name] [article=…] [label="…"] — add a news source
    /removefeed &lt;source&gt; — remove a news source
    /resumefeed &lt;source&gt; — read a source paused for failing too long again now
    /stats — figures: posts sent, queue, errors
    /import — (in reply to an .opml file, or send the file) add its sources, after a confirmation
    /export — the list of sources as an OPML file
addfeed-name-taken = The name “{ $name }” is the same as the source “{ $existing }” once accents and separators are ignored (/latest and /subscribe could not tell them apart). Please choose another name.
addfeed-url-taken = This address is already the source “{ $existing }”. To change its options, use that name again: /addfeed <url> { $existing } …
feed-error-dns = the host name does not exist (check the address for typos)
feed-error-refused = the server refused the connection
feed-error-timeout = the server did not answer in time
feed-error-http = the server answered with HTTP error { $status }
feed-error-blocked = the address points into a private network, which is not read
feed-error-too-big = the document is too large
feed-error-redirect = too many or broken redirects
feed-error-url = not a valid address (only http and https)
feed-error-tls = the site's security certificate (HTTPS) is not valid
feed-error-not-feed = this is not an RSS, Atom or JSON feed (perhaps an ordinary web page)
feed-error-other = it could not be read; the bot's log has the details
sub-where = Where would you like the news?
sub-where-here = 📥 In this chat
sub-where-channel = 📢 In one of my channels
unsub-this-chat = This chat
unsub-the-channel = The channel { $channel }
unsub-nothing-where = ℹ️ { $where } is not subscribed to any source.
unsub-not-subscribed-where = ℹ️ { $where } was not subscribed to { $feeds }.
unsub-confirm = ⚠️ { $where } receives: { $feeds }. Stop <b>everything</b>?
unsub-confirm-yes = 🔕 Stop everything
unsub-confirm-no = Keep it
unsub-kept = 👍 Kept as it was; nothing changed.
unsub-already = ℹ️ This subscription was already removed.
settings-layout = Layout: { $value }
settings-layout-photo = photo
settings-layout-card = preview card
settings-layout-compact = compact
settings-button = Read more: { $value }
settings-button-on = button
settings-button-off = link
settings-help =
    Each button changes one setting of this chat:
    • Summary: how long the summary is (short ~280, normal ~600, long ~1,400 characters).
    • Layout: photo (the article's picture with the summary), preview card (text with the site's large card), compact (text only).
    • Read more: a link at the end of the post, or a button under it.
    • Silent posts: posts arrive without a notification sound.
    • Quiet hours: posts in these hours are gathered and sent at once when they end. Any hours: /quiet 22 6 (off: /quiet off).
    • Bulletin: the day's main stories in one message at 06:30 and 18:30, besides the instant posts or instead of them. Other times: /bulletin 6:30 18:30; time zone: /timezone.
quiet-usage = Usage: /quiet 22 6 (from 22:00 to 06:00, in the chat's time zone: /timezone), /quiet off to turn it off. Hours from 0 to 23, two different ones.
quiet-set = 🌙 Quiet hours: from { $start }:00 to { $end }:00. Posts in these hours are gathered and sent at once when they end.
quiet-off = 🔔 Quiet hours are off.
cmd-quiet = Set quiet hours
feeds-channel-usage = To see a channel, ask from a private chat with the bot: /feeds @your_channel
feeds-channel-subscribed = 📢 The channel { $channel } receives: { $feeds }
feeds-channel-not-subscribed = 📢 The channel { $channel } is not subscribed to any source.
feeds-my-channels = 📢 <b>Your channels</b> (subscribed through the bot):
feeds-my-channel = • { $channel }: { $feeds }
bulletin-header-morning = ☀️ Morning bulletin { $date }
bulletin-header-midday = 🕛 Midday bulletin { $date }
bulletin-header-afternoon = 🌤 Afternoon bulletin { $date }
bulletin-header-evening = 🌙 Evening bulletin { $date }
settings-bulletin = 📰 Bulletin: { $value }
settings-bulletin-off = off
settings-bulletin-also = with posts
settings-bulletin-only = instead
settings-bulletin-line = 📰 Bulletin: { $mode } · at { $times } ({ $zone }) — change with /bulletin
bulletin-mode-also = besides the instant posts
bulletin-mode-only = instead of the instant posts (bulletins only)
bulletin-status-off = 📰 The bulletin is <b>off</b>. When on, the main stories come together in one message at { $times } ({ $zone }).
bulletin-status = 📰 Bulletin at <b>{ $times }</b> ({ $zone }), { $mode }. Next bulletin: { $next }.
bulletin-usage =
    Usage:
    /bulletin on — turn it on, besides the instant posts
    /bulletin only — bulletins only, no instant posts
    /bulletin off — turn it off
    /bulletin 6:30 18:30 — other times (at most 4 a day)
    Time zone: /timezone. In a private chat, add @channel to set it for your channel.
bulletin-bad-word = I did not understand “{ $word }”: use on, only, off or times like 6:30.
bulletin-bad-too-many = At most { $max } bulletins a day; nothing was changed.
cmd-bulletin = Morning/evening bulletin
timezone-current = 🕰 This chat's time zone: { $zone }
timezone-usage = To change it: /timezone Asia/Ho_Chi_Minh, /timezone UTC+7 (the bot's default: /timezone default). Used for the bulletin, quiet hours and the posts' times.
timezone-bad = I do not know the time zone “{ $zone }”. Use a name such as Asia/Ho_Chi_Minh or Asia/Kolkata, or a whole-hour offset such as UTC+7.
timezone-set = 🕰 Time zone set to { $zone } (it is { $now } there now).
cmd-timezone = The chat's time zone
feed-alert =
    ⚠️ The source <b>{ $feed }</b> has not been readable since { $since } ({ $tries } tries).
    Error: { $error }.
    What to try: open the source's address in a browser; if the site moved its RSS, remove the source and add it again with /addfeed; /feeds shows its status.
    The bot keeps trying. If it still fails after { $pauseAfter } days, the source is paused (tried once a day).
feed-recovered = ✅ The source <b>{ $feed }</b> can be read again (it failed from { $since }).
feed-moved = ↪️ Feed <b>{ $feed }</b> has moved for good (permanent redirects, 301/308, several reads in a row). The bot reads it at its new address from now on.
   Old: { $from }
   New: { $to }
   If this is wrong, remove it with /removefeed { $feed } and add it again.
feed-paused = ⏸ The source <b>{ $feed }</b> has failed since { $since } and is paused: the bot tries it once a day. /resumefeed { $feed } reads it again now.
resumefeed-usage = Usage: /resumefeed <source>
resumefeed-ok = ▶️ The source <b>{ $name }</b> will be read again at the next cycle.
resumefeed-not-paused = ℹ️ The source <b>{ $name }</b> is not paused.
stats-locale = en-GB
stats-health =
    Sources: { $ok } ok · { $failing } failing · { $paused } paused
    Today: { $items } new stories · { $posts } posts sent
    429s in the last hour: { $flood }
stats-slowest = Slowest: { $feeds }
opml-import-usage = Send the bot an .opml file (a list of sources, exported from a feed reader or by /export), or reply /import to one.
opml-private = Use this command in a private chat with the bot.
opml-too-big = ❌ The file is too large ({ $size }); at most { $max }.
opml-download-failed = ❌ Could not download the file from Telegram; please send it again.
opml-bad-file = ❌ Could not read the OPML file: { $problem }. No source was added.
opml-problem-not-opml = this is not an OPML file (no &lt;opml&gt; with a &lt;body&gt;)
opml-problem-malformed = the file is broken at line { $line }: an element is never closed (was the file cut short?)
opml-problem-too-many = the file holds more than { $max } sources; please split it
opml-empty = ℹ️ The file holds no source.
opml-checking = ⏳ Reading the new ones among the file's { $count } sources once…
opml-preview-title = 📥 <b>{ $file }</b>: { $count ->
    [one] { $count } source
   *[other] { $count } sources
} in the file.
opml-group-new = ✅ <b>New, to add</b> ({ $count }):
opml-group-present = ♻️ <b>Already there</b> ({ $count }):
opml-group-refused = 🚫 <b>Refused</b>, the address points into a private network ({ $count }):
opml-group-unreadable = ⚠️ <b>Unreadable</b> ({ $count }):
opml-line-new = • <b>{ $name }</b> — { $title } · { $url }
opml-line-present = • { $title } → { $existing }
opml-line-twice = • { $title } (twice in the file)
opml-line-refused = • { $title } · { $url }
opml-line-unreadable = • { $title }: { $reason }
opml-untitled = (untitled)
opml-more = … and { $count } more
opml-reason-no-url = no feed address (xmlUrl)
opml-reason-bad-url = not a valid address
opml-reason-not-http = not an http or https address
opml-confirm-ask = Press the button to add { $count ->
    [one] the new source
   *[other] the { $count } new sources
}.
opml-nothing-new = There is no new source to add.
opml-limits = Limits: a file of at most { $size } and { $max } sources; each new source is read once (at most { $seconds } s each).
opml-confirm = ➕ Add { $count ->
    [one] { $count } source
   *[other] { $count } sources
}
opml-cancel = Cancel
opml-adding = ⏳ Adding…
opml-added = ✅ Added { $count ->
    [one] { $count } source
   *[other] { $count } sources
}: { $names }. Chats subscribed to “all” will get their new stories.
opml-added-none = ℹ️ No source was added.
opml-added-present = ℹ️ { $count ->
    [one] { $count } source was
   *[other] { $count } sources were
} added meanwhile, so not again.
opml-already-done = ℹ️ This list was added already.
opml-cancelled = 👍 Cancelled, no source was added.
opml-expired = ⌛ This list has expired; please send the file again.
opml-export-caption = 📤 { $count ->
    [one] { $count } source
   *[other] { $count } sources
} (OPML 2.0).
opml-export-public = Full feed addresses go only to the bot's admins, in a private chat.
opml-export-empty = ℹ️ There is no source to export yet.
