//! Any [`Code`] enum stored as text, on both backends: one `ToSql`/`FromSql` pair instead of a
//! string per row field (vaultwarden's pattern, made generic). Rows read the enum directly with
//! `#[diesel(deserialize_as = Coded<T>)]`; a text the enum does not know fails the read, naming
//! the type and the text, instead of travelling on as a string.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use seika_core::code::Code;

use crate::MultiBackend;

/// `T` as the database holds it: its code, as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Coded<T: Code>(pub T);

impl<T: Code> From<T> for Coded<T> {
    fn from(value: T) -> Self {
        Coded(value)
    }
}

/// Rows hold the enum itself, read through `Coded` (`#[diesel(deserialize_as = Coded<T>)]`
/// wants `Coded<T>: Into<T>`, which the orphan rule lets this crate say per type, not for all).
macro_rules! into_enum {
    ($($t:ty),* $(,)?) => {$(
        impl From<Coded<$t>> for $t {
            fn from(coded: Coded<$t>) -> Self {
                coded.0
            }
        }
    )*};
}

into_enum!(
    seika_core::project::ProjectStatus,
    seika_core::project::PolicyArea,
    seika_core::user::Role,
    seika_core::organization::OrganizationKind,
    seika_core::access::PartyRole,
    seika_core::access::PartyStatus,
    seika_core::claim::ClaimStatus,
    seika_core::review::ReviewStatus,
    seika_core::job::JobKind,
    seika_core::job::JobStatus,
    seika_core::outcomes::OutcomeKind,
);

fn decode<T: Code>(text: &str) -> deserialize::Result<Coded<T>> {
    T::from_code(text).map(Coded).ok_or_else(|| {
        format!(
            "{text:?} is not a code of {}",
            std::any::type_name::<T>()
                .rsplit("::")
                .next()
                .unwrap_or("the enum")
        )
        .into()
    })
}

impl<T: Code> FromSql<Text, Sqlite> for Coded<T> {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        decode(&text)
    }
}

impl<T: Code> FromSql<Text, Pg> for Coded<T> {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        decode(&text)
    }
}

impl<T: Code> ToSql<Text, Sqlite> for Coded<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.code());
        Ok(IsNull::No)
    }
}

impl<T: Code> ToSql<Text, Pg> for Coded<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.0.code(), &mut out.reborrow())
    }
}

impl<T: Code> FromSql<Text, MultiBackend> for Coded<T> {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Text>()
    }
}

impl<T: Code> ToSql<Text, MultiBackend> for Coded<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Text, self));
        Ok(IsNull::No)
    }
}
