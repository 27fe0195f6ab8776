use super::csv_file::detect_delimiter;
use super::*;
use proptest::prelude::*;

fn kr() -> Region {
    Region::default()
}

fn run(content: &str) -> ImportReport {
    import(content, &kr()).unwrap()
}

/// (name, number) for every number of every person, in order.
fn pairs(report: &ImportReport) -> Vec<(&str, &str)> {
    report
        .persons
        .iter()
        .flat_map(|p| p.numbers.iter().map(|n| (p.name.as_str(), n.as_str())))
        .collect()
}

/// (line, name, numbers) of every person.
fn persons(report: &ImportReport) -> Vec<(usize, &str, Vec<&str>)> {
    report
        .persons
        .iter()
        .map(|p| {
            (
                p.line,
                p.name.as_str(),
                p.numbers.iter().map(PhoneNumber::as_str).collect(),
            )
        })
        .collect()
}

fn issues(report: &ImportReport) -> Vec<(usize, &str)> {
    report.issues.iter().map(|i| (i.line, i.error.as_str())).collect()
}

#[test]
fn vcard_3_sample() {
    let content = "BEGIN:VCARD\r\n\
            VERSION:3.0\r\n\
            N:홍;길동;;;\r\n\
            FN:홍길동\r\n\
            ORG:Chingu Inc.\r\n\
            TEL;TYPE=CELL:010-1234-5678\r\n\
            TEL;TYPE=WORK,VOICE:+82 2-312-3456\r\n\
            EMAIL:gildong@example.com\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            VERSION:3.0\r\n\
            N:Kim;Minji;;;\r\n\
            item1.TEL;type=pref:+1 (201) 555-0123\r\n\
            item1.X-ABLabel:_$!<Mobile>!$_\r\n\
            END:VCARD\r\n";
    let report = run(content);
    assert_eq!(
        persons(&report),
        [
            (1, "홍길동", vec!["+821012345678", "+8223123456"]),
            (10, "Minji Kim", vec!["+12015550123"])
        ]
    );
    assert!(report.issues.is_empty());
    assert_eq!(report.duplicates_merged, 0);
    assert_eq!(report.numbers(), 3);
}

#[test]
fn vcard_4_sample() {
    // After RFC 6350 §8, with numbers libphonenumber accepts.
    let content = "BEGIN:VCARD\n\
            VERSION:4.0\n\
            FN:Simon Perreault\n\
            N:Perreault;Simon;;;ing. jr,M.Sc.\n\
            BDAY:--0203\n\
            GENDER:M\n\
            LANG;PREF=1:fr\n\
            ORG;TYPE=work:Viagenie\n\
            ADR;TYPE=work:;Suite D2-630;2875 Laurier;\n \
            Quebec;QC;G1V 2M2;Canada\n\
            TEL;VALUE=uri;TYPE=\"work,voice\";PREF=1:tel:+1-418-656-9254;ext=102\n\
            TEL;VALUE=uri;TYPE=\"work,cell,voice,video,text\":tel:+1-418-262-6501\n\
            EMAIL;TYPE=work:simon.perreault@viagenie.ca\n\
            GEO;TYPE=work:geo:46.772673,-71.282945\n\
            KEY;TYPE=work;VALUE=uri:\n \
            http://www.viagenie.ca/simon.perreault/simon.asc\n\
            TZ:-0500\n\
            URL;TYPE=home:http://nomis80.org\n\
            END:VCARD\n";
    let report = run(content);
    // The extension is dropped, the number kept.
    assert_eq!(
        persons(&report),
        [(1, "Simon Perreault", vec!["+14186569254", "+14182626501"])]
    );
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    assert_eq!(report.extensions_dropped, 1);
}

#[test]
fn vcard_folding_escapes_and_name_fallbacks() {
    let content = "\u{FEFF}BEGIN:VCARD\r\n\
            VERSION:3.0\r\n\
            FN:Doe\\, John\\;\\nJr.\r\n\
            TEL:010-1111-\r\n 2222\r\n\
            \t \r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            N:Ivanova;Anna;;Dr.;\r\n\
            TEL:010-3333-4444\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            ORG:Pizza\\, Inc.;Delivery\r\n\
            TEL:010-5555-6666\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            FN:   \r\n\
            TEL:010-7777-8888\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            FN:山田 太郎 🎉\r\n\
            TEL:+81 90-1234-5678\r\n\
            END:VCARD\r\n\
            begin:vcard\r\n\
            n:山田;花子\r\n\
            tel:+81 90 1111 2222\r\n\
            end:vcard\r\n";
    let report = run(content);
    assert_eq!(
        pairs(&report),
        [
            ("Doe, John; Jr.", "+821011112222"),
            ("Dr. Anna Ivanova", "+821033334444"),
            ("Pizza, Inc.", "+821055556666"),
            ("+82 10-7777-8888", "+821077778888"),
            ("山田 太郎 🎉", "+819012345678"),
            ("山田 花子", "+819011112222"),
        ]
    );
    assert!(report.issues.is_empty(), "{:?}", report.issues);
}

#[test]
fn vcard_2_1_quoted_printable() {
    let content = "BEGIN:VCARD\r\n\
            VERSION:2.1\r\n\
            N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=EA=B9=80;=EC=B2=A0=EC=88=98;;;\r\n\
            FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=EA=B9=80=EC=B2=A0=EC=88=98=20=\r\n\
            =ED=8C=80=EC=9E=A5\r\n\
            TEL;CELL;PREF:010-2222-3333\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            VERSION:2.1\r\n\
            N;QUOTED-PRINTABLE:=EB=B0=95;=EC=98=81=ED=9D=AC\r\n\
            TEL;HOME:02-312-3456\r\n\
            END:VCARD\r\n";
    let report = run(content);
    assert_eq!(
        pairs(&report),
        [("김철수 팀장", "+821022223333"), ("박영희", "+8223123456")]
    );
    assert!(report.issues.is_empty(), "{:?}", report.issues);
}

#[test]
fn vcard_mixed_valid_and_malformed() {
    let content = [
        "BEGIN:VCARD",                    // 1
        "VERSION:3.0",                    // 2
        "FN:Good One",                    // 3
        "TEL:010-1000-2000",              // 4
        "TEL:010-1234",                   // 5  too short
        "END:VCARD",                      // 6
        "BEGIN:VCARD",                    // 7  never ended
        "FN:No End",                      // 8
        "TEL:010-3000-4000",              // 9
        "BEGIN:VCARD",                    // 10
        "FN:Garbage Inside",              // 11
        "this line is garbage",           // 12
        ";;;",                            // 13
        "TEL;TYPE=cell:010-ABCD-5678",    // 14 letters
        "TEL;TYPE=cell:+82 10 5000 6000", // 15
        "END:VCARD",                      // 16
        "stray text between cards",       // 17
        "NOTE:between cards",             // 18
        "",                               // 19
        "BEGIN:VCARD",                    // 20
        "FN:Truncated",                   // 21
        "TEL:+82-10-7000-8000",           // 22
    ]
    .join("\n");
    let report = run(&content);
    assert_eq!(
        pairs(&report),
        [
            ("Good One", "+821010002000"),
            ("No End", "+821030004000"),
            ("Garbage Inside", "+821050006000"),
            ("Truncated", "+821070008000"),
        ]
    );
    assert_eq!(
        issues(&report),
        [
            (5, "invalid_for_region"),
            (7, "missing_end"),
            (12, "malformed_line"),
            (13, "malformed_line"),
            (14, "invalid_characters"),
            (17, "malformed_line"),
            (18, "outside_card"),
            (20, "missing_end"),
        ]
    );
    assert_eq!(report.issues[0].input, "010-1234");
    assert_eq!(report.issues[3].input, ";;;");
}

#[test]
fn csv_english_and_duplicates() {
    let content = "Name,Phone,Email\n\
            Alice,010-1234-5678,alice@example.com\n\
            \"Bob, Jr.\",\"+82 10 2222 3333\",\n\
            ,010 1234 5678,\n\
            Carol,not a number,\n\
            \n\
            Dave,,dave@example.com\n\
            Alice Again,+821012345678,\n";
    let report = run(content);
    assert_eq!(
        pairs(&report),
        [("Alice", "+821012345678"), ("Bob, Jr.", "+821022223333")]
    );
    assert_eq!(report.duplicates_merged, 2);
    assert_eq!(issues(&report), [(5, "invalid_characters")]);
}

#[test]
fn duplicates_keep_the_first_non_empty_name() {
    let content = "BEGIN:VCARD\nTEL:010-1234-5678\nEND:VCARD\n\
            BEGIN:VCARD\nFN:Named Later\nTEL:+82 10 1234 5678\nTEL:01012345678\nEND:VCARD\n\
            BEGIN:VCARD\nFN:Ignored\nTEL:010.1234.5678\nEND:VCARD\n";
    let report = run(content);
    assert_eq!(pairs(&report), [("Named Later", "+821012345678")]);
    assert_eq!(report.duplicates_merged, 3);
}

#[test]
fn csv_korean_and_japanese_headers() {
    let korean = "\u{FEFF}이름,휴대폰,메모\n홍길동,010-1234-5678,친구\n김영희,010 9876 5432,\n";
    let report = run(korean);
    assert_eq!(
        pairs(&report),
        [("홍길동", "+821012345678"), ("김영희", "+821098765432")]
    );
    let japanese = "氏名,電話番号\n山田太郎,090-1234-5678\n";
    let report = import(japanese, &"JP".parse().unwrap()).unwrap();
    assert_eq!(pairs(&report), [("山田太郎", "+819012345678")]);
    let split = "성,이름,전화번호\n홍,길동,010-1234-5678\n";
    // "이름" alone is a full-name column; the family column is then unused.
    assert_eq!(pairs(&run(split)), [("길동", "+821012345678")]);
    let parts = "Last Name,First Name,Mobile Phone\n홍,길동,010-1234-5678\nSmith,John,010-2222-3333\n";
    assert_eq!(
        pairs(&run(parts)),
        [("홍길동", "+821012345678"), ("John Smith", "+821022223333")]
    );
}

#[test]
fn csv_google_export() {
    let content = "First Name,Middle Name,Last Name,Organization Name,E-mail 1 - Label,E-mail 1 - Value,\
            Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\n\
            Minji,,Kim,,* Home,minji@example.com,Mobile,+82 10-1234-5678 ::: 010-2345-6789,Work,02-312-3456\n\
            ,,,Chingu Café,,,Work,+82 2-3123-4567,,\n\
            Broken,,,,,,Mobile,12 ::: 010-3456-7890,,\n";
    let report = run(content);
    assert_eq!(
        pairs(&report),
        [
            ("Minji Kim", "+821012345678"),
            ("Minji Kim", "+821023456789"),
            ("Minji Kim", "+8223123456"),
            ("Chingu Café", "+82231234567"),
            ("Broken", "+821034567890"),
        ]
    );
    assert_eq!(issues(&report), [(4, "invalid_for_region")]);
    assert_eq!(report.issues[0].input, "12");
}

#[test]
fn csv_semicolon_tab_and_multiline_records() {
    let content = "Display Name;Telephone\r\n\"Müller; Hans\";\"0170 1234567\"\r\n";
    let report = import(content, &"DE".parse().unwrap()).unwrap();
    assert_eq!(pairs(&report), [("Müller; Hans", "+491701234567")]);
    let tabbed = "full_name\tmobile\nAlice\t010-1234-5678\n";
    assert_eq!(pairs(&run(tabbed)), [("Alice", "+821012345678")]);
    let multiline = "name,phone\n\"Two\nLines\",010-1234\nOk,010-1234-5678\n";
    let report = run(multiline);
    assert_eq!(pairs(&report), [("Ok", "+821012345678")]);
    assert_eq!(issues(&report), [(2, "invalid_for_region")]);
}

#[test]
fn fatal_errors() {
    assert_eq!(import("", &kr()), Err(ImportError::Empty));
    assert_eq!(import("\u{FEFF} \r\n\t\n", &kr()), Err(ImportError::Empty));
    assert_eq!(
        import("name,email\nAlice,a@example.com\n", &kr()),
        Err(ImportError::NoHeader)
    );
    assert_eq!(import("Alice,010-1234-5678\n", &kr()), Err(ImportError::NoHeader));
    assert_eq!(
        import("PK\u{3}\u{4}\u{14}\0\0\0\u{8}\0", &kr()),
        Err(ImportError::Binary)
    );
    let replaced: String = "\u{FFFD}\u{FFFD}x\u{1}".repeat(50);
    assert_eq!(import(&replaced, &kr()), Err(ImportError::Binary));
    let huge = " ".repeat(MAX_IMPORT_BYTES + 1);
    assert_eq!(import(&huge, &kr()), Err(ImportError::TooLarge));
    let reasons = [
        ImportError::Empty,
        ImportError::TooLarge,
        ImportError::Binary,
        ImportError::NoHeader,
    ];
    assert_eq!(
        reasons.map(|e| e.reason()),
        ["empty", "too_large", "binary", "no_header"]
    );
}

#[test]
fn detection() {
    assert_eq!(detect_format("\u{FEFF}\r\n  begin:vcard\r\n"), Format::VCard);
    assert_eq!(detect_format("BEGIN:VCARD"), Format::VCard);
    assert_eq!(detect_format("name,phone\n"), Format::Csv);
    assert_eq!(detect_format("BEGIN:VCALENDAR\n"), Format::Csv);
    assert_eq!(detect_delimiter("a;b;\"c,d,e\"\n"), b';');
    assert_eq!(detect_delimiter("a,b;c\n"), b',');
    assert_eq!(detect_delimiter("single\n"), b',');
}

#[test]
fn names_are_cleaned_and_bounded() {
    assert_eq!(clean_name("  Kim \t\n Minji  "), Some("Kim Minji".into()));
    assert_eq!(clean_name(" \u{7} "), None);
    let long = "가".repeat(30); // 90 bytes
    let cut = clean_name(&long).unwrap();
    assert_eq!(cut.len(), 63);
    assert!(cut.chars().all(|c| c == '가'));
    let words = format!("{} tail", "a".repeat(63));
    assert_eq!(clean_name(&words).unwrap(), "a".repeat(crate::text::MAX_NAME_CHARS));
    assert_eq!(clean_name("evil\u{202e}name").as_deref(), Some("evil name"));
    assert_eq!(clean_name("👨‍👩‍👧 family").as_deref(), Some("👨‍👩‍👧 family"));
    assert_eq!(assemble_name("", "", "", "", ""), None);
}

#[test]
fn issue_input_is_truncated() {
    let content = format!("name,phone\nX,{}\n", "9".repeat(100));
    let report = run(&content);
    assert_eq!(report.issues[0].input.chars().count(), MAX_ISSUE_INPUT_CHARS);
    assert_eq!(report.issues[0].error, "too_long");
}

#[test]
fn report_serialises() {
    let report = run("name,phone\nAlice,010-1234-5678\nBob,1\n");
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(serde_json::from_str::<ImportReport>(&json).unwrap(), report);
}

fn sample(file: &str) -> ImportReport {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    import(&decode(&bytes), &kr()).unwrap()
}

#[test]
fn android_vcard_2_1_export() {
    let report = sample("android-2.1.vcf");
    assert_eq!(
        persons(&report),
        [
            (1, "김민지", vec!["+821012345678", "+8223123456", "+82231234567"]),
            (
                10,
                "박서준 (회사 동기) 이름이 아주 길어서 두 줄로",
                vec!["+821022223333"]
            ),
            (21, "Pizza Place", vec!["+8215881234", "+821011112222"]),
            (34, "Bad\u{FFFD} Byte", vec!["+821044445555"]),
        ]
    );
    // The bad byte spoils one number; the garbage line and a short number are reported.
    assert_eq!(
        issues(&report),
        [
            (31, "invalid_for_region"),
            (33, "malformed_line"),
            (38, "invalid_characters")
        ]
    );
    assert_eq!(report.extensions_dropped, 1);
}

#[test]
fn ios_vcard_3_0_export() {
    let report = sample("ios-3.0.vcf");
    assert_eq!(
        persons(&report),
        [
            (1, "山田 太郎", vec!["+819012345678", "+81312345678"]),
            (15, "Yuki Kim", vec!["+821098765432", "+12015550123"]),
        ]
    );
    // 090‐1234‐5678 (U+2010 hyphens) has no country code: read in KR it is no number.
    assert_eq!(issues(&report), [(11, "invalid_for_region")]);
    assert_eq!(report.extensions_dropped, 2);
}

#[test]
fn vcard_4_0_export() {
    let report = sample("vcard-4.0.vcf");
    assert_eq!(
        persons(&report),
        [
            (
                1,
                "Simon Perreault",
                vec!["+14186569254", "+14182626501", "+12015550123"]
            ),
            (10, "이서연", vec!["+821055556666"]),
        ]
    );
    assert!(report.issues.is_empty(), "{:?}", report.issues);
}

#[test]
fn google_csv_export() {
    let report = sample("google.csv");
    assert_eq!(
        persons(&report),
        [
            (2, "김민지", vec!["+821012345678", "+821023456789", "+8223123456"]),
            (3, "Chingu Café", vec!["+82231234567"]),
            (4, "Yuki Tanaka", vec!["+819011112222"]),
            (7, "Sam Lee", vec!["+12015550199"]),
        ]
    );
    assert_eq!(issues(&report), [(6, "invalid_for_region")]);
}

#[test]
fn outlook_csv_export() {
    let report = sample("outlook.csv");
    assert_eq!(
        persons(&report),
        [
            (2, "Jiho Choi", vec!["+8223123456", "+821033334444"]),
            (3, "Corner Shop", vec!["+821055556666"]),
            (4, "Hana Yoon", vec!["+821077778888"]),
        ]
    );
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    assert_eq!(report.duplicates_merged, 1);
}

#[test]
fn a_person_is_one_entry_and_keeps_numbers_others_do_not_have() {
    let content = "name,mobile,home phone,work phone\n\
            Alice,010-1111-2222,02-312-3456,010-1111-2222\n\
            Bob,010-3333-4444,02-312-3456,\n\
            Carol,02-312-3456,,\n";
    let report = run(content);
    assert_eq!(
        persons(&report),
        [
            (2, "Alice", vec!["+821011112222", "+8223123456"]),
            (3, "Bob", vec!["+821033334444"]),
        ]
    );
    assert_eq!(report.duplicates_merged, 3);
}

#[test]
fn extensions_are_dropped_and_numbers_kept() {
    let content = "name,phone\n\
            A,+1 201-555-0123 ext. 4321\n\
            B,+1 201-555-0124 x123\n\
            C,+1 201-555-0125;ext=101\n\
            D,tel:+1-201-555-0126;ext=9\n\
            E,02-312-3456 (내선 204)\n";
    let report = run(content);
    assert_eq!(
        pairs(&report),
        [
            ("A", "+12015550123"),
            ("B", "+12015550124"),
            ("C", "+12015550125"),
            ("D", "+12015550126"),
            ("E", "+8223123456"),
        ]
    );
    assert_eq!(report.extensions_dropped, 5);
    assert!(report.issues.is_empty(), "{:?}", report.issues);
}

#[test]
fn decoding_never_fails_the_file() {
    let mut bytes = b"name,phone\nAlice,010-1234-5678\nBo".to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(b"b,010-2222-3333\nCarol,010-44\xC3\x28-5555\n");
    let report = import(&decode(&bytes), &kr()).unwrap();
    assert_eq!(
        pairs(&report),
        [("Alice", "+821012345678"), ("Bo\u{FFFD}b", "+821022223333")]
    );
    assert_eq!(issues(&report), [(4, "invalid_characters")]);
    // UTF-16 with a byte-order mark, as some Windows tools write.
    let text = "\u{FEFF}이름,전화번호\r\n홍길동,010-1234-5678\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for bytes in [le, be] {
        assert_eq!(pairs(&run(&decode(&bytes))), [("홍길동", "+821012345678")]);
    }
    assert_eq!(decode(b"plain"), "plain");
    assert_eq!(decode(&[0xFF, 0xFE, 0x41]), "\u{FFFD}");
}

#[test]
fn persons_from_a_client_are_checked() {
    let input: Vec<PersonInput> = serde_json::from_str(
        r#"[
                {"name": "  Kim\tMinji ", "numbers": ["+821012345678", "010-2222-3333", "+821012345678"], "line": 3},
                {"name": "", "numbers": ["+821044445555"]},
                {"name": "Nobody", "numbers": ["+8210"], "line": 9}
            ]"#,
    )
    .unwrap();
    let report = checked_persons(input);
    assert_eq!(
        persons(&report),
        [
            (3, "Kim Minji", vec!["+821012345678"]),
            (0, "+82 10-4444-5555", vec!["+821044445555"])
        ]
    );
    assert_eq!(issues(&report), [(3, "not_e164"), (9, "invalid_for_region")]);
    assert_eq!(report.duplicates_merged, 1);
    let unknown = serde_json::from_str::<Vec<PersonInput>>(r#"[{"name": "x", "numbers": [], "phone": "1"}]"#);
    assert!(unknown.is_err(), "unknown fields are refused");
}

/// A vCard file of `count` cards with one synthetic number each.
pub(crate) fn synthetic_vcard(count: u32) -> String {
    let mut content = String::new();
    for i in 0..count {
        let phone = crate::phone::synthetic(i);
        content.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Person;Number {i};;;\r\nFN:Number {i} Person\r\n\
                 TEL;TYPE=CELL:{}\r\nEMAIL:p{i}@example.com\r\nEND:VCARD\r\n",
            crate::phone::format_national(&phone)
        ));
    }
    content
}

/// This thread's CPU time (user + system) in seconds, from `/proc/thread-self/stat`
/// (clock ticks of 10 ms): unlike wall time, it does not grow when other processes
/// share the cores.
fn thread_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the command name: state is field 0, utime 11, stime 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// `cargo test --lib -- --ignored --nocapture import_speed` (BENCHMARKS.md).
#[test]
#[ignore]
fn import_speed() {
    let content = synthetic_vcard(100_000);
    let (started, cpu) = (std::time::Instant::now(), thread_cpu_secs());
    let report = run(&content);
    let (elapsed, cpu) = (started.elapsed(), thread_cpu_secs() - cpu);
    assert_eq!(report.persons.len(), 100_000);
    println!(
        "100 000-card vCard ({} KiB) parsed in {:.2} s wall, {cpu:.2} s CPU",
        content.len() / 1024,
        elapsed.as_secs_f64()
    );
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(content in "\\PC{0,400}") {
        let _ = import(&content, &kr());
    }

    #[test]
    fn vcard_like_text_never_panics(lines in prop::collection::vec(
        prop::sample::select(vec![
            "BEGIN:VCARD", "END:VCARD", "FN:A\\", "N:;;", "N:a\\;b;c", "TEL:010-1234-5678", "TEL:+",
            "TEL;ENCODING=QUOTED-PRINTABLE:=3", "FN;QUOTED-PRINTABLE:=E", "=", " folded", "\t", "",
            "item1.TEL;TYPE=\"a:b\":tel:+82-10-1234-5678", "x.y.:z", ":", ";", "\r", "ORG:\\",
        ]),
        0..40,
    )) {
        let _ = import(&lines.join("\n"), &kr());
    }

    #[test]
    fn csv_like_text_never_panics(rows in prop::collection::vec("[a-z0-9 ,;\"\n:+-]{0,30}", 0..20)) {
        let _ = import(&format!("name,phone 1 - value\n{}", rows.join("\n")), &kr());
    }
}
