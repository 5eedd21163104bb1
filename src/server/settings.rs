//! Settings the editor gives: from `initializationOptions` and from
//! `workspace/configuration` (section `dlint`). They are applied on top of
//! the `dlint.toml` that applies to each document, like command-line flags.
//!
//! ```json
//! { "select": ["ALL"], "extendSelect": ["untrusted-registry"],
//!   "ignore": ["latest-tag"], "unsafeFixes": true }
//! ```
//!
//! The object may also be nested as `{"dlint": {…}}` or `{"settings": {…}}`.
//! `fixApplicability: "unsafe" | "safe"` is accepted for `unsafeFixes`.
//! The latest settings the editor gives (a `workspace/configuration`
//! answer, or `didChangeConfiguration` settings) replace earlier ones; an
//! answer without any of these keys (`null`, `{}`) changes nothing.

use serde_json::Value;

use crate::settings::{resolve_selector, Settings};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientSettings {
    pub select: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    /// Whether source.fixAll applies unsafe fixes too.
    pub unsafe_fixes: Option<bool>,
}

fn names(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => Some(
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
        ),
        Value::String(s) => Some(
            s.split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
        ),
        _ => None,
    }
}

fn get<'a>(o: &'a serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| o.get(*k)).filter(|v| !v.is_null())
}

impl ClientSettings {
    /// Reads settings from a JSON value; None when it holds none.
    pub fn from_json(v: &Value) -> Option<ClientSettings> {
        let mut o = v.as_object()?;
        for nest in ["dlint", "settings"] {
            if let Some(inner) = o.get(nest).and_then(Value::as_object) {
                o = inner;
            }
        }
        let mut s = ClientSettings {
            select: get(o, &["select"]).and_then(names),
            extend_select: get(o, &["extendSelect", "extend-select", "extend_select"])
                .and_then(names),
            ignore: get(o, &["ignore"]).and_then(names),
            unsafe_fixes: get(o, &["unsafeFixes", "unsafe-fixes", "unsafe_fixes"])
                .and_then(Value::as_bool),
        };
        if s.unsafe_fixes.is_none() {
            s.unsafe_fixes = get(o, &["fixApplicability", "fix-applicability"])
                .and_then(Value::as_str)
                .map(|a| a.eq_ignore_ascii_case("unsafe"));
        }
        // An object with none of our keys (`{}` for an unset section) holds
        // no settings.
        (s != ClientSettings::default()).then_some(s)
    }

    pub fn unsafe_fixes(&self) -> bool {
        self.unsafe_fixes.unwrap_or(false)
    }

    /// Applies these settings to a file's settings. Unknown rule names are
    /// skipped and returned.
    pub fn apply(&self, mut s: Settings) -> (Settings, Vec<String>) {
        let mut unknown = Vec::new();
        let mut resolve = |list: &Option<Vec<String>>| -> Option<Vec<usize>> {
            let list = list.as_ref()?;
            let mut out = Vec::new();
            for n in list {
                match resolve_selector(n.trim()) {
                    Some(r) => out.extend(r),
                    None => unknown.push(n.clone()),
                }
            }
            Some(out)
        };
        if let Some(sel) = resolve(&self.select) {
            s.select(&sel);
        }
        if self
            .select
            .iter()
            .chain(&self.extend_select)
            .flatten()
            .any(|n| crate::settings::is_strict_form(n))
        {
            s.options.root_user_strict = true;
        }
        if let Some(ext) = resolve(&self.extend_select) {
            s.extend_select(&ext);
        }
        if let Some(ig) = resolve(&self.ignore) {
            s.ignore(&ig);
        }
        (s, unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_nested_and_flat_forms() {
        let a = ClientSettings::from_json(
            &json!({"dlint": {"ignore": ["latest-tag"], "unsafeFixes": true}}),
        )
        .unwrap();
        assert_eq!(a.ignore, Some(vec!["latest-tag".to_string()]));
        assert_eq!(a.unsafe_fixes, Some(true));
        let b =
            ClientSettings::from_json(&json!({"select": "D101, D102", "fixApplicability": "safe"}))
                .unwrap();
        assert_eq!(b.select.as_ref().unwrap().len(), 2);
        assert_eq!(b.unsafe_fixes, Some(false));
        assert!(ClientSettings::from_json(&Value::Null).is_none());
        assert!(ClientSettings::from_json(&json!({})).is_none());
        assert!(ClientSettings::from_json(&json!({"dlint": {"other": 1}})).is_none());
    }

    #[test]
    fn applies_like_flags() {
        let c = ClientSettings {
            select: Some(vec!["latest-tag".into(), "nope".into()]),
            ..Default::default()
        };
        let (s, unknown) = c.apply(Settings::default());
        assert_eq!(unknown, vec!["nope".to_string()]);
        assert_eq!(s.enabled.iter().filter(|e| **e).count(), 1);
    }
}
