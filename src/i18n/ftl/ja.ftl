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
group-sent = { $id } をグループに送信しました (ディスクに保存済み。受け取れなかったメンバーは履歴同期で取得します)。
group-kind-group = グループ
group-kind-meetup = フラッシュミートアップ
group-col-name = 名前
group-col-kind = 種類
group-col-members = メンバー
group-col-role = 役割
group-col-id = ID
group-col-phone = 電話番号
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
