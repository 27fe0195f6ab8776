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
init-done-role = { $home } に { $role } ノードのホームを作成しました
    ピアID: { $peer_id }
    電話番号を持たず、連絡先もメッセージも保存せず、個人レコードも公開しません。起動するには: chingu run

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
status-role = 役割
status-reachability = 到達性
status-external = 外部アドレス
status-relays = リレー

## peers
peers-none = 接続中のピアはありません
peers-col-peer = ピア
peers-col-rtt = RTT
peers-col-dht = DHT
peers-col-addr = アドレス
peers-col-path = 経路
peers-count = ピア { $count } 件

## testnet
testnet-progress = テストネット: { $total } ノード中 { $started } 起動、{ $ready } 準備完了
testnet-keeping-up = ノードを { $secs } 秒間動かしたままにします（Ctrl-C で早めに終了できます）

## lab
lab-building = ラボを構築しています…
lab-selftest-line = { $host } ({ $nat }): マッピング { $mapping }、フィルタリング { $filtering }、外部からの TCP { $inbound } — { $verdict }
lab-pair-line = { $a } ↔ { $b }: { $verdict } — 発見 { $found }、最初のメッセージ { $first }、経路 { $path }、消失 { $lost }、重複 { $duplicates }
lab-repeat-line = { $a } ↔ { $b }: { $runs } 回中 { $ok } 回正常、直接接続 { $direct } %、最初のメッセージ p50 { $first } ms、消失 { $lost }、重複 { $duplicates }
lab-ok = 正常
lab-failed = 失敗
lab-none = —
lab-note = 注: { $note }
lab-summary = { $total } 組中 { $ok } 組が正常。トポロジー構築 { $build_ms } ms（{ $links } リンク）。実行 { $id }
lab-up-ready = ラボ { $id } が起動しました（{ $links } リンク）。ノードには `chingu --home HOME …`、そのネットワーク内では `ip netns exec NETNS …` を使います。ここで Ctrl-C を押すか `chingu lab down { $id }` で片付けます。
lab-up-node = { $label }  { $nat }  { $netns }  { $ip }（外側 { $public_ip }）  { $phone }  { $home }
lab-down-done = ラボ { $id } を停止して削除しました
lab-clean-done = { $count ->
    [0] 片付けるものはありません
   *[other] 異常終了した { $count } 件の実行の残りを削除しました: { $ids }
}
lab-list-none = このマシンにラボの実行はありません
lab-list-line = { $id }  { $state }  pid { $pid }  { $purpose }  ネームスペース { $namespaces } 個  { $dir }

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
import-issue = { $line } 行目: { $input } をスキップしました（{ $reason }）
import-summary = { $persons } 人分、{ $read } 件の番号を読み込みました。新規 { $added } 件、重複の統合 { $merged } 件、スキップ { $skipped } 件です。
import-sending = ノードに送信中
import-discovering = 友だちを検索中
import-discovered = { $total } 人中 { $found } 人が chingu で見つかりました（残りは後でもう一度検索します）。
verify-pinned = 固定済みの鍵 { $peer_id } の安全番号:
verify-candidate = 候補 { $index }: { $peer_id }（{ $name }）の安全番号:
verify-confirmed = 検証済みにしました。
verify-howto = この番号を友だちの画面の番号と（直接会うか通話で）照らし合わせてから、--confirm（または --candidate N）を付けてもう一度実行してください。
invite-howto = この招待コードを友だちに渡してください。有効期間は { $hours } 時間です。友だちは chingu contacts add --invite CODE を実行します。
invite-needs-name = 招待コードには名前が含まれていません。--name 名前 で連絡先の名前を指定してください。
invite-name-prompt = この連絡先の名前:
region-invalid = 「{ $region }」は地域コードではありません。KR、JP、US のような ISO 3166 コードを指定してください。
duration-invalid = 「{ $text }」は期間として認識できません（30m、2h、7d のように指定してください）

## Messages
msg-me = 自分
msg-line = [{ $time }] { $who }: { $text }  ({ $state })
msg-queued = { $name } さんへの「{ $text }」をキューに入れました。ディスクに保存済みで、配信中です（届くと chingu watch に表示されます）。
msg-marked-read = { $count } 件のメッセージを閲覧済みにしました。
msg-state-queued = 送信待ち
msg-state-sent = 送信済み
msg-state-delivered = 配信済み
msg-state-read = 既読
msg-state-received = 受信
msg-state-request = メッセージリクエスト
msg-state-seen = 閲覧済み
msg-state-changed = { $name } さんへの「{ $text }」: { $state }
msg-typing = { $name } さんが入力中…
msg-key-changed = 警告: { $name } さんの鍵が変更されました。検証するまでメッセージは保留されます（chingu contacts verify { $name }）。
msg-contact-updated = { $name }: { $state }
history-none = まだメッセージはありません。
inbox-none = まだトークがありません。chingu send 名前 本文 でメッセージを送ってみましょう。
inbox-col-name = トーク
inbox-col-unread = 未読
inbox-col-last = 最後のメッセージ
inbox-unread = 未読メッセージが { $count } 件あります。
watch-ended = ノードが停止しました。
group-created = グループ「{ $name }」({ $id })を作成しました。メンバー { $members } 人。メンバーには接続でき次第 1:1 セッションで通知します。
group-changed = 「{ $name }」はエポック { $epoch }、メンバー { $members } 人になりました。
group-left = 「{ $name }」から退出しました。履歴はこの端末に残ります。
group-none = グループはまだありません。作成するには: chingu group create 名前 --members A,B
group-invitations-none = 待っている招待はありません。(config.toml の [groups] で auto_join = false のときだけ招待が待機します。)
group-joined = 「{ $name }」に参加しました(メンバー { $members } 人)。
group-declined = 「{ $name }」への招待を断りました。
group-col-from = 招待した人
group-sent = 「{ $name }」に「{ $text }」を送信しました (ディスクに保存済み。受け取れなかったメンバーは履歴同期で取得します)。
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
chat-no-json = chingu chat は全画面のプログラムなので JSON 出力はありません。イベントは chingu watch --json、トークは inbox、history、send に --json を付けて使ってください。
tui-too-small = ターミナルが小さすぎます: { $width }×{ $height }。chingu chat には { $min_width }×{ $min_height } 以上が必要です。ウィンドウを広げてください。
tui-connected = ● 接続中
tui-disconnected-short = ○ オフライン
tui-disconnected = ノードとの接続が切れました。再接続しています… (q で終了)
tui-reconnected = ノードに再接続しました。
tui-help-hint = ? ヘルプ
tui-hint-list = ↑↓ 選択 · Enter 開く · a 追加 · n 招待 · v 確認 · g グループ · ? ヘルプ · q 終了
tui-hint-chat = Enter 送信 · PgUp/PgDn スクロール · Esc 友だち一覧 · F1 ヘルプ · Ctrl-C 終了
tui-paste-hint = 貼り付けは端末の貼り付け（Ctrl-Shift-V、Shift-Insert、マウス）を使ってください。安全番号は Ctrl-S です。
tui-friends-title = { " " }友だち { $friends } 人{ $groups ->
    [0] { "" }
   *[other] { " · " }グループ { $groups } 個
}{ " " }
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
tui-help-chat-more = Ctrl-S 安全番号 · Ctrl-G メンバー · 印: ○ 待機 ✓ 送信済み ✓✓ 配達済み
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
tui-imported = { $persons } 人分から新しい連絡先を { $added } 件取り込みました{ $skipped ->
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

## エラー
err-no-home = ホームの場所がわかりません。--home DIR を指定するか CHINGU_HOME を設定してください。
err-not-initialized = { $home } はまだ chingu のホームではありません。先に chingu init --phone 番号 を実行してください。
err-already-initialized = { $home } にはすでに chingu の ID があります。置き換えるには --force を付けてください（以前のホームはバックアップとして残ります）。
err-wrong-owner = { $path } の所有者は uid { $owner } ですが、現在のユーザーは uid { $me } です。他のユーザーのホームは使いません。
err-insecure-key = { $path } の権限が { $mode } です。鍵ファイルは本人だけが読めるようにしてください: chmod 600 { $path }
err-insecure-home = { $path } の権限が { $mode } です。chingu のホームは本人だけが入れるようにしてください: chmod 700 { $path }
err-name-too-long = 名前は { $chars } 文字・{ $bytes } バイトまでです。もっと短い名前にしてください。
err-name-unprintable = 名前に制御文字や書字方向を変える文字は使えません。
err-already-running = { $home } ではすでに chingu ノードが動いています（pid { $pid }）。
err-socket-too-long = 制御ソケットのパス { $path } は { $max } バイトを超えていて、Unix ソケットには長すぎます。もっと短い --home を使ってください。
err-bad-key-file = { $path } は正しい chingu の鍵ファイルではありません（{ $problem }）。
err-file = { $path }: { $problem }
err-config = { $path } は正しい chingu の設定ではありません: { $message }
err-config-at = { $path } は正しい chingu の設定ではありません（{ $line } 行目、{ $column } 桁目）: { $message }
err-socket-denied = { $socket } にアクセスする権限がありません。そのノードは別のユーザーのものです。
err-connection-lost = ノードとの接続が切れました（{ $problem }）。
err-protocol = ノードから、この chingu が理解できない応答が届きました: { $message }
err-no-such-contact = 「{ $contact }」という連絡先はありません（chingu contacts list で確認し、chingu contacts add で追加してください）。
err-ambiguous-contact = 「{ $contact }」という連絡先が複数あります: { $candidates }。番号で指定してください。
err-own-number = 自分の番号です。
err-own-invite = 自分の招待コードです。友だちに渡してください。
err-empty-message = メッセージが空です。送る内容を書いてください。
err-is-a-group = 「{ $group }」は連絡先ではなく{ $kind ->
    [meetup] フラッシュミートアップ
   *[other] グループ
}です。chingu group send 「{ $group }」 本文 や chingu group read 「{ $group }」 のようにグループのコマンドを使ってください。
err-no-such-group = 「{ $group }」というグループやミートアップはありません（chingu group list で確認してください）。
err-too-large = リクエストがノードの受け取れる大きさを超えています（{ $limit } KiB 超）。
err-forbidden = 許可されていません: { $message }
err-node = ノードが拒否しました: { $message }
err-invalid-phone = 「{ $input }」は { $region } の電話番号ではありません（{ $problem }）。国番号のない番号は { $region } として読みます。国番号を付けて書く（例: +81 90-1234-5678）か、--region で地域を指定してください。
err-invalid-phone-elsewhere = 「{ $input }」は国番号のない番号を読む基準の { $region } では電話番号ではありません（{ $problem }）が、{ $regions } では正しい番号です。--region { $first } を付けるか、国番号を付けて書いてください。
err-import-empty = ファイルが空です。
err-import-too-large = ファイルが { $limit } MiB を超えています。アドレス帳ではありません。
err-import-binary = テキストのアドレス帳ではありません（vCard か CSV で書き出してください）。
err-import-no-header = CSV ファイルの 1 行目に電話番号の列がありません（name,phone のような見出しが必要です）。
phone-empty = 何も入力されていません
phone-too-long = { $max } 文字を超えています
phone-invalid-characters = 電話番号に使えない文字が含まれています
phone-extension = 内線番号が付いています
phone-not-a-number = 電話番号ではありません
phone-invalid-for-region = その地域の正しい番号ではありません
phone-unknown-region = 不明な地域です
phone-not-e164 = 国際形式（+ と数字）の番号ではありません
import-missing-end = END:VCARD のないカード
import-malformed-line = vCard の行ではありません
import-outside-card = カードの外の行
import-bad-record = 読めない CSV の行
io-not-found = そのファイルやフォルダはありません
io-permission-denied = 権限がありません
io-is-a-directory = フォルダです
io-closed = 接続が閉じられました

## 使い方のエラーとヘルプ
usage-invalid-value = 「{ $value }」は { $arg } に使えない値です。
usage-invalid-choice = 「{ $value }」は { $arg } に使えない値です（次から選んでください: { $valid }）。
usage-invalid-value-because = 「{ $value }」は { $arg } に使えない値です: { $reason }
usage-needs-value = { $arg } には値が必要です。
usage-unknown-argument = 不明なオプションです: { $arg }
usage-unknown-command = 不明なコマンドです:「{ $command }」
usage-conflict = { $arg } は { $other } と一緒に使えません。
usage-missing = 不足している引数: { $args }
usage-missing-command = コマンドがありません。
usage-wrong-count = { $arg } の値の数が正しくありません。
usage-not-utf8 = 正しい UTF-8 のテキストではない引数があります。
usage-generic = コマンドラインが正しくありません。
usage-did-you-mean = もしかして { $suggestion } ですか？
usage-more-info = 詳しくは --help を見てください。
help-heading-usage = 使い方:
help-heading-commands = コマンド
help-heading-options = オプション
help-heading-arguments = 引数
help-flag = ヘルプを表示
help-version-flag = バージョンを表示
help-subcommand = このヘルプ、または指定したコマンドのヘルプを表示
help-possible-values = { "[" }指定できる値: { $values }]

## マニュアルページ
man-written = { $dir } にマニュアルページを { $count } 件書き出しました。
man-exit-success = 成功。
man-exit-failure = コマンドが失敗しました。エラーは標準エラー出力に出ます。
man-exit-usage = コマンドラインが正しくありません（使い方のエラー）。
man-exit-not-running = このホームで動いている chingu ノードがありません。
man-env-home = --home を指定しないときのホームディレクトリ。
man-env-lang = --lang を指定しないときのメッセージ、ヘルプ、マニュアルの言語（ko、ja、または英語）。
man-env-log = chingu run と chingu testnet が標準エラー出力に書くログのレベル（既定値: warn,chingu=info）。
man-env-no-color = 設定すると、端末でもログに色を付けません。

## コマンドラインのヘルプ（コマンドごとに 1 メッセージ、属性はその引数）
cmd-chingu = chingu（친구）: P2P メッセンジャー。連絡先がそのまま友だちリストになります
    .home = ノードのホームディレクトリ [既定値: プラットフォームのデータディレクトリ]
    .lang = メッセージとヘルプの言語: en、ko、ja [既定値: LC_ALL/LANG から]
    .json = テキストの代わりに JSON で出力
cmd-init = ノードのホームを作成: ID、Noise 鍵、設定、データベース
    .phone = 自分の電話番号（国内形式なら何でも可。E.164 に正規化します）
    .name = 友だちに表示される名前
    .region = 国番号のない番号を読む地域（ISO 3166 コード。例: KR、JP、US）
    .role = 電話番号を持たない、運用者が常時動かすノード: bootstrap、mailbox、relay
    .force = 既存のホームを置き換える（以前のホームはバックアップフォルダに残ります）
cmd-run = ノードをフォアグラウンドで実行（Ctrl-C で停止）
    .listen = このマルチアドレスで待ち受け（複数指定可。設定のアドレスの代わりに使います）
    .bootstrap = このピアからブートストラップ（複数指定可。設定のピアに追加されます）
    .mdns = mDNS でローカルネットワークのピアを見つける
    .mailbox = メールボックスとして動作: ここに登録したオフラインのユーザー宛ての封印済みメッセージを預かる
    .role = 運用者が常時動かすノードのプリセット [既定値: init --role で決めたホームの役割]
    .reachability = 到達性を調べない: このノードを外部から接続可能 (public) または不可 (private) とみなす
    .api = アプリトークン向けの API を ws://ADDR/api で WebSocket として提供（chingu apps を参照）
    .metrics = http://ADDR/metrics で Prometheus メトリクス、および /health と /ready を提供
    .allow_remote = --api と --metrics をループバック以外のアドレス（ネットワークから到達可能）でも許可
    .log_format = 標準エラー出力のログ形式: text または json
cmd-status = 動作中のノードの状態を表示
cmd-peers = 動作中のノードに接続しているピアの一覧
cmd-contacts = 連絡先の管理: 追加、取り込み、一覧、検証
cmd-contacts-add = 番号、または受け取った招待コードで連絡先を追加
    .number = 番号（国内形式なら何でも可。+国番号付きでも可）
    .invite = 招待コード（CHINGU-… または chingu://invite/…）
    .name = 表示する名前（招待コードで追加するときに省略すると尋ねます）
    .region = ノードの地域の代わりにこの地域（ISO 3166 コード。例: JP、US）で番号を読む
cmd-contacts-import = vCard（.vcf）または CSV のアドレス帳を取り込む
    .file = ファイル（vCard 2.1/3.0/4.0、または見出し行のある CSV）
    .region = 国番号のない番号を、ノードの地域の代わりにこの地域で読む
    .no_wait = 友だちの検索を待たずにすぐ終了する
cmd-contacts-list = 連絡先と、見つかったかどうかの一覧
cmd-contacts-remove = 連絡先を削除
    .contact = 名前または番号
cmd-contacts-verify = 連絡先の安全番号を表示。--confirm で鍵を検証済みにする
    .contact = 名前または番号
    .confirm = 鍵を検証済みにする（直接会って安全番号を比べた後に）
    .candidate = 固定済みの鍵の代わりに候補 N を検証する（鍵の変更や衝突のとき）
    .qr = 相手のスマートフォンで読み取れるよう、安全番号を QR コードでも表示
cmd-contacts-lookup = 連絡先を今すぐ検索
    .contact = 名前または番号
cmd-invite = 友だちがあなたを追加できる招待コードを作成（最初から検証済み）
    .valid = コードの有効期間: 30m、12h、7d
    .qr = リンクを QR コードで表示（端末では既定）
    .no_qr = QR コードを表示しない
cmd-inbox = トークの一覧（新しい順、未読数付き）
cmd-send = 連絡先にメッセージを送る（名前または番号）
    .contact = 連絡先: 名前または番号
    .text = 本文
cmd-history = 連絡先とのメッセージを表示（ノードが動いていなくても使えます）
    .contact = 連絡先: 名前または番号
    .limit = メッセージの件数（新しい順。1,000 件ずつ取得します）
    .before = このメッセージ ID より前のメッセージだけ
cmd-watch = 受信メッセージと配信状態をリアルタイムで表示
cmd-read = 連絡先とのトークを既読にする
    .contact = 連絡先: 名前または番号
cmd-group = グループトーク: 作成、招待、削除、管理者、送信、履歴
cmd-group-create = 連絡先とグループを作成（あなたが管理者）
    .name = グループの名前
    .members = 追加する連絡先（名前または番号、カンマ区切り）
cmd-group-invite = 連絡先をグループに追加（管理者）
    .group = グループ: 名前または ID
    .contact = 連絡先: 名前または番号
cmd-group-remove = グループからメンバーを削除（管理者）。以降に送られた内容は読めなくなります
    .group = グループ: 名前または ID
    .member = メンバー: 名前、番号、またはピア ID
cmd-group-rename = グループ名を変更（管理者）
    .group = グループ: 名前または ID
    .name = 新しい名前
cmd-group-admins = 管理者の任命または解除（管理者）
cmd-group-admins-add = メンバーを管理者にする
    .group = グループ: 名前または ID
    .member = メンバー: 名前、番号、またはピア ID
cmd-group-admins-remove = メンバーの管理者権限を外す
    .group = グループ: 名前または ID
    .member = メンバー: 名前、番号、またはピア ID
cmd-group-invitations = 返事待ちの招待の一覧（[groups] の auto_join = false のとき）
cmd-group-join = 招待を受ける
    .group = グループ: 名前、ID、または ID の先頭の数字
cmd-group-decline = 招待を断る
    .group = グループ: 名前、ID、または ID の先頭の数字
cmd-group-leave = グループを退出（履歴はこの端末に残ります）
    .group = グループ: 名前または ID
cmd-group-close = 全員に対してグループを閉じる（管理者）
    .group = グループ: 名前または ID
cmd-group-list = 自分のグループの一覧
cmd-group-members = グループのメンバーの一覧
    .group = グループ: 名前または ID
cmd-group-send = グループにメッセージを送る
    .group = グループ: 名前または ID
    .text = 本文
cmd-group-history = グループのメッセージを表示
    .group = グループ: 名前または ID
    .limit = メッセージの件数（新しい順。1,000 件ずつ取得します）
    .before = このメッセージ ID より前のメッセージだけ
cmd-group-read = グループのメッセージを既読にする
    .group = グループ: 名前または ID
cmd-meetup = フラッシュミートアップ（번개）: 短いコードで作成、コードで参加、終了
cmd-meetup-create = フラッシュミートアップを始めて、共有用のコード（とリンク）を表示
    .name = 名前
    .expires = 続く時間。例: 90m、2h（最大 24h）
    .forget = 終わったらこの端末の履歴を削除（既定では残します）
cmd-meetup-join = コードでフラッシュミートアップに参加（XXXXX-XXXXX または chingu://meetup/… のリンク）
    .code = コード
    .forget = 終わったらこの端末の履歴を削除（既定では残します）
cmd-meetup-close = ミートアップを早めに終了（作成者）
    .group = ミートアップ: 名前または ID
cmd-apps = 外部アプリ: WebSocket API 用のトークン（追加、一覧、取り消し）
cmd-apps-add = アプリを登録してトークンを表示（表示は一度だけ）
    .name = アプリの名前（文字、数字、'-'、'_'、'.'）
    .scopes = アプリに許可すること、カンマ区切り: read、send、contacts、groups
cmd-apps-list = 登録済みのアプリと権限の一覧（トークンは表示しません）
cmd-apps-revoke = アプリのトークンを取り消す: そのトークンでの呼び出しを拒否し、開いている接続を閉じます
    .name = アプリの名前
cmd-chat = 動作中のノードの友だちやグループと端末でトーク
cmd-testnet = このプロセス内で多数のノードからなるローカルのテストネットを起動
    .nodes = ノード数
    .duration = チェックの後、ノードをこの秒数だけ動かし続ける（Ctrl-C で早めに終了）
    .scenario = 起動後に実行するシナリオ
    .messages = 送るメッセージ数（メッセージのシナリオ）
    .rate = 全体の毎秒メッセージ数（0 = できるだけ速く）
    .group_size = グループのメンバー数（グループのシナリオ）
    .seed = ハーネスのランダムな選択に使うシード
    .log_format = 標準エラー出力のログ形式: text または json
cmd-lab = NAT の内側のエミュレートしたネットワークで実ノードを動かす(ネットワーク名前空間、root が必要)
cmd-lab-run = あらゆる NAT 種別の組の内側に友だちの組を置き、それぞれを報告
    .matrix = どの組か: small(public↔public、port-restricted↔port-restricted)または full(全 15 組)
    .pair = 代わりにこの組を実行(繰り返し可)、例: `--pair full-cone:symmetric`
    .messages = 組ごと・方向ごとの 1:1 メッセージ数
    .group_messages = 組ごと・方向ごとのグループ・ミートアップのメッセージ数
    .pace_ms = 2 回の送信の間隔
    .deadline = 各段階の最長の待ち時間
    .repeat = 各組を毎回新しいノードでこの回数実行
    .delay_ms = 各アップリンクの片方向遅延(方向ごと)
    .jitter_ms = 0..=MS の一様な追加遅延(パケットの順序は入れ替わらない)
    .loss_pct = アップリンク・方向ごとのパケット損失率
    .links = リンクのエミュレーション方式: netem(カーネル)または userspace(TUN)[既定: カーネルが対応していれば netem]
    .keep = 実行ディレクトリ(ホーム、ノードのログ)を終了後も残す
cmd-lab-group = あらゆる種類のネットワークの内側にメンバーがいるグループ、全員が送信(JSON の報告)
    .members = メンバー数(作成者を含む)
    .messages = メンバーが順に送るメッセージの総数
    .rate = 全メンバー合計の毎秒メッセージ数
    .nat = メンバーを順に配置するネットワーク(繰り返し可)[既定: すべての種別]
    .deadline = 各段階の最長の待ち時間
    .delay_ms = 各アップリンクの片方向遅延(方向ごと)
    .jitter_ms = 0..=MS の一様な追加遅延(パケットの順序は入れ替わらない)
    .loss_pct = アップリンク・方向ごとのパケット損失率
    .links = リンクのエミュレーション方式: netem(カーネル)または userspace(TUN)[既定: カーネルが対応していれば netem]
    .keep = 実行ディレクトリ(ホーム、ノードのログ)を終了後も残す
cmd-lab-selftest = エミュレートした各 NAT が名前どおりに動くか確認(UDP と TCP のプローブ)
    .delay_ms = 各アップリンクの片方向遅延(方向ごと)
    .jitter_ms = 0..=MS の一様な追加遅延(パケットの順序は入れ替わらない)
    .loss_pct = アップリンク・方向ごとのパケット損失率
    .links = リンクのエミュレーション方式: netem(カーネル)または userspace(TUN)[既定: カーネルが対応していれば netem]
    .keep = 実行ディレクトリ(ホーム、ノードのログ)を終了後も残す
cmd-lab-up = ネットワークごとにノードを 1 つ置いたラボを作り、Ctrl-C か `lab down` まで維持
    .nat = ユーザーのノードを置くネットワーク(繰り返し可)[既定: 種別ごとに 1 つ]
    .delay_ms = 各アップリンクの片方向遅延(方向ごと)
    .jitter_ms = 0..=MS の一様な追加遅延(パケットの順序は入れ替わらない)
    .loss_pct = アップリンク・方向ごとのパケット損失率
    .links = リンクのエミュレーション方式: netem(カーネル)または userspace(TUN)[既定: カーネルが対応していれば netem]
    .keep = 実行ディレクトリ(ホーム、ノードのログ)を終了後も残す
cmd-lab-down = `lab up` で維持しているラボ(または実行中の `lab run`)を止める
    .id = 実行の id(`chingu lab list`)。1 つだけなら省略可
cmd-lab-list = このマシンのラボ実行の一覧
cmd-lab-clean = 異常終了したラボ実行の残り(名前空間、プロセス、ディレクトリ)を削除
cmd-demo = 3 人がこのプロセス内のローカルネットワークで出会ってトークする様子を見る（または参加する）
    .interactive = 決まった流れの代わりに、chingu chat で自分で他の人とトークする
    .player = 対話型デモであなたが演じる人
cmd-completions = シェルの補完スクリプトを出力（bash、zsh、fish、elvish、powershell）
    .shell = シェル
cmd-man = マニュアルページ（roff）を出力、または --dir でコマンドごとに 1 ページずつ書き出す
    .dir = 先頭のページを出力する代わりに、このディレクトリにコマンドごとに 1 ページずつ書き出す
