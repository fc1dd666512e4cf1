//! Who is who: partner types, roles, and the distributor → reseller tree rule.

use serde::{Deserialize, Serialize};

/// The kinds of partner the programme knows (seed: 总经销商 / 云经销商 / 顾问销售 / 解决方案 / 云商店).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerType {
    /// Master distributor (总经销商 / 一级经销商): may have resellers beneath it.
    Distributor,
    /// Cloud reseller (云经销商 / 二级经销商): always beneath one distributor.
    Reseller,
    /// Consulting-sales partner (顾问销售).
    Consulting,
    /// Solution partner.
    Solution,
    /// Marketplace seller (云商店).
    Marketplace,
}

impl PartnerType {
    pub const ALL: [PartnerType; 5] = [
        PartnerType::Distributor,
        PartnerType::Reseller,
        PartnerType::Consulting,
        PartnerType::Solution,
        PartnerType::Marketplace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerType::Distributor => "distributor",
            PartnerType::Reseller => "reseller",
            PartnerType::Consulting => "consulting",
            PartnerType::Solution => "solution",
            PartnerType::Marketplace => "marketplace",
        }
    }

    pub fn parse(s: &str) -> Option<PartnerType> {
        PartnerType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The tree rule: a reseller must sit under a distributor; no other type has a parent.
    pub fn check_parent(self, parent: Option<PartnerType>) -> Result<(), TreeError> {
        match (self, parent) {
            (PartnerType::Reseller, Some(PartnerType::Distributor)) => Ok(()),
            (PartnerType::Reseller, Some(_)) => Err(TreeError::ParentNotDistributor),
            (PartnerType::Reseller, None) => Err(TreeError::ResellerNeedsParent),
            (_, Some(_)) => Err(TreeError::OnlyResellersHaveParents),
            (_, None) => Ok(()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("a reseller must be created under a master distributor (--parent)")]
    ResellerNeedsParent,
    #[error("the parent of a reseller must be a master distributor")]
    ParentNotDistributor,
    #[error("only resellers have a parent partner")]
    OnlyResellersHaveParents,
}

impl TreeError {
    /// The detail in Chinese (`Display` is the English one).
    pub fn zh(self) -> &'static str {
        match self {
            TreeError::ResellerNeedsParent => "云经销商必须创建在总经销商之下（--parent）。",
            TreeError::ParentNotDistributor => "云经销商的上级必须是总经销商。",
            TreeError::OnlyResellersHaveParents => "只有云经销商有上级伙伴。",
        }
    }
}

/// Console roles (docs/ARCHITECTURE.md, Security).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    PartnerAdmin,
    PartnerStaff,
    Customer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::PartnerAdmin => "partner_admin",
            Role::PartnerStaff => "partner_staff",
            Role::Customer => "customer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Operator,
            Role::PartnerAdmin,
            Role::PartnerStaff,
            Role::Customer,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    pub fn is_partner(self) -> bool {
        matches!(self, Role::PartnerAdmin | Role::PartnerStaff)
    }
}

/// Association types on the wire (`association_type`): 1 consulting sales (顾问销售), 2 resale (代售).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssociationType {
    Consulting,
    Resale,
}

impl AssociationType {
    pub fn code(self) -> i64 {
        match self {
            AssociationType::Consulting => 1,
            AssociationType::Resale => 2,
        }
    }
    pub fn from_code(c: i64) -> Option<Self> {
        match c {
            1 => Some(AssociationType::Consulting),
            2 => Some(AssociationType::Resale),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AssociationType::Consulting => "consulting",
            AssociationType::Resale => "resale",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "consulting" | "1" => Some(AssociationType::Consulting),
            "resale" | "2" => Some(AssociationType::Resale),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_rule() {
        use PartnerType::*;
        assert!(Reseller.check_parent(Some(Distributor)).is_ok());
        assert_eq!(
            Reseller.check_parent(None),
            Err(TreeError::ResellerNeedsParent)
        );
        assert_eq!(
            Reseller.check_parent(Some(Consulting)),
            Err(TreeError::ParentNotDistributor)
        );
        assert_eq!(
            Distributor.check_parent(Some(Distributor)),
            Err(TreeError::OnlyResellersHaveParents)
        );
        for t in PartnerType::ALL {
            assert_eq!(PartnerType::parse(t.as_str()), Some(t));
        }
    }
}
