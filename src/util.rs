//! Small helpers every layer shares. A leaf: it depends on nothing.

use std::borrow::Cow;

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Text a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab or
/// CR first) with a leading `'`: every CSV a person may open in Excel
/// (rejected rows, 別紙) writes its cells through this.
pub fn no_formula(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// A closed set of names (a source, a report, a section, a format): an enum
/// whose variants are spelled as in the configuration, read by serde with an
/// error that lists the known names, written back as the same name.
///
/// ```
/// hokoku::closed_set! {
///     /// A colour.
///     pub enum Colour { Red = "red", Blue = "blue" }
/// }
/// assert_eq!(Colour::parse("red"), Some(Colour::Red));
/// assert_eq!(Colour::Blue.as_str(), "blue");
/// assert_eq!(Colour::NAMES, &["red", "blue"]);
/// ```
#[macro_export]
macro_rules! closed_set {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name { $($(#[$vm])* $variant),* }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// Every member's name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($code),*];
            /// The name as written in configuration and outputs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
            /// The member of a name.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} {:?} (known: {})",
                        $crate::util::words(stringify!($name)),
                        s,
                        $name::NAMES.join(", ")
                    ))
                })
            }
        }
    };
}

/// `SourceId` → `source id`: a type name in words, for messages.
pub fn words(type_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in type_name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}
