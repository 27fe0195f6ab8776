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
group-invitations-none = 기다리는 초대가 없어요. (config.toml의 [groups]에서 auto_join = false일 때만 초대가 기다려요.)
group-joined = “{ $name }”에 참여했어요 (멤버 { $members }명).
group-declined = “{ $name }” 초대를 거절했어요.
group-col-from = 초대한 사람
group-sent = { $id } 메시지를 그룹에 보냈어요 (디스크에 저장됨. 놓친 멤버는 기록 동기화로 받아요).
group-kind-group = 그룹
group-kind-meetup = 번개
group-col-name = 이름
group-col-kind = 종류
group-col-members = 멤버
group-col-role = 역할
group-col-id = ID
group-col-phone = 전화번호
group-col-fingerprint = 지문
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

## 채팅 클라이언트 (chingu chat)
chat-needs-terminal = chingu chat은 대화형 터미널에서만 실행할 수 있어요 (stdin과 stdout이 TTY여야 해요).
tui-too-small = 터미널이 너무 작아요: { $width }×{ $height }. chingu chat에는 최소 { $min_width }×{ $min_height }가 필요해요. 창을 키워 주세요.
tui-connected = ● 연결됨
tui-disconnected-short = ○ 연결 끊김
tui-disconnected = 노드와 연결이 끊겼어요. 다시 연결하는 중… (q: 종료)
tui-reconnected = 노드에 다시 연결했어요.
tui-help-hint = ? 도움말
tui-hint-list = ↑↓ 선택 · Enter 열기 · a 추가 · n 초대 · v 인증 · g 그룹 · ? 도움말 · q 종료
tui-hint-chat = Enter 보내기 · PgUp/PgDn 스크롤 · Esc 친구 목록 · F1 도움말 · Ctrl-C 종료
tui-friends-title = { " " }친구 { $count }명{ " " }
tui-no-friends = 아직 친구가 없어요. a를 눌러 번호나 초대 코드로 추가하거나, i를 눌러 주소록을 가져오세요.
tui-no-chat = 왼쪽에서 친구나 그룹을 고르고 Enter를 누르면 대화를 시작해요.
tui-badge-verified = ✔
tui-badge-found = ●
tui-badge-pending = …
tui-badge-conflict = !
tui-badge-not-found = ?
tui-badge-request = ✉
tui-badge-group = #
tui-badge-meetup = @
tui-badge-closed = ×
tui-kind-group = 그룹
tui-kind-meetup = 번개 모임
tui-kind-meetup-closed = 번개 모임 (종료됨)
tui-members-count = 멤버 { $count }명
tui-mark-queued = ○
tui-mark-sent = ✓
tui-mark-delivered = ✓✓
tui-mark-read = ✓✓ 읽음
tui-loading = 불러오는 중…
tui-start-of-conversation = — 대화의 시작 —
tui-new-below = ↓ 새 메시지 { $count }개
tui-scrolled = ↓ 아래에 메시지 { $count }개 더
tui-compose-title = { " " }메시지 (Enter로 보내기){ " " }
tui-compose-hint = { " " }대화에서 Enter를 누르면 쓸 수 있어요{ " " }
tui-help-title = 단축키
tui-help-list = 친구 목록
tui-help-list-move = ↑↓ 또는 j/k 선택 · Enter 대화 열기 · r 새로고침
tui-help-list-people = a 친구 추가 (번호나 초대 코드) · i 연락처 가져오기
tui-help-list-invite = n 초대 코드 만들기 · v 고른 친구의 안전 번호
tui-help-list-groups = g 새 그룹 · m 새 번개 모임 · J 번개 모임 참여 · e 그룹 멤버
tui-help-list-quit = ? 또는 F1 이 도움말 · q 또는 Ctrl-C 종료
tui-help-chat = 대화
tui-help-chat-send = 입력 후 Enter로 보내기 · 붙여넣기 가능 · Esc 목록으로
tui-help-chat-scroll = PgUp/PgDn 또는 ↑↓ 스크롤 (이전 메시지는 자동으로 불러와요)
tui-help-chat-more = Ctrl-V 안전 번호 · Ctrl-G 그룹 멤버 · 표시: ○ 대기 ✓ 보냄 ✓✓ 전달됨
tui-help-members = 그룹 멤버
tui-help-members-keys = a 초대 · d 내보내기 · o 관리자 지정/해제 · r 이름 · x 종료 · l 나가기
tui-help-close = Esc, Enter 또는 ?를 누르면 도움말을 닫아요.
tui-close-hint = Esc로 닫기.
tui-form-keys = Enter 다음/확인 · Tab 칸 이동 · Esc 취소
tui-form-add-title = 친구 추가
tui-form-import-title = 연락처 가져오기
tui-form-group-title = 새 그룹
tui-form-meetup-title = 새 번개 모임
tui-form-join-title = 번개 모임 참여
tui-form-invite-member-title = 그룹에 초대
tui-form-rename-title = 그룹 이름 바꾸기
tui-field-number-or-code = 전화번호 또는 초대 코드 (CHINGU-…)
tui-field-name = 이름 (선택)
tui-field-path = vCard 또는 CSV 파일 (경로)
tui-field-group-name = 그룹 이름
tui-field-members = 멤버: 이름이나 번호, 쉼표로 구분
tui-field-duration = 유지 시간 (예: 90m, 2h; 비우면 2h)
tui-field-meetup-name = 모임 이름
tui-field-meetup-code = 모임 코드
tui-field-contact = 친구 (이름 또는 번호)
tui-field-required = 첫 번째 칸을 채워 주세요.
tui-duration-invalid = "{ $text }"은(는) 올바른 시간이 아니에요 (예: 90m, 2h, 최대 일주일).
tui-working = 처리 중…
tui-refreshing = 새로 불러오는 중…
tui-failed = 실패: { $message }
tui-bad-answer = 노드의 응답을 이해할 수 없어요: { $message }
tui-groups-unavailable = 이 노드는 아직 그룹 채팅을 지원하지 않아요 (chingu를 업데이트하고 노드를 다시 시작하세요).
tui-verify-needs-contact = 안전 번호는 친구에게만 있어요. 먼저 친구를 고르세요.
tui-members-needs-group = 먼저 그룹이나 번개 모임을 고르세요.
tui-admin-only = 그룹 관리자만 할 수 있어요.
tui-contact-added = { $name }님을 추가했어요. 찾는 중이에요.
tui-imported = 번호 { $read }개 중 새 연락처 { $added }개를 가져왔어요{ $skipped ->
    [0] .
   *[other] . { $skipped }개 항목은 건너뛰었어요.
}
tui-import-unreadable = { $path }을(를) 읽을 수 없어요: { $message }
tui-import-too-big = { $path }은(는) { $limit } MiB보다 커요. 주소록 파일이 아니에요.
tui-invite-title = 초대 코드
tui-invite-howto = { $hours }시간 동안 쓸 수 있어요. 친구는 chingu chat에서 a를 누르거나 chingu contacts add --invite CODE로 추가해요.
tui-meetup-title = 번개 모임
tui-meetup-howto = 앞으로 { $minutes }분 동안 열려 있어요. 다른 사람은 chingu chat에서 J를 누르고 이 코드로 참여해요.
tui-safety-title = 안전 번호
tui-safety-contact = { $name } ({ $phone })
tui-safety-pinned = 지금 쓰는 키:
tui-safety-candidate = 후보 { $index }: { $name }
tui-safety-none = 이 번호의 키를 아직 찾지 못했어요.
tui-safety-howto = 친구 화면과 비교한 뒤 c를 눌러 확인하세요 (후보는 그 번호를 누르세요).
tui-verified = { $name }님을 인증했어요.
tui-key-changed = 경고: { $name }님의 키가 바뀌었어요. 친구 목록에서 v를 눌러 안전 번호를 비교하세요.
tui-confirm-title = 정말 할까요?
tui-confirm-keys = y 또는 Enter: 예 · 다른 키: 아니요
tui-confirm-remove = { $group }에서 { $name }님을 내보낼까요?
tui-confirm-leave = { $group }에서 나갈까요? 더 이상 메시지를 받지 않아요.
tui-confirm-close = 번개 모임 { $group }을(를) 모두에게 종료할까요?
tui-group-done = 완료했어요.
tui-member-admin = (관리자)
tui-member-me = (나)
tui-members-keys = ↑↓ 선택 · l 나가기 · Esc 닫기
tui-members-keys-admin = a 초대 · d 내보내기 · o 관리자 · r 이름 · l 나가기 · Esc 닫기
tui-members-keys-meetup-admin = a 초대 · d 내보내기 · o 관리자 · r 이름 · x 종료 · l 나가기 · Esc
meetup-created = 번개 “{ $name }”이 { $until }까지 열려 있어요. 코드 { $code }(또는 { $link })를 공유하세요. 그 시간 안에 코드를 입력한 사람이 들어와요.
meetup-joined = “{ $name }”에 들어왔어요 (멤버 { $members }명).
meetup-closed = “{ $name }”을 닫았어요. 멤버는 더 보낼 수 없고 키를 잊어요. 대화 기록은 남아요.

## demo
demo-stage-meet = 전화번호로 서로 찾기
demo-stage-invite = 초대 코드로 친구 맺기
demo-stage-online = 1:1 채팅, 모두 온라인
demo-stage-offline = 친구가 오프라인일 때 1:1 채팅
demo-stage-group = 그룹 채팅
demo-stage-meetup = 코드로 모이는 번개
demo-starting = 이 프로세스 안에서 127.0.0.1에 로컬 네트워크를 시작합니다: 부트스트랩 노드, 메일박스 노드, 그리고 세 사람…
demo-net-up = [{ $at }] 노드 { $nodes }개가 켜지고 DHT에 합류했습니다
demo-online = { $name }({ $city })님이 { $local }({ $phone }) 번호로 온라인입니다
demo-city-seoul = 서울
demo-city-tokyo = 도쿄
demo-city-san-francisco = 샌프란시스코
demo-contact-added = { $name }님이 주소록에 { $friend }님 추가: “{ $typed }” → { $phone }
demo-found = [{ $at }] { $name }님이 전화번호로 { $friend }님을 찾았습니다
demo-invite-created = { $name }님이 초대 코드를 공유합니다: { $code }
demo-invite-accepted = [{ $at }] { $name }님이 코드로 { $inviter }님을 추가: 처음부터 인증된 친구입니다
demo-inviter-found = [{ $at }] { $name }님의 노드가 코드에 담긴 키로 { $inviter }님의 노드를 찾았습니다
demo-message = [{ $path }] { $from } → { $to }: “{ $text }” — { $outcome }
demo-delivered = { $name }님에게 { $ms }ms 만에 전달
demo-not-delivered = { $name }님에게 전달되지 않음
demo-offline = { $name }님이 오프라인이 됩니다(노드 중지)
demo-deposited = [{ $at }] { $from }님이 { $to }님에게 보낸 메시지 { $count }개가 메일박스에 봉인되어 보관됩니다
demo-back-online = [{ $at }] { $name }님이 다시 온라인이 되어 메일박스를 가져옵니다
demo-group-created = { $name }님이 그룹 “{ $group }” 생성 (멤버 { $members }명)
demo-joined = [{ $at }] { $name }님이 “{ $group }”에 들어왔습니다
demo-meetup-created = { $name }님이 번개 “{ $meetup }” 시작: 코드 { $code }
demo-meetup-closed = { $name }님이 “{ $meetup }” 번개를 모두에게 종료
demo-path-online = 1:1 온라인
demo-path-mailbox = 1:1 오프라인, 메일박스 경유
demo-path-group = 그룹
demo-path-meetup = 번개
demo-summary = 요약 (사본 하나는 수신자 한 명에게 가는 메시지 하나; 지연은 전송부터 수신자의 message_received 이벤트까지)
demo-col-path = 경로
demo-col-sent = 보냄
demo-col-delivered = 전달됨
demo-col-lost = 유실
demo-col-p50 = P50 MS
demo-col-max = 최대 MS
demo-total = { $secs }초 만에 완료, 유실 { $lost }건.
demo-lost-error = 메시지 사본 { $lost }개가 전달되지 않았습니다
demo-interactive-ready = 당신은 { $name }입니다. chingu chat을 엽니다: { $friends }님이 당신이나 그룹에 보낸 메시지에 답합니다. 채팅을 종료하면 네트워크가 멈춥니다.
demo-chat-failed = chingu chat 종료 코드: { $code }
demo-stopped = 데모 네트워크를 멈췄습니다.
