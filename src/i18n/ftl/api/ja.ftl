## API 自身が作るエラー（SPEC.md §9.3）とクライアントのエラーを、理由と詳細から説明します
## (chingu::i18n::api_errors)。refusals/ja.ftl の後に同じバンドルとして読み込みます。

# 翻訳した文の後に付ける、ノードの英語の説明。
err-with-detail = { $sentence }（詳細: { $detail }）

## 呼び出しのパラメーター (invalid_params)。
err-param-missing = { $method } にはパラメーター「{ $param }」が必要です。
err-param-wrong-type = { $method } のパラメーター「{ $param }」は{ $expected ->
    [string] テキスト
    [number] 数値
    [boolean] true か false
    [list] リスト
    [object] オブジェクト
   *[other] 別の型
}でなければなりません。
err-param-out-of-range = { $method } のパラメーター「{ $param }」の値が範囲外です。
err-param-unknown = { $method } にパラメーター「{ $param }」はありません。
err-param-unknown-value = { $method } のパラメーター「{ $param }」は次のどれかにしてください: { $expected }。
err-param-invalid-value = { $method } のパラメーター「{ $param }」の値は使えません。
err-param-choose-one = { $method } には次のパラメーターのうち一つだけを指定してください: { $params }。
err-params-not-object = { $method } のパラメーターは JSON オブジェクトでなければなりません。
err-params-invalid = { $method } のパラメーターが正しくありません。
err-params-invalid-any = 呼び出しのパラメーターが正しくありません。

## 呼び出し、アプリのトークン、接続。
err-method-not-found = ノードに「{ $method }」というメソッドはありません。ノードの chingu がこれより古いバージョンかもしれません。
err-forbidden-scope = このアプリは { $method } を呼び出せません。「{ $scope }」の権限が必要です（ノードの所有者がその権限でアプリを追加し直せます: chingu apps add 名前 --scopes { $scope }）。
err-forbidden-owner = { $method } を呼び出せるのはノードの所有者だけです。
err-forbidden-any = このアプリにはその操作の権限がありません。
err-no-token = この接続にはアプリトークンが必要です。Authorization: Bearer トークン ヘッダーか ?token=トークン で送ってください（ノードの所有者が chingu apps add で作れます）。
err-unknown-token = 不明なアプリトークンか、取り消されたトークンです。ノードの所有者に新しいトークンをもらってください（chingu apps add）。
err-parse-error = リクエストが正しい JSON ではありません（{ $line } 行目、{ $column } 桁目）。
err-not-utf8 = リクエストが UTF-8 のテキストではありません。
err-binary-frame = バイナリの WebSocket フレームは受け付けません。リクエストはそれぞれテキストフレームで送ってください。
err-invalid-request = JSON-RPC 2.0 のリクエストではありません。「{ $field }」を確認してください。
err-invalid-request-any = JSON-RPC 2.0 のリクエストではありません。
err-request-timeout = リクエストが { $seconds } 秒以内に届ききらなかったため、ノードが接続を閉じました。
err-evicted = 接続が多すぎるため、ノードがほかの接続のためにこの接続を閉じました。もう一度試してください。

## ノードの失敗: できること、その後にノードの説明。
err-stopped = ノードは終了しようとしています。chingu run でもう一度起動してください。
err-stopped-panic = ノードが内部エラーで止まりました。chingu run のログを確認してから、もう一度起動してください。
err-invalid-address = 「{ $address }」はノードが使えるアドレスではありません（/ip4/192.0.2.7/tcp/4001/p2p/12D3KooW… のような multiaddr にしてください）。
err-cannot-listen = { $address } で接続を待ち受けられません。ほかのプログラムがそのポートを使っているか、このマシンのアドレスではないのかもしれません。--listen（または config.toml の network.listen）で別のアドレスを選んでください。
err-unreachable = { $peer } に接続できません。相手がオフラインか、ファイアウォールの内側にいるのかもしれません。あとでもう一度試してください。
err-dht-failed = ノードがネットワークのディレクトリ（DHT）{ $op ->
    [put] に情報を公開
   *[other] で情報を検索
}できませんでした。インターネット接続を確認して、もう一度試してください。
err-storage = { $problem ->
    [no_space] ノードのディスクがいっぱいです。空き容量を作ってから、もう一度試してください。
    [damaged] ノードのデータベースが壊れています。chingu run のログを確認してください。バックアップからの復元（chingu restore）が必要かもしれません。
    [newer_schema] ノードのデータベースは新しい chingu で書かれています。chingu を更新してください。
   *[other] ノードがデータベースを読み書きできませんでした。ディスクの空き容量を確認し、chingu run のログを見てください。
}
# CLI が自分で開いたデータベース（chingu run、history、init、restore）: パスで示します。
err-storage-at = { $problem ->
    [damaged] { $path } のデータベースが壊れています。バックアップがあれば復元してください（chingu restore）。なければ別の場所に移して（mv { $path } { $path }.damaged）、chingu init --force --phone 番号 でホームを作り直してください（連絡先と履歴は失われ、古い鍵はバックアップフォルダーに残ります）。
    [locked] { $path } のデータベースはほかのプログラムが使っています。そのプログラムを止めてから、もう一度試してください。
    [no_space] { $path } のデータベースがあるディスクがいっぱいです。空き容量を作ってから、もう一度試してください。
   *[other] { $path } のデータベースを開けません。ディスクの空き容量と、ファイルの所有者が自分かどうかを確認してください。
}
err-task-failed = ノードの処理（{ $task }）が失敗しました。chingu run のログを確認し、失敗が続くならノードを再起動してください。
err-node-failed = ノードで問題が起きました。chingu run のログを確認してください。
err-internal = ノードの内部で問題が起きました。chingu run のログを確認してください（繰り返し起きる場合は報告してください）。
err-not-found = 求められたものがノードに見つかりませんでした。
err-invalid-input = ノードはこの入力を使えません。
err-blocked = 安全のため、ノードがこの操作を止めています。先に確認が必要です。

## クライアント自身のエラー。
err-cannot-connect = { $socket } のノードに接続できません（{ $problem }）。
err-answer-too-large = ノードの応答が { $mib } MiB を超えました。一度に求める量を減らしてください（--limit を小さくするなど）。
