//! Helpers every HTTP adapter shares (the BSS API, the native API, the console).

/// The decoded `(key, value)` pairs of a raw query string, in order.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    raw.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (dec(k), dec(v)),
            None => (dec(kv), String::new()),
        })
        .collect()
}

/// `138****5678`: the middle of a phone number hidden, as the vendor's lists show it.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// A urlencoded form body as its pairs, for forms that send a field once per checked row (a
/// batch recall's `coupon_id`, an invoice request's `month`), which a struct cannot take.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(query_pairs(&String::from_utf8_lossy(body)))
    }

    /// The first value of `k`, trimmed (empty when absent).
    pub fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    /// Every non-empty value of `k`, in order.
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, v)| key == k && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_keys() {
        let p = super::query_pairs("operation_types=1&operation_types=2&quota_id=&x=a%2Cb+c");
        assert_eq!(p.len(), 4);
        assert_eq!(p[3], ("x".into(), "a,b c".into()));
    }

    #[test]
    fn masked_phones() {
        assert_eq!(super::mask_phone("13812345678"), "138****5678");
        assert_eq!(super::mask_phone("123"), "***");
    }
}
