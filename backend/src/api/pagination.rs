//! `?page=&per_page=` on every list, and the list envelope.

use seika_core::msg;
use serde::{Deserialize, Serialize};

use super::error::AppError;

pub const MAX_PER_PAGE: i64 = 200;

#[derive(Debug, Clone, Copy, Default, Deserialize, schemars::JsonSchema)]
pub struct PageParams {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl PageParams {
    /// (limit, offset), or a 422 naming the bad parameter.
    pub fn limit_offset(self) -> Result<(i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if page < 1 {
            return Err(AppError::validation(
                "page",
                msg!(
                    "page.number",
                    "a page number of 1 or more",
                    "1 以上のページ番号"
                ),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(AppError::validation(
                "per_page",
                msg!(
                    "page.size",
                    "a page size from 1 to {MAX_PER_PAGE}",
                    "1〜{MAX_PER_PAGE} のページサイズ"
                ),
            ));
        }
        let offset = (page - 1).checked_mul(per_page).ok_or_else(|| {
            AppError::validation(
                "page",
                msg!(
                    "page.beyond",
                    "a smaller page number",
                    "もっと小さいページ番号"
                ),
            )
        })?;
        Ok((per_page, offset))
    }
}

/// One page of a list.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Page_of_{T}")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, (limit, offset): (i64, i64), total: i64) -> Self {
        Page {
            items,
            page: offset / limit + 1,
            per_page: limit,
            total,
        }
    }
}
