//! Database URLs without their passwords, for anything a person or a log may read
//! (`db status`, connection errors, `--db` in messages).

/// `url` with the password of its userinfo replaced by `***`:
/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`. A URL without a
/// password (or not a URL at all, like a bare SQLite path) is returned unchanged. Passwords
/// given as a `password=` query parameter are masked too.
///
/// ```
/// use hotspot::store::redact_url;
/// assert_eq!(redact_url("postgres://u:p%40ss@h:5432/db"), "postgres://u:***@h:5432/db");
/// assert_eq!(redact_url("sqlite://hotspot.db"), "sqlite://hotspot.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = url.find("://") {
        let rest_start = scheme_end + 3;
        let rest = &url[rest_start..];
        // The authority ends at the first `/`, `?` or `#`; its userinfo at the last `@`.
        let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..auth_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if let Some(colon) = userinfo.find(':') {
                out = format!(
                    "{}{}:***{}",
                    &url[..rest_start],
                    &userinfo[..colon],
                    &rest[at..]
                );
            }
        }
    }
    mask_password_param(&out)
}

/// Masks `password=…` in the query string.
fn mask_password_param(url: &str) -> String {
    let Some(q) = url.find('?') else {
        return url.to_string();
    };
    let (head, query) = url.split_at(q + 1);
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{head}{}", parts.join("&"))
}

/// `text` with every occurrence of `url`'s password replaced by `***` (for error messages
/// of libraries that echo the connection string back).
pub fn redact_in(text: &str, url: &str) -> String {
    match password_of(url) {
        Some(p) if !p.is_empty() => text.replace(url, &redact_url(url)).replace(&p, "***"),
        _ => text.to_string(),
    }
}

/// The raw password of a URL's userinfo, if any.
fn password_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    Some(userinfo[userinfo.find(':')? + 1..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_survive() {
        for (url, want) in [
            (
                "postgres://alice:s3cr%3At@db.example:5432/hotspot",
                "postgres://alice:***@db.example:5432/hotspot",
            ),
            (
                "postgresql://alice:p@ss@h/db",
                "postgresql://alice:***@h/db",
            ),
            ("postgres://alice@h/db", "postgres://alice@h/db"),
            (
                "postgres://h/db?password=xyz&sslmode=require",
                "postgres://h/db?password=***&sslmode=require",
            ),
            ("sqlite://hotspot.db", "sqlite://hotspot.db"),
            ("data/hotspot.db", "data/hotspot.db"),
        ] {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn messages_echoing_the_url_are_cleaned() {
        let url = "postgres://bob:hunter2@h/db";
        let msg = format!("opening {url}: password authentication failed (hunter2)");
        let clean = redact_in(&msg, url);
        assert!(!clean.contains("hunter2"), "{clean}");
        assert!(clean.contains("postgres://bob:***@h/db"));
    }
}
