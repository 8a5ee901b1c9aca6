//! The catalogue of readers a site configured: the `[sources.<source>]`
//! options of site.toml checked against the registered sources and formats,
//! and the mapping profiles of `<config>/profiles/` compiled. Everything
//! [`super::load`] needs from the configuration, checked once, every problem
//! collected.

use super::{formats, profile, SOURCES};
use crate::config::{Config, SourceOptions};
use std::collections::BTreeMap;

/// What reads which file.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Mapping profiles by name.
    pub profiles: BTreeMap<String, profile::Profile>,
    /// `[sources.<source>]` options by source.
    pub sources: BTreeMap<String, SourceOptions>,
    /// `[privacy] keep_raw_rejected`: rejected rows keep their raw text.
    pub keep_raw_rejected: bool,
}

impl Catalogue {
    /// Compile the catalogue of `cfg`, failing with every problem.
    pub fn compile(cfg: &Config) -> Result<Catalogue, Vec<String>> {
        match Catalogue::compile_lenient(cfg) {
            (c, e) if e.is_empty() => Ok(c),
            (_, e) => Err(e),
        }
    }

    /// [`Catalogue::compile`], keeping what compiled beside the problems.
    pub fn compile_lenient(cfg: &Config) -> (Catalogue, Vec<String>) {
        let mut errors = Vec::new();
        let profiles = profile::compile_all(&cfg.profiles, &mut errors);
        let at = |key: &str| format!("{}: {key}", cfg.dir.join("site.toml").display());
        for (name, opts) in &cfg.site.sources {
            if !SOURCES.iter().any(|s| s.spec.name == name) {
                errors.push(format!("{}: unknown source {name:?}", at("sources")));
                continue;
            }
            for (i, f) in opts.files.iter().enumerate() {
                let key = at(&format!("sources.{name}.files[{i}]"));
                errors.extend(
                    check_file_set(name, f, &profiles)
                        .into_iter()
                        .map(|e| format!("{key}: {e}")),
                );
            }
        }
        let cat = Catalogue {
            profiles,
            sources: cfg.site.sources.clone(),
            keep_raw_rejected: cfg.site.privacy.keep_raw_rejected,
        };
        (cat, errors)
    }
}

/// Check one `[[sources.<source>.files]]` entry against the formats and
/// profiles.
pub fn check_file_set(
    source: &str,
    f: &crate::config::FileSet,
    profiles: &BTreeMap<String, profile::Profile>,
) -> Vec<String> {
    let mut e = Vec::new();
    if let Err(err) = glob::Pattern::new(&f.glob) {
        e.push(format!("glob {:?}: {err}", f.glob));
    }
    if f.glob.starts_with('/') || f.glob.split('/').any(|c| c == "..") {
        e.push(format!(
            "glob {:?} must stay under the inputs folder",
            f.glob
        ));
    }
    match (&f.format, &f.profile) {
        (Some(_), Some(_)) => e.push("give format or profile, not both".into()),
        (Some(fm), None) if fm != "auto" && fm != "canonical" => match formats::find(fm) {
            None => e.push(format!(
                "unknown format {fm:?} (auto, canonical, {})",
                formats::FORMATS
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(a) if a.source != source => {
                e.push(format!("format {fm} reads {}, not {source}", a.source))
            }
            Some(_) => {}
        },
        (None, Some(p)) => match profiles.get(p) {
            None => e.push(format!(
                "unknown profile {p:?} (profiles: {})",
                profiles.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Some(pr) if pr.source.name != source => {
                e.push(format!("profile {p} maps {}, not {source}", pr.source.name))
            }
            Some(_) => {}
        },
        _ => {}
    }
    if let Some(z) = &f.timezone {
        if z.parse::<chrono_tz::Tz>().is_err() {
            e.push(format!("unknown time zone {z:?}"));
        }
    }
    if let Some(c) = &f.covers {
        if c != "name" {
            e.push(format!(
                "covers = {c:?}: the only rule is \"name\" (the date or month in the file name)"
            ));
        }
    }
    e
}
