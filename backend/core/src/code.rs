//! Values stored and sent as a fixed text code (`"in_service"`, `"government_staff"`): the enums of
//! statuses, kinds and roles. The database layer stores any [`Code`] as text through one mapping
//! (`seika_db::Coded`), so a row holds the enum, never a string to compare with literals.

/// An enum with one stable text code per variant, the same in the database and on the wire.
pub trait Code: Copy + Sized + Send + Sync + std::fmt::Debug + 'static {
    /// Every variant, in their order of declaration.
    const ALL: &'static [Self];

    /// The code of this variant.
    fn code(self) -> &'static str;

    /// The variant with this code, if any.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|x| x.code() == code)
    }
}

/// Implements [`Code`] for enums that have an `ALL` array and an `as_str` method.
macro_rules! by_as_str {
    ($($t:ty),* $(,)?) => {$(
        impl Code for $t {
            const ALL: &'static [Self] = &<$t>::ALL;
            fn code(self) -> &'static str {
                self.as_str()
            }
        }
    )*};
}

by_as_str!(
    crate::project::ProjectStatus,
    crate::project::PolicyArea,
    crate::user::Role,
    crate::organization::OrganizationKind,
    crate::access::PartyRole,
    crate::access::PartyStatus,
    crate::claim::ClaimStatus,
    crate::review::ReviewStatus,
    crate::job::JobKind,
    crate::job::JobStatus,
    crate::outcomes::OutcomeKind,
);

#[cfg(test)]
mod tests {
    use super::Code;
    use crate::project::ProjectStatus;
    use crate::user::Role;

    #[test]
    fn codes_round_trip_and_are_the_serde_names() {
        fn check<T: Code + serde::Serialize + PartialEq>() {
            for value in T::ALL {
                assert_eq!(T::from_code(value.code()), Some(*value));
                assert_eq!(
                    serde_json::to_value(value).unwrap(),
                    serde_json::Value::String(value.code().to_owned())
                );
            }
            assert_eq!(T::from_code("no such code"), None);
        }
        check::<ProjectStatus>();
        check::<Role>();
        check::<crate::project::PolicyArea>();
        check::<crate::organization::OrganizationKind>();
        check::<crate::access::PartyRole>();
        check::<crate::access::PartyStatus>();
        check::<crate::claim::ClaimStatus>();
        check::<crate::review::ReviewStatus>();
        check::<crate::job::JobKind>();
        check::<crate::job::JobStatus>();
        check::<crate::outcomes::OutcomeKind>();
    }
}
