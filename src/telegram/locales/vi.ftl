## bantin — tiếng Việt (ngôn ngữ mặc định)

start-private =
    👋 Xin chào! Tôi là <b>bantin</b>, bot gửi <b>bản tin tóm tắt</b> các bài báo mới vào nhóm và kênh Telegram.

    • /latest — xem các tin mới nhất
    • /feeds — các nguồn tin và tình trạng
    • /subscribe — nhận tin tại cuộc trò chuyện này
    • /subscribe @kenh_cua_ban — gửi tin vào kênh của bạn (bạn và bot phải là quản trị viên)
    • /settings — độ dài tóm tắt, ảnh, giờ yên lặng…
    • /language — đổi ngôn ngữ
start-group =
    👋 Xin chào! Tôi là <b>bantin</b>, bot gửi bản tin tóm tắt các bài báo mới.

    Quản trị viên nhóm gõ /subscribe để nhận tất cả nguồn tin, hoặc /subscribe { $example } cho một nguồn. Ai cũng có thể gõ /latest để xem tin mới nhất.
greet-group =
    👋 Cảm ơn đã thêm <b>bantin</b> vào nhóm!

    Quản trị viên gõ /subscribe để nhận bản tin tại đây (trong một chủ đề, tin sẽ được gửi vào chủ đề đó). /help để xem thêm.

latest-title = 📰 { $count } tin mới nhất
latest-title-feed = 📰 { $count } tin mới nhất — { $feed }
latest-empty = Chưa có tin nào. Hãy thử lại sau ít phút.
latest-bad-count = Số tin phải từ 1 đến { $max }. Ví dụ: /latest 5
latest-unknown-feed = Không có nguồn tin “{ $feed }”. Xem danh sách: /feeds
rate-limited = ⏳ Mỗi người được dùng { $command } tối đa { $limit } lần trong { $seconds } giây. Hãy thử lại sau { $seconds } giây.

feeds-title = 📚 <b>Nguồn tin</b>
feeds-empty = Chưa có nguồn tin nào.
feeds-line = • <b>{ $name }</b> — { $title } ({ $host })
feeds-line-untitled = • <b>{ $name }</b> — { $host }
feeds-local-file = tệp trên máy chủ
feeds-url = 🔗 { $url }
feeds-status-ok = ✅ đọc lúc { $when } · { $items } tin
feeds-status-never = ⏳ chưa đọc lần nào
feeds-status-failing = ⚠️ không đọc được (lần thử tiếp: { $next })
feeds-status-error = ⚠️ lỗi ({ $failures } lần liên tiếp): { $error } (thử lại lúc { $next })
feeds-rejected = 🚫 { $rejected } mục của lần đọc gần nhất không được đăng: thiếu tiêu đề hoặc liên kết, hoặc tiêu đề giữ chỗ ("No Description")
feeds-next = 🔄 lần đọc tới: { $next } (cách { $every } phút{ $fixed ->
    [yes] , cố định
   *[no] {""}
})
feeds-held = 📦 { $held } tin không được gửi vì vượt giới hạn mỗi lần đọc
feeds-subscribed = Cuộc trò chuyện này đang nhận: { $feeds }
feeds-not-subscribed = Cuộc trò chuyện này chưa đăng ký. Gõ /subscribe.

sub-done = ✅ Đã đăng ký. Cuộc trò chuyện này đang nhận: { $feeds }. Tin mới sẽ được gửi vào đây.
sub-done-channel = ✅ Kênh { $channel } đã đăng ký, đang nhận: { $feeds }.
sub-all = tất cả nguồn tin
sub-all-except = tất cả nguồn tin, trừ { $feeds }
unsub-done = 🔕 Đã hủy đăng ký: { $feeds }.
unsub-remaining = Vẫn nhận: { $feeds }.
unsub-none-left = Không còn nhận tin từ nguồn nào.
sub-not-admin = ⛔ Chỉ quản trị viên của nhóm mới có thể thay đổi đăng ký.
sub-unknown-feed = Không có nguồn tin “{ $feed }”. Xem danh sách: /feeds
sub-channel-in-private = Hãy quản lý kênh từ cuộc trò chuyện riêng với bot: /subscribe @kenh
sub-choose-channel = Chọn kênh để nhận bản tin (bạn và bot đều phải là quản trị viên của kênh):
sub-choose-channel-button = 📢 Chọn kênh
channel-not-found = Không tìm thấy kênh { $channel }. Hãy thêm bot vào kênh với quyền đăng bài, rồi thử lại.
channel-user-not-admin = ⛔ Bạn không phải quản trị viên của { $channel }.
channel-bot-not-admin = ⛔ Bot chưa là quản trị viên có quyền đăng bài trong { $channel }. Hãy thêm bot làm quản trị viên rồi thử lại.
channel-not-channel = { $channel } không phải là kênh.

settings-title = ⚙️ <b>Cài đặt</b> cho { $chat }
settings-summary = Tóm tắt: { $value }
settings-summary-short = ngắn
settings-summary-normal = vừa
settings-summary-long = dài
settings-images = Ảnh: { $value }
settings-previews = Xem trước liên kết: { $value }
settings-silent = Gửi im lặng: { $value }
settings-quiet = Giờ yên lặng: { $value }
settings-on = bật
settings-off = tắt
settings-saved = Đã lưu.
settings-not-admin = Chỉ quản trị viên mới đổi được cài đặt.

admin-only = ⛔ Lệnh này chỉ dành cho quản trị viên của bot.
addfeed-usage = Cách dùng: /addfeed <url> [tên] [article=auto|full|never] [label="Tên hiển thị"] [every=10m]
addfeed-bad-option = Tùy chọn không hợp lệ: { $options }. Dùng article=auto (đọc trang bài khi tin chỉ có đoạn giới thiệu), article=full (luôn đọc trang bài), article=never (không đọc), label="Tên hiển thị" (tối đa 80 ký tự), every=10m (đọc cố định mỗi 10 phút, từ 1m đến 24h; mặc định bot tự chọn theo nhịp đăng tin).
addfeed-checking = ⏳ Đang kiểm tra { $url }…
addfeed-ok = ✅ Đã thêm nguồn <b>{ $name }</b> ({ $items } tin). Các nhóm đăng ký “tất cả” sẽ nhận tin mới từ nguồn này.
addfeed-failed = ❌ Không đọc được nguồn tin: { $error }
addfeed-bad-name = Tên nguồn “{ $name }” không hợp lệ: chỉ dùng chữ, số, “-” và “_”, tối đa 40 ký tự.
removefeed-usage = Cách dùng: /removefeed <tên>
removefeed-ok = 🗑 Đã gỡ nguồn <b>{ $name }</b>.
stats-text =
    📊 <b>Thống kê</b>
    Nguồn tin: { $feeds } · Đăng ký: { $subs } ({ $chats } cuộc trò chuyện)
    Đã gửi: { $sent } · Bản tin gộp: { $digests } · Đang chờ: { $pending }
    Không gửi được: { $dead }
    429: { $flood } · Thử lại: { $retries } · Gửi dự phòng: { $fallbacks }

language-choose = Chọn ngôn ngữ / Choose a language:
language-set = ✅ Đã chuyển sang tiếng Việt.
unknown-command = Tôi không hiểu lệnh này. Gõ /help để xem các lệnh.
button-stale = Nút này đã cũ. Hãy gõ lại lệnh.
error-generic = ⚠️ Đã có lỗi, vui lòng thử lại sau.

digest-title = 📰 { $count } tin mới

cmd-start = Giới thiệu bot
cmd-help = Hướng dẫn
cmd-latest = Tin mới nhất
cmd-feeds = Các nguồn tin
cmd-language = Đổi ngôn ngữ
cmd-subscribe = Đăng ký nhận tin
cmd-unsubscribe = Hủy đăng ký
cmd-settings = Cài đặt

filter-title = 🔎 <b>Bộ lọc từ khóa</b> của { $chat }
filter-none = Chưa có bộ lọc: mọi tin của các nguồn đã đăng ký đều được gửi.
filter-includes = ✅ Chỉ nhận tin có: { $terms }
filter-excludes = 🚫 Bỏ tin có: { $terms }
filter-usage = Thêm bộ lọc: /filter +hà tĩnh, +lũ, -quảng cáo (dấu + để chỉ nhận tin có từ đó, dấu - để bỏ tin có từ đó; không phân biệt dấu và chữ hoa). Xóa hết: /filter off
filter-remove-hint = Bấm một nút để xóa bộ lọc đó. Xóa hết: /filter off
filter-saved = ✅ Đã lưu bộ lọc.
filter-removed = Đã xóa.
filter-already-removed = Bộ lọc này đã được xóa trước đó.
filter-cleared = { $count ->
    [0] Không có bộ lọc nào để xóa.
   *[other] 🧹 Đã xóa { $count } bộ lọc: mọi tin đều được gửi.
}
filter-not-admin = ⛔ Chỉ quản trị viên của nhóm mới đổi được bộ lọc.
filter-no-subscription = Cuộc trò chuyện này chưa đăng ký nguồn tin nào. Gõ /subscribe trước, rồi đặt bộ lọc.
filter-too-many = Tối đa { $max } bộ lọc cho mỗi đăng ký. Xóa bớt (/filter) rồi thử lại; chưa có gì thay đổi.
filter-bad-empty = “{ $item }” không có chữ hay số nào để lọc. Ví dụ: /filter +hà tĩnh, -quảng cáo
filter-bad-too-long = “{ $item }” dài quá: mỗi bộ lọc tối đa { $chars } ký tự.
filter-bad-too-many = Tối đa { $max } bộ lọc mỗi lần; chưa có gì thay đổi.
settings-filters = 🔎 Bộ lọc: { $filters } (đổi bằng /filter)
cmd-filter = Lọc tin theo từ khóa
search-title = 🔎 { $count } tin cho “{ $query }”
search-none = Không tìm thấy tin nào cho “{ $query }”. Thử ít từ hơn hoặc từ khác (không cần dấu), hoặc xem /latest.
search-usage = Gõ /search và từ cần tìm, ví dụ: /search bão số 4 (không phân biệt dấu và chữ hoa).
cmd-search = Tìm tin đã đăng
help-title = ℹ️ <b>Các lệnh của bantin</b>
help-member =
    <b>Cho mọi người</b>
    /latest [số] [nguồn] — các tin mới nhất (mặc định 5, tối đa 20)
    /search &lt;từ&gt; — tìm tin đã đăng (không cần dấu)
    /feeds — các nguồn tin và tình trạng
    /language — đổi ngôn ngữ
    /help — danh sách này
help-admin =
    <b>Cho quản trị viên nhóm</b> (trong chat riêng: cho bạn)
    /subscribe [nguồn… | all] [@kênh] — nhận tin tại đây (hoặc vào kênh của bạn)
    /unsubscribe [nguồn… | all] [@kênh] — ngừng nhận một số hoặc tất cả nguồn
    /filter [+từ, -từ | off] — chỉ nhận, hoặc bỏ, tin có những từ này
    /settings [@kênh] — độ dài tóm tắt, kiểu bài, gửi im lặng, giờ yên lặng, bản tin
    /bulletin [on | only | off] [giờ…] — bản tin sáng/tối: các tin chính gom vào một tin nhắn
    /quiet &lt;từ giờ&gt; &lt;đến giờ&gt; | off — giờ yên lặng
    /timezone &lt;múi giờ&gt; — múi giờ của nhóm (bản tin, giờ yên lặng, giờ đăng)
help-admin-hint = Quản trị viên nhóm có thêm /subscribe, /unsubscribe, /filter, /settings và /bulletin.
help-bot-admin =
    <b>Cho quản trị bot</b>
    /addfeed &lt;url&gt; [tên] [article=…] [label="…"] — thêm nguồn tin
    /removefeed &lt;nguồn&gt; — gỡ nguồn tin
    /resumefeed &lt;nguồn&gt; — đọc lại ngay một nguồn đã tạm dừng vì lỗi lâu
    /stats — số liệu: tin đã gửi, hàng đợi, lỗi
    /import — (trả lời một tệp .opml, hoặc gửi tệp đó) thêm các nguồn trong tệp, sau khi xác nhận
    /export — danh sách nguồn tin thành tệp OPML
addfeed-name-taken = Tên “{ $name }” trùng với nguồn “{ $existing }” khi gõ không dấu (/latest và /subscribe sẽ không phân biệt được). Hãy chọn tên khác.
addfeed-url-taken = Địa chỉ này đã có trong nguồn “{ $existing }”. Muốn đổi tùy chọn thì dùng lại đúng tên đó: /addfeed <url> { $existing } …
feed-error-dns = tên miền không tồn tại (kiểm tra lại chính tả địa chỉ)
feed-error-refused = máy chủ từ chối kết nối
feed-error-timeout = máy chủ không trả lời kịp
feed-error-http = máy chủ trả lỗi HTTP { $status }
feed-error-blocked = địa chỉ trỏ vào mạng nội bộ, không được phép đọc
feed-error-too-big = tài liệu quá lớn
feed-error-redirect = chuyển hướng quá nhiều lần hoặc không hợp lệ
feed-error-url = địa chỉ không hợp lệ (chỉ nhận http và https)
feed-error-tls = chứng chỉ bảo mật (HTTPS) của trang không hợp lệ
feed-error-not-feed = đây không phải nguồn RSS, Atom hay JSON Feed (có thể là một trang web thường)
feed-error-other = lỗi khi đọc; xem nhật ký của bot để biết chi tiết
sub-where = Bạn muốn nhận bản tin ở đâu?
sub-where-here = 📥 Tại cuộc trò chuyện này
sub-where-channel = 📢 Vào một kênh của tôi
unsub-this-chat = Cuộc trò chuyện này
unsub-the-channel = Kênh { $channel }
unsub-nothing-where = ℹ️ { $where } chưa đăng ký nguồn tin nào.
unsub-not-subscribed-where = ℹ️ { $where } chưa đăng ký { $feeds }.
unsub-confirm = ⚠️ { $where } đang nhận: { $feeds }. Hủy <b>tất cả</b>?
unsub-confirm-yes = 🔕 Hủy tất cả
unsub-confirm-no = Giữ lại
unsub-kept = 👍 Giữ nguyên, không có gì thay đổi.
unsub-already = ℹ️ Đăng ký này đã được hủy trước đó.
settings-layout = Kiểu bài: { $value }
settings-layout-photo = ảnh
settings-layout-card = thẻ xem trước
settings-layout-compact = gọn
settings-button = Đọc tiếp: { $value }
settings-button-on = nút
settings-button-off = liên kết
settings-help =
    Mỗi nút đổi một cài đặt của cuộc trò chuyện này:
    • Tóm tắt: độ dài đoạn tóm tắt (ngắn ~280, vừa ~600, dài ~1.400 ký tự).
    • Kiểu bài: ảnh (ảnh của bài kèm tóm tắt), thẻ xem trước (chữ, kèm thẻ lớn của trang báo), gọn (chỉ chữ).
    • Đọc tiếp: là liên kết ở cuối bài, hay một nút bấm dưới bài.
    • Gửi im lặng: tin đến không kèm âm báo.
    • Giờ yên lặng: tin trong khoảng giờ này được gom lại, gửi một lần khi hết giờ. Đặt giờ bất kỳ: /quiet 22 6 (tắt: /quiet off).
    • Bản tin: các tin chính trong ngày gom vào một tin nhắn lúc 06:30 và 18:30, kèm tin tức thời hoặc thay cho chúng. Đổi giờ: /bulletin 6:30 18:30; múi giờ: /timezone.
quiet-usage = Cách dùng: /quiet 22 6 (từ 22h đến 6h sáng, theo múi giờ của nhóm: /timezone), /quiet off để tắt. Giờ từ 0 đến 23, hai giờ khác nhau.
quiet-set = 🌙 Giờ yên lặng: từ { $start }h đến { $end }h. Tin trong khoảng này được gom lại, gửi một lần khi hết giờ.
quiet-off = 🔔 Đã tắt giờ yên lặng.
cmd-quiet = Đặt giờ yên lặng
feeds-channel-usage = Xem một kênh từ cuộc trò chuyện riêng với bot: /feeds @kenh_cua_ban
feeds-channel-subscribed = 📢 Kênh { $channel } đang nhận: { $feeds }
feeds-channel-not-subscribed = 📢 Kênh { $channel } chưa đăng ký nguồn tin nào.
feeds-my-channels = 📢 <b>Kênh của bạn</b> (đăng ký qua bot):
feeds-my-channel = • { $channel }: { $feeds }
bulletin-header-morning = ☀️ Bản tin sáng { $date }
bulletin-header-midday = 🕛 Bản tin trưa { $date }
bulletin-header-afternoon = 🌤 Bản tin chiều { $date }
bulletin-header-evening = 🌙 Bản tin tối { $date }
settings-bulletin = 📰 Bản tin: { $value }
settings-bulletin-off = tắt
settings-bulletin-also = kèm tin
settings-bulletin-only = thay tin
settings-bulletin-line = 📰 Bản tin: { $mode } · lúc { $times } ({ $zone }) — đổi bằng /bulletin
bulletin-mode-also = kèm các tin tức thời
bulletin-mode-only = thay cho các tin tức thời (chỉ nhận bản tin)
bulletin-status-off = 📰 Bản tin đang <b>tắt</b>. Khi bật, các tin chính được gom vào một tin nhắn lúc { $times } ({ $zone }).
bulletin-status = 📰 Bản tin lúc <b>{ $times }</b> ({ $zone }), { $mode }. Bản tin tiếp theo: { $next }.
bulletin-usage =
    Cách dùng:
    /bulletin on — bật, kèm các tin tức thời
    /bulletin only — chỉ nhận bản tin, không nhận tin tức thời
    /bulletin off — tắt
    /bulletin 6:30 18:30 — đổi giờ (tối đa 4 giờ mỗi ngày)
    Múi giờ: /timezone. Trong chat riêng, thêm @kênh để đặt cho kênh của bạn.
bulletin-bad-word = Không hiểu “{ $word }”: cần on, only, off hoặc giờ như 6:30.
bulletin-bad-too-many = Tối đa { $max } bản tin mỗi ngày; chưa có gì thay đổi.
cmd-bulletin = Bản tin sáng/tối
timezone-current = 🕰 Múi giờ của cuộc trò chuyện này: { $zone }
timezone-usage = Đổi: /timezone Asia/Ho_Chi_Minh, /timezone UTC+7 (mặc định của bot: /timezone default). Dùng cho bản tin, giờ yên lặng và giờ ghi trên bài.
timezone-bad = Không biết múi giờ “{ $zone }”. Dùng tên như Asia/Ho_Chi_Minh, Asia/Kolkata, hoặc độ lệch giờ chẵn như UTC+7.
timezone-set = 🕰 Đã đặt múi giờ { $zone } (bây giờ ở đó là { $now }).
cmd-timezone = Múi giờ của nhóm
feed-alert =
    ⚠️ Nguồn <b>{ $feed }</b> không đọc được từ { $since } ({ $tries } lần thử).
    Lỗi: { $error }.
    Nên thử: mở địa chỉ của nguồn trong trình duyệt; nếu trang đã đổi địa chỉ RSS, gỡ nguồn rồi thêm lại bằng /addfeed; /feeds cho biết tình trạng.
    Bot vẫn tiếp tục thử. Nếu còn lỗi sau { $pauseAfter } ngày, nguồn sẽ tạm dừng (mỗi ngày thử một lần).
feed-recovered = ✅ Nguồn <b>{ $feed }</b> đã đọc lại được (lỗi từ { $since }).
feed-moved = ↪️ Nguồn <b>{ $feed }</b> đã chuyển hẳn sang địa chỉ mới (chuyển hướng vĩnh viễn, 301/308, nhiều lần liên tiếp). Từ nay bot đọc ở địa chỉ mới.
   Cũ: { $from }
   Mới: { $to }
   Nếu không đúng, gỡ nguồn bằng /removefeed { $feed } rồi thêm lại.
feed-paused = ⏸ Nguồn <b>{ $feed }</b> lỗi từ { $since } nên đã tạm dừng: bot chỉ thử mỗi ngày một lần. /resumefeed { $feed } để đọc lại ngay.
resumefeed-usage = Cách dùng: /resumefeed <tên nguồn>
resumefeed-ok = ▶️ Nguồn <b>{ $name }</b> sẽ được đọc lại ở lượt tới.
resumefeed-not-paused = ℹ️ Nguồn <b>{ $name }</b> không bị tạm dừng.
stats-locale = vi-VN
stats-health =
    Nguồn: { $ok } tốt · { $failing } lỗi · { $paused } tạm dừng
    Hôm nay: { $items } tin mới · { $posts } bài đã gửi
    429 trong 1 giờ qua: { $flood }
stats-slowest = Chậm nhất: { $feeds }
opml-import-usage = Gửi cho bot một tệp .opml (danh sách nguồn tin, xuất từ trình đọc tin hoặc từ /export), hoặc trả lời tệp đó bằng /import.
opml-private = Dùng lệnh này trong chat riêng với bot.
opml-too-big = ❌ Tệp quá lớn ({ $size }); tối đa { $max }.
opml-download-failed = ❌ Không tải được tệp từ Telegram; hãy gửi lại.
opml-bad-file = ❌ Không đọc được tệp OPML: { $problem }. Không có nguồn nào được thêm.
opml-problem-not-opml = đây không phải tệp OPML (không có phần &lt;opml&gt; và &lt;body&gt;)
opml-problem-malformed = tệp hỏng ở dòng { $line }: một thẻ không được đóng (tệp có bị cắt ngang không?)
opml-problem-too-many = tệp có hơn { $max } nguồn; hãy chia thành nhiều tệp
opml-empty = ℹ️ Tệp không có nguồn tin nào.
opml-checking = ⏳ Đang đọc thử các nguồn mới trong { $count } nguồn của tệp…
opml-preview-title = 📥 <b>{ $file }</b>: { $count } nguồn trong tệp.
opml-group-new = ✅ <b>Mới, sẽ thêm</b> ({ $count }):
opml-group-present = ♻️ <b>Đã có</b> ({ $count }):
opml-group-refused = 🚫 <b>Bị chặn</b>, địa chỉ trỏ vào mạng nội bộ ({ $count }):
opml-group-unreadable = ⚠️ <b>Không đọc được</b> ({ $count }):
opml-line-new = • <b>{ $name }</b> — { $title } · { $url }
opml-line-present = • { $title } → { $existing }
opml-line-twice = • { $title } (lặp lại trong tệp)
opml-line-refused = • { $title } · { $url }
opml-line-unreadable = • { $title }: { $reason }
opml-untitled = (không tên)
opml-more = … và { $count } nguồn khác
opml-reason-no-url = không có địa chỉ nguồn tin (xmlUrl)
opml-reason-bad-url = địa chỉ không hợp lệ
opml-reason-not-http = địa chỉ không phải http hay https
opml-confirm-ask = Bấm nút để thêm { $count } nguồn mới.
opml-nothing-new = Không có nguồn mới nào để thêm.
opml-limits = Giới hạn: tệp tối đa { $size }, { $max } nguồn; mỗi nguồn mới được đọc thử một lần (tối đa { $seconds } giây mỗi nguồn).
opml-confirm = ➕ Thêm { $count } nguồn
opml-cancel = Hủy
opml-adding = ⏳ Đang thêm…
opml-added = ✅ Đã thêm { $count } nguồn: { $names }. Các nhóm đăng ký “tất cả” sẽ nhận tin mới từ các nguồn này.
opml-added-none = ℹ️ Không thêm nguồn nào.
opml-added-present = ℹ️ { $count } nguồn đã được thêm từ trước nên không thêm lại.
opml-already-done = ℹ️ Danh sách này đã được thêm rồi.
opml-cancelled = 👍 Đã hủy, không thêm nguồn nào.
opml-expired = ⌛ Danh sách này đã hết hạn; hãy gửi lại tệp.
opml-export-caption = 📤 { $count } nguồn tin (OPML 2.0).
opml-export-public = Địa chỉ RSS đầy đủ chỉ được gửi cho quản trị bot trong chat riêng.
opml-export-empty = ℹ️ Chưa có nguồn tin nào để xuất.
