# Japanese (日本語). Keep ids, variables and attributes in step with en.ftl (the source of
# truth); the i18n tests check this. Japanese has only the CLDR `other` plural category, so
# counts need no selector. Tone: です/ます.

## Common
yes = はい
no = いいえ
error-prefix = エラー: { $message }
lang-unavailable = 注意: 言語「{ $lang }」は利用できないため、英語で表示します
error-not-running = このホームで実行中の chingu ノードがありません（{ $socket } が応答しません）。`chingu run` でノードを起動してください。

## init
init-done = { $home } に chingu ホームを作成しました
    電話番号: { $phone }
    ピアID:   { $peer_id }
init-backup = 以前のホームは { $path } に移動しました

## run
run-started = chingu ノード { $peer_id } ({ $phone })
run-listening = 待ち受け中: { $addr }
run-socket = 制御ソケット: { $path }
run-stopping = 停止しています…
run-stopped = 停止しました。ストアの内容はすべてディスクに書き込み済みです。
run-api = アプリトークン用 WebSocket API: { $url }
run-metrics = Prometheus メトリクス: { $url }
run-not-loopback = { $flag } { $addr } はループバックアドレスではありません。そのアドレスに届く人なら誰でも接続できてしまいます。127.0.0.1(または ::1)を使うか、本当に意図しているなら --allow-remote を付けてください。

## status
status-peer-id = ピアID
status-phone = 電話番号
status-name = 名前
status-uptime = 稼働時間
status-listening = 待ち受け
status-peers = ピア
status-peers-value = { $connected } 接続中、ルーティングテーブルに { $routing }
status-dht-records = DHT レコード
status-rejected = 拒否

## peers
peers-none = 接続中のピアはありません
peers-col-peer = ピア
peers-col-rtt = RTT
peers-col-dht = DHT
peers-col-addr = アドレス
peers-count = ピア { $count } 件

## testnet
testnet-progress = テストネット: { $total } ノード中 { $started } 起動、{ $ready } 準備完了
testnet-keeping-up = ノードを { $secs } 秒間動かしたままにします（Ctrl-C で早めに終了できます）

## contacts
state-pending = 検索中
state-found = 発見（未検証）
state-verified = 検証済み
state-conflict = 競合 — メッセージを送る前に検証してください
state-not-found = 見つかりません
contact-line = { $name } { $phone }: { $state }
contact-removed = 連絡先を削除しました: { $name }（{ $phone }）
contacts-none = まだ連絡先がありません。`chingu contacts add NUMBER` で追加するか、アドレス帳をインポートしてください。
contacts-col-name = 名前
contacts-col-phone = 電話番号
contacts-col-state = 状態
contacts-with-candidates = { $state }（未検証の鍵 +{ $count }）
import-not-utf8 = { $file } は UTF-8 のテキストではありません。アドレス帳を UTF-8 の vCard または CSV で書き出してください。
import-issue = { $line } 行目: { $input } をスキップしました（{ $reason }）
import-summary = { $read } 件の番号を読み込みました。新規 { $added } 件、重複の統合 { $merged } 件、スキップ { $skipped } 件です。
import-discovering = 友だちを検索中
import-discovered = { $total } 人中 { $found } 人が chingu で見つかりました（残りは後でもう一度検索します）。
verify-pinned = 固定済みの鍵 { $peer_id } の安全番号:
verify-candidate = 候補 { $index }: { $peer_id }（{ $name }）の安全番号:
verify-confirmed = 検証済みにしました。
verify-howto = この番号を友だちの画面の番号と（直接会うか通話で）照らし合わせてから、--confirm（または --candidate N）を付けてもう一度実行してください。
invite-howto = この招待コードを友だちに渡してください。有効期間は { $hours } 時間です。友だちは chingu contacts add --invite CODE を実行します。
duration-invalid = 「{ $text }」は期間として認識できません（30m、2h、7d のように指定してください）

## Messages
msg-me = 自分
msg-line = [{ $time }] { $who }: { $text }  ({ $state })
msg-queued = { $id } をキューに入れました。ディスクに保存済みで、配信中です（届くと chingu watch に表示されます）。
msg-marked-read = { $count } 件のメッセージを閲覧済みにしました。
msg-state-queued = 送信待ち
msg-state-sent = 送信済み
msg-state-delivered = 配信済み
msg-state-read = 既読
msg-state-received = 受信
msg-state-request = メッセージリクエスト
msg-state-seen = 閲覧済み
msg-state-changed = { $id } の状態: { $state }
msg-typing = { $name } さんが入力中…
msg-key-changed = 警告: { $name } さんの鍵が変更されました。検証するまでメッセージは保留されます（chingu contacts verify { $name }）。
msg-contact-updated = { $name }: { $state }
history-none = まだメッセージはありません。
watch-ended = ノードが停止しました。
group-created = グループ「{ $name }」({ $id })を作成しました。メンバー { $members } 人。メンバーには接続でき次第 1:1 セッションで通知します。
group-changed = 「{ $name }」はエポック { $epoch }、メンバー { $members } 人になりました。
group-left = 「{ $name }」から退出しました。履歴はこの端末に残ります。
group-none = グループはまだありません。作成するには: chingu group create 名前 --members A,B
group-invitations-none = 待っている招待はありません。(config.toml の [groups] で auto_join = false のときだけ招待が待機します。)
group-joined = 「{ $name }」に参加しました(メンバー { $members } 人)。
group-declined = 「{ $name }」への招待を断りました。
group-col-from = 招待した人
group-sent = { $id } をグループに送信しました (ディスクに保存済み。受け取れなかったメンバーは履歴同期で取得します)。
group-kind-group = グループ
group-kind-meetup = フラッシュミートアップ
group-col-name = 名前
group-col-kind = 種類
group-col-members = メンバー
group-col-role = 役割
group-col-id = ID
group-col-phone = 電話番号
group-col-fingerprint = 指紋
group-role-admin = 管理者
group-role-member = メンバー
group-role-gone = 退出
group-role-me = { $role } (自分)

## apps
apps-added = アプリ { $name } を権限 { $scopes } で追加しました。次の行のトークンは今回だけ表示されます。今すぐ保管してください:
apps-none = アプリはまだありません。`chingu apps add 名前 --scopes read,send` で追加できます。
apps-col-name = 名前
apps-col-scopes = 権限
apps-col-created = 追加日時
apps-revoked = アプリ { $name } を取り消しました。そのトークンは開いている接続でも使えなくなります。
apps-duplicate = { $name } という名前のアプリはすでにあります。新しいトークンを発行するには先に取り消してください。
apps-unknown = { $name } という名前のアプリはありません(`chingu apps list` で確認できます)。
apps-invalid-name = 「{ $name }」はアプリ名に使えません。文字・数字・'-'・'_'・'.' で 1〜64 文字にしてください。
apps-no-scopes = 権限を一つ以上指定してください: --scopes read,send,contacts,groups
apps-unknown-scope = 不明な権限「{ $scope }」: 権限は read、send、contacts、groups のいずれかです。

## チャットクライアント (chingu chat)
chat-needs-terminal = chingu chat は対話型のターミナルでのみ動きます (stdin と stdout が TTY である必要があります)。
tui-too-small = ターミナルが小さすぎます: { $width }×{ $height }。chingu chat には { $min_width }×{ $min_height } 以上が必要です。ウィンドウを広げてください。
tui-connected = ● 接続中
tui-disconnected-short = ○ オフライン
tui-disconnected = ノードとの接続が切れました。再接続しています… (q で終了)
tui-reconnected = ノードに再接続しました。
tui-help-hint = ? ヘルプ
tui-hint-list = ↑↓ 選択 · Enter 開く · a 追加 · n 招待 · v 確認 · g グループ · ? ヘルプ · q 終了
tui-hint-chat = Enter 送信 · PgUp/PgDn スクロール · Esc 友だち一覧 · F1 ヘルプ · Ctrl-C 終了
tui-friends-title = { " " }友だち { $count } 人{ " " }
tui-no-friends = まだ友だちがいません。a で番号か招待コードから追加するか、i でアドレス帳を取り込んでください。
tui-no-chat = 左で友だちかグループを選んで Enter を押すとトークできます。
tui-badge-verified = ✔
tui-badge-found = ●
tui-badge-pending = …
tui-badge-conflict = !
tui-badge-not-found = ?
tui-badge-request = ✉
tui-badge-group = #
tui-badge-meetup = @
tui-badge-closed = ×
tui-kind-group = グループ
tui-kind-meetup = フラッシュミートアップ
tui-kind-meetup-closed = ミートアップ (終了)
tui-members-count = メンバー { $count } 人
tui-mark-queued = ○
tui-mark-sent = ✓
tui-mark-delivered = ✓✓
tui-mark-read = ✓✓ 既読
tui-loading = 読み込み中…
tui-start-of-conversation = — トークの始まり —
tui-new-below = ↓ 新着 { $count } 件
tui-scrolled = ↓ 下にあと { $count } 件
tui-compose-title = { " " }メッセージ (Enter で送信){ " " }
tui-compose-hint = { " " }トークで Enter を押すと書けます{ " " }
tui-help-title = キー操作
tui-help-list = 友だち一覧
tui-help-list-move = ↑↓ または j/k 選択 · Enter トークを開く · r 再読み込み
tui-help-list-people = a 友だち追加 (番号か招待コード) · i 連絡先の取り込み
tui-help-list-invite = n 招待コードを作る · v 選んだ友だちの安全番号
tui-help-list-groups = g 新しいグループ · m 新しいミートアップ · J 参加 · e メンバー
tui-help-list-quit = ? または F1 このヘルプ · q または Ctrl-C 終了
tui-help-chat = トーク
tui-help-chat-send = 入力して Enter で送信 · 貼り付け可 · Esc 一覧に戻る
tui-help-chat-scroll = PgUp/PgDn または ↑↓ スクロール (古いメッセージは自動で読み込み)
tui-help-chat-more = Ctrl-V 安全番号 · Ctrl-G メンバー · 印: ○ 待機 ✓ 送信済み ✓✓ 配達済み
tui-help-members = グループのメンバー
tui-help-members-keys = a 招待 · d 外す · o 管理者の切替 · r 名前 · x 終了 · l 退出
tui-help-close = Esc、Enter または ? でヘルプを閉じます。
tui-close-hint = Esc で閉じます。
tui-form-keys = Enter 次へ/決定 · Tab 欄の移動 · Esc 取り消し
tui-form-add-title = 友だちを追加
tui-form-import-title = 連絡先を取り込む
tui-form-group-title = 新しいグループ
tui-form-meetup-title = 新しいフラッシュミートアップ
tui-form-join-title = ミートアップに参加
tui-form-invite-member-title = グループに招待
tui-form-rename-title = グループ名を変更
tui-field-number-or-code = 電話番号または招待コード (CHINGU-…)
tui-field-name = 名前 (任意)
tui-field-path = vCard または CSV ファイル (パス)
tui-field-group-name = グループ名
tui-field-members = メンバー: 名前か番号をカンマ区切りで
tui-field-duration = 期間 (例: 90m、2h。空なら 2h)
tui-field-meetup-name = ミートアップ名
tui-field-meetup-code = ミートアップのコード
tui-field-contact = 友だち (名前または番号)
tui-field-required = 最初の欄を入力してください。
tui-duration-invalid = 「{ $text }」は期間として正しくありません (例: 90m、2h。最長 1 週間)。
tui-working = 処理中…
tui-refreshing = 再読み込み中…
tui-failed = 失敗しました: { $message }
tui-bad-answer = ノードの応答を理解できません: { $message }
tui-groups-unavailable = このノードはまだグループトークに対応していません (chingu を更新してノードを再起動してください)。
tui-verify-needs-contact = 安全番号は友だちのものです。先に友だちを選んでください。
tui-members-needs-group = 先にグループかミートアップを選んでください。
tui-admin-only = グループの管理者だけができます。
tui-contact-added = { $name } さんを追加しました。探しています。
tui-imported = { $read } 件の番号から新しい連絡先を { $added } 件取り込みました{ $skipped ->
    [0] 。
   *[other] 。{ $skipped } 件はスキップしました。
}
tui-import-unreadable = { $path } を読めません: { $message }
tui-import-too-big = { $path } は { $limit } MiB を超えています。アドレス帳ではありません。
tui-invite-title = 招待コード
tui-invite-howto = 有効期間は { $hours } 時間です。友だちは chingu chat で a を押すか、chingu contacts add --invite CODE で追加します。
tui-meetup-title = フラッシュミートアップ
tui-meetup-howto = あと { $minutes } 分開いています。ほかの人は chingu chat で J を押してこのコードで参加します。
tui-safety-title = 安全番号
tui-safety-contact = { $name } ({ $phone })
tui-safety-pinned = いま使っている鍵:
tui-safety-candidate = 候補 { $index }: { $name }
tui-safety-none = この番号の鍵はまだ見つかっていません。
tui-safety-howto = 友だちの画面と見比べてから c で確認します (候補はその番号を押します)。
tui-verified = { $name } さんを確認済みにしました。
tui-key-changed = 警告: { $name } さんの鍵が変わりました。一覧で v を押して安全番号を見比べてください。
tui-confirm-title = よろしいですか?
tui-confirm-keys = y または Enter: はい · ほかのキー: いいえ
tui-confirm-remove = { $group } から { $name } さんを外しますか?
tui-confirm-leave = { $group } から退出しますか? メッセージが届かなくなります。
tui-confirm-close = ミートアップ { $group } を全員に対して終了しますか?
tui-group-done = 完了しました。
tui-member-admin = (管理者)
tui-member-me = (自分)
tui-members-keys = ↑↓ 選択 · l 退出 · Esc 閉じる
tui-members-keys-admin = a 招待 · d 外す · o 管理者 · r 名前 · l 退出 · Esc 閉じる
tui-members-keys-meetup-admin = a 招待 · d 外す · o 管理者 · r 名前 · x 終了 · l 退出 · Esc
meetup-created = フラッシュミートアップ「{ $name }」は { $until } まで開いています。コード { $code }（または { $link }）を共有してください。時間内に入力した人が参加できます。
meetup-joined = 「{ $name }」に参加しました (メンバー { $members } 人)。
meetup-closed = 「{ $name }」を閉じました。メンバーは送信できなくなり鍵を破棄します。履歴は残ります。

## demo
demo-stage-meet = 電話番号でお互いを見つける
demo-stage-invite = 招待コードで友だちになる
demo-stage-online = 1:1 チャット（全員オンライン）
demo-stage-offline = 相手がオフラインのときの 1:1 チャット
demo-stage-group = グループチャット
demo-stage-meetup = コードで集まるフラッシュミートアップ
demo-starting = このプロセス内で 127.0.0.1 にローカルネットを起動します：ブートストラップノード、メールボックスノード、そして3人…
demo-net-up = [{ $at }] { $nodes } 台のノードが起動し、DHT に参加しました
demo-online = { $name }（{ $city }）が { $local }（{ $phone }）でオンラインです
demo-city-seoul = ソウル
demo-city-tokyo = 東京
demo-city-san-francisco = サンフランシスコ
demo-contact-added = { $name } がアドレス帳に { $friend } を追加：「{ $typed }」→ { $phone }
demo-found = [{ $at }] { $name } が電話番号で { $friend } を見つけました
demo-invite-created = { $name } が招待コードを共有します：{ $code }
demo-invite-accepted = [{ $at }] { $name } がコードから { $inviter } を追加：最初から認証済みの友だちです
demo-inviter-found = [{ $at }] { $name } のノードがコード内の鍵で { $inviter } のノードを見つけました
demo-message = [{ $path }] { $from } → { $to }：「{ $text }」— { $outcome }
demo-delivered = { $name } に { $ms } ms で配信
demo-not-delivered = { $name } に配信されていません
demo-offline = { $name } がオフラインになります（ノード停止）
demo-deposited = [{ $at }] { $from } から { $to } へのメッセージ { $count } 件がメールボックスに封印して預けられました
demo-back-online = [{ $at }] { $name } がオンラインに戻り、メールボックスを取りに行きます
demo-group-created = { $name } がグループ「{ $group }」を作成します（メンバー { $members } 人）
demo-joined = [{ $at }] { $name } が「{ $group }」に入りました
demo-meetup-created = { $name } がフラッシュミートアップ「{ $meetup }」を始めます：コード { $code }
demo-meetup-closed = { $name } が全員に対して「{ $meetup }」を閉じます
demo-path-online = 1:1 オンライン
demo-path-mailbox = 1:1 オフライン（メールボックス経由）
demo-path-group = グループ
demo-path-meetup = ミートアップ
demo-summary = まとめ（コピー1件は受信者1人へのメッセージ1件。遅延は送信から受信者の message_received イベントまで）
demo-col-path = 経路
demo-col-sent = 送信
demo-col-delivered = 配信
demo-col-lost = 消失
demo-col-p50 = P50 MS
demo-col-max = 最大 MS
demo-total = { $secs } 秒で完了、消失 { $lost } 件。
demo-lost-error = メッセージのコピー { $lost } 件が配信されませんでした
demo-interactive-ready = あなたは { $name } です。chingu chat を開きます：{ $friends } があなたやグループへのメッセージに返信します。チャットを終了するとネットが止まります。
demo-chat-failed = chingu chat がコード { $code } で終了しました
demo-stopped = デモのネットを停止しました。
