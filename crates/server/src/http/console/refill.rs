//! Forms that keep the user's work: a refused console form is answered with its page re-rendered
//! (4xx), the form showing what was submitted and the message beside the field it concerns.
//!
//! A handler reads its body with [`Submitted`] (the typed form and its raw fields), and on a
//! refusal builds a [`Refill`]: the submitted fields minus secrets (any field whose name contains
//! `password` or `secret` is never echoed), the message in the page's language, the field it
//! concerns (none: the message goes at the top of the form) and the status. The page renders
//! every form from `refill.on(form_id)`, which is empty for the forms that were not submitted:
//! `value(name, default)` for inputs, `selected(name, value)` for options, `invalid(name)` and
//! `described_by(name)` for the field's `aria-invalid` / `aria-describedby`, `error_for(name)`
//! for the `p.field-error` beside it and `form_error()` at the top of the form.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use maud::{html, Markup};
use pc_app::AppError;

use super::i18n::Lang;
use crate::http::form::Fields;

/// A console form's body read once: the typed form (its default when the body does not parse,
/// as [`super::ConsoleForm`] does) and its raw fields, for the refill.
pub struct Submitted<T>(pub T, pub Fields);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for Submitted<T> {
    type Rejection = axum::response::Response;
    async fn from_request(req: Request, st: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, super::FORM_LIMIT)
            .await
            .unwrap_or_default();
        let fields = Fields::parse(&bytes);
        let again = Request::from_parts(parts, axum::body::Body::from(bytes));
        let typed = match axum::Form::<T>::from_request(again, st).await {
            Ok(axum::Form(v)) => v,
            Err(_) => T::default(),
        };
        Ok(Submitted(typed, fields))
    }
}

/// What a refused form shows again. [`Refill::NONE`] for a page shown without a refusal.
pub struct Refill {
    /// The id of the form that was submitted.
    form: String,
    /// The submitted fields, secrets left out.
    fields: Vec<(String, String)>,
    message: Option<String>,
    /// The field the message concerns; none: the top of the form.
    field: Option<String>,
    status: StatusCode,
}

static EMPTY: Refill = Refill::NONE;

/// The form id of a refused action (see [`Refill::action`]).
const PAGE: &str = "page";

/// A field whose value is never shown back.
fn secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("password") || n.contains("secret")
}

impl Refill {
    pub const NONE: Refill = Refill {
        form: String::new(),
        fields: Vec::new(),
        message: None,
        field: None,
        status: StatusCode::OK,
    };

    /// The form `form` (its element id) as submitted, not yet refused.
    pub fn new(form: impl Into<String>, submitted: &Fields) -> Refill {
        Refill {
            form: form.into(),
            fields: submitted
                .0
                .iter()
                .filter(|(k, _)| !secret(k) && k != "csrf")
                .cloned()
                .collect(),
            ..Refill::NONE
        }
    }

    /// A refused action (a button without fields, e.g. disable or revoke): its message goes atop
    /// the page (`page_error`), since its row may be gone.
    pub fn action(lang: Lang, e: &AppError) -> Refill {
        Refill {
            form: PAGE.to_string(),
            ..Refill::NONE
        }
        .refused(lang, e, None)
    }

    /// Refused by `e`, beside `field` (none: at the top of the form), with the error's status.
    pub fn refused(self, lang: Lang, e: &AppError, field: Option<&str>) -> Refill {
        let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
        self.refused_with(e.message(lang == Lang::Zh), status, field)
    }

    /// Refused with a console-side message (a parse error the console words itself).
    pub fn refused_with(
        mut self,
        message: impl Into<String>,
        status: StatusCode,
        field: Option<&str>,
    ) -> Refill {
        self.message = Some(message.into());
        self.status = status;
        self.field = field.map(str::to_string);
        self
    }

    /// The status the page is answered with: 200 unless refused.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message, wherever it goes (for a page that could not show the form after all).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// This refill for the form with id `form`, an empty one for every other form of the page.
    pub fn on(&self, form: &str) -> &Refill {
        if self.form == form {
            self
        } else {
            &EMPTY
        }
    }

    /// Whether this form was submitted (and so shows what was typed instead of its defaults).
    pub fn submitted(&self) -> bool {
        !self.form.is_empty()
    }

    /// The submitted value of `name`, else `default` (a form not submitted; a secret).
    pub fn value(&self, name: &str, default: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| default.to_string())
    }

    /// Every submitted value of `name` (the boxes checked).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `value` was submitted for `name` (an option to select, a box to check).
    pub fn selected(&self, name: &str, value: &str) -> bool {
        self.fields.iter().any(|(k, v)| k == name && v == value)
    }

    fn concerns(&self, name: &str) -> bool {
        self.message.is_some() && self.field.as_deref() == Some(name)
    }

    fn error_id(&self, name: &str) -> String {
        format!("{}-{name}-error", self.form)
    }

    /// `aria-invalid` of the field `name`: `true` when the message concerns it.
    pub fn invalid(&self, name: &str) -> Option<&'static str> {
        self.concerns(name).then_some("true")
    }

    /// `aria-describedby` of the field `name`: the message's id when it concerns it.
    pub fn described_by(&self, name: &str) -> Option<String> {
        self.concerns(name).then(|| self.error_id(name))
    }

    /// The message beside the field `name`, when it concerns it.
    pub fn error_for(&self, name: &str) -> Markup {
        html! {
            @if self.concerns(name) {
                p.field-error id=(self.error_id(name)) role="alert" { (self.message.as_deref().unwrap_or_default()) }
            }
        }
    }

    /// The message of a refused action, atop the page.
    pub fn page_error(&self) -> Markup {
        html! {
            @if let (PAGE, Some(m)) = (self.form.as_str(), &self.message) {
                p.flash.error #page-error role="alert" { (m) }
            }
        }
    }

    /// The message at the top of the form, when it concerns no one field.
    pub fn form_error(&self) -> Markup {
        html! {
            @if let (Some(m), None) = (&self.message, &self.field) {
                p.flash.error.form-error id=(format!("{}-error", self.form)) role="alert" { (m) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn secrets_and_the_token_are_never_shown_back() {
        let f = fields(&[
            ("csrf", "tok"),
            ("login", "ann"),
            ("password", "pw1"),
            ("new_Password", "pw2"),
            ("client_secret", "s"),
        ]);
        let r = Refill::new("f", &f);
        assert_eq!(r.value("login", ""), "ann");
        for k in ["csrf", "password", "new_Password", "client_secret"] {
            assert_eq!(r.value(k, "-"), "-", "{k}");
        }
    }

    #[test]
    fn the_message_goes_beside_its_field_or_atop_the_form() {
        let f = fields(&[("amount", "12"), ("kind", "b")]);
        let r =
            Refill::new("fm", &f).refused_with("too much", StatusCode::CONFLICT, Some("amount"));
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(r.invalid("amount"), Some("true"));
        assert_eq!(r.invalid("kind"), None);
        assert_eq!(r.described_by("amount").as_deref(), Some("fm-amount-error"));
        let beside = r.error_for("amount").into_string();
        assert!(beside.contains(r#"id="fm-amount-error""#) && beside.contains("too much"));
        assert!(r.error_for("kind").into_string().is_empty());
        assert!(r.form_error().into_string().is_empty());
        assert!(r.selected("kind", "b") && !r.selected("kind", "a"));
        // Another form of the page shows its defaults and no message.
        assert_eq!(r.on("other").value("amount", "d"), "d");
        assert!(!r.on("other").selected("kind", "b"));
        assert!(r.on("fm").selected("kind", "b"));

        let top = Refill::new("fm", &f).refused_with("no", StatusCode::BAD_REQUEST, None);
        assert!(top.form_error().into_string().contains(r#"id="fm-error""#));
        assert!(top.error_for("amount").into_string().is_empty());
    }
}
