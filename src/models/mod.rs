//! Analysis models over the published features: the lifestyle typology and the hidden-hardship score.

pub mod analysis;
pub mod hardship;
pub mod typology;
