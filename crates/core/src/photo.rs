//! Rules about photos that need no I/O: the alt-text rule at publication
//! ([`check_alt_text`]), the focal point and crop fields of the photo's edit page
//! ([`parse_focal`], [`parse_crop`]), and the credit shown from photographer and agency
//! ([`display_credit`]).
//!
//! The alt-text rule: an article is published (or scheduled) only if every photo it shows has
//! alt text or is marked decorative. A decorative photo (a texture, a mood picture that adds
//! nothing a reader would miss) is shown with `alt=""`, which tells screen readers to skip it;
//! anything else without a description leaves blind readers with "image". The message names
//! the photo so the editor knows which to fix.

/// A photo an article shows, as the rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownPhoto<'a> {
    /// `lead` or `inline`.
    pub role: &'a str,
    /// The inline photo's name in the body.
    pub name: Option<&'a str>,
    pub caption: &'a str,
    pub alt: &'a str,
    pub decorative: bool,
}

/// `Ok` when every photo has alt text or is decorative; otherwise one message per photo that
/// has neither, naming it.
pub fn check_alt_text<'a>(
    photos: impl IntoIterator<Item = ShownPhoto<'a>>,
) -> Result<(), Vec<String>> {
    let problems: Vec<String> = photos
        .into_iter()
        .filter(|p| !p.decorative && p.alt.trim().is_empty())
        .map(|p| {
            let which = match (p.role, p.name) {
                ("lead", _) => "The lead photo".to_owned(),
                (_, Some(name)) => format!("The photo “{name}” in the body"),
                _ => "A photo".to_owned(),
            };
            let caption = if p.caption.trim().is_empty() {
                String::new()
            } else {
                format!(" (“{}”)", p.caption.trim())
            };
            format!(
                "{which}{caption} has no alt text. Readers who cannot see it hear only “image”: describe it on the photo's page, or mark it decorative if it adds nothing they would miss."
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A focal point coordinate as typed: a percentage from 0 to 100 (decimals allowed), stored
/// in thousandths.
pub fn parse_focal(typed: &str, what: &str) -> Result<i64, String> {
    let t = typed.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(500);
    }
    match t.parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok((v * 10.0).round() as i64),
        _ => Err(format!(
            "The focal point's {what} is “{typed}”: give a percentage from 0 (the {}) to 100.",
            if what == "x" { "left edge" } else { "top edge" }
        )),
    }
}

/// A crop as typed: empty (none: the crop is taken around the focal point), or
/// `x,y,width,height` in pixels of the photo, inside it, with the aspect it is for (within 2%).
pub fn parse_crop(
    typed: &str,
    aspect: (u32, u32),
    photo: (u32, u32),
) -> Result<Option<String>, String> {
    let t = typed.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let label = format!("{}:{}", aspect.0, aspect.1);
    let parts: Vec<Option<u32>> = t.split(',').map(|p| p.trim().parse::<u32>().ok()).collect();
    let [Some(x), Some(y), Some(w), Some(h)] = parts[..] else {
        return Err(format!(
            "The {label} crop is “{typed}”: write four whole numbers, x,y,width,height in pixels (for example 0,0,1600,900), or leave it empty."
        ));
    };
    if w == 0
        || h == 0
        || u64::from(x) + u64::from(w) > u64::from(photo.0)
        || u64::from(y) + u64::from(h) > u64::from(photo.1)
    {
        return Err(format!(
            "The {label} crop {x},{y},{w},{h} is not inside the photo ({}×{} pixels).",
            photo.0, photo.1
        ));
    }
    let want = f64::from(aspect.0) / f64::from(aspect.1);
    let got = f64::from(w) / f64::from(h);
    if (got / want - 1.0).abs() > 0.02 {
        return Err(format!(
            "The {label} crop is {w}×{h} pixels, which is not {label}: for a width of {w}, the height is {}.",
            (f64::from(w) / want).round() as u64
        ));
    }
    Ok(Some(format!("{x},{y},{w},{h}")))
}

/// A stored crop back into numbers (x, y, width, height).
pub fn crop_numbers(stored: &str) -> Option<(u32, u32, u32, u32)> {
    let mut it = stored.split(',').map(|p| p.trim().parse::<u32>().ok());
    let v = (it.next()??, it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(v)
}

/// The credit readers see: what the editor typed, or "Photographer/Agency" from the parts
/// (the agencies' own style: "AP Photo/Jane Doe" is typed whole).
pub fn display_credit(typed: &str, photographer: &str, agency: &str) -> String {
    let (typed, photographer, agency) = (typed.trim(), photographer.trim(), agency.trim());
    if !typed.is_empty() {
        return typed.to_owned();
    }
    match (photographer.is_empty(), agency.is_empty()) {
        (false, false) => format!("{photographer}/{agency}"),
        (false, true) => photographer.to_owned(),
        (true, false) => agency.to_owned(),
        (true, true) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown<'a>(
        role: &'a str,
        name: Option<&'a str>,
        alt: &'a str,
        decorative: bool,
    ) -> ShownPhoto<'a> {
        ShownPhoto {
            role,
            name,
            caption: "Quay 4",
            alt,
            decorative,
        }
    }

    #[test]
    fn a_photo_without_alt_text_is_named_unless_it_is_decorative() {
        assert!(check_alt_text([shown("lead", None, "A crane", false)]).is_ok());
        assert!(check_alt_text([shown("lead", None, "", true)]).is_ok());
        assert!(check_alt_text([]).is_ok());
        let err = check_alt_text([
            shown("lead", None, "  ", false),
            shown("inline", Some("cab"), "", false),
            shown("inline", Some("ok"), "fine", false),
        ])
        .unwrap_err();
        assert_eq!(err.len(), 2);
        assert!(
            err[0].starts_with("The lead photo (“Quay 4”) has no alt text"),
            "{}",
            err[0]
        );
        assert!(
            err[1].starts_with("The photo “cab” in the body"),
            "{}",
            err[1]
        );
        assert!(err[1].contains("mark it decorative"));
    }

    #[test]
    fn focal_points_are_percentages() {
        assert_eq!(parse_focal("", "x"), Ok(500));
        assert_eq!(parse_focal("25", "x"), Ok(250));
        assert_eq!(parse_focal("33.3%", "y"), Ok(333));
        assert!(parse_focal("101", "x").unwrap_err().contains("from 0"));
        assert!(parse_focal("left", "y").is_err());
    }

    #[test]
    fn crops_must_be_inside_the_photo_and_of_their_aspect() {
        assert_eq!(parse_crop("", (16, 9), (4000, 3000)), Ok(None));
        assert_eq!(
            parse_crop(" 0, 0, 1600, 900 ", (16, 9), (4000, 3000)),
            Ok(Some("0,0,1600,900".into()))
        );
        assert!(
            parse_crop("0,0,1600,1600", (16, 9), (4000, 3000))
                .unwrap_err()
                .contains("the height is 900")
        );
        assert!(
            parse_crop("3000,0,1600,900", (16, 9), (4000, 3000))
                .unwrap_err()
                .contains("not inside")
        );
        assert!(
            parse_crop("a,b", (1, 1), (10, 10))
                .unwrap_err()
                .contains("four whole numbers")
        );
        assert_eq!(crop_numbers("1,2,3,4"), Some((1, 2, 3, 4)));
        assert_eq!(crop_numbers("1,2,3"), None);
    }

    #[test]
    fn the_credit_is_the_typed_text_or_the_parts() {
        assert_eq!(
            display_credit("AP Photo/Jane Doe", "x", "y"),
            "AP Photo/Jane Doe"
        );
        assert_eq!(display_credit("", "Saul Loeb", "AFP"), "Saul Loeb/AFP");
        assert_eq!(display_credit("", "", "Reuters"), "Reuters");
        assert_eq!(display_credit(" ", "", ""), "");
    }
}
