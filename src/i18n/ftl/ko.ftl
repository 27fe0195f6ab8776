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
init-done-role = { $home }에 { $role } 노드의 홈을 만들었어요
    피어 ID: { $peer_id }
    전화번호가 없고, 연락처나 메시지를 두지 않으며, 개인 레코드를 게시하지 않아요. 시작하려면: chingu run

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
status-role = 역할
status-reachability = 도달 가능성
status-external = 외부 주소
status-relays = 릴레이

## peers
peers-none = 연결된 피어가 없어요
peers-col-peer = 피어
peers-col-rtt = RTT
peers-col-dht = DHT
peers-col-addr = 주소
peers-col-path = 경로
peers-count = 피어 { $count }개

## testnet
testnet-progress = 테스트넷: 노드 { $total }개 중 { $started }개 시작됨, { $ready }개 준비됨
testnet-keeping-up = 노드를 { $secs }초 동안 유지해요 (Ctrl-C를 누르면 일찍 끝나요)

## lab
lab-building = 실험실을 만드는 중…
lab-selftest-line = { $host } ({ $nat }): 매핑 { $mapping }, 필터링 { $filtering }, 외부 TCP 접속 { $inbound } — { $verdict }
lab-pair-line = { $a } ↔ { $b }: { $verdict } — 찾기 { $found }, 첫 메시지 { $first }, 경로 { $path }, 유실 { $lost }, 중복 { $duplicates }
lab-repeat-line = { $a } ↔ { $b }: { $runs }회 중 { $ok }회 정상, 직접 연결 { $direct } %, 첫 메시지 p50 { $first } ms, 유실 { $lost }, 중복 { $duplicates }
lab-ok = 정상
lab-failed = 실패
lab-none = —
lab-note = 참고: { $note }
lab-summary = 쌍 { $total }개 중 { $ok }개 정상; 토폴로지 구성 { $build_ms } ms ({ $links } 링크); 실행 { $id }
lab-up-ready = 실험실 { $id }이(가) 준비됐어요 ({ $links } 링크). 노드와는 `chingu --home HOME …`, 그 네트워크 안에서는 `ip netns exec NETNS …`로 작업하세요. 여기서 Ctrl-C를 누르거나 `chingu lab down { $id }`를 실행하면 모두 정리돼요.
lab-up-node = { $label }  { $nat }  { $netns }  { $ip } (외부 { $public_ip })  { $phone }  { $home }
lab-down-done = 실험실 { $id }을(를) 멈추고 정리했어요
lab-clean-done = { $count ->
    [0] 정리할 것이 없어요
   *[other] 비정상 종료된 실행 { $count }개의 흔적을 지웠어요: { $ids }
}
lab-list-none = 이 컴퓨터에 실험실 실행이 없어요
lab-list-line = { $id }  { $state }  pid { $pid }  { $purpose }  네임스페이스 { $namespaces }개  { $dir }

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
import-issue = { $line }번째 줄: { $input } 건너뜀 ({ $reason })
import-summary = { $persons }명의 번호 { $read }개를 읽었어요. 새 연락처 { $added }개, 중복 병합 { $merged }개, 건너뜀 { $skipped }개.
import-sending = 노드에 보내는 중
import-discovering = 친구 찾는 중
import-discovered = { $total }명 중 { $found }명을 chingu에서 찾았어요 (나머지는 나중에 다시 찾아봐요).
verify-pinned = 고정된 키 { $peer_id }의 안전 번호:
verify-candidate = 후보 { $index }: { $peer_id } ({ $name })의 안전 번호:
verify-confirmed = 인증됨으로 표시했어요.
verify-howto = 이 번호를 친구 화면의 번호와 비교해 보세요(직접 만나거나 통화하면서). 같으면 --confirm(또는 --candidate N)을 붙여 다시 실행해 주세요.
invite-howto = 이 초대 코드를 친구에게 알려 주세요. { $hours }시간 동안 쓸 수 있어요. 친구는 chingu contacts add --invite CODE를 실행하면 돼요.
invite-needs-name = 초대 코드에는 이름이 들어 있지 않아요. --name 이름으로 연락처 이름을 정해 주세요.
invite-name-prompt = 이 연락처의 이름:
region-invalid = "{ $region }"은(는) 지역 코드가 아니에요. KR, JP, US 같은 ISO 3166 코드를 쓰세요.
duration-invalid = "{ $text }"은(는) 올바른 기간이 아니에요 (예: 30m, 2h, 7d)

## Messages
msg-me = 나
msg-line = [{ $time }] { $who }: { $text }  ({ $state })
msg-queued = { $name } 님에게 보낼 메시지 “{ $text }”를 대기열에 넣었어요. 디스크에 저장했고 전송 중이에요 (도착하면 chingu watch에 표시돼요).
msg-marked-read = 메시지 { $count }개를 확인한 것으로 표시했어요.
msg-state-queued = 대기 중
msg-state-sent = 전송됨
msg-state-delivered = 전달됨
msg-state-read = 읽음
msg-state-received = 받음
msg-state-request = 메시지 요청
msg-state-seen = 확인함
msg-state-changed = { $name } 님에게 보낸 “{ $text }”: { $state }
msg-typing = { $name } 님이 입력 중…
msg-key-changed = 경고: { $name } 님의 키가 바뀌었어요. 인증할 때까지 메시지를 보류해요 (chingu contacts verify { $name }).
msg-contact-updated = { $name }: { $state }
history-none = 아직 메시지가 없어요.
inbox-none = 아직 대화가 없어요. chingu send 이름 내용으로 메시지를 보내 보세요.
inbox-col-name = 대화
inbox-col-unread = 안 읽음
inbox-col-last = 마지막 메시지
inbox-unread = 읽지 않은 메시지가 { $count }개 있어요.
watch-ended = 노드가 중지됐어요.
group-created = 그룹 “{ $name }”({ $id })을 만들었어요. 멤버 { $members }명. 멤버에게 연결되는 대로 1:1 세션으로 알려요.
group-changed = “{ $name }”: 이제 에포크 { $epoch }, 멤버 { $members }명이에요.
group-left = “{ $name }”에서 나왔어요. 대화 기록은 이 기기에 남아 있어요.
group-none = 아직 그룹이 없어요. 이렇게 만들 수 있어요: chingu group create 이름 --members A,B
group-invitations-none = 기다리는 초대가 없어요. (config.toml의 [groups]에서 auto_join = false일 때만 초대가 기다려요.)
group-joined = “{ $name }”에 참여했어요 (멤버 { $members }명).
group-declined = “{ $name }” 초대를 거절했어요.
group-col-from = 초대한 사람
group-sent = “{ $name }” 그룹에 “{ $text }”를 보냈어요 (디스크에 저장됨. 놓친 멤버는 기록 동기화로 받아요).
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
chat-no-json = chingu chat은 전체 화면 프로그램이라 JSON 출력이 없어요. 이벤트는 chingu watch --json으로, 대화는 inbox, history, send에 --json을 붙여 쓰세요.
tui-too-small = 터미널이 너무 작아요: { $width }×{ $height }. chingu chat에는 최소 { $min_width }×{ $min_height }가 필요해요. 창을 키워 주세요.
tui-connected = ● 연결됨
tui-disconnected-short = ○ 연결 끊김
tui-disconnected = 노드와 연결이 끊겼어요. 다시 연결하는 중… (q: 종료)
tui-reconnected = 노드에 다시 연결했어요.
tui-help-hint = ? 도움말
tui-hint-list = ↑↓ 선택 · Enter 열기 · a 추가 · n 초대 · v 인증 · g 그룹 · ? 도움말 · q 종료
tui-hint-chat = Enter 보내기 · PgUp/PgDn 스크롤 · Esc 친구 목록 · F1 도움말 · Ctrl-C 종료
tui-paste-hint = 붙여넣기는 터미널의 붙여넣기(Ctrl-Shift-V, Shift-Insert 또는 마우스)를 쓰세요. 안전 번호는 Ctrl-S예요.
tui-friends-title = { " " }친구 { $friends }명{ $groups ->
    [0] { "" }
   *[other] { " · " }그룹 { $groups }개
}{ " " }
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
tui-help-chat-more = Ctrl-S 안전 번호 · Ctrl-G 멤버 · ○ 대기 ✓ 전송 ✓✓ 전달
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
tui-imported = { $persons }명에게서 새 연락처 { $added }개를 가져왔어요{ $skipped ->
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

## 오류
err-no-home = 홈 위치를 알 수 없어요. --home DIR을 주거나 CHINGU_HOME을 설정하세요.
err-not-initialized = { $home }은(는) 아직 chingu 홈이 아니에요. 먼저 chingu init --phone 번호를 실행하세요.
err-already-initialized = { $home }에는 이미 chingu 신원이 있어요. 바꾸려면 --force를 붙이세요 (이전 홈은 백업으로 남아요).
err-wrong-owner = { $path }의 소유자는 uid { $owner }인데 지금 사용자는 uid { $me }예요. 다른 사용자의 홈은 쓰지 않아요.
err-insecure-key = { $path }의 권한이 { $mode }예요. 키 파일은 본인만 읽을 수 있어야 해요: chmod 600 { $path }를 실행하세요.
err-insecure-home = { $path }의 권한이 { $mode }예요. chingu 홈은 본인만 들어갈 수 있어야 해요: chmod 700 { $path }를 실행하세요.
err-name-too-long = 이름은 { $chars }자, { $bytes }바이트까지예요. 더 짧은 이름을 쓰세요.
err-name-unprintable = 이름에는 제어 문자나 방향 바꿈 문자를 쓸 수 없어요.
err-already-running = { $home }에서 chingu 노드가 이미 실행 중이에요 (pid { $pid }).
err-socket-too-long = 제어 소켓 경로 { $path }가 { $max }바이트보다 길어서 Unix 소켓에 쓸 수 없어요. 더 짧은 --home을 쓰세요.
err-bad-key-file = { $path }은(는) 올바른 chingu 키 파일이 아니에요 ({ $problem }).
err-file = { $path }: { $problem }
err-config = { $path }은(는) 올바른 chingu 설정이 아니에요: { $message }
err-config-at = { $path }은(는) 올바른 chingu 설정이 아니에요 ({ $line }번째 줄, { $column }번째 칸): { $message }
err-socket-denied = { $socket }에 접근할 권한이 없어요. 그 노드는 다른 사용자의 것이에요.
err-connection-lost = 노드와의 연결이 끊겼어요 ({ $problem }).
err-protocol = 노드가 이 chingu가 이해하지 못하는 응답을 보냈어요: { $message }
err-no-such-contact = “{ $contact }” 연락처가 없어요 (chingu contacts list로 확인하고, chingu contacts add로 추가하세요).
err-ambiguous-contact = “{ $contact }”(이)라는 연락처가 여러 개예요: { $candidates }. 번호로 지정해 주세요.
err-own-number = 내 번호예요.
err-own-invite = 내 초대 코드예요. 친구에게 알려 주세요.
err-empty-message = 메시지가 비어 있어요. 보낼 내용을 써 주세요.
err-is-a-group = “{ $group }”은(는) 연락처가 아니라 { $kind ->
    [meetup] 번개
   *[other] 그룹
}이에요. chingu group send “{ $group }” 내용이나 chingu group read “{ $group }”처럼 그룹 명령을 쓰세요.
err-no-such-group = “{ $group }” 그룹이나 번개가 없어요 (chingu group list로 확인하세요).
err-too-large = 요청이 노드가 받기에 너무 커요 ({ $limit } KiB 초과).
err-forbidden = 허용되지 않아요: { $message }
err-node = 노드가 거부했어요: { $message }
err-invalid-phone = “{ $input }”은(는) { $region }의 전화번호가 아니에요 ({ $problem }). 국가 번호 없는 번호는 { $region } 기준으로 읽어요. 국가 번호를 붙여 쓰거나(예: +81 90-1234-5678) --region으로 지역을 알려 주세요.
err-invalid-phone-elsewhere = “{ $input }”은(는) 국가 번호 없는 번호를 읽는 기준인 { $region }의 전화번호가 아니에요 ({ $problem }). 하지만 { $regions }에서는 올바른 번호예요: --region { $first }를 붙이거나 국가 번호를 붙여 쓰세요.
err-import-empty = 파일이 비어 있어요.
err-import-too-large = 파일이 { $limit } MiB보다 커요. 주소록 파일이 아니에요.
err-import-binary = 텍스트 주소록 파일이 아니에요 (vCard나 CSV로 내보내 주세요).
err-import-no-header = CSV 파일의 첫 줄에 전화번호 열이 없어요 (name,phone 같은 머리글이 필요해요).
phone-empty = 아무것도 입력하지 않았어요
phone-too-long = { $max }자보다 길어요
phone-invalid-characters = 전화번호에 쓸 수 없는 문자가 있어요
phone-extension = 내선 번호가 붙어 있어요
phone-not-a-number = 전화번호가 아니에요
phone-invalid-for-region = 그 지역의 올바른 번호가 아니에요
phone-unknown-region = 알 수 없는 지역이에요
phone-not-e164 = 국제 형식 번호(+와 숫자)가 아니에요
import-missing-end = END:VCARD가 없는 카드
import-malformed-line = vCard 줄이 아님
import-outside-card = 카드 밖의 줄
import-bad-record = 읽을 수 없는 CSV 행
io-not-found = 그런 파일이나 폴더가 없어요
io-permission-denied = 권한이 없어요
io-is-a-directory = 폴더예요
io-closed = 연결이 닫혔어요

## 사용법 오류와 도움말
usage-invalid-value = “{ $value }”은(는) { $arg }에 쓸 수 없는 값이에요.
usage-invalid-choice = “{ $value }”은(는) { $arg }에 쓸 수 없는 값이에요 (다음 중에서 고르세요: { $valid }).
usage-invalid-value-because = “{ $value }”은(는) { $arg }에 쓸 수 없는 값이에요: { $reason }
usage-needs-value = { $arg }에는 값이 필요해요.
usage-unknown-argument = 알 수 없는 옵션이에요: { $arg }
usage-unknown-command = 알 수 없는 명령이에요: “{ $command }”
usage-conflict = { $arg }은(는) { $other }와(과) 함께 쓸 수 없어요.
usage-missing = 빠진 인자: { $args }
usage-missing-command = 명령이 빠졌어요.
usage-wrong-count = { $arg }의 값 개수가 맞지 않아요.
usage-not-utf8 = 인자 중에 올바른 UTF-8 텍스트가 아닌 것이 있어요.
usage-generic = 명령줄이 올바르지 않아요.
usage-did-you-mean = 혹시 { $suggestion }을(를) 쓰려던 건가요?
usage-more-info = 자세한 내용은 --help를 보세요.
help-heading-usage = 사용법:
help-heading-commands = 명령
help-heading-options = 옵션
help-heading-arguments = 인자
help-flag = 도움말 보기
help-version-flag = 버전 보기
help-subcommand = 이 도움말이나 지정한 명령의 도움말 보기
help-possible-values = { "[" }가능한 값: { $values }]

## 매뉴얼 페이지
man-written = { $dir }에 매뉴얼 페이지 { $count }개를 썼어요.
man-exit-success = 성공.
man-exit-failure = 명령이 실패했어요. 오류는 표준 오류에 나와요.
man-exit-usage = 명령줄이 올바르지 않아요 (사용법 오류).
man-exit-not-running = 이 홈에서 실행 중인 chingu 노드가 없어요.
man-env-home = --home을 주지 않았을 때 쓰는 홈 디렉터리.
man-env-lang = --lang을 주지 않았을 때 메시지, 도움말, 매뉴얼의 언어 (ko, ja 또는 영어).
man-env-log = chingu run과 chingu testnet이 표준 오류에 쓰는 로그 수준 (기본값: warn,chingu=info).
man-env-no-color = 설정하면 터미널에서도 로그에 색을 쓰지 않아요.

## 명령줄 도움말 (명령마다 메시지 하나, 속성은 그 명령의 인자)
cmd-chingu = chingu(친구): P2P 메신저. 내 연락처가 곧 친구 목록이에요
    .home = 노드의 홈 디렉터리 [기본값: 플랫폼의 데이터 디렉터리]
    .lang = 메시지와 도움말의 언어: en, ko, ja [기본값: LC_ALL/LANG에서]
    .json = 텍스트 대신 JSON으로 출력
cmd-init = 노드의 홈 만들기: 신원, Noise 키, 설정, 데이터베이스
    .phone = 내 전화번호 (지역 형식 아무거나; E.164로 정규화해요)
    .name = 친구에게 보이는 이름
    .region = 국가 번호 없는 번호를 읽을 지역 (ISO 3166 코드, 예: KR, JP, US)
    .role = 전화번호 없이 운영자가 상시 켜 두는 노드: bootstrap, mailbox 또는 relay
    .force = 기존 홈을 바꾸기 (이전 홈은 백업 폴더에 남아요)
cmd-run = 노드를 포그라운드에서 실행 (Ctrl-C로 중지)
    .listen = 이 멀티주소에서 수신 대기 (여러 번 쓸 수 있고, 설정의 주소를 대신해요)
    .bootstrap = 이 피어로 부트스트랩 (여러 번 쓸 수 있고, 설정의 피어에 더해져요)
    .mdns = mDNS로 로컬 네트워크의 피어 찾기
    .mailbox = 우편함 노드로 동작: 여기 등록한 오프라인 사용자의 봉인된 메시지를 맡아 두기
    .role = 운영자용 상시 노드 프리셋 [기본값: init --role로 정한 홈의 역할]
    .reachability = 도달 가능성을 검사하지 않음: 이 노드를 외부에서 접속 가능(public) 또는 불가(private)로 간주
    .api = 앱 토큰용 API를 ws://ADDR/api에서 WebSocket으로 제공 (chingu apps 참고)
    .metrics = http://ADDR/metrics에서 Prometheus 메트릭과 /health, /ready 제공
    .allow_remote = --api와 --metrics를 루프백이 아닌 주소(네트워크에서 접근 가능)에서도 허용
    .log_format = 표준 오류의 로그 형식: text 또는 json
cmd-status = 실행 중인 노드의 상태 보기
cmd-peers = 실행 중인 노드에 연결된 피어 목록
cmd-contacts = 연락처 관리: 추가, 가져오기, 목록, 인증
cmd-contacts-add = 번호나 받은 초대 코드로 연락처 추가
    .number = 번호 (지역 형식 아무거나, 또는 +국가 번호와 함께)
    .invite = 초대 코드 (CHINGU-… 또는 chingu://invite/…)
    .name = 표시할 이름 (초대 코드로 추가할 때 없으면 물어봐요)
    .region = 노드의 지역 대신 이 지역(ISO 3166 코드, 예: JP, US)으로 번호 읽기
cmd-contacts-import = vCard(.vcf)나 CSV 주소록 가져오기
    .file = 파일 (vCard 2.1/3.0/4.0, 또는 머리글 행이 있는 CSV)
    .region = 국가 번호 없는 번호를 노드의 지역 대신 이 지역으로 읽기
    .no_wait = 친구 찾기를 기다리지 않고 바로 끝내기
cmd-contacts-list = 연락처와 찾았는지 여부 보기
cmd-contacts-remove = 연락처 삭제
    .contact = 이름 또는 번호
cmd-contacts-verify = 연락처의 안전 번호 보기; --confirm으로 키를 인증됨으로 표시
    .contact = 이름 또는 번호
    .confirm = 키를 인증됨으로 표시 (직접 만나 안전 번호를 비교한 뒤)
    .candidate = 고정된 키 대신 후보 N을 인증 (키가 바뀌었거나 충돌이 있을 때)
    .qr = 상대 휴대폰이 스캔할 수 있게 안전 번호를 QR 코드로도 그리기
cmd-contacts-lookup = 연락처를 지금 찾아보기
    .contact = 이름 또는 번호
cmd-invite = 친구가 나를 추가할 수 있는 초대 코드 만들기 (처음부터 인증됨)
    .valid = 코드를 쓸 수 있는 기간: 30m, 12h, 7d
    .qr = 링크를 QR 코드로 그리기 (터미널에서는 기본)
    .no_qr = QR 코드를 그리지 않기
cmd-inbox = 내 대화 목록 (최신순, 안 읽은 메시지 수와 함께)
cmd-send = 연락처에게 메시지 보내기 (이름 또는 번호)
    .contact = 연락처: 이름 또는 번호
    .text = 내용
cmd-history = 연락처와 주고받은 메시지 보기 (노드가 실행 중이 아니어도 돼요)
    .contact = 연락처: 이름 또는 번호
    .limit = 메시지 개수 (최신부터; 1,000개씩 나눠 가져와요)
    .before = 이 메시지 ID보다 앞의 메시지만
cmd-watch = 받는 메시지와 전달 상태를 실시간으로 보기
cmd-read = 연락처와의 대화를 읽음으로 표시
    .contact = 연락처: 이름 또는 번호
cmd-group = 그룹 채팅: 만들기, 초대, 내보내기, 관리자, 보내기, 기록
cmd-group-create = 연락처들과 그룹 만들기 (내가 관리자)
    .name = 그룹 이름
    .members = 추가할 연락처 (이름 또는 번호, 쉼표로 구분)
cmd-group-invite = 연락처를 그룹에 추가 (관리자)
    .group = 그룹: 이름 또는 ID
    .contact = 연락처: 이름 또는 번호
cmd-group-remove = 그룹에서 멤버 내보내기 (관리자); 그 뒤로 보낸 메시지는 읽을 수 없어요
    .group = 그룹: 이름 또는 ID
    .member = 멤버: 이름, 번호 또는 피어 ID
cmd-group-rename = 그룹 이름 바꾸기 (관리자)
    .group = 그룹: 이름 또는 ID
    .name = 새 이름
cmd-group-admins = 관리자 지정 또는 해제 (관리자)
cmd-group-admins-add = 멤버를 관리자로 지정
    .group = 그룹: 이름 또는 ID
    .member = 멤버: 이름, 번호 또는 피어 ID
cmd-group-admins-remove = 멤버의 관리자 권한 해제
    .group = 그룹: 이름 또는 ID
    .member = 멤버: 이름, 번호 또는 피어 ID
cmd-group-invitations = 답을 기다리는 초대 목록 ([groups]의 auto_join = false일 때)
cmd-group-join = 초대 수락
    .group = 그룹: 이름, ID 또는 ID의 앞자리
cmd-group-decline = 초대 거절
    .group = 그룹: 이름, ID 또는 ID의 앞자리
cmd-group-leave = 그룹 나가기 (기록은 이 기기에 남아요)
    .group = 그룹: 이름 또는 ID
cmd-group-close = 모두에게 그룹 닫기 (관리자)
    .group = 그룹: 이름 또는 ID
cmd-group-list = 내 그룹 목록
cmd-group-members = 그룹의 멤버 목록
    .group = 그룹: 이름 또는 ID
cmd-group-send = 그룹에 메시지 보내기
    .group = 그룹: 이름 또는 ID
    .text = 내용
cmd-group-history = 그룹의 메시지 보기
    .group = 그룹: 이름 또는 ID
    .limit = 메시지 개수 (최신부터; 1,000개씩 나눠 가져와요)
    .before = 이 메시지 ID보다 앞의 메시지만
cmd-group-read = 그룹의 메시지를 읽음으로 표시
    .group = 그룹: 이름 또는 ID
cmd-meetup = 번개 모임: 짧은 코드로 만들기, 코드로 참여하기, 닫기
cmd-meetup-create = 번개를 열고 공유할 코드(와 링크) 보여 주기
    .name = 이름
    .expires = 유지 시간, 예: 90m, 2h (최대 24h)
    .forget = 끝나면 이 기기에서 기록 삭제 (기본은 보관)
cmd-meetup-join = 코드로 번개에 참여 (XXXXX-XXXXX 또는 chingu://meetup/… 링크)
    .code = 코드
    .forget = 끝나면 이 기기에서 기록 삭제 (기본은 보관)
cmd-meetup-close = 번개를 일찍 닫기 (연 사람)
    .group = 번개: 이름 또는 ID
cmd-apps = 외부 앱: WebSocket API용 토큰 (추가, 목록, 취소)
cmd-apps-add = 앱을 등록하고 토큰 보여 주기 (한 번만 보여요)
    .name = 앱 이름 (글자, 숫자, '-', '_', '.')
    .scopes = 앱이 할 수 있는 일, 쉼표로 구분: read, send, contacts, groups
cmd-apps-list = 등록된 앱과 권한 목록 (토큰은 보여 주지 않아요)
cmd-apps-revoke = 앱 토큰 취소: 그 토큰의 호출을 거부하고 열린 연결을 닫아요
    .name = 앱 이름
cmd-chat = 실행 중인 노드의 친구, 그룹과 터미널에서 채팅
cmd-testnet = 이 프로세스 안에서 노드 여러 개로 로컬 테스트넷 실행
    .nodes = 노드 수
    .duration = 점검 뒤 노드를 이만큼(초) 유지 (Ctrl-C로 일찍 끝내기)
    .scenario = 시작 뒤 실행할 시나리오
    .messages = 보낼 메시지 수 (메시지 시나리오)
    .rate = 전체 초당 메시지 수 (0 = 가능한 한 빨리)
    .group_size = 그룹 멤버 수 (그룹 시나리오)
    .seed = 하네스의 무작위 선택에 쓸 시드
    .log_format = 표준 오류의 로그 형식: text 또는 json
cmd-lab = NAT 뒤의 에뮬레이션 네트워크에서 실제 노드 실행(네트워크 네임스페이스, root 필요)
cmd-lab-run = 모든 NAT 유형 쌍 뒤에 친구 쌍을 두고 각각 보고
    .matrix = 어떤 쌍: small(public↔public, port-restricted↔port-restricted) 또는 full(15쌍 전부)
    .pair = 대신 이 쌍을 실행(반복 가능), 예: `--pair full-cone:symmetric`
    .messages = 쌍마다 방향별 1:1 메시지 수
    .group_messages = 쌍마다 방향별 그룹·번개 메시지 수
    .pace_ms = 두 전송 사이의 간격
    .deadline = 각 단계의 최대 대기 시간
    .repeat = 각 쌍을 매번 새 노드로 이 횟수만큼 실행
    .delay_ms = 각 업링크의 단방향 지연(방향별)
    .jitter_ms = 0..=MS 사이의 균일한 추가 지연(패킷 순서는 바뀌지 않음)
    .loss_pct = 업링크·방향별 패킷 손실률
    .links = 링크 에뮬레이션 방식: netem(커널) 또는 userspace(TUN) [기본값: 커널이 지원하면 netem]
    .keep = 실행 디렉터리(홈, 노드 로그)를 끝난 뒤에도 남김
cmd-lab-group = 모든 종류의 네트워크 뒤에 멤버가 있는 그룹, 모두 전송(JSON 보고서)
    .members = 멤버 수(만든 사람 포함)
    .messages = 멤버들이 차례로 보내는 전체 메시지 수
    .rate = 모든 멤버를 합친 초당 메시지 수
    .nat = 멤버를 차례로 배치할 네트워크(반복 가능) [기본값: 모든 유형]
    .deadline = 각 단계의 최대 대기 시간
    .delay_ms = 각 업링크의 단방향 지연(방향별)
    .jitter_ms = 0..=MS 사이의 균일한 추가 지연(패킷 순서는 바뀌지 않음)
    .loss_pct = 업링크·방향별 패킷 손실률
    .links = 링크 에뮬레이션 방식: netem(커널) 또는 userspace(TUN) [기본값: 커널이 지원하면 netem]
    .keep = 실행 디렉터리(홈, 노드 로그)를 끝난 뒤에도 남김
cmd-lab-selftest = 에뮬레이션한 각 NAT가 이름대로 동작하는지 확인(UDP·TCP 프로브)
    .delay_ms = 각 업링크의 단방향 지연(방향별)
    .jitter_ms = 0..=MS 사이의 균일한 추가 지연(패킷 순서는 바뀌지 않음)
    .loss_pct = 업링크·방향별 패킷 손실률
    .links = 링크 에뮬레이션 방식: netem(커널) 또는 userspace(TUN) [기본값: 커널이 지원하면 netem]
    .keep = 실행 디렉터리(홈, 노드 로그)를 끝난 뒤에도 남김
cmd-lab-up = 네트워크마다 노드를 하나씩 둔 랩을 만들고 Ctrl-C나 `lab down`까지 유지
    .nat = 사용자 노드를 둘 네트워크(반복 가능) [기본값: 유형마다 하나]
    .delay_ms = 각 업링크의 단방향 지연(방향별)
    .jitter_ms = 0..=MS 사이의 균일한 추가 지연(패킷 순서는 바뀌지 않음)
    .loss_pct = 업링크·방향별 패킷 손실률
    .links = 링크 에뮬레이션 방식: netem(커널) 또는 userspace(TUN) [기본값: 커널이 지원하면 netem]
    .keep = 실행 디렉터리(홈, 노드 로그)를 끝난 뒤에도 남김
cmd-lab-down = `lab up`으로 유지 중인 랩(또는 실행 중인 `lab run`) 중지
    .id = 실행 id(`chingu lab list`); 하나만 실행 중이면 생략 가능
cmd-lab-list = 이 머신의 랩 실행 목록
cmd-lab-clean = 비정상 종료된 랩 실행이 남긴 것(네임스페이스, 프로세스, 디렉터리) 제거
cmd-demo = 세 사람이 이 프로세스 안의 로컬 네트워크에서 만나 채팅하는 것을 보기 (또는 함께하기)
    .interactive = 정해진 시연 대신 chingu chat에서 직접 다른 사람들과 채팅
    .player = 대화형 데모에서 내가 맡을 사람
cmd-completions = 셸 자동 완성 스크립트 출력 (bash, zsh, fish, elvish, powershell)
    .shell = 셸
cmd-man = 매뉴얼 페이지(roff) 출력, 또는 --dir로 명령마다 한 페이지씩 쓰기
    .dir = 맨 위 페이지를 출력하는 대신 이 디렉터리에 명령마다 한 페이지씩 쓰기
