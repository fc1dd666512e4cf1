//! The catalogue's names of the service and resource types a console list carries as codes, in
//! the page's language (`catalog::type_names`: one query for each kind, whatever the number of
//! rows); a code the catalogue does not know shows as itself.

use maud::{html, Markup};
use pc_app::services::catalog::{self, TypeNames};
use pc_app::AppResult;

use super::i18n::Lang;
use crate::state::AppState;

pub(super) struct TypeLabels {
    services: TypeNames,
    resources: TypeNames,
    en: bool,
}

impl TypeLabels {
    /// The names of the `(service type, resource type)` codes of a page's rows (an empty code
    /// asks for nothing).
    pub(super) async fn load<'a>(
        st: &AppState,
        lang: Lang,
        codes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> AppResult<TypeLabels> {
        let (services, resources): (Vec<&str>, Vec<&str>) = codes.into_iter().unzip();
        let services: Vec<&str> = services.into_iter().filter(|c| !c.is_empty()).collect();
        let resources: Vec<&str> = resources.into_iter().filter(|c| !c.is_empty()).collect();
        let (services, resources) =
            catalog::type_names(st.db.read(), &services, &resources).await?;
        Ok(TypeLabels {
            services,
            resources,
            en: lang == Lang::En,
        })
    }

    /// A service type's name (its code on hover).
    pub(super) fn service(&self, code: &str) -> Markup {
        label(&self.services, code, self.en)
    }

    /// A resource type's name (its code on hover).
    pub(super) fn resource(&self, code: &str) -> Markup {
        label(&self.resources, code, self.en)
    }
}

fn label(names: &TypeNames, code: &str, en: bool) -> Markup {
    match catalog::type_name(names, code, en) {
        Some(name) => html! { span.type-name title=(code) data-code=(code) { (name) } },
        None => html! { code { (code) } },
    }
}
