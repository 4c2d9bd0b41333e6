//! Budget lines (appropriations per fiscal year and account) and multi-year commitments
//! (債務負担行為) of a project.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{budget_lines, debt_commitments};
use super::{DbConn, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = budget_lines)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct BudgetLineRow {
    pub id: i64,
    pub project_id: i64,
    pub fiscal_year: i32,
    pub account: String,
    pub code: String,
    pub appropriation_minor: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = debt_commitments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CommitmentRow {
    pub id: i64,
    pub project_id: i64,
    pub item: String,
    pub from_fiscal_year: i32,
    pub to_fiscal_year: i32,
    pub total_limit_minor: i64,
    pub yearly_limits: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn lines(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<BudgetLineRow>> {
    budget_lines::table
        .filter(budget_lines::project_id.eq(project_id))
        .order((budget_lines::fiscal_year.asc(), budget_lines::id.asc()))
        .select(BudgetLineRow::as_select())
        .load(conn)
}

pub fn commitments(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<CommitmentRow>> {
    debt_commitments::table
        .filter(debt_commitments::project_id.eq(project_id))
        .order(debt_commitments::id.asc())
        .select(CommitmentRow::as_select())
        .load(conn)
}

/// Adds a budget line; the same year, account and code twice fails on the unique key.
pub fn insert_line(
    conn: &mut DbConn,
    project_id: i64,
    fiscal_year: i32,
    account: &str,
    code: &str,
    appropriation_minor: i64,
    created_by: i64,
) -> QueryResult<()> {
    diesel::insert_into(budget_lines::table)
        .values((
            budget_lines::project_id.eq(project_id),
            budget_lines::fiscal_year.eq(fiscal_year),
            budget_lines::account.eq(account),
            budget_lines::code.eq(code),
            budget_lines::appropriation_minor.eq(appropriation_minor),
            budget_lines::created_by.eq(created_by),
            budget_lines::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "one argument per column")]
pub fn insert_commitment(
    conn: &mut DbConn,
    project_id: i64,
    item: &str,
    from_fiscal_year: i32,
    to_fiscal_year: i32,
    total_limit_minor: i64,
    yearly_limits: &str,
    created_by: i64,
) -> QueryResult<()> {
    diesel::insert_into(debt_commitments::table)
        .values((
            debt_commitments::project_id.eq(project_id),
            debt_commitments::item.eq(item),
            debt_commitments::from_fiscal_year.eq(from_fiscal_year),
            debt_commitments::to_fiscal_year.eq(to_fiscal_year),
            debt_commitments::total_limit_minor.eq(total_limit_minor),
            debt_commitments::yearly_limits.eq(yearly_limits),
            debt_commitments::created_by.eq(created_by),
            debt_commitments::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
