//! IANA time zones, checked against the tz database bundled into the binary (jiff).

use super::suggest::suggest;

/// The zone must exist under exactly this name, as the CronJob controller loads it.
pub fn timezone(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("an empty string is not a time zone".to_string());
    }
    if s == "Local" {
        return Err(
            "`Local` depends on the controller's machine; name a zone such as `Etc/UTC`"
                .to_string(),
        );
    }
    let db = jiff::tz::db();
    if db.available().any(|n| n.as_str() == s) {
        return Ok(());
    }
    let hint = suggest(s, db.available().map(|n| n.as_str().to_string()))
        .or_else(|| {
            // `Berlin` → `Europe/Berlin`: match the city part.
            db.available().map(|n| n.as_str().to_string()).find(|n| {
                n.rsplit('/')
                    .next()
                    .is_some_and(|city| city.eq_ignore_ascii_case(s))
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
    fn zones() {
        assert!(timezone("Europe/Berlin").is_ok());
        assert!(timezone("Etc/UTC").is_ok());
        assert!(timezone("Local").is_err());
        let e = timezone("Berlin").expect_err("not a zone");
        assert!(e.contains("Europe/Berlin"), "{e}");
        assert!(timezone("europe/berlin").is_err());
    }
}
