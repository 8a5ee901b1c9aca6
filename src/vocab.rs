//! The closed vocabularies of the specification (inputs.md) that both the
//! configuration and the readers name: the canonical codes and the other
//! spellings an export may use. A leaf: it depends on nothing.

/// One allowed value of an enumerated column, with its accepted spellings.
#[derive(Debug)]
pub struct EnumValue {
    /// Canonical code stored in the typed frame (e.g. `failed`).
    pub code: &'static str,
    /// Other accepted spellings, compared after trimming; ASCII case-insensitive.
    pub aliases: &'static [&'static str],
}

/// Shorthand for an enum value.
pub const fn ev(code: &'static str, aliases: &'static [&'static str]) -> EnumValue {
    EnumValue { code, aliases }
}

/// Ticket kinds (SLA targets and cost rates name them).
pub const TICKET_KINDS: &[EnumValue] = &[
    ev("incident", &["インシデント"]),
    ev("inquiry", &["問い合わせ", "問合せ"]),
    ev("request", &["サービス要求"]),
    ev("problem", &["問題"]),
    ev("change", &["変更"]),
    ev("release", &["リリース"]),
    ev("config", &["構成管理"]),
];
