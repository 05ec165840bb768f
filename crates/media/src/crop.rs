//! Crops (in oriented pixels, as the editor sees the photo), focal-point crops for an aspect
//! ratio, and the EXIF orientations: mapping a crop back to the stored pixels and turning a
//! (small) stored-orientation variant upright.

/// A rectangle of the photo as a reader sees it (after the EXIF orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Crop {
    /// The whole of a `width`×`height` photo.
    pub fn full(width: u32, height: u32) -> Crop {
        Crop {
            x: 0,
            y: 0,
            width,
            height,
        }
    }

    /// Whether the crop is non-empty and inside a `width`×`height` photo.
    pub fn fits(&self, width: u32, height: u32) -> bool {
        self.width > 0
            && self.height > 0
            && u64::from(self.x) + u64::from(self.width) <= u64::from(width)
            && u64::from(self.y) + u64::from(self.height) <= u64::from(height)
    }
}

/// The largest crop of the `aspect` ratio (e.g. `(16, 9)`) inside a `width`×`height` photo,
/// centred on the focal point as nearly as the edges allow. `focal` is in 0..1 from the top
/// left (values outside are clamped, NaN counts as the centre). A zero in `aspect`, or a photo
/// with no pixels, gives the whole photo.
pub fn crop_for_aspect(width: u32, height: u32, focal: (f32, f32), aspect: (u32, u32)) -> Crop {
    let (aw, ah) = (u64::from(aspect.0), u64::from(aspect.1));
    if aw == 0 || ah == 0 || width == 0 || height == 0 {
        return Crop::full(width, height);
    }
    let (w, h) = (u64::from(width), u64::from(height));
    // Wider than the aspect: full height; else full width. Rounded to the nearest pixel,
    // never more than the photo, never less than one pixel.
    let (cw, ch) = if w * ah >= h * aw {
        (((h * aw + ah / 2) / ah).clamp(1, w), h)
    } else {
        (w, ((w * ah + aw / 2) / aw).clamp(1, h))
    };
    let place = |focal: f32, size: u64, crop: u64| -> u64 {
        let focal = if focal.is_nan() {
            0.5
        } else {
            focal.clamp(0.0, 1.0)
        };
        let centre = f64::from(focal) * size as f64;
        let start = (centre - crop as f64 / 2.0).round().max(0.0) as u64;
        start.min(size - crop)
    };
    Crop {
        x: place(focal.0, w, cw) as u32,
        y: place(focal.1, h, ch) as u32,
        width: cw as u32,
        height: ch as u32,
    }
}

/// Whether an EXIF orientation swaps width and height (5..=8 turn the photo a quarter).
pub(crate) fn swaps_axes(orientation: u16) -> bool {
    matches!(orientation, 5..=8)
}

/// The rectangle of the stored pixels (`stored_w`×`stored_h`, before orientation) that shows
/// as `crop` once the orientation is applied.
pub(crate) fn crop_to_stored(crop: Crop, orientation: u16, stored_w: u32, stored_h: u32) -> Crop {
    let (x0, y0) = (crop.x, crop.y);
    let (x1, y1) = (crop.x + crop.width, crop.y + crop.height);
    // Displayed (u, v) back to stored (x, y), on pixel edges (continuous coordinates).
    let back = |u: u32, v: u32| -> (u32, u32) {
        let (w, h) = (stored_w, stored_h);
        match orientation {
            2 => (w - u, v),
            3 => (w - u, h - v),
            4 => (u, h - v),
            5 => (v, u),
            6 => (v, h - u),
            7 => (w - v, h - u),
            8 => (w - v, u),
            _ => (u, v),
        }
    };
    let (ax, ay) = back(x0, y0);
    let (bx, by) = back(x1, y1);
    Crop {
        x: ax.min(bx),
        y: ay.min(by),
        width: ax.abs_diff(bx),
        height: ay.abs_diff(by),
    }
}

/// Turns `pixels` (stored orientation, `width`×`height`, `channels` bytes a pixel) upright.
/// Returns the new pixels and their width and height.
pub(crate) fn apply_orientation(
    pixels: Vec<u8>,
    width: u32,
    height: u32,
    channels: usize,
    orientation: u16,
) -> (Vec<u8>, u32, u32) {
    if !(2..=8).contains(&orientation) {
        return (pixels, width, height);
    }
    let (w, h) = (width as usize, height as usize);
    let (out_w, out_h) = if swaps_axes(orientation) {
        (h, w)
    } else {
        (w, h)
    };
    let mut out = vec![0u8; pixels.len()];
    for y in 0..h {
        for x in 0..w {
            // Stored (x, y) to displayed (u, v), pixel indices.
            let (u, v) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (h - 1 - y, x),
                7 => (h - 1 - y, w - 1 - x),
                _ => (y, w - 1 - x),
            };
            let from = (y * w + x) * channels;
            let to = (v * out_w + u) * channels;
            out[to..to + channels].copy_from_slice(&pixels[from..from + channels]);
        }
    }
    (out, out_w as u32, out_h as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn focal_crops_are_the_largest_and_stay_inside() {
        assert_eq!(
            crop_for_aspect(6000, 4000, (0.5, 0.5), (1, 1)),
            Crop {
                x: 1000,
                y: 0,
                width: 4000,
                height: 4000
            }
        );
        assert_eq!(
            crop_for_aspect(6000, 4000, (0.0, 0.0), (16, 9)),
            Crop {
                x: 0,
                y: 0,
                width: 6000,
                height: 3375
            }
        );
        assert_eq!(crop_for_aspect(6000, 4000, (1.0, 1.0), (16, 9)).y, 625);
        assert_eq!(
            crop_for_aspect(4000, 6000, (0.9, 0.1), (4, 3)),
            Crop {
                x: 0,
                y: 0,
                width: 4000,
                height: 3000
            }
        );
        assert_eq!(
            crop_for_aspect(100, 100, (f32::NAN, 2.0), (16, 9)),
            Crop {
                x: 0,
                y: 44,
                width: 100,
                height: 56
            }
        );
        assert_eq!(crop_for_aspect(1, 1000, (0.5, 0.5), (16, 9)).width, 1);
        assert_eq!(
            crop_for_aspect(640, 480, (0.5, 0.5), (0, 9)),
            Crop::full(640, 480)
        );
        for (w, h) in [(1, 1), (3, 7), (1920, 1080), (65535, 2)] {
            for aspect in [(16, 9), (4, 3), (1, 1), (9, 16)] {
                for focal in [(0.0, 0.0), (0.3, 0.7), (1.0, 1.0)] {
                    let crop = crop_for_aspect(w, h, focal, aspect);
                    assert!(crop.fits(w, h), "{crop:?} in {w}×{h}");
                    assert!(
                        crop.width == w || crop.height == h,
                        "largest: {crop:?} in {w}×{h}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_crop_maps_to_the_stored_pixels_it_shows() {
        // A 4×2 stored image whose pixels are their own index; the crop of the displayed image
        // must show the same pixels as the stored rectangle turned upright.
        let (w, h) = (4u32, 2u32);
        let stored: Vec<u8> = (0..(w * h) as u8).collect();
        for orientation in 1..=8u16 {
            let (shown, sw, sh) = apply_orientation(stored.clone(), w, h, 1, orientation);
            let crop = Crop {
                x: 1,
                y: 0,
                width: 1,
                height: 2,
            }
            .clamp_to(sw, sh);
            let rect = crop_to_stored(crop, orientation, w, h);
            let mut from_stored = Vec::new();
            for y in rect.y..rect.y + rect.height {
                for x in rect.x..rect.x + rect.width {
                    from_stored.push(stored[(y * w + x) as usize]);
                }
            }
            let (upright, _, _) =
                apply_orientation(from_stored, rect.width, rect.height, 1, orientation);
            let mut from_shown = Vec::new();
            for y in crop.y..crop.y + crop.height {
                for x in crop.x..crop.x + crop.width {
                    from_shown.push(shown[(y * sw + x) as usize]);
                }
            }
            assert_eq!(upright, from_shown, "orientation {orientation}");
        }
    }

    impl Crop {
        fn clamp_to(self, w: u32, h: u32) -> Crop {
            Crop {
                width: self.width.min(w - self.x),
                height: self.height.min(h - self.y),
                ..self
            }
        }
    }
}
