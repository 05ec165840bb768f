//! What the OpenAPI document says about requests where the handlers' own types cannot say it:
//! the handlers read most values as strings (so that a wrong type or value is a 422 naming
//! the field, with a sentence, rather than serde's syntax error), and these schema-only types
//! state what they accept: lengths, patterns, enums, required fields. The handlers stay the
//! truth; `tests/web/api/document.rs` checks these limits against the rules' constants, and
//! Schemathesis (`tests/web/api/schemathesis.rs`) that generated valid input is served.
//!
//! Decisions:
//! - A schema may be stricter than its handler, never looser: a pattern is ASCII where the
//!   handler also folds accented letters, a length in characters is the one that keeps a
//!   byte limit (`body`, the search `q`), an anchored pattern has no surrounding spaces the
//!   handler would trim. Input the schema refuses may still be served.
//! - Slugs are `^[a-z0-9]+(-[a-z0-9]+)*$` (at most 120 characters), as `Slug::parse` reads
//!   them.
//! - What no schema can know (a section, author or article that exists, the current
//!   revision) is in the descriptions; the test's fixture supplies it to Schemathesis.

#![allow(dead_code, reason = "schema-only types: the document's, never built")]

use serde::Deserialize;
use utoipa::ToSchema;

/// Who may read an article.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccessName {
    Free,
    Metered,
    Registered,
}

/// A staff role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Admin,
    Editor,
    Author,
    Contributor,
    Moderator,
}

/// The order of search results.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortName {
    Relevance,
    Newest,
}

/// A tag's name: at most 60 characters with a letter or digit, no comma or line break (a new
/// tag is made for a name not seen before).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(pattern = "^[^,\\n]{0,29}[A-Za-z0-9][^,\\n]{0,30}$")]
pub struct TagName(String);

/// An author's slug or name, as `GET /api/v1/authors` lists them (an author who is not there
/// is a 422): no comma or line break.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(pattern = "^[^,\\n]{1,200}$")]
pub struct AuthorName(String);

/// The fields every article request may name, after the ones given (`$head`).
macro_rules! article_request {
    ($(#[$meta:meta])* $name:ident { $($head:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($head)*
            #[schema(max_length = 60)]
            pub kicker: Option<String>,
            #[schema(max_length = 600)]
            pub standfirst: Option<String>,
            /// Markdown, at most 400,000 bytes (the schema's 100,000 characters always fit)
            /// and no more than 32 levels of nested quotes or lists.
            #[schema(max_length = 100000)]
            pub body: Option<String>,
            /// Tag names, at most 20.
            #[schema(max_items = 20)]
            pub tags: Option<Vec<TagName>>,
            /// Author slugs or names, in byline order, at most 10.
            #[schema(max_items = 10)]
            pub authors: Option<Vec<AuthorName>>,
            /// "Reported by …": shown instead of the author list.
            #[schema(max_length = 300)]
            pub byline: Option<String>,
            /// `metered` when a new article does not say.
            pub access: Option<AccessName>,
            pub breaking: Option<bool>,
            /// Made from the headline when absent; taken by another article is a 409.
            #[schema(max_length = 120, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
            pub slug: Option<String>,
            #[schema(max_length = 120)]
            pub seo_title: Option<String>,
            #[schema(max_length = 320)]
            pub seo_description: Option<String>,
        }
    };
}

/// The handler's type has the fields these schemas describe: a field added there fails this
/// destructuring until it is described here too.
const _: fn(crate::api::admin::articles::ArticleFields) =
    |crate::api::admin::articles::ArticleFields {
         revision: _,
         headline: _,
         kicker: _,
         standfirst: _,
         body: _,
         section: _,
         tags: _,
         authors: _,
         byline: _,
         access: _,
         breaking: _,
         slug: _,
         seo_title: _,
         seo_description: _,
     }| {};

article_request!(
    /// A new article (a draft): a headline and a section at least. There is no `revision`.
    NewArticle {
        /// At most 200 characters, with a letter or digit (the slug is made from it).
        #[schema(max_length = 200, pattern = "[A-Za-z0-9]", example = "Harbour crane lifts a record load")]
        pub headline: String,
        /// A section's slug, as `GET /api/v1/sections` lists them (another is a 422).
        #[schema(max_length = 120, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "city")]
        pub section: String,
    }
);

article_request!(
    /// A change to an article: the revision it was made from, and the fields to replace (the
    /// others are kept).
    ArticleChange {
        /// The article's current revision, from the last answer about it: another is a 409
        /// with the current one, and nothing changes.
        #[schema(minimum = 1, maximum = 9007199254740991.0)]
        pub revision: i64,
        /// At most 200 characters, with a letter or digit.
        #[schema(max_length = 200, pattern = "[A-Za-z0-9]")]
        pub headline: Option<String>,
        /// A section's slug, as `GET /api/v1/sections` lists them.
        #[schema(max_length = 120, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "city")]
        pub section: Option<String>,
    }
);

/// A new section, or a section's new values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionRequest {
    /// At most 80 characters, with a letter or digit (the slug is made from it).
    #[schema(max_length = 80, pattern = "[A-Za-z0-9]")]
    pub name: String,
    /// Made from the name when absent or empty; not one of the site's own top-level paths
    /// (`api`, `account`, `author`, `newsroom`, `search`, `tag`, …); taken is a 409.
    #[schema(max_length = 120, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// A new tag, or a tag's new values (tags have no description).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    /// At most 80 characters, with a letter or digit (the slug is made from it).
    #[schema(max_length = 80, pattern = "[A-Za-z0-9]")]
    pub name: String,
    /// Made from the name when absent or empty; taken is a 409.
    #[schema(max_length = 120, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
}
