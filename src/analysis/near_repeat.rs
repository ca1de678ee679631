//! Near repeat: the Knox test with Monte Carlo bands (Johnson & Bowers 2004; Ratcliffe's
//! Near Repeat Calculator).
//!
//! Pairs i < j of reports; distance = haversine metres, time gap = |t_i − t_j| in days
//! (seconds / 86400). A band b holds a value when lower_b < value ≤ upper_b; the first band
//! starts at 0 inclusive. O(d, t) counts the pairs in distance band d and time band t. Each
//! permutation shuffles the observation times among the reports (seeded); E is the mean
//! permutation count, O/E the ratio (None when E = 0) and p = (1 + #{perm count ≥ O}) /
//! (permutations + 1). The overall Knox test for the first bands: X = pairs close in both,
//! N_s = pairs close in space, N_t = pairs close in time (over all pairs), P = n(n−1)/2,
//! E = N_s·N_t/P, p = P(Pois(E) ≥ X).
//!
//! # How it is fast
//! Permuting times leaves every distance unchanged, so the pairs closer than the last
//! distance band are found once (R-tree on the unit sphere) and stored per distance band as
//! compressed rows. A permutation then only re-bins the time gaps of those pairs; N_t is
//! permutation-invariant (the multiset of gaps over all pairs does not change) and is counted
//! once by sorting. Permutations run [`LANES`] at a time: the permuted times are interleaved
//! (`lanes[i·LANES + l]` = time of report i in permutation l), so one pass over the pair list
//! serves `LANES` permutations and the inner loop is a fixed-width array operation the
//! compiler vectorises. Time gaps are compared in integer seconds against thresholds chosen
//! so that `secs ≤ T` ⟺ `secs as f64 / 86400.0 ≤ upper` (the contract's float rule), so the
//! result is exact and independent of the thread count. Each permutation draws from its own
//! ChaCha8 stream (`seed`, stream = permutation number).
use super::AnalysisError;
use crate::index::PointIndex;
use geo::Coord;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// Permutations processed per pass over the pairs.
pub const LANES: usize = 16;

/// What to test.
#[derive(Debug, Clone, PartialEq)]
pub struct KnoxParams {
    /// Upper bounds of the distance bands, metres, strictly increasing, > 0.
    pub distance_m: Vec<f64>,
    /// Upper bounds of the time bands, days, strictly increasing, > 0.
    pub time_days: Vec<f64>,
    pub permutations: u32,
    pub seed: u64,
}

/// One (distance band, time band) cell of the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandCell {
    pub distance_lo: f64,
    pub distance_hi: f64,
    pub time_lo: f64,
    pub time_hi: f64,
    pub observed: u64,
    pub expected: f64,
    /// O/E; None when E = 0.
    pub ratio: Option<f64>,
    pub p: f64,
}

/// The overall Knox test for the first distance and time band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KnoxOverall {
    pub x: u64,
    pub n_s: u64,
    pub n_t: u64,
    pub pairs: u64,
    pub expected: f64,
    pub poisson_p: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearRepeat {
    /// Row-major: distance band outer, time band inner.
    pub cells: Vec<BandCell>,
    pub knox: KnoxOverall,
    /// Pairs within the last distance band (what each permutation re-bins).
    pub close_pairs: u64,
}

/// Checks a band list: non-empty, finite, > 0, strictly increasing.
pub fn check_bands(name: &'static str, bands: &[f64]) -> Result<(), AnalysisError> {
    let ok = !bands.is_empty()
        && bands.iter().all(|b| b.is_finite() && *b > 0.0)
        && bands.windows(2).all(|w| w[0] < w[1]);
    if ok {
        Ok(())
    } else {
        Err(AnalysisError::Parameter {
            name,
            expected: "a non-empty list of positive numbers in increasing order",
            value: bands
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(","),
        })
    }
}

/// The largest whole number of seconds `s` with `s as f64 / 86400.0 ≤ days` (≥ 0).
pub fn seconds_threshold(days: f64) -> i64 {
    let within = |s: i64| (s as f64) / 86400.0 <= days;
    let mut s = (days * 86400.0).floor() as i64;
    while s > 0 && !within(s) {
        s -= 1;
    }
    while within(s + 1) {
        s += 1;
    }
    s.max(0)
}

/// Band index of `value` among `uppers` (first band from 0 inclusive), None beyond the last.
fn band_of(value: f64, uppers: &[f64]) -> Option<usize> {
    uppers.iter().position(|&u| value <= u)
}

/// Pairs i < j within the last distance band, as compressed rows per distance band:
/// band b's partners of i are `js[b][offsets[b][i]..offsets[b][i + 1]]`.
struct ClosePairs {
    offsets: Vec<Vec<u32>>,
    js: Vec<Vec<u32>>,
}

impl ClosePairs {
    fn find(points: &[Coord<f64>], uppers: &[f64]) -> Self {
        let index = PointIndex::build(points);
        let reach = *uppers.last().expect("checked non-empty");
        let bands = uppers.len();
        // Per point: partners j > i with their band, sorted by (band, j).
        let rows: Vec<Vec<(u8, u32)>> = (0..points.len())
            .into_par_iter()
            .map(|i| {
                let mut row: Vec<(u8, u32)> = index
                    .within_with_distance(points[i], reach)
                    .into_iter()
                    .filter(|&(j, _)| j > i)
                    .filter_map(|(j, d)| band_of(d, uppers).map(|b| (b as u8, j as u32)))
                    .collect();
                row.sort_unstable();
                row
            })
            .collect();
        let mut offsets = vec![Vec::with_capacity(points.len() + 1); bands];
        let mut js = vec![Vec::new(); bands];
        for o in &mut offsets {
            o.push(0);
        }
        for row in &rows {
            for &(b, j) in row {
                js[b as usize].push(j);
            }
            for b in 0..bands {
                offsets[b].push(js[b].len() as u32);
            }
        }
        ClosePairs { offsets, js }
    }

    fn total(&self) -> u64 {
        self.js.iter().map(|j| j.len() as u64).sum()
    }
}

/// A time value in a lane: i32 seconds when the times span less than 2³¹ s (68 years), so
/// the compares vectorise on every x86-64 (SSE2 has 32-bit but no 64-bit compares), else i64.
trait Lane: Copy + Default + PartialOrd + Send + Sync {
    /// |a − b| (wrapping: the span check keeps it exact).
    fn gap(a: Self, b: Self) -> Self;
}

impl Lane for i32 {
    fn gap(a: Self, b: Self) -> Self {
        a.wrapping_sub(b).wrapping_abs()
    }
}

impl Lane for i64 {
    fn gap(a: Self, b: Self) -> Self {
        a.wrapping_sub(b).wrapping_abs()
    }
}

/// Per distance band and cumulative time threshold, per lane: pairs with gap ≤ T.
/// `times` holds `LANES` interleaved time columns (`times[i·LANES + l]`).
fn cumulative_counts<T: Lane>(
    pairs: &ClosePairs,
    times: &[T],
    thresholds: &[T],
) -> Vec<[u64; LANES]> {
    let nt = thresholds.len();
    let mut out = vec![[0u64; LANES]; pairs.js.len() * nt];
    for (b, (offsets, js)) in pairs.offsets.iter().zip(&pairs.js).enumerate() {
        // u32 lane counters (a band holds < 2³² pairs per lane), widened at the end.
        let mut acc = vec![[0u32; LANES]; nt];
        for i in 0..offsets.len() - 1 {
            let (lo, hi) = (offsets[i] as usize, offsets[i + 1] as usize);
            if lo == hi {
                continue;
            }
            let ti: [T; LANES] = times[i * LANES..(i + 1) * LANES].try_into().expect("lanes");
            for &j in &js[lo..hi] {
                let j = j as usize;
                let tj: &[T; LANES] = times[j * LANES..(j + 1) * LANES].try_into().expect("lanes");
                // Wrapping adds: counts stay below 2³², and debug builds then add no
                // overflow checks that would block SIMD.
                let gap: [T; LANES] = std::array::from_fn(|l| T::gap(ti[l], tj[l]));
                for (a, &limit) in acc.iter_mut().zip(thresholds) {
                    for (c, &g) in a.iter_mut().zip(&gap) {
                        *c = c.wrapping_add(u32::from(g <= limit));
                    }
                }
            }
        }
        for (t, a) in acc.iter().enumerate() {
            out[b * nt + t] = a.map(u64::from);
        }
    }
    out
}

/// Observed and permutation band counts with times of lane type `T`.
fn all_counts<T: Lane>(
    pairs: &ClosePairs,
    times: &[T],
    thresholds: &[T],
    params: &KnoxParams,
    nt: usize,
) -> (Vec<u64>, Vec<Vec<Vec<u64>>>) {
    let n = times.len();
    // Observed: every lane holds the real times; lane 0 is read.
    let mut lanes = vec![T::default(); n * LANES];
    for (i, &t) in times.iter().enumerate() {
        lanes[i * LANES..(i + 1) * LANES].fill(t);
    }
    let observed = band_counts(&cumulative_counts(pairs, &lanes, thresholds), nt, 0);
    // Permutations, LANES at a time; batch results are combined in batch order.
    let perms = params.permutations as usize;
    let batches = (0..perms.div_ceil(LANES))
        .into_par_iter()
        .map(|batch| {
            let first = batch * LANES;
            let used = LANES.min(perms - first);
            let mut lanes = vec![T::default(); n * LANES];
            for l in 0..LANES {
                // Unused lanes of the last batch repeat its first permutation (ignored below).
                let p = first + if l < used { l } else { 0 };
                let t = permuted_times(times, params.seed, p as u64);
                for (i, v) in t.into_iter().enumerate() {
                    lanes[i * LANES + l] = v;
                }
            }
            let cum = cumulative_counts(pairs, &lanes, thresholds);
            (0..used).map(|l| band_counts(&cum, nt, l)).collect()
        })
        .collect();
    (observed, batches)
}

/// Band counts (distance band outer, time band inner) from cumulative counts of one lane.
fn band_counts(cum: &[[u64; LANES]], bands_t: usize, lane: usize) -> Vec<u64> {
    let mut out = Vec::with_capacity(cum.len());
    for row in cum.chunks(bands_t) {
        let mut below = 0;
        for c in row {
            out.push(c[lane] - below);
            below = c[lane];
        }
    }
    out
}

/// The permuted times of one permutation: times shuffled by its own ChaCha8 stream.
pub fn permuted_times<T: Copy>(times: &[T], seed: u64, permutation: u64) -> Vec<T> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(permutation);
    let mut t = times.to_vec();
    t.shuffle(&mut rng);
    t
}

/// Pairs i < j with |t_i − t_j| ≤ `limit` seconds (sort, then a sliding window).
fn pairs_within_time(times: &[i64], limit: i64) -> u64 {
    let mut t = times.to_vec();
    t.par_sort_unstable();
    let mut count = 0u64;
    let mut lo = 0usize;
    for hi in 0..t.len() {
        while t[hi] - t[lo] > limit {
            lo += 1;
        }
        count += (hi - lo) as u64;
    }
    count
}

/// P(Pois(mean) ≥ x), via the regularised lower incomplete gamma function γ(x, mean)/Γ(x).
pub fn poisson_upper_tail(x: u64, mean: f64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    statrs::function::gamma::gamma_lr(x as f64, mean).clamp(0.0, 1.0)
}

/// Runs the test. `points` (lon/lat degrees) and `times` (seconds on any fixed clock, e.g.
/// local time as if UTC) are parallel.
///
/// Errors: slices of different lengths, a band list that is empty, not positive or not
/// increasing (named `distance_bands` / `time_bands`), zero permutations, fewer than two
/// reports, or more than 2³² − 1 reports.
pub fn near_repeat(
    points: &[Coord<f64>],
    times: &[i64],
    params: &KnoxParams,
) -> Result<NearRepeat, AnalysisError> {
    check_bands("distance_bands", &params.distance_m)?;
    check_bands("time_bands", &params.time_days)?;
    if params.permutations == 0 {
        return Err(AnalysisError::Parameter {
            name: "permutations",
            expected: "at least 1",
            value: "0".into(),
        });
    }
    if points.len() != times.len() {
        return Err(AnalysisError::Parameter {
            name: "times",
            expected: "one time per point",
            value: format!("{} times for {} points", times.len(), points.len()),
        });
    }
    if points.len() < 2 || points.len() > u32::MAX as usize {
        return Err(AnalysisError::Parameter {
            name: "input",
            expected: "between 2 and 4 294 967 295 reports",
            value: points.len().to_string(),
        });
    }
    if let Some(i) = points
        .iter()
        .position(|c| !super::hexgrid::valid_lon_lat(c))
    {
        return Err(AnalysisError::Parameter {
            name: "point",
            expected: "lon in [-180, 180] and lat in [-90, 90]",
            value: format!("#{i} ({}, {})", points[i].x, points[i].y),
        });
    }
    let n = points.len();
    let nd = params.distance_m.len();
    let nt = params.time_days.len();
    let thresholds: Vec<i64> = params
        .time_days
        .iter()
        .map(|&d| seconds_threshold(d))
        .collect();
    let pairs = ClosePairs::find(points, &params.distance_m);

    // Times relative to the earliest one: i32 lanes when the span allows (the shuffle and
    // the gaps are the same whatever the origin).
    let t0 = *times.iter().min().expect("at least two reports");
    let span = times.iter().max().expect("at least two reports") - t0;
    let (observed, batches) = if span <= i64::from(i32::MAX) {
        let rel: Vec<i32> = times.iter().map(|&t| (t - t0) as i32).collect();
        let th: Vec<i32> = thresholds
            .iter()
            .map(|&s| s.min(i64::from(i32::MAX)) as i32)
            .collect();
        all_counts(&pairs, &rel, &th, params, nt)
    } else {
        all_counts(&pairs, times, &thresholds, params, nt)
    };
    let perms = params.permutations as usize;
    let mut sum = vec![0u64; nd * nt];
    let mut at_least = vec![0u64; nd * nt];
    for counts in batches.iter().flatten() {
        for (k, &c) in counts.iter().enumerate() {
            sum[k] += c;
            at_least[k] += u64::from(c >= observed[k]);
        }
    }

    let mut cells = Vec::with_capacity(nd * nt);
    for d in 0..nd {
        for t in 0..nt {
            let k = d * nt + t;
            let expected = sum[k] as f64 / perms as f64;
            cells.push(BandCell {
                distance_lo: if d == 0 {
                    0.0
                } else {
                    params.distance_m[d - 1]
                },
                distance_hi: params.distance_m[d],
                time_lo: if t == 0 { 0.0 } else { params.time_days[t - 1] },
                time_hi: params.time_days[t],
                observed: observed[k],
                expected,
                ratio: (expected > 0.0).then(|| observed[k] as f64 / expected),
                p: (1 + at_least[k]) as f64 / (perms + 1) as f64,
            });
        }
    }

    let x = observed[0];
    let n_s = pairs.js[0].len() as u64;
    let n_t = pairs_within_time(times, thresholds[0]);
    let all = n as u64 * (n as u64 - 1) / 2;
    let expected = n_s as f64 * n_t as f64 / all as f64;
    Ok(NearRepeat {
        cells,
        knox: KnoxOverall {
            x,
            n_s,
            n_t,
            pairs: all,
            expected,
            poisson_p: poisson_upper_tail(x, expected),
        },
        close_pairs: pairs.total(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::haversine_m;

    const DAY: i64 = 86_400;

    /// Brute force over all pairs: the band counts of `times`.
    fn brute(points: &[Coord<f64>], times: &[i64], p: &KnoxParams) -> Vec<u64> {
        let nt = p.time_days.len();
        let mut out = vec![0u64; p.distance_m.len() * nt];
        for i in 0..points.len() {
            for j in i + 1..points.len() {
                let d = haversine_m(points[i], points[j]);
                let g = (times[i] - times[j]).abs() as f64 / 86400.0;
                if let (Some(bd), Some(bt)) = (band_of(d, &p.distance_m), band_of(g, &p.time_days))
                {
                    out[bd * nt + bt] += 1;
                }
            }
        }
        out
    }

    /// A point `metres` north of (107.59, 16.46) along the meridian (haversine = metres).
    fn north(metres: f64) -> Coord<f64> {
        Coord {
            x: 107.59,
            y: 16.46 + (metres / crate::index::EARTH_RADIUS_M).to_degrees(),
        }
    }

    fn params(perms: u32) -> KnoxParams {
        KnoxParams {
            distance_m: vec![100.0, 200.0],
            time_days: vec![7.0, 14.0],
            permutations: perms,
            seed: 1,
        }
    }

    #[test]
    fn hand_computed_four_reports() {
        // A at 0 m on day 0, B at 50 m on day 2, C at 160 m on day 10, D at 1000 m on day 1.
        // Pairs: A-B 50 m, 2 d → (0, 0); A-C 160 m, 10 d → (1, 1); B-C 110 m, 8 d → (1, 1);
        // A-D, B-D, C-D are farther than 200 m → no band.
        let pts = [north(0.0), north(50.0), north(160.0), north(1000.0)];
        let t = [0, 2 * DAY, 10 * DAY, DAY];
        let r = near_repeat(&pts, &t, &params(999)).unwrap();
        let o: Vec<u64> = r.cells.iter().map(|c| c.observed).collect();
        assert_eq!(o, vec![1, 0, 0, 2]);
        assert_eq!(r.close_pairs, 3);
        // Knox: N_s = 1 (A-B ≤ 100 m); gaps over all 6 pairs are 2, 10, 1, 8, 1, 9 days, so
        // N_t = 3 (≤ 7 d); P = 4·3/2 = 6; E = 1·3/6 = 0.5; X = 1;
        // p = P(Pois(0.5) ≥ 1) = 1 − e^−0.5 = 0.393469340287367.
        let k = r.knox;
        assert_eq!((k.x, k.n_s, k.n_t, k.pairs), (1, 1, 3, 6));
        assert_eq!(k.expected, 0.5);
        assert!((k.poisson_p - (1.0 - (-0.5f64).exp())).abs() < 1e-14);
        // Under random permutation each close pair gets the gap of a random pair of reports:
        // 3 of the 6 gaps are ≤ 7 d, 3 are in (7, 14], so E = 0.5·pairs per cell:
        // (0,0) 0.5, (0,1) 0.5, (1,0) 1.0, (1,1) 1.0 (Monte Carlo, 999 draws: ±0.1).
        for (c, e) in r.cells.iter().zip([0.5, 0.5, 1.0, 1.0]) {
            assert!((c.expected - e).abs() < 0.1, "{c:?}");
            assert!(c.ratio.unwrap().is_finite());
            assert!(c.p > 0.0 && c.p <= 1.0);
        }
        // O = 1 at (0, 0) is reached by about half the permutations: p ≈ (1 + 500)/1000.
        assert!((r.cells[0].p - 0.5).abs() < 0.06);
        // O = 0 at (0, 1): every permutation is ≥ 0, so p = 1000/1000.
        assert_eq!(r.cells[1].p, 1.0);
        assert_eq!((r.cells[1].distance_lo, r.cells[1].time_lo), (0.0, 7.0));
        assert_eq!(
            (r.cells[2].distance_lo, r.cells[2].distance_hi),
            (100.0, 200.0)
        );
    }

    #[test]
    fn band_edges_are_inclusive_above() {
        // Gap of exactly 7 days (date-only times at midnight) is in the first band; 7 days
        // and 1 second is in the second.
        assert_eq!(seconds_threshold(7.0), 7 * DAY);
        assert_eq!(seconds_threshold(0.1), 8640);
        assert_eq!(seconds_threshold(1e-9), 0);
        let pts = [north(0.0), north(10.0), north(20.0)];
        let t = [0, 7 * DAY, 14 * DAY + 1];
        let r = near_repeat(&pts, &t, &params(9)).unwrap();
        // Pairs: 0-1 7 d → t0; 1-2 7 d + 1 s → t1; 0-2 14 d + 1 s → none. All ≤ 100 m.
        let o: Vec<u64> = r.cells.iter().map(|c| c.observed).collect();
        assert_eq!(o, vec![1, 1, 0, 0]);
        // Distance 0 (same place) is in the first band.
        let r = near_repeat(&[north(0.0), north(0.0)], &[0, 0], &params(3)).unwrap();
        assert_eq!(r.cells[0].observed, 1);
    }

    #[test]
    fn matches_brute_force_for_observed_and_every_permutation() {
        use rand::Rng;
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut pts: Vec<Coord<f64>> = Vec::new();
        for _ in 0..60 {
            let c = north(rng.random_range(0.0..600.0));
            let dx: f64 = rng.random_range(0.0..0.004);
            pts.push(Coord {
                x: c.x + dx,
                y: c.y,
            });
        }
        let t: Vec<i64> = (0..60).map(|_| rng.random_range(0..40 * DAY)).collect();
        let p = KnoxParams {
            distance_m: vec![100.0, 250.0, 400.0],
            time_days: vec![3.0, 10.5, 30.0],
            permutations: 37, // two full batches of 16 and a partial one
            seed: 11,
        };
        let r = near_repeat(&pts, &t, &p).unwrap();
        let observed = brute(&pts, &t, &p);
        assert_eq!(
            r.cells.iter().map(|c| c.observed).collect::<Vec<_>>(),
            observed
        );
        let mut sum = [0u64; 9];
        let mut ge = [0u64; 9];
        for perm in 0..37 {
            let counts = brute(&pts, &permuted_times(&t, 11, perm), &p);
            for k in 0..9 {
                sum[k] += counts[k];
                ge[k] += (counts[k] >= observed[k]) as u64;
            }
        }
        for k in 0..9 {
            assert_eq!(r.cells[k].expected, sum[k] as f64 / 37.0);
            assert_eq!(r.cells[k].p, (1 + ge[k]) as f64 / 38.0);
        }
        // N_t by brute force.
        let lim = seconds_threshold(3.0);
        let mut n_t = 0;
        for i in 0..60 {
            for j in i + 1..60 {
                n_t += ((t[i] - t[j]).abs() <= lim) as u64;
            }
        }
        assert_eq!(r.knox.n_t, n_t);
        // Same seed, same answer; the permutations differ between seeds.
        assert_eq!(near_repeat(&pts, &t, &p).unwrap(), r);
        assert_ne!(permuted_times(&t, 11, 0), permuted_times(&t, 12, 0));
    }

    #[test]
    fn spans_beyond_i32_seconds_use_wide_lanes() {
        // 5·10⁹ s ≈ 158 years between the first report and the other two: the i64 path.
        // Pair 1-2 is 1 day apart (time band 0); 0-1 and 0-2 are beyond every band.
        let pts = [north(0.0), north(10.0), north(20.0)];
        let t = [0, 5_000_000_000, 5_000_000_000 + DAY];
        let r = near_repeat(&pts, &t, &params(20)).unwrap();
        let o: Vec<u64> = r.cells.iter().map(|c| c.observed).collect();
        assert_eq!(o, brute(&pts, &t, &params(20)));
        assert_eq!(o, vec![1, 0, 0, 0]);
        let mut sum = 0;
        for perm in 0..20 {
            sum += brute(&pts, &permuted_times(&t, 1, perm), &params(20))[0];
        }
        assert_eq!(r.cells[0].expected, sum as f64 / 20.0);
    }

    #[test]
    fn zero_expectation_gives_no_ratio() {
        // Two reports 30 days apart: no permutation can bring them within 7 days.
        let r = near_repeat(&[north(0.0), north(10.0)], &[0, 30 * DAY], &params(5)).unwrap();
        assert_eq!(r.cells[0].expected, 0.0);
        assert_eq!(r.cells[0].ratio, None);
        assert_eq!(r.knox.poisson_p, 1.0);
    }

    #[test]
    fn bad_parameters_are_named() {
        let pts = [north(0.0), north(1.0)];
        let t = [0, 1];
        let name = |p: KnoxParams| match near_repeat(&pts, &t, &p).unwrap_err() {
            AnalysisError::Parameter { name, .. } => name,
            e => panic!("{e:?}"),
        };
        let mut p = params(9);
        p.distance_m = vec![200.0, 100.0];
        assert_eq!(name(p), "distance_bands");
        let mut p = params(9);
        p.time_days = vec![7.0, 7.0];
        assert_eq!(name(p), "time_bands");
        let mut p = params(9);
        p.time_days = vec![];
        assert_eq!(name(p), "time_bands");
        let mut p = params(9);
        p.distance_m = vec![0.0, 10.0];
        assert_eq!(name(p), "distance_bands");
        assert_eq!(name(params(0)), "permutations");
        assert!(near_repeat(&pts[..1], &t[..1], &params(9)).is_err());
    }
}
