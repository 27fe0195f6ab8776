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
err-group-exists = ID가 { $group }인 그룹이 이미 있어요. 아무것도 만들지 않았어요.
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
err-no-such-message = “{ $id }” 메시지가 없어요 (chingu history --json으로 ID를 확인하세요).
err-not-forwardable = 이 메시지는 전달할 수 없어요.
err-not-writable = 답장하기 전에 메시지 요청을 수락하세요 (chingu requests accept).
err-not-the-author = 메시지는 쓴 사람만 수정하거나 삭제할 수 있어요.
err-other-conversation = 그 메시지는 다른 대화에 있어요.
err-not-editable = 이 메시지는 수정하거나 반응을 남길 수 없어요.
err-deleted = 삭제된 메시지예요.
err-too-many-reactions = 이 메시지에는 반응이 너무 많아요.
err-too-many-waiting = 아직 오지 않은 메시지를 기다리는 반응·수정·삭제가 너무 많아요. 메시지가 도착한 뒤에 다시 해 주세요.
err-unknown-template = “{ $template }” 카드 템플릿은 없어요. birthday, thanks, congrats, love, plain 중에서 고르세요.
err-not-an-emoji = 반응은 이모지 하나만 쓸 수 있어요. “{ $text }”은(는) 쓸 수 없어요.
err-not-sendable = 이런 종류의 메시지는 보낼 수 없어요.
err-paper-bad-date = 전달 날짜는 지금부터 1년 안이어야 해요.
err-paper-bad-writers = 함께 쓸 사람은 1명에서 { $max }명까지 초대할 수 있어요.
err-paper-recipient-invited = 롤링페이퍼는 받는 사람에게 비밀이에요. 받는 사람은 함께 쓸 수 없어요.
err-paper-too-late = 롤링페이퍼가 이미 전달됐어요. 더 이상 글을 남길 수 없어요.
err-paper-not-the-starter = 롤링페이퍼는 시작한 사람만 한 번 시작할 수 있어요.
err-not-a-paper = 롤링페이퍼가 아니에요.
err-no-such-file = “{ $file }”에 맞는 파일이 없어요 (chingu files로 확인하세요).
err-file-missing = 파일이 없어요.
err-ambiguous = { $what ->
    [file] “{ $query }”(으)로 시작하는 파일이 여러 개예요. 숫자를 더 주세요.
    [sticker_pack] “{ $query }”(이)라는 이모티콘 팩이 여러 개예요. 팩 ID로 지정해 주세요 (chingu stickers list로 확인하세요).
   *[other] “{ $query }”에 맞는 것이 여러 개예요. 더 정확하게 지정해 주세요.
}
err-file-changed = 파일을 읽는 동안 내용이 바뀌었어요. 다시 해 주세요.
err-bad-file-id = 파일 ID는 16진수 64자리예요 (chingu files로 확인하세요).
err-unreadable = 파일을 읽거나 쓸 수 없어요 ({ $problem }).
err-file-too-large = 파일이 너무 커요. { $gib } GiB까지 보낼 수 있어요.
err-pack-too-large = 이모티콘 팩은 { $kib } KiB까지예요.
err-no-such-pack = “{ $pack }” 이모티콘 팩이 없어요 (chingu stickers list로 확인하세요).
err-no-such-sticker = “{ $pack }” 팩에는 이모티콘이 { $count }개 있어요. 번호는 0부터 시작해요.
err-bad-pack = 이모티콘 팩이 아니거나 손상되었어요.
err-empty-pack = 이모티콘 팩에는 이모티콘이 하나 이상 있어야 해요.
err-bad-image = “{ $sticker }” 이모티콘은 읽을 수 있는 PNG, JPEG, WebP, GIF 이미지가 아니에요.
err-backup-relative-path = 백업 경로는 절대 경로여야 해요.
err-backup-busy = 이미 백업하는 중이에요. 끝난 뒤에 다시 해 주세요.
err-backup-cannot-write-to = 백업을 쓰지 못했어요 ({ $path }: { $problem }).
err-backup-cannot-write = 백업을 쓰지 못했어요 ({ $problem }).
err-backup-failed = 백업을 쓰지 못했어요: { $message }
err-bad-link-code = chingu 연결 코드가 아니에요. chingu link가 보여 주는 코드 전체(CHINGU-LINK-로 시작해요)를 복사하세요.
err-link-code-expired = 연결 코드가 만료됐어요. 첫 기기에서 chingu link로 새 코드를 보여 주세요.
err-wrong-link-code = 연결 코드가 맞지 않아요. 잘못 입력했거나 더 새 코드로 바뀌었어요. chingu link로 새 코드를 보여 주세요.
err-no-link-offer = 그 기기는 지금 연결을 받지 않아요(코드를 이미 썼거나, 취소됐거나, 보여 준 적이 없어요). chingu link로 새 코드를 보여 주세요.
err-link-not-confirmed = 두 기기 모두에서 연결을 확인하지 않았어요. 아무것도 바뀌지 않았어요.
err-link-failed = 연결을 끝내지 못했어요. 아무것도 바뀌지 않았어요. 새 코드로 다시 해 주세요.
err-link-malformed = 상대 기기가 올바른 연결 메시지가 아닌 것을 보냈어요. 아무것도 바뀌지 않았어요.
err-other-account = 기기 목록이 다른 계정의 것이에요. 아무것도 바뀌지 않았어요.
err-too-many-devices = 계정에 이미 기기가 { $max }대 있어요. 먼저 chingu devices remove 이름으로 하나를 빼세요.
err-device-name-taken = 다른 기기가 이미 “{ $device }”이라는 이름이에요. --device로 다른 이름을 고르세요.
err-no-such-device = “{ $device }”이라는 기기가 없어요(chingu devices로 목록을 볼 수 있어요).
err-account-device = 첫 기기는 계정 키를 가지고 있어서 뺄 수 없어요.
err-not-the-account-device = 기기 연결과 삭제는 계정의 첫 기기에서만 할 수 있어요.
err-bad-device-name = 기기 이름은 1~64바이트의 출력 가능한 글자여야 해요.
err-no-link-waiting = 확인을 기다리는 새 기기가 없어요.
err-not-listening = 새 기기가 접속할 수 있는 주소가 없어요. --listen으로 노드를 시작하세요.
err-bad-history-days = 새 기기에는 기록을 최대 { $max }일까지 보낼 수 있어요.
err-linked-device = 이 기기는 계정에 연결된 기기예요. 텍스트 메시지, 읽음, 입력 중 표시, 연락처와 그룹은 첫 기기를 통해 처리하고, 모임, 그룹 초대 응답, 상품권과 초대 코드는 지금은 첫 기기에서 하세요.
err-history-too-large = 그 기간의 기록이 새 기기가 받을 수 있는 양보다 많아요. 더 짧은 기간으로 다시 연결하세요 (chingu link --history-days 일수).
err-revoked-device = 이 기기는 계정에서 빠졌어요. 계정의 첫 기기에서 더 이상 아무것도 받지 않아요.
err-not-a-device = 그 피어는 이 계정의 기기가 아니에요.
err-first-device-unreachable = 지금 첫 기기에 연결할 수 없어서 아무것도 보내거나 바꾸지 않았어요. 연결된 기기는 연락처 변경을 첫 기기를 통해 하니(그동안 텍스트, 읽음, 입력 중 표시는 이 기기에서 보내요), 첫 기기를 켜고(또는 네트워크를 확인하고) 다시 해 보세요.
