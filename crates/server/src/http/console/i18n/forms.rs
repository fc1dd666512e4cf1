//! Strings of the console's shared form refusals and of the catalogue's type forms.

/// The (Chinese, English) pair of `key`, if this area has it.
pub(super) fn pair(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "form_too_large" => ("表单内容过长。", "The form is too large."),
        "form_not_utf8" => (
            "表单内容不是有效的 UTF-8 文本。",
            "The form is not valid UTF-8 text.",
        ),
        "form_expired_title" => ("表单已过期", "Form expired"),
        "types_name_zh" => ("中文名称", "Chinese name"),
        "types_name_en" => ("英文名称", "English name"),
        "types_desc_zh" => ("中文说明", "Chinese description"),
        "types_desc_en" => ("英文说明", "English description"),
        _ => return None,
    })
}
