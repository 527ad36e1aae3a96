//! The dot preview: a randomized pigment-dot pattern with a minimum spacing (blue noise), the
//! "randomized pigment distribution" of the reference series made visible.
//!
//! SMP imitates follicles, and follicles are neither on a grid (a grid reads as artificial)
//! nor purely random (pure randomness clumps, and clumped dots blur into patches). Poisson-disk
//! sampling gives both: random positions, no two dots closer than a minimum spacing.
//!
//! # Why the spacing is chosen from the density
//!
//! Poisson-disk sampling at a fixed spacing `r` fills a region until no more dots fit, and
//! that saturated fill has a density of about `c / r²` (random sequential packing of disks
//! jams at about 0.55 of the plane covered by disks of radius `r/2`, which is `c ≈ 0.70`;
//! Bridson's algorithm with 30 candidates per dot reaches about 0.62, measured on a
//! 20 cm square). So a fixed `r` cannot
//! produce an arbitrary density, and a spacing fitted to the saturated fill would make every
//! pattern a maximal packing that no longer looks random. We therefore take
//! `r = SPACING_FACTOR / √density` with `SPACING_FACTOR² < c`, which makes the fill some 10%
//! denser than the target, and keep exactly `round(area × density)` dots of it chosen at
//! random. A subset of a pattern with minimum spacing `r` still has minimum spacing `r`, and a
//! random subset keeps the fill's uniformity, so the result hits the density exactly and holds
//! the spacing. Should a fill fall short (small regions, unlucky draws), `r` is shrunk by 10%
//! and the fill redone; the spacing reported is the one actually held.
//!
//! The pattern is a pure function of its inputs and the seed: the generator is the crate's
//! SplitMix64 ([`crate::synth::Rng`]), so the same seed draws the same dots on every run and
//! platform, and the preview does not flicker between frames.

use crate::synth::Rng;

/// `r = SPACING_FACTOR / √density`. With a saturated Bridson fill of about `0.62 / r²`, this
/// gives a fill of about `0.62 / 0.5625 ≈ 1.10 ×` the target, enough margin for the fill to
/// reach the target while the spacing stays close to the largest one that can.
pub const SPACING_FACTOR: f64 = 0.75;

/// Candidates tried around each active dot before it is retired (Bridson's `k`).
const CANDIDATES: usize = 30;

/// Fills redone with a smaller spacing before giving up (each shrinks `r` by 10%).
const MAX_RETRIES: usize = 20;

/// The largest pattern generated: far beyond any zone (800 cm² × 200 FU/cm² = 160 000), it
/// only guards memory against absurd inputs.
pub const MAX_DOTS: usize = 200_000;

/// A dot pattern in a `width_cm` × `height_cm` rectangle with its lower-left corner at the
/// origin; coordinates in cm.
#[derive(Debug, Clone, PartialEq)]
pub struct DotPattern {
    pub width_cm: f64,
    pub height_cm: f64,
    /// The density asked for, dots per cm².
    pub density: f64,
    pub dots: Vec<(f64, f64)>,
    /// No two dots are closer than this (cm); `None` when there are fewer than two dots.
    pub min_spacing_cm: Option<f64>,
}

impl DotPattern {
    /// Dots per cm² actually placed.
    pub fn achieved_density(&self) -> f64 {
        let area = self.width_cm * self.height_cm;
        if area > 0.0 {
            self.dots.len() as f64 / area
        } else {
            0.0
        }
    }
}

/// Why no pattern could be made.
#[derive(Debug, Clone, PartialEq)]
pub enum DotsError {
    /// Width or height not a positive finite number of cm.
    Size,
    /// Density negative or not finite.
    Density,
    /// More than [`MAX_DOTS`] dots asked for.
    TooMany(f64),
}

impl std::fmt::Display for DotsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DotsError::Size => write!(f, "the preview area must be a positive size in cm"),
            DotsError::Density => write!(f, "the density must be a number of dots per cm² ≥ 0"),
            DotsError::TooMany(n) => {
                write!(f, "{n:.0} dots is more than the preview draws ({MAX_DOTS})")
            }
        }
    }
}

/// A blue-noise pattern of `round(width × height × density)` dots, stable for a given `seed`.
pub fn generate(
    width_cm: f64,
    height_cm: f64,
    density: f64,
    seed: u64,
) -> Result<DotPattern, DotsError> {
    if !(width_cm.is_finite() && height_cm.is_finite() && width_cm > 0.0 && height_cm > 0.0) {
        return Err(DotsError::Size);
    }
    if !density.is_finite() || density < 0.0 {
        return Err(DotsError::Density);
    }
    let wanted = (width_cm * height_cm * density).round();
    if wanted > MAX_DOTS as f64 {
        return Err(DotsError::TooMany(wanted));
    }
    let n = wanted as usize;
    let mut rng = Rng::new(seed);
    if n == 0 {
        return Ok(pattern(width_cm, height_cm, density, Vec::new(), None));
    }
    let mut r = SPACING_FACTOR / density.sqrt();
    let mut fill = bridson(width_cm, height_cm, r, &mut rng);
    for _ in 0..MAX_RETRIES {
        if fill.len() >= n {
            break;
        }
        r *= 0.9;
        fill = bridson(width_cm, height_cm, r, &mut rng);
    }
    // A partial Fisher–Yates shuffle picks the first `n` dots uniformly at random.
    let n = n.min(fill.len());
    for i in 0..n {
        let j = i + (rng.next_u64() % (fill.len() - i) as u64) as usize;
        fill.swap(i, j);
    }
    fill.truncate(n);
    let spacing = (n >= 2).then_some(r);
    Ok(pattern(width_cm, height_cm, density, fill, spacing))
}

fn pattern(
    width_cm: f64,
    height_cm: f64,
    density: f64,
    dots: Vec<(f64, f64)>,
    min_spacing_cm: Option<f64>,
) -> DotPattern {
    DotPattern {
        width_cm,
        height_cm,
        density,
        dots,
        min_spacing_cm,
    }
}

/// Bridson's Poisson-disk sampling (SIGGRAPH 2007 sketch): a background grid of cells of side
/// `r/√2` holds at most one dot each, so a candidate is checked against the 5×5 cells around
/// it only, and the fill runs in time linear in the number of dots.
fn bridson(w: f64, h: f64, r: f64, rng: &mut Rng) -> Vec<(f64, f64)> {
    let cell = r / std::f64::consts::SQRT_2;
    let cols = ((w / cell).ceil() as usize).max(1);
    let rows = ((h / cell).ceil() as usize).max(1);
    let mut grid: Vec<Option<usize>> = vec![None; cols * rows];
    let cell_of = |(x, y): (f64, f64)| -> (usize, usize) {
        (
            ((x / cell) as usize).min(cols - 1),
            ((y / cell) as usize).min(rows - 1),
        )
    };
    let mut dots: Vec<(f64, f64)> = Vec::new();
    let mut active: Vec<usize> = Vec::new();
    let first = (rng.unit() * w, rng.unit() * h);
    let (cx, cy) = cell_of(first);
    grid[cy * cols + cx] = Some(0);
    dots.push(first);
    active.push(0);
    let r2 = r * r;
    while !active.is_empty() {
        let a = (rng.next_u64() % active.len() as u64) as usize;
        let (px, py) = dots[active[a]];
        let mut placed = false;
        for _ in 0..CANDIDATES {
            // Uniform by area in the annulus r..2r.
            let rad = (r2 * (1.0 + 3.0 * rng.unit())).sqrt();
            let ang = std::f64::consts::TAU * rng.unit();
            let c = (px + rad * ang.cos(), py + rad * ang.sin());
            if !(0.0..w).contains(&c.0) || !(0.0..h).contains(&c.1) {
                continue;
            }
            let (gx, gy) = cell_of(c);
            let clear = (gy.saturating_sub(2)..(gy + 3).min(rows)).all(|yy| {
                (gx.saturating_sub(2)..(gx + 3).min(cols)).all(|xx| {
                    grid[yy * cols + xx].is_none_or(|i| {
                        let (qx, qy) = dots[i];
                        (qx - c.0).powi(2) + (qy - c.1).powi(2) >= r2
                    })
                })
            });
            if clear {
                grid[gy * cols + gx] = Some(dots.len());
                active.push(dots.len());
                dots.push(c);
                placed = true;
                break;
            }
        }
        if !placed {
            active.swap_remove(a);
        }
    }
    dots
}

/// A stable seed from a text (a zone id, say), so each zone keeps its own pattern from frame
/// to frame and run to run. FNV-1a: defined by its constants, unlike std's `DefaultHasher`,
/// whose output may change between Rust versions.
pub fn seed_from(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The smallest distance between two dots, by checking every pair.
    fn closest_pair(dots: &[(f64, f64)]) -> f64 {
        let mut best = f64::INFINITY;
        for (i, a) in dots.iter().enumerate() {
            for b in &dots[i + 1..] {
                best = best.min(((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt());
            }
        }
        best
    }

    fn count_in(p: &DotPattern, x0: f64, x1: f64, y0: f64, y1: f64) -> usize {
        p.dots
            .iter()
            .filter(|(x, y)| (x0..x1).contains(x) && (y0..y1).contains(y))
            .count()
    }

    /// 30%, 70% and 100% of 75 FU/cm², the default ramp, and the scar target and extremes.
    const DENSITIES: [f64; 7] = [5.0, 22.5, 38.5, 52.5, 55.0, 75.0, 150.0];

    #[test]
    fn density_is_the_target_over_the_patch() {
        for d in DENSITIES {
            for seed in 0..5 {
                let p = generate(3.0, 2.0, d, seed).unwrap();
                let err = (p.achieved_density() - d).abs() / d;
                assert!(
                    err < 0.05,
                    "density {d}, seed {seed}: got {}",
                    p.achieved_density()
                );
                assert_eq!(p.dots.len(), (6.0 * d).round() as usize);
            }
        }
    }

    /// The whole-patch count is exact by construction; what can fail is uniformity. Each
    /// quadrant of a 10 cm square must hold its share within 5%.
    #[test]
    fn density_is_even_across_the_patch() {
        for d in [22.5, 52.5, 75.0] {
            let p = generate(10.0, 10.0, d, 7).unwrap();
            for (x0, y0) in [(0.0, 0.0), (5.0, 0.0), (0.0, 5.0), (5.0, 5.0)] {
                let got = count_in(&p, x0, x0 + 5.0, y0, y0 + 5.0) as f64 / 25.0;
                let err = (got - d).abs() / d;
                assert!(err < 0.05, "density {d}, quadrant ({x0},{y0}): {got}/cm²");
            }
        }
    }

    #[test]
    fn minimum_spacing_is_held_by_every_pair() {
        for d in DENSITIES {
            let p = generate(2.0, 2.0, d, 3).unwrap();
            let r = p.min_spacing_cm.unwrap();
            assert!(closest_pair(&p.dots) >= r - 1e-12, "density {d}");
            // The spacing is the one chosen from the density, not a shrunken fallback.
            assert!(
                (r - SPACING_FACTOR / d.sqrt()).abs() < 1e-12,
                "density {d}: r = {r}"
            );
        }
    }

    /// Blue noise, not white noise: uniform random dots at 75/cm² in 4 cm² would almost surely
    /// put some pair closer than 0.2 mm; these never come closer than 0.87 mm.
    #[test]
    fn spacing_is_far_above_what_random_dots_reach() {
        let p = generate(2.0, 2.0, 75.0, 11).unwrap();
        assert!(closest_pair(&p.dots) > 0.08);
        let mut rng = crate::synth::Rng::new(11);
        let white: Vec<(f64, f64)> = (0..300)
            .map(|_| (2.0 * rng.unit(), 2.0 * rng.unit()))
            .collect();
        assert!(closest_pair(&white) < 0.02);
    }

    #[test]
    fn dots_stay_inside_the_rectangle() {
        let p = generate(2.5, 1.5, 75.0, 5).unwrap();
        assert!(
            p.dots
                .iter()
                .all(|&(x, y)| (0.0..2.5).contains(&x) && (0.0..1.5).contains(&y))
        );
    }

    #[test]
    fn same_seed_same_dots_other_seed_other_dots() {
        let a = generate(2.0, 2.0, 52.5, 42).unwrap();
        let b = generate(2.0, 2.0, 52.5, 42).unwrap();
        let c = generate(2.0, 2.0, 52.5, 43).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.dots.len(), c.dots.len());
        assert_ne!(a.dots, c.dots);
        assert_ne!(seed_from("vertex"), seed_from("frontal"));
        assert_eq!(seed_from("vertex"), seed_from("vertex"));
    }

    /// The stream is fixed by definition: a change to it would silently change every preview.
    #[test]
    fn first_dot_of_a_known_seed_is_fixed() {
        let p = generate(1.0, 1.0, 1.0, 0).unwrap();
        assert_eq!(p.dots.len(), 1);
        assert_eq!(p.dots[0], (0.06185227634788337, 0.6953642644092717));
        assert_eq!(p.min_spacing_cm, None);
    }

    #[test]
    fn small_and_degenerate_inputs() {
        let none = generate(2.0, 2.0, 0.0, 1).unwrap();
        assert!(none.dots.is_empty());
        assert_eq!(none.min_spacing_cm, None);
        // A sliver narrower than the spacing still gets its dots, by the shrinking fallback.
        let sliver = generate(0.05, 4.0, 75.0, 1).unwrap();
        assert_eq!(sliver.dots.len(), 15);
        let r = sliver.min_spacing_cm.unwrap();
        assert!(closest_pair(&sliver.dots) >= r - 1e-12);
        assert_eq!(generate(0.0, 2.0, 10.0, 1), Err(DotsError::Size));
        assert_eq!(generate(2.0, f64::NAN, 10.0, 1), Err(DotsError::Size));
        assert_eq!(generate(2.0, 2.0, -1.0, 1), Err(DotsError::Density));
        assert_eq!(
            generate(2.0, 2.0, f64::INFINITY, 1),
            Err(DotsError::Density)
        );
        assert!(matches!(
            generate(100.0, 100.0, 75.0, 1),
            Err(DotsError::TooMany(_))
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_density_gets_its_count_and_its_spacing(
            d in 1.0f64..160.0,
            w in 0.5f64..3.0,
            h in 0.5f64..3.0,
            seed in any::<u64>(),
        ) {
            let p = generate(w, h, d, seed).unwrap();
            prop_assert_eq!(p.dots.len(), (w * h * d).round() as usize);
            if let Some(r) = p.min_spacing_cm {
                prop_assert!(closest_pair(&p.dots) >= r - 1e-12);
                // Never far below the spacing the density allows.
                prop_assert!(r >= 0.5 * SPACING_FACTOR / d.sqrt());
            }
        }
    }
}
