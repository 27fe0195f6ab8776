## 노드의 거절(SPEC.md §9.3)을 이유와 세부 정보로 설명해요 (chingu::i18n::refusals).
## ko.ftl 다음에 같은 번들로 읽어요.
err-no-phone = 이 노드에는 전화번호가 없어요 (운영자의 부트스트랩·우편함·릴레이 노드예요). 연락처, 메시지, 그룹을 두지 않아요.
err-empty-name = 이름은 비워 둘 수 없어요.
err-status-too-long = 상태 메시지는 { $max }바이트까지예요. 줄여 주세요.
err-too-many-persons = 한 번에 { $max }명까지 가져올 수 있어요. 나머지는 따로 보내 주세요.
err-invalid-id = “{ $id }”은(는) 메시지 ID가 아니에요 (16진수 32자리).
err-no-messages = 아직 “{ $contact }”와(과) 나눈 메시지가 없어요.
err-before-and-after = 이전이나 이후 중 하나만 주세요. 둘 다 줄 수는 없어요.
err-too-many-numbers = { $contact } 님에게는 이미 번호가 { $max }개 있어요. 먼저 하나를 지우세요.
err-bad-invite = 이 초대 코드는 쓸 수 없어요 ({ $problem ->
    [bad_format] 초대 코드가 아니에요
    [bad_length] 너무 짧거나 길어요
    [bad_checksum] 잘못 입력한 글자가 있어요
    [bad_version] 더 새 chingu가 만든 코드예요
   *[other] 코드가 손상되었어요
}). 다시 확인하거나 친구에게 새 코드를 받아 주세요.
err-invite-expired = 초대 코드의 유효 기간이 지났어요. 친구에게 새 코드를 받아 주세요.
err-bad-invite-validity = 초대 코드의 유효 기간은 1초에서 { $days }일까지예요.
err-bad-import = { $problem ->
    [empty] 주소록이 비어 있어요.
    [too_large] 주소록이 한 번에 가져오기에는 너무 커요.
    [no_header] CSV 파일의 첫 줄에 전화번호 열이 없어요 (name,phone 같은 머리글이 필요해요).
   *[other] 텍스트 주소록 파일이 아니에요 (vCard나 CSV로 내보내 주세요).
}
err-contact-blocked = { $contact } 님을 차단했어요. 먼저 차단을 풀어 주세요 (chingu contacts unblock { $contact }).
err-nothing-to-verify = 아직 { $contact } 님의 키를 몰라요. 찾을 때까지 기다리거나 초대 코드로 추가하세요.
err-no-key-change = 수락을 기다리는 { $contact } 님의 새 키가 없어요.
err-choose-candidate = 여러 키가 { $contact } 님의 번호를 주장해요. 안전 번호를 비교하고 --candidate N으로 하나를 고르세요.
err-no-such-candidate = { $contact } 님에게는 후보 { $candidate }이(가) 없어요 (chingu contacts verify { $contact }로 확인하세요).
err-no-such-request = “{ $request }”에 맞는 메시지 요청이 없어요 (chingu requests list로 확인하세요).
err-ambiguous-request = “{ $request }”에 맞는 메시지 요청이 여러 개예요. 피어 ID로 지정해 주세요.
err-request-gone = 그 메시지 요청은 이미 없어요.
err-request-claims-contact = 이 요청은 연락처 { $contact } 님의 번호를 주장하지만 키가 달라요. 요청을 차단하거나 { $contact } 님을 확인하세요 (chingu contacts verify { $contact }).
err-group-needs-name = 그룹에는 이름이 필요해요.
err-not-a-member = 이제 “{ $group }”의 멤버가 아니에요.
err-no-such-member = 이 그룹에 “{ $member }” 멤버가 없어요 (chingu group members로 확인하세요).
err-group-closed = “{ $group }”은(는) 닫혔거나 이제 내가 멤버가 아니에요.
err-no-epoch = 그룹에 아직 키가 없어요. 잠시 후에 다시 해 주세요.
err-invitation-invalid = 이 초대는 더 이상 유효하지 않아요. 새 초대를 요청하세요.
err-ambiguous-invitation = “{ $group }”에 맞는 초대가 여러 개예요. 그룹 ID로 지정해 주세요 (chingu group invitations로 확인하세요).
err-no-such-invitation = “{ $group }” 초대가 없어요 (chingu group invitations로 확인하세요).
err-ambiguous-group = “{ $group }”(이)라는 그룹이 여러 개예요. 그룹 ID로 지정해 주세요 (chingu group list로 확인하세요).
err-not-a-meetup = “{ $group }”은(는) 번개가 아니라 그룹이에요. 끝날 때 기록을 지우는 건 번개뿐이에요.
err-bad-meetup-duration = 번개는 1초에서 24시간까지 열 수 있어요.
err-bad-meetup-code = 번개 코드가 아니에요. 코드는 7K3QD-M9XAF처럼 영문자와 숫자 10자예요.
err-no-such-meetup = 이 코드의 번개가 없어요. 잘못 입력했거나, 기간이 지났거나, 닫혔어요.
err-meetup-refused = 번개에서 참여를 거절했어요 ({ $problem }).
err-text-too-long = { $what ->
    [group_name] 그룹 이름이
    [number] 번호가
   *[other] 이름이
} { $max }바이트보다 길어요.
err-group-rules = 그룹 규칙상 할 수 없어요: { $rule ->
    [not_admin] 관리자만 할 수 있어요
    [already_member] 이미 멤버예요
    [already_admin] 이미 관리자예요
    [not_member] 멤버가 아니에요
    [last_admin] 마지막 관리자는 나가거나 물러날 수 없어요. 먼저 다른 사람을 관리자로 지정하세요
    [too_many_members] 그룹이 가득 찼어요
    [closed] 그룹이 닫혔어요
   *[other] { $rule }
}.
err-meetup-acquaintance = { $contact } 님은 번개에서 만난 사람일 뿐 연락처가 아니에요. 먼저 번호로 추가하세요.
err-contact-not-ready = { $contact } 님을 아직 chingu에서 찾지 못했거나 키를 확인해야 해요 (chingu contacts show { $contact }).
err-not-a-friend = 아직 친구가 아니에요. 키를 아는 친구에게만 할 수 있어요.
err-no-such-voucher = 그 일련번호의 교환권이 없어요 (chingu vouchers list로 확인하세요).
err-not-held = 그 교환권은 이제 갖고 있지 않아요. 이미 { $state ->
    [redeemed] 사용했어요
    [given] 선물했어요
    [expired] 기간이 지났어요
   *[other] { $state } 상태예요
}.
err-voucher-refused = 교환권 발행처에서 거절했어요 ({ $problem }).
err-malformed-answer = 교환권 발행처의 응답을 이 chingu가 읽을 수 없어요 ({ $problem }).
err-too-long = 글이 너무 길어요. 줄여 주세요.
err-bad-signature = 서명이 맞지 않아요. 주장하는 사람이 만든 것이 아니에요.
err-voucher-expired = 교환권의 유효 기간이 지났어요.
err-voucher-spent = 이미 사용한 교환권이에요.
err-not-the-holder = 이 교환권을 갖고 있지 않아요.
err-too-many-hops = 이 교환권은 너무 여러 번 건너가서 더 선물할 수 없어요.
err-not-ours = 이 노드가 발행한 교환권이 아니에요.
err-stale-request = 요청 시각이 발행처의 시계와 너무 달라요. 이 기기의 시계를 확인하세요.
