# Korean (한국어). Keep ids, variables and attributes in step with en.ftl (the source of
# truth); the i18n tests check this. Korean has only the CLDR `other` plural category, so
# counts need no selector. Tone: 해요체.

## Common
yes = 예
no = 아니요
error-prefix = 오류: { $message }
lang-unavailable = 참고: "{ $lang }" 언어는 지원하지 않아 영어로 표시해요
error-not-running = 이 홈에서 실행 중인 chingu 노드가 없어요({ $socket } 응답 없음). `chingu run`으로 노드를 시작해 주세요.

## init
init-done = { $home }에 chingu 홈을 만들었어요
    전화번호: { $phone }
    피어 ID:  { $peer_id }
init-backup = 이전 홈을 옮겨 두었어요: { $path }

## run
run-started = chingu 노드 { $peer_id } ({ $phone })
run-listening = 수신 대기: { $addr }
run-socket = 제어 소켓: { $path }
run-stopping = 중지하는 중…
run-stopped = 중지했어요. 저장소 내용을 모두 디스크에 기록했어요.
run-api = 앱 토큰용 WebSocket API: { $url }
run-metrics = Prometheus 메트릭: { $url }
run-not-loopback = { $flag } { $addr }: 루프백 주소가 아니에요. 그 주소에 닿을 수 있는 누구나 접속할 수 있어요. 127.0.0.1(또는 ::1)을 쓰거나, 정말 의도한 것이라면 --allow-remote를 붙이세요.

## status
status-peer-id = 피어 ID
status-phone = 전화번호
status-name = 이름
status-uptime = 가동 시간
status-listening = 수신 대기
status-peers = 피어
status-peers-value = { $connected }개 연결됨, 라우팅 테이블에 { $routing }개
status-dht-records = DHT 레코드
status-rejected = 거부됨

## peers
peers-none = 연결된 피어가 없어요
peers-col-peer = 피어
peers-col-rtt = RTT
peers-col-dht = DHT
peers-col-addr = 주소
peers-count = 피어 { $count }개

## testnet
testnet-progress = 테스트넷: 노드 { $total }개 중 { $started }개 시작됨, { $ready }개 준비됨
testnet-keeping-up = 노드를 { $secs }초 동안 유지해요 (Ctrl-C를 누르면 일찍 끝나요)

## contacts
state-pending = 찾는 중
state-found = 찾음 (미인증)
state-verified = 인증됨
state-conflict = 충돌 — 메시지를 보내기 전에 인증해 주세요
state-not-found = 찾지 못함
contact-line = { $name } { $phone }: { $state }
contact-removed = 연락처를 삭제했어요: { $name } ({ $phone })
contacts-none = 아직 연락처가 없어요. `chingu contacts add NUMBER`로 추가하거나 주소록을 가져와 주세요.
contacts-col-name = 이름
contacts-col-phone = 전화번호
contacts-col-state = 상태
contacts-with-candidates = { $state } (미인증 키 +{ $count }개)
import-not-utf8 = { $file } 파일이 UTF-8 텍스트가 아니에요. 주소록을 UTF-8 vCard나 CSV로 내보내 주세요.
import-issue = { $line }번째 줄: { $input } 건너뜀 ({ $reason })
import-summary = 번호 { $read }개를 읽었어요. 새 연락처 { $added }개, 중복 병합 { $merged }개, 건너뜀 { $skipped }개.
import-discovering = 친구 찾는 중
import-discovered = { $total }명 중 { $found }명을 chingu에서 찾았어요 (나머지는 나중에 다시 찾아봐요).
verify-pinned = 고정된 키 { $peer_id }의 안전 번호:
verify-candidate = 후보 { $index }: { $peer_id } ({ $name })의 안전 번호:
verify-confirmed = 인증됨으로 표시했어요.
verify-howto = 이 번호를 친구 화면의 번호와 비교해 보세요(직접 만나거나 통화하면서). 같으면 --confirm(또는 --candidate N)을 붙여 다시 실행해 주세요.
invite-howto = 이 초대 코드를 친구에게 알려 주세요. { $hours }시간 동안 쓸 수 있어요. 친구는 chingu contacts add --invite CODE를 실행하면 돼요.
duration-invalid = "{ $text }"은(는) 올바른 기간이 아니에요 (예: 30m, 2h, 7d)

## Messages
msg-me = 나
msg-line = [{ $time }] { $who }: { $text }  ({ $state })
msg-queued = { $id } 메시지를 대기열에 넣었어요. 디스크에 저장했고 전송 중이에요 (도착하면 chingu watch에 표시돼요).
msg-marked-read = 메시지 { $count }개를 확인한 것으로 표시했어요.
msg-state-queued = 대기 중
msg-state-sent = 전송됨
msg-state-delivered = 전달됨
msg-state-read = 읽음
msg-state-received = 받음
msg-state-request = 메시지 요청
msg-state-seen = 확인함
msg-state-changed = { $id } 상태: { $state }
msg-typing = { $name } 님이 입력 중…
msg-key-changed = 경고: { $name } 님의 키가 바뀌었어요. 인증할 때까지 메시지를 보류해요 (chingu contacts verify { $name }).
msg-contact-updated = { $name }: { $state }
history-none = 아직 메시지가 없어요.
watch-ended = 노드가 중지됐어요.
group-created = 그룹 “{ $name }”({ $id })을 만들었어요. 멤버 { $members }명. 멤버에게 연결되는 대로 1:1 세션으로 알려요.
group-changed = “{ $name }”: 이제 에포크 { $epoch }, 멤버 { $members }명이에요.
group-left = “{ $name }”에서 나왔어요. 대화 기록은 이 기기에 남아 있어요.
group-none = 아직 그룹이 없어요. 이렇게 만들 수 있어요: chingu group create 이름 --members A,B
group-sent = { $id } 메시지를 그룹에 보냈어요 (디스크에 저장됨. 놓친 멤버는 기록 동기화로 받아요).
group-kind-group = 그룹
group-kind-meetup = 번개
group-col-name = 이름
group-col-kind = 종류
group-col-members = 멤버
group-col-role = 역할
group-col-id = ID
group-col-phone = 전화번호
group-role-admin = 관리자
group-role-member = 멤버
group-role-gone = 나감
group-role-me = { $role } (나)

## apps
apps-added = 앱 { $name }을(를) 권한 { $scopes }(으)로 추가했어요. 아래 토큰은 지금 한 번만 보여 드리니 바로 보관하세요:
apps-none = 아직 앱이 없어요. `chingu apps add 이름 --scopes read,send`로 추가하세요.
apps-col-name = 이름
apps-col-scopes = 권한
apps-col-created = 추가한 때
apps-revoked = 앱 { $name }을(를) 취소했어요. 이 토큰은 이미 열린 연결에서도 더 이상 쓸 수 없어요.
apps-duplicate = { $name } 앱이 이미 있어요. 새 토큰을 주려면 먼저 취소하세요.
apps-unknown = { $name } 앱은 없어요(`chingu apps list`로 확인하세요).
apps-invalid-name = "{ $name }"은(는) 앱 이름으로 쓸 수 없어요. 글자, 숫자, '-', '_', '.'로 1~64자를 쓰세요.
apps-no-scopes = 권한을 하나 이상 주세요: --scopes read,send,contacts,groups
apps-unknown-scope = 알 수 없는 권한 "{ $scope }": 권한은 read, send, contacts, groups 중에서 고르세요.
