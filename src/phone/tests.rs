use super::*;
use proptest::prelude::*;

fn region(code: &str) -> Region {
    code.parse().unwrap()
}

fn norm(input: &str, code: &str) -> Result<String, PhoneError> {
    normalize(input, &region(code)).map(|n| n.to_string())
}

#[test]
fn pseudonyms_are_stable_canonical_and_never_a_typed_number() {
    let minji = PhoneNumber::pseudonym(&[7; 32]);
    assert_eq!(minji, PhoneNumber::pseudonym(&[7; 32]));
    assert_ne!(minji, PhoneNumber::pseudonym(&[8; 32]));
    assert!(minji.is_pseudonym() && minji.as_str().len() == 16);
    assert_eq!(PhoneNumber::canonical(minji.as_str()), Some(minji.clone()));
    assert!(normalize(minji.as_str(), &region("KR")).is_err(), "no region owns +999");
    assert!(!synthetic(3).is_pseudonym());
}

#[test]
fn korean_formats_share_one_key() {
    for input in [
        "010-1234-5678",
        "01012345678",
        "010 1234 5678",
        "010.1234.5678",
        "(010) 1234-5678",
        "+82 10 1234 5678",
        "+82-10-1234-5678",
        "+821012345678",
        "+82 010 1234 5678",
        "821012345678",
        "82-10-1234-5678",
        "00 82 10 1234 5678",
        "001 82 10 1234 5678",
        "00700 82 10 1234 5678",
        "tel:+82-10-1234-5678",
        "TEL:010-1234-5678",
        "０１０－１２３４－５６７８",
        "＋８２ １０ １２３４ ５６７８",
        "\u{202A}+82 10-1234-5678\u{202C}",
        "  010-1234-5678\t",
        "010\u{00A0}1234\u{3000}5678",
    ] {
        assert_eq!(norm(input, "KR"), Ok("+821012345678".into()), "{input:?}");
    }
}

#[test]
fn us_and_japanese_formats() {
    for input in [
        "(201) 555-0123",
        "201-555-0123",
        "201.555.0123",
        "1 201 555 0123",
        "+1 201-555-0123",
    ] {
        assert_eq!(norm(input, "US"), Ok("+12015550123".into()), "{input:?}");
    }
    for input in [
        "011 1 201 555 0123",
        "tel:+1-201-555-0123",
        "tel:+1-201-555-0123;isub=7",
    ] {
        assert_eq!(norm(input, "US"), Ok("+12015550123".into()), "{input:?}");
    }
    for input in [
        "090-1234-5678",
        "09012345678",
        "+81 90 1234 5678",
        "090ー1234ー5678",
        "010 81 90 1234 5678",
    ] {
        assert_eq!(norm(input, "JP"), Ok("+819012345678".into()), "{input:?}");
    }
}

#[test]
fn explicit_country_codes_ignore_the_default_region() {
    // phonenumber 0.3 strips the default region's trunk prefix from these; we must not.
    assert_eq!(norm("+82 10 1234 5678", "US"), Ok("+821012345678".into()));
    assert_eq!(norm("011 82 10 1234 5678", "US"), Ok("+821012345678".into()));
    assert_eq!(norm("+39 06 6982 0000", "KR"), Ok("+390669820000".into()));
    assert_eq!(norm("+1 201 555 0123", "JP"), Ok("+12015550123".into()));
}

#[test]
fn unicode_digits_are_mapped() {
    assert_eq!(norm("٠١٠١٢٣٤٥٦٧٨", "KR"), Ok("+821012345678".into()));
    assert_eq!(norm("۰۱۰۱۲۳۴۵۶۷۸", "KR"), Ok("+821012345678".into()));
    assert_eq!(norm("०१०-१२३४-५६७८", "KR"), Ok("+821012345678".into()));
    assert_eq!(norm("𝟎𝟏𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", "KR"), Ok("+821012345678".into()));
    for zero in DIGIT_ZEROS {
        for value in 0..10 {
            let c = char::from_u32(zero + value).unwrap();
            assert_eq!(decimal_digit(c), char::from_digit(value, 10), "{c:?}");
            assert!(c.is_numeric());
        }
    }
    assert_eq!(decimal_digit('①'), None);
    assert_eq!(decimal_digit('Ⅻ'), None);
}

#[test]
fn tel_uris_with_phone_context() {
    // RFC 3966 §5.1.5: a local number's global context is its prefix.
    assert_eq!(
        norm("tel:555-0123;phone-context=+1-201", "KR"),
        Ok("+12015550123".into())
    );
    assert_eq!(
        norm("TEL:10-1234-5678;Phone-Context=+82", "US"),
        Ok("+821012345678".into())
    );
    // A domain context says nothing about the country: read in the default region.
    assert_eq!(
        norm("tel:010-1234-5678;phone-context=example.com", "KR"),
        Ok("+821012345678".into())
    );
    // A global number ignores its (invalid there) context.
    assert_eq!(
        norm("tel:+82-10-1234-5678;phone-context=+1", "KR"),
        Ok("+821012345678".into())
    );
    assert_eq!(
        norm("tel:555-0123;phone-context=+1-201;ext=7", "US"),
        Err(PhoneError::Extension)
    );
    assert_eq!(
        norm("tel:863-1234;phone-context=+1+914", "US"),
        Err(PhoneError::InvalidCharacters)
    );
    // URIs may be longer than typed numbers, but not without bound.
    let long_uri = format!("tel:010-1234-5678;phone-context=+82;isub={}", "1".repeat(40));
    assert_eq!(long_uri.chars().count(), 81);
    assert_eq!(norm(&long_uri, "KR"), Ok("+821012345678".into()));
    let too_long = format!("tel:010-1234-5678;isub={}", "1".repeat(MAX_URI_CHARS));
    assert_eq!(norm(&too_long, "KR"), Err(PhoneError::TooLong));
    let long_number = format!("tel:{}", "1".repeat(MAX_INPUT_CHARS + 1));
    assert_eq!(norm(&long_number, "KR"), Err(PhoneError::TooLong));
}

#[test]
fn every_unicode_dash_separates() {
    for dash in [
        '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{FE58}', '\u{FE63}', '\u{FF0D}', '\u{301C}', '\u{2E3A}',
    ] {
        let input = format!("010{dash}1234{dash}5678");
        assert_eq!(norm(&input, "KR"), Ok("+821012345678".into()), "{dash:?}");
    }
    assert_eq!(norm("０９０‐１２３４‐５６７８", "JP"), Ok("+819012345678".into()));
}

#[test]
fn extensions_are_split_off_for_import() {
    let split = |text: &str| {
        let (number, extension) = split_extension(text);
        (number.into_owned(), extension)
    };
    let some = |n: &str, e: &str| (n.to_owned(), Some(e.to_owned()));
    assert_eq!(split("+1 201-555-0123 ext. 4321"), some("+1 201-555-0123", "4321"));
    assert_eq!(split("+1 201-555-0123 ext 4321"), some("+1 201-555-0123", "4321"));
    assert_eq!(split("+1 201-555-0123 EXT.4321"), some("+1 201-555-0123", "4321"));
    assert_eq!(split("(201) 555-0123 x123"), some("(201) 555-0123", "123"));
    assert_eq!(split("201-555-0123x123"), some("201-555-0123", "123"));
    assert_eq!(split("201-555-0123, extension 12"), some("201-555-0123", "12"));
    assert_eq!(split("+1 201 555 0123;ext=101"), some("+1 201 555 0123", "101"));
    assert_eq!(split("02-312-3456 (내선 204)"), some("02-312-3456", "204"));
    assert_eq!(split("03-1234-5678 内線 12"), some("03-1234-5678", "12"));
    assert_eq!(split("03-1234-5678 #12"), some("03-1234-5678", "12"));
    assert_eq!(split("tel:+1-418-656-9254;ext=102"), some("tel:+1-418-656-9254", "102"));
    assert_eq!(
        split("tel:863-1234;ext=7;phone-context=+1-914-555"),
        some("tel:863-1234;phone-context=+1-914-555", "7")
    );
    for plain in [
        "010-1234-5678",
        "+1 800 FLOWERS",
        "fax 123",
        "x123",
        "#123",
        "tel:+1-201-555-0123",
        "",
    ] {
        assert_eq!(split(plain), (plain.to_owned(), None), "{plain:?}");
    }
    let (number, _) = split_extension("+1 201-555-0123 ext. 4321");
    assert_eq!(norm(&number, "KR"), Ok("+12015550123".into()));
    let (number, _) = split_extension("tel:+1-418-656-9254;ext=102");
    assert_eq!(norm(&number, "KR"), Ok("+14186569254".into()));
}

#[test]
fn regions_where_a_local_number_is_valid() {
    let regions: Vec<String> = regions_where_valid("090-1234-5678")
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(regions.first().map(String::as_str), Some("JP"), "{regions:?}");
    assert!(!regions.contains(&"KR".to_owned()), "{regions:?}");
    let korean: Vec<String> = regions_where_valid("010-1234-5678")
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert!(korean.contains(&"KR".to_owned()), "{korean:?}");
    assert!(regions_where_valid("12").is_empty());
}

#[test]
fn bare_international_form_is_only_accepted_for_the_default_country() {
    assert_eq!(norm("821012345678", "KR"), Ok("+821012345678".into()));
    assert_eq!(norm("821012345678", "US"), Err(PhoneError::InvalidForRegion));
    assert_eq!(norm("12015550123", "KR"), Err(PhoneError::InvalidForRegion));
}

#[test]
fn every_error_path() {
    assert_eq!(norm("", "KR"), Err(PhoneError::Empty));
    assert_eq!(norm(" \t\n", "KR"), Err(PhoneError::Empty));
    assert_eq!(norm(&"1".repeat(MAX_INPUT_CHARS + 1), "KR"), Err(PhoneError::TooLong));
    assert_eq!(norm(&"1".repeat(MAX_INPUT_CHARS), "KR"), Err(PhoneError::NotANumber));
    assert_eq!(norm("++82 10 1234 5678", "KR"), Err(PhoneError::InvalidCharacters));
    assert_eq!(norm("010+1234+5678", "KR"), Err(PhoneError::InvalidCharacters));
    assert_eq!(norm("010-1234-5678 ext. 12", "KR"), Err(PhoneError::InvalidCharacters));
    assert_eq!(norm("+1 800 FLOWERS", "US"), Err(PhoneError::InvalidCharacters));
    assert_eq!(norm("*123#", "KR"), Err(PhoneError::InvalidCharacters));
    assert_eq!(norm("①②③", "KR"), Err(PhoneError::InvalidCharacters));
    assert_eq!(norm("tel:+1-201-555-0123;ext=42", "US"), Err(PhoneError::Extension));
    assert_eq!(norm("+", "KR"), Err(PhoneError::NotANumber));
    assert_eq!(norm("---", "KR"), Err(PhoneError::NotANumber));
    assert_eq!(norm("tel:", "KR"), Err(PhoneError::NotANumber));
    assert_eq!(norm("1", "KR"), Err(PhoneError::NotANumber));
    assert_eq!(norm("+999 1234 5678", "KR"), Err(PhoneError::NotANumber));
    assert_eq!(norm("010-1234", "KR"), Err(PhoneError::InvalidForRegion));
    assert_eq!(norm("+1 555 555 5555", "KR"), Err(PhoneError::InvalidForRegion));
    assert_eq!(norm("010-5980-1234", "KR"), Err(PhoneError::InvalidForRegion));
    // Valid for libphonenumber, but 16 digits: longer than E.164 allows.
    assert_eq!(norm("20100000000000", "DE"), Err(PhoneError::InvalidForRegion));
    assert_eq!(norm("2010000000000", "DE"), Ok("+492010000000000".into()));
    for code in ["", "K", "KOR", "ZZ", "AQ", "001", "k1", "ｋｒ"] {
        assert_eq!(code.parse::<Region>(), Err(PhoneError::UnknownRegion), "{code:?}");
    }
    let reasons: Vec<_> = [
        PhoneError::Empty,
        PhoneError::TooLong,
        PhoneError::InvalidCharacters,
        PhoneError::Extension,
        PhoneError::NotANumber,
        PhoneError::InvalidForRegion,
        PhoneError::UnknownRegion,
        PhoneError::NotE164,
    ]
    .iter()
    .map(PhoneError::reason)
    .collect();
    let unique: std::collections::BTreeSet<_> = reasons.iter().collect();
    assert_eq!(unique.len(), reasons.len());
}

#[test]
fn region_parsing_and_serde() {
    assert_eq!(Region::default().as_str(), "KR");
    assert_eq!(region(" jp ").to_string(), "JP");
    assert_eq!(serde_json::to_string(&region("US")).unwrap(), "\"US\"");
    assert_eq!(serde_json::from_str::<Region>("\"us\"").unwrap(), region("US"));
    assert!(serde_json::from_str::<Region>("\"ZZ\"").is_err());
}

#[test]
fn from_str_accepts_only_canonical_valid_e164() {
    let number: PhoneNumber = "+821012345678".parse().unwrap();
    assert_eq!(number.as_str(), "+821012345678");
    assert_eq!("+82 10 1234 5678".parse::<PhoneNumber>(), Err(PhoneError::NotE164));
    assert_eq!("821012345678".parse::<PhoneNumber>(), Err(PhoneError::NotE164));
    assert_eq!("+8201012345678".parse::<PhoneNumber>(), Err(PhoneError::NotE164));
    assert_eq!("+0821012345678".parse::<PhoneNumber>(), Err(PhoneError::NotE164));
    assert_eq!("+1234567890123456".parse::<PhoneNumber>(), Err(PhoneError::NotE164));
    assert_eq!("+821234".parse::<PhoneNumber>(), Err(PhoneError::InvalidForRegion));
}

#[test]
fn serde_is_the_e164_string() {
    let number = normalize("010-1234-5678", &Region::default()).unwrap();
    let json = serde_json::to_string(&number).unwrap();
    assert_eq!(json, "\"+821012345678\"");
    assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), number);
    // Canonical but outside today's ranges: still loads (stored keys survive metadata updates).
    assert_eq!(
        serde_json::from_str::<PhoneNumber>("\"+821234\"").unwrap().as_str(),
        "+821234"
    );
    // Stored numbers are checked by shape only (they were normalised when written).
    for bad in ["\"010-1234-5678\"", "\"+82 10 1234 5678\"", "\"+\"", "\"+0123\"", "7"] {
        assert!(serde_json::from_str::<PhoneNumber>(bad).is_err(), "{bad}");
    }
}

#[test]
fn ordering_and_hashing_follow_the_string() {
    let a = synthetic(1);
    let b = synthetic(2);
    assert!(a < b);
    let set: std::collections::HashSet<_> = [a.clone(), b, a].into_iter().collect();
    assert_eq!(set.len(), 2);
}

#[test]
fn formatting() {
    let kr = normalize("01012345678", &region("KR")).unwrap();
    assert_eq!(format_national(&kr), "010-1234-5678");
    assert_eq!(format_international(&kr), "+82 10-1234-5678");
    let us = normalize("2015550123", &region("US")).unwrap();
    assert_eq!(format_national(&us), "(201) 555-0123");
    assert_eq!(format_international(&us), "+1 201-555-0123");
    let stored: PhoneNumber = serde_json::from_str("\"+821234\"").unwrap();
    assert_eq!(format_international(&stored), "+82 1234");
}

#[test]
fn synthetic_numbers_are_valid_and_distinct() {
    // Every block of 10 000 subscriber numbers, at both ends, plus the gap edges.
    for block in 0..SYNTHETIC_CAPACITY / 10_000 {
        for index in [block * 10_000, block * 10_000 + 9_999] {
            let number = synthetic(index);
            assert_eq!(number.as_str().parse::<PhoneNumber>(), Ok(number.clone()), "{index}");
        }
    }
    assert_eq!(synthetic(0).as_str(), "+821000000000");
    assert_eq!(synthetic(SYNTHETIC_GAP_START - 1).as_str(), "+821059699999");
    assert_eq!(synthetic(SYNTHETIC_GAP_START).as_str(), "+821060000000");
    assert_eq!(synthetic(SYNTHETIC_CAPACITY - 1).as_str(), "+821099999999");
    let distinct: std::collections::HashSet<_> = (0..10_000).map(synthetic).collect();
    assert_eq!(distinct.len(), 10_000);
}

#[test]
#[should_panic(expected = "out of range")]
fn synthetic_panics_past_capacity() {
    synthetic(SYNTHETIC_CAPACITY);
}

#[test]
fn vectors() {
    let file: serde_json::Value = serde_json::from_str(include_str!("../../protocol/vectors/phone.json")).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert!(vectors.len() > 30);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let expected_e164 = v["e164"].as_str();
        if let Some(index) = v["synthetic_index"].as_u64() {
            let number = synthetic(u32::try_from(index).unwrap());
            assert_eq!(Some(number.as_str()), expected_e164, "{name}");
            continue;
        }
        let input = v["input"].as_str().unwrap();
        let region_code = v["region"].as_str().unwrap();
        match (expected_e164, v["error"].as_str()) {
            (Some(e164), None) => {
                let number = normalize(input, &region(region_code)).unwrap();
                assert_eq!(number.as_str(), e164, "{name}");
                // The other direction: the key is canonical, stable and formats back.
                assert_eq!(e164.parse::<PhoneNumber>(), Ok(number.clone()), "{name}");
                assert_eq!(
                    normalize(&format_international(&number), &region(region_code)),
                    Ok(number.clone())
                );
                if let Some(home) = number_region(&number) {
                    assert_eq!(normalize(&format_national(&number), &home), Ok(number), "{name}");
                }
            }
            (None, Some(reason)) => match region_code.parse::<Region>() {
                Ok(r) => assert_eq!(normalize(input, &r).map_err(|e| e.reason()), Err(reason), "{name}"),
                Err(e) => assert_eq!(e.reason(), reason, "{name}"),
            },
            _ => panic!("vector {name} needs exactly one of e164 / error"),
        }
    }
}

/// The region a number belongs to, when libphonenumber can tell (for reading its national format back).
fn number_region(number: &PhoneNumber) -> Option<Region> {
    let id = phonenumber::parse(None, number.as_str()).unwrap().country().id()?;
    Some(region(id.as_ref()))
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(input in ".{0,40}", code in "[A-Z]{2}") {
        if let Ok(r) = code.parse::<Region>() {
            let _ = normalize(&input, &r);
        }
        let _ = input.parse::<PhoneNumber>();
        let _ = serde_json::from_value::<PhoneNumber>(serde_json::Value::String(input));
    }

    #[test]
    fn digit_soup_never_panics_and_results_are_canonical(
        input in "[+＋]{0,2}[0-9０-９ ()\\-.]{0,30}",
        code in prop::sample::select(vec!["KR", "US", "JP", "DE", "GB", "IT", "CN", "BR", "IN", "AU"]),
    ) {
        if let Ok(number) = normalize(&input, &region(code)) {
            prop_assert_eq!(number.as_str().parse::<PhoneNumber>(), Ok(number.clone()));
        }
    }
}
