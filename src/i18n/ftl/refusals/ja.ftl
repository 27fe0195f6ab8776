## ノードの拒否（SPEC.md §9.3）を理由と詳細から説明します（chingu::i18n::refusals）。
## ja.ftl の後に同じバンドルとして読み込みます。
err-no-phone = このノードには電話番号がありません（運営者のブートストラップ・メールボックス・リレー用ノードです）。連絡先、メッセージ、グループは持ちません。
err-empty-name = 名前を空にはできません。
err-status-too-long = ステータスは { $max } バイトまでです。短くしてください。
err-too-many-persons = 一度に取り込めるのは { $max } 人までです。残りは別に送ってください。
err-invalid-id = 「{ $id }」はメッセージ ID ではありません（16 進数 32 桁）。
err-no-messages = 「{ $contact }」とのメッセージはまだありません。
err-before-and-after = 前か後のどちらか一方だけを指定してください。両方は指定できません。
err-too-many-numbers = { $contact } さんにはすでに { $max } 個の番号があります。先にどれかを削除してください。
err-bad-invite = この招待コードは使えません（{ $problem ->
    [bad_format] 招待コードではありません
    [bad_length] 短すぎるか長すぎます
    [bad_checksum] 入力ミスがあります
    [bad_version] 新しい chingu で作られたコードです
   *[other] コードが壊れています
}）。確認するか、友だちに新しいコードをもらってください。
err-invite-expired = 招待コードの有効期限が切れています。友だちに新しいコードをもらってください。
err-bad-invite-validity = 招待コードの有効期間は 1 秒から { $days } 日までです。
err-bad-import = { $problem ->
    [empty] アドレス帳が空です。
    [too_large] アドレス帳が大きすぎて一度に取り込めません。
    [no_header] CSV ファイルの 1 行目に電話番号の列がありません（name,phone のような見出しが必要です）。
   *[other] テキストのアドレス帳ではありません（vCard か CSV で書き出してください）。
}
err-contact-blocked = { $contact } さんをブロックしています。先にブロックを解除してください（chingu contacts unblock { $contact }）。
err-nothing-to-verify = { $contact } さんの鍵はまだわかりません。見つかるまで待つか、招待コードで追加してください。
err-no-key-change = 承認を待っている { $contact } さんの新しい鍵はありません。
err-choose-candidate = 複数の鍵が { $contact } さんの番号を名乗っています。安全番号を照合して --candidate N で一つ選んでください。
err-no-such-candidate = { $contact } さんに候補 { $candidate } はありません（chingu contacts verify { $contact } で確認してください）。
err-no-such-request = 「{ $request }」に当てはまるメッセージリクエストはありません（chingu requests list で確認してください）。
err-ambiguous-request = 「{ $request }」に当てはまるメッセージリクエストが複数あります。ピア ID で指定してください。
err-request-gone = そのメッセージリクエストはもうありません。
err-request-claims-contact = このリクエストは連絡先の { $contact } さんの番号を名乗っていますが、鍵が違います。リクエストをブロックするか、{ $contact } さんを検証してください（chingu contacts verify { $contact }）。
err-group-needs-name = グループには名前が必要です。
err-group-exists = ID が { $group } のグループはすでにあります。何も作成していません。
err-not-a-member = あなたはもう「{ $group }」のメンバーではありません。
err-no-such-member = このグループに「{ $member }」というメンバーはいません（chingu group members で確認してください）。
err-group-closed = 「{ $group }」は終了したか、あなたはもうメンバーではありません。
err-no-epoch = グループにはまだ鍵がありません。少し待ってからもう一度試してください。
err-invitation-invalid = この招待はもう有効ではありません。新しい招待を頼んでください。
err-ambiguous-invitation = 「{ $group }」に当てはまる招待が複数あります。グループ ID で指定してください（chingu group invitations で確認できます）。
err-no-such-invitation = 「{ $group }」への招待はありません（chingu group invitations で確認してください）。
err-ambiguous-group = 「{ $group }」という名前のグループが複数あります。グループ ID で指定してください（chingu group list で確認できます）。
err-not-a-meetup = 「{ $group }」はミートアップではなくグループです。終了時に履歴を消せるのはミートアップだけです。
err-bad-meetup-duration = ミートアップの長さは 1 秒から 24 時間までです。
err-bad-meetup-code = ミートアップのコードではありません。コードは 7K3QD-M9XAF のような英数字 10 文字です。
err-no-such-meetup = このコードのミートアップはありません。入力ミスか、期限切れか、終了しています。
err-meetup-refused = ミートアップに参加を断られました（{ $problem }）。
err-text-too-long = { $what ->
    [group_name] グループ名
    [number] 番号
   *[other] 名前
}が { $max } バイトを超えています。
err-group-rules = グループのルールによりできません: { $rule ->
    [not_admin] 管理者だけができます
    [already_member] すでにメンバーです
    [already_admin] すでに管理者です
    [not_member] メンバーではありません
    [last_admin] 最後の管理者は退出も辞任もできません。先にほかの人を管理者にしてください
    [too_many_members] グループが満員です
    [closed] グループは終了しています
   *[other] { $rule }
}。
err-meetup-acquaintance = { $contact } さんはミートアップで会っただけで、連絡先ではありません。先に番号で追加してください。
err-contact-not-ready = { $contact } さんはまだ chingu で見つかっていないか、鍵の検証が必要です（chingu contacts show { $contact }）。
err-not-a-friend = まだ友だちではありません。鍵がわかっている友だちにしかできません。
err-no-such-voucher = そのシリアルの引換券は持っていません（chingu vouchers list で確認してください）。
err-not-held = その引換券はもう持っていません。すでに{ $state ->
    [redeemed] 使用済み
    [given] 譲渡済み
    [expired] 期限切れ
   *[other] { $state }
}です。
err-voucher-refused = 引換券の発行元に断られました（{ $problem }）。
err-malformed-answer = 引換券の発行元から、この chingu が読めない応答が届きました（{ $problem }）。
err-too-long = テキストが長すぎます。短くしてください。
err-bad-signature = 署名が正しくありません。名乗っている相手が作ったものではありません。
err-voucher-expired = 引換券の有効期限が切れています。
err-voucher-spent = この引換券はすでに使用済みです。
err-not-the-holder = この引換券を持っていません。
err-too-many-hops = この引換券は何度も譲渡されたため、これ以上譲れません。
err-not-ours = このノードが発行した引換券ではありません。
err-stale-request = リクエストの時刻が発行元の時計と離れすぎています。この端末の時計を確認してください。
err-no-such-message = メッセージ「{ $id }」はありません（chingu history --json で ID を確認してください）。
err-not-forwardable = このメッセージは転送できません。
err-not-writable = 返信する前にメッセージリクエストを承認してください（chingu requests accept）。
err-not-the-author = メッセージを編集・削除できるのは書いた本人だけです。
err-other-conversation = そのメッセージは別の会話にあります。
err-not-editable = このメッセージは編集もリアクションもできません。
err-deleted = このメッセージは削除されています。
err-too-many-reactions = このメッセージにはリアクションが多すぎます。
err-too-many-waiting = まだ届いていないメッセージを待つリアクション・編集・削除が多すぎます。メッセージが届いてからもう一度試してください。
err-unknown-template = カードのテンプレート「{ $template }」はありません。birthday、thanks、congrats、love、plain から選んでください。
err-not-an-emoji = リアクションは絵文字一つだけです。「{ $text }」は使えません。
err-not-sendable = この種類のメッセージは送れません。
err-paper-bad-date = 届ける日は今から 1 年以内にしてください。
err-paper-bad-writers = 書き手は 1 人から { $max } 人まで招待できます。
err-paper-recipient-invited = 寄せ書きは受け取る人には秘密です。受け取る人を書き手にはできません。
err-paper-too-late = 寄せ書きはもう届けられました。これ以上書き込めません。
err-paper-not-the-starter = 寄せ書きを始められるのは始めた人だけで、一度きりです。
err-not-a-paper = 寄せ書きではありません。
err-no-such-file = 「{ $file }」に当てはまるファイルはありません（chingu files で確認してください）。
err-file-missing = ファイルがありません。
err-ambiguous = { $what ->
    [file] 「{ $query }」で始まるファイルが複数あります。桁を増やしてください。
    [sticker_pack] 「{ $query }」という名前のスタンプパックが複数あります。パック ID で指定してください（chingu stickers list で確認できます）。
   *[other] 「{ $query }」に当てはまるものが複数あります。もっと詳しく指定してください。
}
err-file-changed = 読み込み中にファイルが変わりました。もう一度試してください。
err-bad-file-id = ファイル ID は 16 進数 64 桁です（chingu files で確認してください）。
err-unreadable = ファイルを読み書きできません（{ $problem }）。
err-file-too-large = ファイルが大きすぎます。送れるのは { $gib } GiB までです。
err-pack-too-large = スタンプパックは { $kib } KiB までです。
err-no-such-pack = スタンプパック「{ $pack }」はありません（chingu stickers list で確認してください）。
err-no-such-sticker = パック「{ $pack }」のスタンプは { $count } 個です。番号は 0 から数えます。
err-bad-pack = スタンプパックではないか、壊れています。
err-empty-pack = スタンプパックには少なくとも一つのスタンプが必要です。
err-bad-image = スタンプ「{ $sticker }」は読み込める PNG、JPEG、WebP、GIF 画像ではありません。
err-backup-relative-path = バックアップのパスは絶対パスにしてください。
err-backup-busy = すでにバックアップ中です。終わってからもう一度試してください。
err-backup-cannot-write-to = バックアップを書き込めませんでした（{ $path }: { $problem }）。
err-backup-cannot-write = バックアップを書き込めませんでした（{ $problem }）。
err-backup-failed = バックアップを書き込めませんでした: { $message }
err-bad-link-code = chingu のリンクコードではありません。chingu link が表示するコード全体（CHINGU-LINK- で始まります）をコピーしてください。
err-link-code-expired = リンクコードの有効期限が切れました。最初の端末で chingu link を実行して新しいコードを表示してください。
err-wrong-link-code = リンクコードが一致しません。入力が間違っているか、新しいコードに置き換えられました。chingu link で新しいコードを表示してください。
err-no-link-offer = その端末はいまリンクを受け付けていません（コードは使用済み、取り消し済み、または表示されていません）。chingu link で新しいコードを表示してください。
err-link-not-confirmed = 両方の端末でリンクが確認されませんでした。何も変わっていません。
err-link-failed = リンクを完了できませんでした。何も変わっていません。新しいコードでやり直してください。
err-link-malformed = 相手の端末が正しくないリンクメッセージを送りました。何も変わっていません。
err-other-account = 端末リストは別のアカウントのものです。何も変わっていません。
err-too-many-devices = アカウントにはすでに { $max } 台の端末があります。先に chingu devices remove 名前 で 1 台外してください。
err-device-name-taken = 別の端末がすでに「{ $device }」という名前です。--device で別の名前を選んでください。
err-no-such-device = 「{ $device }」という端末はありません（chingu devices で一覧を表示できます）。
err-account-device = 最初の端末はアカウント鍵を持っているので外せません。
err-not-the-account-device = 端末のリンクと削除は、アカウントの最初の端末でだけできます。
err-bad-device-name = 端末名は 1〜64 バイトの表示できる文字にしてください。
err-no-link-waiting = 確認を待っている新しい端末はありません。
err-not-listening = 新しい端末が接続できるアドレスがありません。--listen を付けてノードを起動してください。
err-bad-history-days = 新しい端末に送れる履歴は最大 { $max } 日分です。
err-linked-device = この端末はアカウントにリンクされた端末です。テキスト、既読、入力中の表示、連絡先とグループは最初の端末を通して扱います。ミートアップ、グループ招待への返答、ギフト券と招待コードはいまのところ最初の端末から行ってください。
err-history-too-large = その期間の履歴は新しい端末が受け取れる量を超えています。日数を減らしてリンクし直してください（chingu link --history-days 日数）。
err-revoked-device = この端末はアカウントから外されました。アカウントの最初の端末からはもう何も届きません。
err-not-a-device = そのピアはこのアカウントの端末ではありません。
err-first-device-unreachable = 最初の端末にいま接続できないため、何も送らず、何も変えませんでした。リンクされた端末は連絡先の変更を最初の端末を通して行うので（その間テキスト、既読、入力中の表示はこの端末から送ります）、最初の端末を起動して（またはネットワークを確かめて）もう一度試してください。
