## API가 스스로 만드는 오류(SPEC.md §9.3)와 클라이언트의 오류를 이유와 세부 정보로
## 설명해요 (chingu::i18n::api_errors). refusals/ko.ftl 다음에 같은 번들로 읽어요.

# 번역한 문장 뒤에 붙이는 노드의 영어 설명.
err-with-detail = { $sentence } (자세히: { $detail })

## 호출의 매개변수 (invalid_params).
err-param-missing = { $method }에는 “{ $param }” 매개변수가 필요해요.
err-param-wrong-type = { $method }의 “{ $param }” 매개변수는 { $expected ->
    [string] 텍스트여야
    [number] 숫자여야
    [boolean] true나 false여야
    [list] 목록이어야
    [object] 객체여야
   *[other] 다른 형식이어야
} 해요.
err-param-out-of-range = { $method }의 “{ $param }” 매개변수 값이 허용 범위를 벗어났어요.
err-param-unknown = { $method }에는 “{ $param }” 매개변수가 없어요.
err-param-unknown-value = { $method }의 “{ $param }” 매개변수는 다음 중 하나여야 해요: { $expected }.
err-param-invalid-value = { $method }의 “{ $param }” 매개변수 값은 쓸 수 없어요.
err-param-choose-one = { $method }에는 다음 매개변수 중 꼭 하나만 주세요: { $params }.
err-params-not-object = { $method }의 매개변수는 JSON 객체여야 해요.
err-params-invalid = { $method }의 매개변수가 올바르지 않아요.
err-params-invalid-any = 호출의 매개변수가 올바르지 않아요.

## 호출, 앱 토큰, 연결.
err-method-not-found = 노드에 “{ $method }” 메서드가 없어요. 노드의 chingu가 이것보다 오래된 버전일 수 있어요.
err-forbidden-scope = 이 앱은 { $method }을(를) 호출할 수 없어요. “{ $scope }” 권한이 필요해요 (노드 주인이 그 권한으로 앱을 다시 추가할 수 있어요: chingu apps add 이름 --scopes { $scope }).
err-forbidden-owner = { $method }은(는) 노드 주인만 호출할 수 있어요.
err-forbidden-any = 이 앱에는 그 일을 할 권한이 없어요.
err-no-token = 이 연결에는 앱 토큰이 필요해요. Authorization: Bearer 토큰 헤더나 ?token=토큰으로 보내 주세요 (노드 주인이 chingu apps add로 만들 수 있어요).
err-unknown-token = 모르는 앱 토큰이거나 취소된 토큰이에요. 노드 주인에게 새 토큰을 받으세요 (chingu apps add).
err-parse-error = 요청이 올바른 JSON이 아니에요 ({ $line }번째 줄, { $column }번째 칸).
err-not-utf8 = 요청이 UTF-8 텍스트가 아니에요.
err-binary-frame = 바이너리 WebSocket 프레임은 받지 않아요. 요청마다 텍스트 프레임으로 보내 주세요.
err-invalid-request = JSON-RPC 2.0 요청이 아니에요. “{ $field }” 항목을 확인하세요.
err-invalid-request-any = JSON-RPC 2.0 요청이 아니에요.
err-request-timeout = 요청이 { $seconds }초 안에 다 도착하지 않아서 노드가 연결을 닫았어요.
err-evicted = 연결이 너무 많아서 노드가 다른 연결을 받으려고 이 연결을 닫았어요. 다시 시도해 주세요.

## 노드의 실패: 할 수 있는 일, 그다음 노드의 설명.
err-stopped = 노드가 종료되는 중이에요. chingu run으로 다시 시작하세요.
err-stopped-panic = 노드가 내부 오류로 멈췄어요. chingu run의 로그를 확인한 뒤 다시 시작하세요.
err-invalid-address = “{ $address }”은(는) 노드가 쓸 수 있는 주소가 아니에요 (/ip4/192.0.2.7/tcp/4001/p2p/12D3KooW… 같은 multiaddr이어야 해요).
err-cannot-listen = { $address }에서 연결을 받을 수 없어요. 다른 프로그램이 그 포트를 쓰고 있거나 이 컴퓨터의 주소가 아닐 수 있어요. --listen(또는 config.toml의 network.listen)으로 다른 주소를 고르세요.
err-unreachable = { $peer }에 연결할 수 없어요. 상대가 오프라인이거나 방화벽 뒤에 있을 수 있어요. 나중에 다시 시도하세요.
err-dht-failed = 노드가 네트워크 디렉터리(DHT){ $op ->
    [put] 에 정보를 올리지
   *[other] 에서 정보를 찾지
} 못했어요. 인터넷 연결을 확인하고 다시 시도하세요.
err-storage = { $problem ->
    [no_space] 노드의 디스크가 가득 찼어요. 공간을 비운 뒤 다시 시도하세요.
    [damaged] 노드의 데이터베이스가 손상됐어요. chingu run의 로그를 확인하세요. 백업에서 복원(chingu restore)해야 할 수도 있어요.
    [newer_schema] 노드의 데이터베이스를 더 새 chingu가 만들었어요. chingu를 업데이트하세요.
   *[other] 노드가 데이터베이스를 읽거나 쓰지 못했어요. 디스크에 빈 공간이 있는지 확인하고 chingu run의 로그를 보세요.
}
# CLI가 직접 연 데이터베이스 (chingu run, history, init, restore): 경로로 가리켜요.
err-storage-at = { $problem ->
    [damaged] { $path }의 데이터베이스가 손상됐어요. 백업이 있으면 복원하세요 (chingu restore). 없으면 옆으로 옮기고 (mv { $path } { $path }.damaged) chingu init --force --phone 번호로 홈을 다시 만드세요 (연락처와 대화 기록은 사라지고, 예전 키는 백업 폴더에 남아요).
    [locked] { $path }의 데이터베이스를 다른 프로그램이 쓰고 있어요. 그 프로그램을 멈춘 뒤 다시 시도하세요.
    [no_space] { $path }의 데이터베이스가 있는 디스크가 가득 찼어요. 공간을 비운 뒤 다시 시도하세요.
   *[other] { $path }의 데이터베이스를 열 수 없어요. 디스크에 빈 공간이 있는지, 파일의 주인이 나인지 확인하세요.
}
err-task-failed = 노드의 작업({ $task })이 실패했어요. chingu run의 로그를 확인하고, 계속 실패하면 노드를 다시 시작하세요.
err-node-failed = 노드에 문제가 생겼어요. chingu run의 로그를 확인하세요.
err-internal = 노드 안에서 문제가 생겼어요. chingu run의 로그를 확인하세요 (또 생기면 알려 주세요).
err-not-found = 노드가 요청한 것을 찾지 못했어요.
err-invalid-input = 노드가 이 입력을 쓸 수 없어요.
err-blocked = 안전을 위해 노드가 이 요청을 막았어요. 먼저 확인이 필요해요.

## 클라이언트 자신의 오류.
err-cannot-connect = { $socket }의 노드에 연결할 수 없어요 ({ $problem }).
err-answer-too-large = 노드의 응답이 { $mib }MiB보다 커요. 한 번에 더 적게 요청하세요 (예: 더 작은 --limit).
