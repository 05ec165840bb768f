//! Feeds, sitemaps, social cards and structured data (issue 18), checked by the tools the
//! outside world reads them with: Python's `feedparser`, `xml.etree` and `extruct`
//! (`check.py`, run as a subprocess by [`tools`]).

mod icons;
mod rss_atom;
mod sitemaps;
mod social;
mod tools;
mod websub;
