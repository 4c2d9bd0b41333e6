//! Duties that must be held by different people, as the database keeps them apart (migration
//! `duties`): its triggers raise a duty's code, and the service answers that duty's message.

use crate::message::Msg;
use crate::msg;

/// Two steps one person may not both take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Entering (or importing) outcome data, and verifying or rejecting it.
    EntererVerifies,
    /// Preparing a claim, and inspecting it (検査).
    ClaimPreparerInspects,
    /// Supervising the contract's performance (監督: running the payout a claim rests on), and
    /// inspecting the claim.
    SupervisorInspects,
    /// Inspecting and accepting a claim, and recording its payment.
    InspectorPays,
}

impl Duty {
    pub const ALL: [Duty; 4] = [
        Duty::EntererVerifies,
        Duty::ClaimPreparerInspects,
        Duty::SupervisorInspects,
        Duty::InspectorPays,
    ];

    /// The refusal a person reads, with the code the database raises.
    pub fn message(self) -> Msg {
        match self {
            Duty::EntererVerifies => msg!(
                "duty.enterer_verifies",
                "four-eyes rule: a record is verified by someone other than the person who entered it",
                "職務の分離: 記録を入力した人以外が確認します"
            ),
            Duty::ClaimPreparerInspects => msg!(
                "duty.claim_preparer_inspects",
                "four eyes: the person who prepared a claim does not inspect it",
                "職務の分離: 請求を作成した人はその請求を検査できません"
            ),
            Duty::SupervisorInspects => msg!(
                "duty.supervisor_inspects",
                "監督 and 検査 are kept apart: the person who ran the payout this claim rests on does not inspect it; another member of staff inspects",
                "監督と検査の分離: この請求のもとになった支払額の算定を行った人は検査できません。別の職員が検査してください"
            ),
            Duty::InspectorPays => msg!(
                "duty.inspector_pays",
                "the inspector who accepted a claim does not record its payment; another member of staff records it",
                "請求を検査して受理した人は支払を記録できません。別の職員が記録してください"
            ),
        }
    }

    /// The duty whose code a database refusal carries (`duty.inspector_pays`).
    pub fn from_code(text: &str) -> Option<Duty> {
        Duty::ALL
            .into_iter()
            .find(|d| text.trim() == d.message().code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_duty_is_found_by_its_code_and_nothing_else_is() {
        for duty in Duty::ALL {
            assert_eq!(Duty::from_code(duty.message().code), Some(duty));
        }
        assert_eq!(Duty::from_code("duty.unknown"), None);
        assert_eq!(Duty::from_code("CHECK constraint failed"), None);
    }
}
