//! IANA time zones, checked against the tz database bundled into the binary (jiff), as the
//! CronJob `timeZone` field requires: the exact name Go's `time.LoadLocation` opens.

use super::suggest::suggest;

/// The zone must exist under exactly this name (case included). `Local`, in any case, is
/// refused as Kubernetes refuses it: it means whatever the controller's machine uses.
pub fn timezone(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("an empty string is not a time zone".to_string());
    }
    if s.eq_ignore_ascii_case("Local") {
        return Err(format!(
            "`{s}` depends on the controller's machine; name a zone such as `Etc/UTC`"
        ));
    }
    let db = jiff::tz::db();
    if db.available().any(|n| n.as_str() == s) {
        return Ok(());
    }
    let names = || db.available().map(|n| n.as_str().to_string());
    let hint = suggest(s, names())
        .or_else(|| {
            // `Berlin` → `Europe/Berlin`: match the city part, ignoring case and `_` for ` `.
            let city = s.replace(' ', "_");
            names().find(|n| {
                n.rsplit('/')
                    .next()
                    .is_some_and(|c| n.contains('/') && c.eq_ignore_ascii_case(&city))
            })
        })
        .map(|x| format!(" (did you mean `{x}`?)"))
        .unwrap_or_default();
    Err(format!("`{s}` is not an IANA time zone{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_in_the_database() {
        for ok in [
            "Europe/Berlin",
            "America/New_York",
            "America/Argentina/Buenos_Aires",
            "Asia/Kolkata",
            "Etc/UTC",
            "UTC",
            "Etc/GMT+5",
            "CET",
        ] {
            assert_eq!(timezone(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_local_and_nonsense() {
        for bad in [
            "",
            "Local",
            "local",
            "LOCAL",
            "Mars/Olympus",
            "+01:00",
            "/etc/localtime",
        ] {
            assert!(timezone(bad).is_err(), "{bad}");
        }
        assert!(timezone("../../etc/passwd").is_err());
        assert!(timezone("Europe/Berlin ").is_err());
    }

    #[test]
    fn wrong_case_and_cities_get_a_suggestion() {
        let e = timezone("Berlin").expect_err("not a zone");
        assert_eq!(
            e,
            "`Berlin` is not an IANA time zone (did you mean `Europe/Berlin`?)"
        );
        let e = timezone("europe/berlin").expect_err("wrong case");
        assert!(e.contains("did you mean `Europe/Berlin`"), "{e}");
        let e = timezone("Europe/Berln").expect_err("typo");
        assert!(e.contains("did you mean `Europe/Berlin`"), "{e}");
        let e = timezone("New York").expect_err("city");
        assert!(e.contains("did you mean `America/New_York`"), "{e}");
        let e = timezone("Xyzzy/Plugh").expect_err("nothing close");
        assert_eq!(e, "`Xyzzy/Plugh` is not an IANA time zone");
    }
}
