//! The index on a small corpus written for these tests: expected top results for a dozen
//! queries, filters, ordering, pagination, spelling, snippets and the wall, related articles,
//! and rebuilding while the old index is open.

use masthead_search::{
    IndexDoc, ParsedQuery, Rebuild, SearchIndex, SearchLanguage, SearchOptions, SearchRequest,
    SortOrder,
};

const DAY: i64 = 86_400_000;
/// 2026-03-01T00:00:00Z
const T0: i64 = 1_772_323_200_000;

struct A {
    slug: &'static str,
    section: &'static str,
    author: &'static str,
    headline: &'static str,
    standfirst: &'static str,
    body: &'static str,
    tags: &'static [&'static str],
    day: i64,
    free: bool,
}

const CORPUS: &[A] = &[
    A {
        slug: "tram-line-extension",
        section: "city",
        author: "ana",
        headline: "Tram line to reach the eastern docks by 2028",
        standfirst: "The council approved a four-kilometre extension of the number 9 tram.",
        body: "Councillors voted to extend the number 9 tram to the eastern docks.\nConstruction starts next spring and will close two streets.\nShopkeepers on Rua Nova fear a year of lost trade during the works.",
        tags: &["Transport", "Council"],
        day: 1,
        free: true,
    },
    A {
        slug: "night-trams",
        section: "city",
        author: "tom",
        headline: "Night trams return on weekends",
        standfirst: "Service runs until 3am on Fridays and Saturdays.",
        body: "After a two-year pause, night trams are back.\nThe operator hired twelve drivers for the late shifts.\nRiders asked for the service in a survey last autumn.",
        tags: &["Transport"],
        day: 5,
        free: true,
    },
    A {
        slug: "harbour-crane-record",
        section: "city",
        author: "ana",
        headline: "Harbour crane lifts a record load",
        standfirst: "A 180-tonne hull section swung into place at Quay 4.",
        body: "The new crane lifted a hull section weighing 180 tonnes.\nThe harbour master said the lift went smoothly.\nDockworkers watched from the quay as the section was lowered.",
        tags: &["Harbour"],
        day: 3,
        free: true,
    },
    A {
        slug: "harbour-dredging",
        section: "city",
        author: "tom",
        headline: "Dredging deepens the harbour channel",
        standfirst: "Larger cargo ships will be able to dock from June.",
        body: "Dredgers removed sand from the harbour channel for six weeks.\nThe channel is now fourteen metres deep.\nShipping lines welcomed the work; fishermen complained about the noise.",
        tags: &["Harbour"],
        day: 8,
        free: false,
    },
    A {
        slug: "derby-late-goal",
        section: "sport",
        author: "rui",
        headline: "Athletic win the derby with a late goal",
        standfirst: "A header in the ninetieth minute settled it.",
        body: "Athletic beat United two goals to one in the city derby.\nThe winning header came from a corner in the ninetieth minute.\nThe goalkeeper had kept United level for most of the second half.",
        tags: &["Football"],
        day: 2,
        free: true,
    },
    A {
        slug: "marathon-record",
        section: "sport",
        author: "rui",
        headline: "Marathon course record falls in the rain",
        standfirst: "The winner finished in two hours and six minutes.",
        body: "Heavy rain did not slow the leaders of the city marathon.\nThe course record fell by forty seconds.\nVolunteers handed out ponchos at the finish line.",
        tags: &["Athletics"],
        day: 9,
        free: true,
    },
    A {
        slug: "budget-schools",
        section: "politics",
        author: "ana",
        headline: "Budget puts more money into schools",
        standfirst: "Teachers' unions called the increase a first step.",
        body: "The city budget for next year raises spending on schools by eight percent.\nMost of the money will repair roofs and heating.\nThe opposition said the budget ignores the tram works' cost to shopkeepers.",
        tags: &["Council", "Education"],
        day: 4,
        free: false,
    },
    A {
        slug: "mayor-interview",
        section: "politics",
        author: "tom",
        headline: "The mayor on housing, trams and the harbour",
        standfirst: "An interview about the next four years.",
        body: "The mayor wants ten thousand new homes by the end of her term.\nShe defended the tram extension and the harbour dredging.\nSecret plans for a stadium were, she said, only a rumour.",
        tags: &["Housing", "Council"],
        day: 10,
        free: false,
    },
    A {
        slug: "cafe-culture",
        section: "culture",
        author: "ines",
        headline: "Café culture returns to the old town",
        standfirst: "Terraces are full again on the Praça.",
        body: "The cafés of the old town have put their terraces back.\nOwners say tourists and locals both came back this year.\nA pastry shop opened its third café on the square.",
        tags: &["Food"],
        day: 6,
        free: true,
    },
    A {
        slug: "jazz-festival",
        section: "culture",
        author: "ines",
        headline: "Jazz festival fills the harbour warehouses",
        standfirst: "Forty concerts over four nights.",
        body: "The jazz festival moved into two empty harbour warehouses.\nThe acoustics surprised the musicians.\nTickets for the closing concert sold out in an hour.",
        tags: &["Music", "Harbour"],
        day: 7,
        free: true,
    },
    A {
        slug: "housing-prices",
        section: "politics",
        author: "ana",
        headline: "Housing prices climb for a fifth year",
        standfirst: "Rents rose faster than wages again.",
        body: "Average rents in the city rose nine percent last year.\nYoung families are moving to the suburbs.\nThe council promised new social housing near the eastern docks.",
        tags: &["Housing"],
        day: 11,
        free: true,
    },
    A {
        slug: "library-reopens",
        section: "culture",
        author: "ines",
        headline: "Central library reopens after renovation",
        standfirst: "A new children's floor and longer hours.",
        body: "The central library reopened after two years of renovation.\nThe children's floor has a reading garden.\nOpening hours now run until ten at night.",
        tags: &["Books"],
        day: 12,
        free: true,
    },
];

fn docs() -> Vec<IndexDoc> {
    CORPUS
        .iter()
        .map(|a| IndexDoc {
            id: format!("id-{}", a.slug),
            url: format!("/{}/{}", a.section, a.slug),
            headline: a.headline.into(),
            standfirst: a.standfirst.into(),
            body_text: a.body.into(),
            section_slug: a.section.into(),
            section_name: a.section.to_uppercase(),
            authors: vec![(a.author.into(), format!("Author {}", a.author))],
            tags: a.tags.iter().map(|t| t.to_string()).collect(),
            published_at: T0 + a.day * DAY,
            updated_at: T0 + a.day * DAY,
            free: a.free,
            registered_only: false,
            // The first two paragraphs, as the web layer cuts them for these bodies.
            lead_in: a.body.lines().take(2).collect::<Vec<_>>().join("\n"),
        })
        .collect()
}

fn build(dir: &std::path::Path, options: &SearchOptions) {
    let mut r = Rebuild::start(dir, options, 1).unwrap();
    for d in docs() {
        r.add(&d).unwrap();
    }
    let (info, size) = r.finish().unwrap();
    assert_eq!(info.documents, CORPUS.len() as u64);
    assert!(size > 0);
}

fn index() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let options = SearchOptions::default();
    build(dir.path(), &options);
    let index = SearchIndex::open(dir.path(), &options).unwrap();
    (dir, index)
}

fn req(q: &str) -> SearchRequest {
    SearchRequest {
        query: ParsedQuery::parse(q).unwrap(),
        scope: masthead_search::Scope::Public,
        section: None,
        author: None,
        from_ms: None,
        until_ms: None,
        sort: SortOrder::Relevance,
        page: 1,
        per_page: 10,
    }
}

fn slugs(index: &SearchIndex, r: &SearchRequest) -> Vec<String> {
    index
        .search(r)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.url.rsplit('/').next().unwrap().to_owned())
        .collect()
}

#[test]
fn a_dozen_queries_find_what_a_reader_expects_first() {
    let (_dir, index) = index();
    let expected = [
        ("tram", "tram-line-extension"),
        ("night trams", "night-trams"),
        ("crane", "harbour-crane-record"),
        ("dredging", "harbour-dredging"),
        ("derby goal", "derby-late-goal"),
        ("marathon rain", "marathon-record"),
        ("schools budget", "budget-schools"),
        ("mayor", "mayor-interview"),
        ("cafe", "cafe-culture"),
        ("jazz", "jazz-festival"),
        ("rents", "housing-prices"),
        ("library", "library-reopens"),
        // Stemming: "lifting" finds "lifted"/"lifts"; the headline outranks the body.
        ("lifting", "harbour-crane-record"),
        // A tag name is searched too ("Food" is only a tag).
        ("food", "cafe-culture"),
    ];
    for (q, first) in expected {
        let got = slugs(&index, &req(q));
        assert_eq!(
            got.first().map(String::as_str),
            Some(first),
            "query {q:?} gave {got:?}"
        );
    }
}

#[test]
fn headline_matches_outrank_body_matches() {
    let (_dir, index) = index();
    // "harbour" is in three headlines and several bodies: headlines come first.
    let got = slugs(&index, &req("harbour"));
    let headline_hits = [
        "harbour-crane-record",
        "harbour-dredging",
        "jazz-festival",
        "mayor-interview",
    ];
    for s in &got[..4] {
        assert!(headline_hits.contains(&s.as_str()), "{got:?}");
    }
}

#[test]
fn accents_fold_both_ways() {
    let (_dir, index) = index();
    assert_eq!(slugs(&index, &req("café"))[0], "cafe-culture");
    assert_eq!(slugs(&index, &req("praca"))[0], "cafe-culture");
}

#[test]
fn all_words_are_required_and_phrases_keep_their_order() {
    let (_dir, index) = index();
    let mut got = slugs(&index, &req("tram shopkeepers"));
    got.sort();
    assert_eq!(got, vec!["budget-schools", "tram-line-extension"]);
    let both = slugs(&index, &req("eastern docks"));
    assert!(
        both.contains(&"tram-line-extension".to_owned())
            && both.contains(&"housing-prices".to_owned()),
        "{both:?}"
    );
    assert_eq!(
        slugs(&index, &req("\"late goal\"")),
        vec!["derby-late-goal"]
    );
    assert!(slugs(&index, &req("\"goal late\"")).is_empty());
}

#[test]
fn filters_by_section_author_and_dates() {
    let (_dir, index) = index();
    let mut r = req("harbour");
    r.section = Some("culture".into());
    assert_eq!(slugs(&index, &r), vec!["jazz-festival"]);
    let mut r = req("harbour");
    r.author = Some("tom".into());
    let got = slugs(&index, &r);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.contains(&"harbour-dredging".into()) && got.contains(&"mayor-interview".into()));
    // Days 3..8 (from inclusive, until exclusive): the crane (3) and jazz (7), not dredging (8).
    let mut r = req("harbour");
    r.from_ms = Some(T0 + 3 * DAY);
    r.until_ms = Some(T0 + 8 * DAY);
    let mut got = slugs(&index, &r);
    got.sort();
    assert_eq!(got, vec!["harbour-crane-record", "jazz-festival"]);
    let mut r = req("harbour");
    r.section = Some("sport".into());
    assert_eq!(index.search(&r).unwrap().total, 0);
}

#[test]
fn newest_first_sorts_by_date_alone() {
    let (_dir, index) = index();
    let mut r = req("harbour");
    r.sort = SortOrder::Newest;
    let results = index.search(&r).unwrap();
    let dates: Vec<i64> = results.hits.iter().map(|h| h.published_at).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert_eq!(results.hits[0].url, "/politics/mayor-interview");
}

#[test]
fn pagination_counts_and_clamps_to_the_last_page() {
    let (_dir, index) = index();
    // "city" is in four bodies: pages of 3 make a full page and a page of one.
    let mut r = req("the city");
    r.per_page = 3;
    let first = index.search(&r).unwrap();
    assert_eq!(first.total, 4);
    assert_eq!(first.total_pages, 2);
    assert_eq!(first.hits.len(), 3);
    let mut seen: Vec<String> = Vec::new();
    for page in 1..=first.total_pages {
        r.page = page;
        let res = index.search(&r).unwrap();
        assert_eq!(res.page, page);
        seen.extend(res.hits.into_iter().map(|h| h.id));
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), first.total);
    assert_eq!(unique.len(), first.total, "no hit twice across pages");
    r.page = 999;
    let last = index.search(&r).unwrap();
    assert_eq!(last.page, 2);
    assert_eq!(last.hits.len(), 1);
}

#[test]
fn misspelled_words_are_corrected_and_reported() {
    let (_dir, index) = index();
    let res = index.search(&req("marathin")).unwrap();
    assert_eq!(
        res.corrected.as_ref().map(|q| q.display()),
        Some("marathon".into())
    );
    assert_eq!(res.hits[0].url, "/sport/marathon-record");
    let res = index.search(&req("libary renovaton")).unwrap();
    assert_eq!(
        res.corrected.as_ref().map(|q| q.display()),
        Some("library renovation".into())
    );
    assert_eq!(res.hits[0].url, "/culture/library-reopens");
    // Known words are left alone; nonsense finds nothing and suggests nothing.
    assert!(index.search(&req("tram")).unwrap().corrected.is_none());
    let res = index.search(&req("zzyzxqq")).unwrap();
    assert!(res.corrected.is_none());
    assert_eq!(res.total, 0);
}

#[test]
fn snippets_mark_the_words_and_escape_the_rest() {
    let (_dir, index) = index();
    let res = index.search(&req("drivers")).unwrap();
    let hit = &res.hits[0];
    assert!(
        hit.snippet_html.contains("<mark>drivers</mark>"),
        "{}",
        hit.snippet_html
    );
    let res = index.search(&req("crane")).unwrap();
    assert!(
        res.hits[0].headline_html.contains("<mark>crane</mark>"),
        "{}",
        res.hits[0].headline_html
    );
    // A query with markup in it is only words, and results carry no markup but <mark>.
    let res = index
        .search(&req("<script>alert(1)</script> tram"))
        .unwrap();
    for h in &res.hits {
        assert!(!h.snippet_html.contains("<script"), "{}", h.snippet_html);
    }
}

#[test]
fn gated_articles_are_found_by_their_whole_body_but_quoted_only_from_the_lead_in() {
    let (_dir, index) = index();
    // "rumour" is in the third paragraph of a gated article.
    let res = index.search(&req("rumour")).unwrap();
    assert_eq!(res.total, 1);
    let hit = &res.hits[0];
    assert_eq!(hit.url, "/politics/mayor-interview");
    assert!(!hit.snippet_html.contains("rumour"), "{}", hit.snippet_html);
    assert!(
        !hit.snippet_html.contains("stadium"),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.snippet_html.contains("ten thousand new homes"),
        "{}",
        hit.snippet_html
    );
    // A free article is quoted from anywhere.
    let res = index.search(&req("ponchos")).unwrap();
    assert!(res.hits[0].snippet_html.contains("<mark>ponchos</mark>"));
}

#[test]
fn related_articles_share_words_and_tags_and_exclude_the_article() {
    let (_dir, index) = index();
    let d = docs()
        .into_iter()
        .find(|d| d.id == "id-harbour-crane-record")
        .unwrap();
    let related = index.related(&d.id, &d.body_text, &d.tags, 4).unwrap();
    assert!(!related.is_empty());
    assert!(related.iter().all(|h| h.id != d.id));
    assert!(related.len() <= 4);
    let urls: Vec<&str> = related.iter().map(|h| h.url.as_str()).collect();
    assert!(urls[..2].iter().any(|u| u.contains("harbour")), "{urls:?}");
}

/// Every article replaced several times over (a re-import, a busy day of edits) leaves its old
/// versions as deleted documents until segments merge. Tantivy's more-like-this weighs a word by
/// its document frequency, which counts those, against the live documents, which do not, and
/// asserted (`doc_count >= doc_freq`) on a word found in more versions than there are articles:
/// "read more" failed on every article of such an index.
#[test]
fn related_articles_survive_an_index_full_of_replaced_versions() {
    use masthead_search::Change;
    let (_dir, index) = index();
    let all = docs();
    // One commit holding four more versions of every article (the segment keeps them all, three
    // deleted), so no merge can purge them before the query.
    let mut changes = Vec::new();
    for round in 1..=4 {
        for d in &all {
            let mut d = d.clone();
            d.updated_at += round;
            changes.push(Change::Upsert(Box::new(d)));
        }
    }
    index.apply(&changes, None).unwrap();
    let d = all
        .iter()
        .find(|d| d.id == "id-harbour-crane-record")
        .unwrap();
    let related = index.related(&d.id, &d.body_text, &d.tags, 4).unwrap();
    assert!(!related.is_empty());
    assert!(related.iter().all(|h| h.id != d.id));
    let urls: Vec<&str> = related.iter().map(|h| h.url.as_str()).collect();
    assert!(urls[..2].iter().any(|u| u.contains("harbour")), "{urls:?}");
}

/// The batch lookup a catch-up uses agrees with the one-at-a-time one: the live version after a
/// replacement (never the replaced one, still in its segment), nothing after a removal or for a
/// stranger.
#[test]
fn indexed_versions_give_the_live_version_of_each() {
    use masthead_search::Change;
    let (_dir, index) = index();
    let all = docs();
    let (a, b) = (&all[0], &all[1]);
    let mut newer = a.clone();
    newer.updated_at += 7;
    index
        .apply(
            &[
                Change::Upsert(Box::new(newer.clone())),
                Change::Remove(b.id.clone()),
            ],
            None,
        )
        .unwrap();
    let ids = [
        a.id.as_str(),
        b.id.as_str(),
        all[2].id.as_str(),
        "id-nobody",
    ];
    let got = index.indexed_versions(&ids).unwrap();
    assert_eq!(
        got,
        vec![Some(newer.updated_at), None, Some(all[2].updated_at), None]
    );
    for (id, v) in ids.iter().zip(&got) {
        assert_eq!(index.indexed_version(id).unwrap(), *v, "{id}");
    }
}

#[test]
fn updates_and_removals_show_at_once() {
    let (_dir, index) = index();
    let generation = index.generation();
    let mut d = docs()
        .into_iter()
        .find(|d| d.id == "id-library-reopens")
        .unwrap();
    d.headline = "Central library adds a rooftop observatory".into();
    assert_eq!(index.indexed_version(&d.id).unwrap(), Some(d.updated_at));
    d.updated_at += 1;
    index.upsert(&d).unwrap();
    assert!(index.generation() > generation);
    assert_eq!(index.indexed_version(&d.id).unwrap(), Some(d.updated_at));
    assert_eq!(slugs(&index, &req("observatory")), vec!["library-reopens"]);
    assert_eq!(index.num_docs(), CORPUS.len() as u64, "replaced, not added");
    index.remove(&d.id).unwrap();
    assert!(slugs(&index, &req("observatory")).is_empty());
    assert_eq!(index.indexed_version(&d.id).unwrap(), None);
    index.remove("no-such-id").unwrap();
}

#[test]
fn missing_damaged_or_outdated_indexes_are_reported_for_rebuilding() {
    let dir = tempfile::tempdir().unwrap();
    let options = SearchOptions::default();
    assert!(matches!(
        SearchIndex::open(dir.path(), &options),
        Err(masthead_search::OpenError::Missing(_))
    ));
    build(dir.path(), &options);
    let french = SearchOptions {
        language: SearchLanguage::French,
        ..options.clone()
    };
    assert!(matches!(
        SearchIndex::open(dir.path(), &french),
        Err(masthead_search::OpenError::Outdated { .. })
    ));
    // Damage: the generation loses its meta.json.
    let target = dir
        .path()
        .join(std::fs::read_link(dir.path().join("search-index")).unwrap());
    std::fs::remove_file(target.join("meta.json")).unwrap();
    assert!(matches!(
        SearchIndex::open(dir.path(), &options),
        Err(masthead_search::OpenError::Corrupt { .. })
    ));
    build(dir.path(), &options);
    assert!(SearchIndex::open(dir.path(), &options).is_ok());
}

#[test]
fn a_rebuild_swaps_in_while_the_old_index_answers() {
    let dir = tempfile::tempdir().unwrap();
    let options = SearchOptions::default();
    build(dir.path(), &options);
    let index = SearchIndex::open(dir.path(), &options).unwrap();
    let old_target = std::fs::read_link(dir.path().join("search-index")).unwrap();
    // A rebuild with one more article, while the live index keeps answering.
    let mut r = Rebuild::start(dir.path(), &options, 2).unwrap();
    for d in docs() {
        r.add(&d).unwrap();
        assert_eq!(slugs(&index, &req("tram"))[0], "tram-line-extension");
    }
    let mut extra = docs().remove(0);
    extra.id = "id-ferry".into();
    extra.url = "/city/ferry".into();
    extra.headline = "Ferry timetable changes".into();
    r.add(&extra).unwrap();
    r.finish().unwrap();
    assert!(slugs(&index, &req("ferry")).is_empty(), "not adopted yet");
    let info = index.follow_swap().unwrap().expect("a new generation");
    assert_eq!(info.documents, CORPUS.len() as u64 + 1);
    assert_eq!(slugs(&index, &req("ferry")), vec!["ferry"]);
    assert!(index.follow_swap().unwrap().is_none());
    // The old generation is removed once adopted; the live one is writable.
    assert!(!dir.path().join(old_target).exists());
    index.remove("id-ferry").unwrap();
    assert!(slugs(&index, &req("ferry")).is_empty());
}

#[test]
fn the_cursor_starts_at_the_build_and_follows_commits() {
    let (_dir, index) = index();
    assert_eq!(index.cursor(), 1, "the build's start");
    let d = docs().remove(0);
    index
        .apply(
            &[masthead_search::Change::Upsert(Box::new(d.clone()))],
            Some(500),
        )
        .unwrap();
    assert_eq!(index.cursor(), 500);
    // A change without a cursor keeps the last one.
    index.remove(&d.id).unwrap();
    assert_eq!(index.cursor(), 500);
}

#[test]
fn with_no_article_holding_every_word_those_with_some_are_flagged_partial() {
    let (_dir, index) = index();
    assert!(!index.search(&req("tram shopkeepers")).unwrap().partial);
    let res = index.search(&req("zeppelin library")).unwrap();
    assert!(res.partial);
    assert_eq!(res.hits[0].url, "/culture/library-reopens");
    let res = index.search(&req("zeppelin airship")).unwrap();
    assert!(!res.partial && res.total == 0);
}

#[test]
fn equal_scores_go_newest_first_across_segments_and_pages() {
    let (_dir, index) = index();
    // Five articles alike in every searched word, published on different days, each added in
    // its own commit (its own segment), in an order that is neither oldest nor newest first.
    for day in [3, 9, 1, 7, 5] {
        let mut d = docs().remove(0);
        d.id = format!("twin-{day}");
        d.url = format!("/city/twin-{day}");
        d.headline = "Quayside lamplighters".into();
        d.standfirst = "Lamplighters return.".into();
        d.body_text = "The lamplighters walk the quay at dusk.".into();
        d.tags = vec![];
        d.authors = vec![("zed".into(), "Zed".into())];
        d.published_at = T0 + day * DAY;
        index.upsert(&d).unwrap();
    }
    let mut r = req("lamplighters");
    r.per_page = 2;
    let mut order = Vec::new();
    for page in 1..=3 {
        r.page = page;
        let res = index.search(&r).unwrap();
        assert_eq!(res.total, 5);
        order.extend(slugs(&index, &r));
    }
    assert_eq!(
        order,
        ["twin-9", "twin-7", "twin-5", "twin-3", "twin-1"],
        "ties newest first, no hit lost or repeated between pages"
    );
}

#[test]
fn a_search_of_nothing_but_common_words_still_finds_articles() {
    let (_dir, index) = index();
    // "the" and "after" are stop words, left out of the main index; they are still found.
    let res = index.search(&req("after the")).unwrap();
    assert!(res.total > 0);
    assert!(res.total < CORPUS.len(), "not simply every article");
    for hit in &res.hits {
        let doc = CORPUS.iter().find(|a| hit.url.ends_with(a.slug)).unwrap();
        let text = format!("{} {} {}", doc.headline, doc.standfirst, doc.body).to_lowercase();
        assert!(
            text.contains("after") && text.contains("the"),
            "{}",
            hit.url
        );
    }
}
