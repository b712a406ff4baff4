//! `#[label(rename_all = "...")]`: the eight rules serde's `rename_all` applies to enum
//! variants (serde_derive/src/internals/case.rs), with the same names and the same output,
//! so a label reads like the JSON of the same enum.
//!
//! The input is a variant name as written, `PascalCase` by convention; like serde, the rules
//! change ASCII letters only. (Where serde's `camelCase` would panic, on a variant starting
//! with a non-ASCII letter, this one keeps the letter.)

/// One `rename_all` rule.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

/// Each rule under the name it is written with, in serde's order.
const RULES: [(&str, RenameRule); 8] = [
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("PascalCase", RenameRule::Pascal),
    ("camelCase", RenameRule::Camel),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    /// The rule written `name`, if there is one.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        RULES
            .iter()
            .find(|(written, _)| *written == name)
            .map(|(_, rule)| *rule)
    }

    /// Every rule's name, quoted, for an error message.
    pub(crate) fn names() -> String {
        RULES
            .iter()
            .map(|(name, _)| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `variant` (a `PascalCase` variant name) under this rule.
    pub(crate) fn apply(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_lowercase().to_string() + chars.as_str()
                })
            }
            RenameRule::Snake => {
                // An underscore before every uppercase letter but the first.
                let mut snake = String::with_capacity(variant.len() + 4);
                for (i, c) in variant.char_indices() {
                    if i > 0 && c.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                snake
            }
            RenameRule::ScreamingSnake => RenameRule::Snake.apply(variant).to_ascii_uppercase(),
            RenameRule::Kebab => RenameRule::Snake.apply(variant).replace('_', "-"),
            RenameRule::ScreamingKebab => {
                RenameRule::ScreamingSnake.apply(variant).replace('_', "-")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first four rows are serde's own test of its variant rules.
    #[test]
    fn rules() {
        let table: [(&str, [&str; 8]); 6] = [
            // original, lower, UPPER, Pascal, camel, snake, SCREAMING_SNAKE, kebab, SCREAMING-KEBAB
            (
                "Outcome",
                [
                    "outcome", "OUTCOME", "Outcome", "outcome", "outcome", "OUTCOME", "outcome",
                    "OUTCOME",
                ],
            ),
            (
                "VeryTasty",
                [
                    "verytasty",
                    "VERYTASTY",
                    "VeryTasty",
                    "veryTasty",
                    "very_tasty",
                    "VERY_TASTY",
                    "very-tasty",
                    "VERY-TASTY",
                ],
            ),
            ("A", ["a", "A", "A", "a", "a", "A", "a", "A"]),
            (
                "Z42",
                ["z42", "Z42", "Z42", "z42", "z42", "Z42", "z42", "Z42"],
            ),
            // Acronyms are split per letter, as serde does.
            (
                "HTTPError",
                [
                    "httperror",
                    "HTTPERROR",
                    "HTTPError",
                    "hTTPError",
                    "h_t_t_p_error",
                    "H_T_T_P_ERROR",
                    "h-t-t-p-error",
                    "H-T-T-P-ERROR",
                ],
            ),
            // Non-ASCII letters are kept as they are (and never split).
            (
                "ÉtatPlein",
                [
                    "Étatplein",
                    "ÉTATPLEIN",
                    "ÉtatPlein",
                    "ÉtatPlein",
                    "État_plein",
                    "ÉTAT_PLEIN",
                    "État-plein",
                    "ÉTAT-PLEIN",
                ],
            ),
        ];
        for (original, expected) in table {
            for ((_, rule), expected) in RULES.iter().zip(expected) {
                assert_eq!(rule.apply(original), expected, "{rule:?} of {original}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for (name, rule) in RULES {
            assert_eq!(RenameRule::from_name(name), Some(rule));
        }
        assert_eq!(RenameRule::from_name("Snake_Case"), None);
        assert!(RenameRule::names().starts_with("\"lowercase\", \"UPPERCASE\""));
    }
}
