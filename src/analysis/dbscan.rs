//! DBSCAN over great-circle distance, exactly per the contract in ARCHITECTURE.md.
//!
//! Semantics (those of scikit-learn's `DBSCAN(metric="haversine")`):
//! - `j` is a neighbour of `i` iff the haversine distance (R = 6 371 008.8 m) is ≤ `eps_m`;
//!   every point is its own neighbour;
//! - a point is *core* iff it has ≥ `min_pts` neighbours (itself included);
//! - clusters are the connected components of core points under the neighbour relation,
//!   numbered 0..k-1 in the order of their first core point in input order;
//! - a non-core point within `eps_m` of a core point is a *border* point and takes the lowest
//!   label among the clusters with a core point within `eps_m` (scikit-learn expands clusters
//!   in label order and a border point keeps the first label it gets); otherwise it is noise.
//!
//! # How it is fast
//! Points go into a sparse grid of cubes (sorted by key) over their unit-sphere xyz position. The cube's
//! diagonal is a hair shorter than the chord that corresponds to `eps_m`, so all points of one
//! cube are mutual neighbours: a cube holding ≥ `min_pts` points makes them all core without
//! any distance computation, and the core points of one cube always belong to one cluster
//! (so the union-find runs over cubes, not points). Only cubes within two steps on each axis
//! can hold neighbours; they are found by walking the sorted cube keys, without hashing.
//! For eps under ~11 m the cubes would be too small for the packed keys, so they are made
//! larger than eps and every pair is tested instead (same results, less shortcutting). Neighbour counting stops at
//! `min_pts`, whole cubes are counted at once when their bounding box lies inside the radius,
//! and cluster merging needs a single close core pair per pair of cubes (then a union-find).
//! Distances are tested on the chord first; only pairs within rounding distance of `eps_m`
//! pay for an exact haversine, so the outcome is the exact haversine outcome.
//!
//! Core detection, cube merging and border assignment run on rayon; each step computes a pure
//! function per cube and the results are combined in cube order, so the output is identical
//! to a single-thread run.

use crate::index::{EARTH_RADIUS_M, chord_for_m, haversine_m, unit_xyz};
use geo::Coord;
use rayon::prelude::*;

/// Label of points in no cluster.
pub const NOISE: i32 = -1;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DbscanParams {
    /// Neighbourhood radius in metres (neighbour iff haversine distance ≤ eps).
    pub eps_m: f64,
    /// Minimum neighbourhood size, the point itself included (scikit-learn's `min_samples`).
    pub min_pts: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Per input point: cluster 0..k-1 numbered by first core point in input order, or -1.
    pub labels: Vec<i32>,
    /// Per input point: is it a core point.
    pub core: Vec<bool>,
    pub cluster_count: usize,
}

/// Clusters `points` (lon/lat degrees).
///
/// ```
/// use hotspot::analysis::dbscan::{dbscan, DbscanParams, NOISE};
/// use geo::coord;
/// let pts = [
///     coord! { x: 107.5900, y: 16.4600 },
///     coord! { x: 107.5901, y: 16.4600 },
///     coord! { x: 107.5902, y: 16.4600 },
///     coord! { x: 107.6500, y: 16.4600 },
/// ];
/// let c = dbscan(&pts, &DbscanParams { eps_m: 15.0, min_pts: 2 }).unwrap();
/// assert_eq!(c.labels, vec![0, 0, 0, NOISE]);
/// assert_eq!(c.cluster_count, 1);
/// ```
pub fn dbscan(
    points: &[Coord<f64>],
    params: &DbscanParams,
) -> Result<Clustering, super::AnalysisError> {
    validate(params)?;
    if points.len() >= u32::MAX as usize {
        return Err(super::AnalysisError::Parameter {
            name: "points",
            expected: "fewer than 2^32 - 1",
            value: points.len().to_string(),
        });
    }
    if points.is_empty() {
        return Ok(Clustering {
            labels: Vec::new(),
            core: Vec::new(),
            cluster_count: 0,
        });
    }
    let mut grid = Grid::build(points, params.eps_m);
    let core_sorted = grid.core_flags(params.min_pts);
    let mut core = vec![false; points.len()];
    for (pos, &p) in grid.order.iter().enumerate() {
        core[p as usize] = core_sorted[pos];
    }
    let cells = grid.partition_cores(&core);
    let (labels_core, cluster_count) = label_components(&grid, &cells, &core);
    let labels = grid.assign_borders(&cells, &core, labels_core);
    Ok(Clustering {
        labels,
        core,
        cluster_count,
    })
}

fn validate(params: &DbscanParams) -> Result<(), super::AnalysisError> {
    if !(params.eps_m.is_finite() && params.eps_m > 0.0) {
        return Err(super::AnalysisError::Parameter {
            name: "eps_m",
            expected: "a finite number > 0",
            value: params.eps_m.to_string(),
        });
    }
    if params.min_pts < 1 {
        return Err(super::AnalysisError::Parameter {
            name: "min_pts",
            expected: "an integer ≥ 1",
            value: params.min_pts.to_string(),
        });
    }
    Ok(())
}

/// Integer cube coordinates of a grid cell, biased and packed into 21 bits each so that
/// numeric order is lexicographic (x, y, z) order and sorting moves 16-byte items.
type CellKey = u64;

const KEY_BIAS: i64 = 1 << 20;

/// Smallest cube side (unit-sphere units): keeps |coordinate| ≤ 10⁶ + 1 so that coordinates
/// plus stencil offsets fit the 21-bit fields. Below it (eps under ~11 m) cubes are no longer
/// cliques and every pair is tested.
const MIN_SIDE: f64 = 1e-6;

fn pack([x, y, z]: [i64; 3]) -> CellKey {
    ((x + KEY_BIAS) as u64) << 42 | ((y + KEY_BIAS) as u64) << 21 | (z + KEY_BIAS) as u64
}

fn unpack(k: CellKey) -> [i64; 3] {
    let field = |shift: u32| ((k >> shift) & ((1 << 21) - 1)) as i64 - KEY_BIAS;
    [field(42), field(21), field(0)]
}

/// Axis-aligned box of a cell's points in xyz.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    lo: [f64; 3],
    hi: [f64; 3],
}

// Loops over the three axes read best indexed.
#[allow(clippy::needless_range_loop)]
impl Bounds {
    fn of<'a>(pts: impl Iterator<Item = &'a [f64; 3]>) -> Self {
        let mut b = Bounds {
            lo: [f64::INFINITY; 3],
            hi: [f64::NEG_INFINITY; 3],
        };
        for p in pts {
            for k in 0..3 {
                b.lo[k] = b.lo[k].min(p[k]);
                b.hi[k] = b.hi[k].max(p[k]);
            }
        }
        b
    }
    /// Squared distance between two boxes.
    fn box_dist2(&self, other: &Bounds) -> f64 {
        let mut s = 0.0;
        for k in 0..3 {
            let d = (self.lo[k] - other.hi[k])
                .max(other.lo[k] - self.hi[k])
                .max(0.0);
            s += d * d;
        }
        s
    }
    /// Squared distance from `p` to the nearest point of the box.
    fn min_dist2(&self, p: &[f64; 3]) -> f64 {
        let mut s = 0.0;
        for k in 0..3 {
            let d = (self.lo[k] - p[k]).max(p[k] - self.hi[k]).max(0.0);
            s += d * d;
        }
        s
    }
    /// Squared distance from `p` to the farthest corner of the box.
    fn max_dist2(&self, p: &[f64; 3]) -> f64 {
        let mut s = 0.0;
        for k in 0..3 {
            let d = (p[k] - self.lo[k]).abs().max((self.hi[k] - p[k]).abs());
            s += d * d;
        }
        s
    }
}

fn dist2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    dx * dx + dy * dy + dz * dz
}

/// Points bucketed into cubes of the unit-sphere grid, with each cube's neighbour cubes.
struct Grid<'a> {
    coords: &'a [Coord<f64>],
    eps_m: f64,
    /// Unit-sphere position per input point.
    xyz: Vec<[f64; 3]>,
    /// Input indices grouped by cell (ascending within a cell).
    order: Vec<u32>,
    /// Cell `c` holds `order[cell_start[c]..cell_start[c + 1]]`.
    cell_start: Vec<u32>,
    /// Cell of each input point.
    cell_of: Vec<u32>,
    /// Neighbour cells of `c` (itself excluded): `nbr[nbr_start[c]..nbr_start[c + 1]]`.
    nbr_start: Vec<u32>,
    nbr: Vec<u32>,
    /// Bounding box per cell.
    bounds: Vec<Bounds>,
    /// Squared chords: below `sure_in2` a pair is certainly within eps, above `sure_out2`
    /// certainly not; in between the haversine decides.
    sure_in2: f64,
    sure_out2: f64,
    /// All points of one cell are mutual neighbours.
    cells_are_cliques: bool,
}

impl<'a> Grid<'a> {
    fn build(coords: &'a [Coord<f64>], eps_m: f64) -> Self {
        let chord = chord_for_m(eps_m);
        // Covers rounding in xyz (~1e-16) and haversine (~1e-9 relative for tiny angles).
        let margin = 1e-12 + 1e-9 * chord;
        let sure_in = chord - margin;
        let sure_out = chord + margin;
        let clique_side = (chord - 2.0 * margin) / 3f64.sqrt();
        let cells_are_cliques = chord - 2.0 * margin > 0.5 * chord && clique_side >= MIN_SIDE;
        let side = if cells_are_cliques {
            clique_side
        } else {
            sure_out.max(MIN_SIDE)
        };
        let reach = (sure_out / side).ceil() as i64;

        let xyz: Vec<[f64; 3]> = coords.par_iter().map(|&c| unit_xyz(c)).collect();
        let key_of = |p: &[f64; 3]| {
            pack([
                (p[0] / side).floor() as i64,
                (p[1] / side).floor() as i64,
                (p[2] / side).floor() as i64,
            ])
        };
        let mut keyed: Vec<(CellKey, u32)> = xyz
            .par_iter()
            .enumerate()
            .map(|(i, p)| (key_of(p), i as u32))
            .collect();
        keyed.par_sort_unstable();

        let mut order = Vec::with_capacity(keyed.len());
        let mut cell_start = Vec::new();
        let mut keys = Vec::new();
        for (pos, &(k, i)) in keyed.iter().enumerate() {
            if pos == 0 || keyed[pos - 1].0 != k {
                cell_start.push(pos as u32);
                keys.push(k);
            }
            order.push(i);
        }
        cell_start.push(order.len() as u32);
        drop(keyed);
        let mut cell_of = vec![0u32; order.len()];
        for c in 0..keys.len() {
            for &i in &order[cell_start[c] as usize..cell_start[c + 1] as usize] {
                cell_of[i as usize] = c as u32;
            }
        }

        let bounds: Vec<Bounds> = (0..keys.len())
            .into_par_iter()
            .map(|c| {
                let r = cell_start[c] as usize..cell_start[c + 1] as usize;
                Bounds::of(order[r].iter().map(|&i| &xyz[i as usize]))
            })
            .collect();

        let (nbr_start, nbr) = neighbour_lists(&keys, &bounds, reach, sure_out * sure_out);

        Grid {
            coords,
            eps_m,
            xyz,
            order,
            cell_start,
            cell_of,
            nbr_start,
            nbr,
            bounds,
            sure_in2: if sure_in > 0.0 {
                sure_in * sure_in
            } else {
                -1.0
            },
            sure_out2: sure_out * sure_out,
            cells_are_cliques,
        }
    }

    fn cell_count(&self) -> usize {
        self.cell_start.len() - 1
    }

    fn members(&self, c: usize) -> &[u32] {
        &self.order[self.cell_start[c] as usize..self.cell_start[c + 1] as usize]
    }

    fn neighbours(&self, c: usize) -> &[u32] {
        &self.nbr[self.nbr_start[c] as usize..self.nbr_start[c + 1] as usize]
    }

    /// Exact contract test: haversine(i, j) ≤ eps.
    #[inline]
    fn near(&self, i: u32, j: u32) -> bool {
        let d2 = dist2(&self.xyz[i as usize], &self.xyz[j as usize]);
        if d2 <= self.sure_in2 {
            true
        } else if d2 > self.sure_out2 {
            false
        } else {
            haversine_m(self.coords[i as usize], self.coords[j as usize]) <= self.eps_m
        }
    }

    /// Core flag per position of `order`.
    fn core_flags(&self, min_pts: usize) -> Vec<bool> {
        (0..self.cell_count())
            .into_par_iter()
            .flat_map_iter(|c| {
                let own = self.members(c);
                let dense = self.cells_are_cliques && own.len() >= min_pts;
                own.iter()
                    .map(move |&p| dense || self.is_core(c, p, min_pts))
            })
            .collect()
    }

    /// Counts neighbours of `p` (in cell `c`) until `min_pts` is reached.
    fn is_core(&self, c: usize, p: u32, min_pts: usize) -> bool {
        let own = self.members(c);
        let mut count = if self.cells_are_cliques {
            own.len()
        } else {
            own.iter().filter(|&&q| self.near(p, q)).count()
        };
        if count >= min_pts {
            return true;
        }
        let xp = &self.xyz[p as usize];
        for &d in self.neighbours(c) {
            let b = &self.bounds[d as usize];
            if b.min_dist2(xp) > self.sure_out2 {
                continue;
            }
            let others = self.members(d as usize);
            if b.max_dist2(xp) <= self.sure_in2 {
                count += others.len();
            } else {
                for &q in others {
                    if self.near(p, q) {
                        count += 1;
                        if count >= min_pts {
                            return true;
                        }
                    }
                }
            }
            if count >= min_pts {
                return true;
            }
        }
        false
    }

    /// Reorders each cell's members so that core points come first; returns per cell the
    /// number of core points and the bounding box of the core points.
    fn partition_cores(&mut self, core: &[bool]) -> Cells {
        // Cores then the rest, each in ascending input order.
        let order: Vec<u32> = (0..self.cell_count())
            .into_par_iter()
            .flat_map_iter(|c| {
                let m = self.members(c);
                let cores = m.iter().copied().filter(|&i| core[i as usize]);
                cores.chain(m.iter().copied().filter(|&i| !core[i as usize]))
            })
            .collect();
        self.order = order;
        let core_len: Vec<u32> = (0..self.cell_count())
            .into_par_iter()
            .map(|c| {
                let m = self.members(c);
                m.iter().take_while(|&&i| core[i as usize]).count() as u32
            })
            .collect();
        let core_bounds = (0..self.cell_count())
            .into_par_iter()
            .map(|c| {
                let m = &self.members(c)[..core_len[c] as usize];
                Bounds::of(m.iter().map(|&i| &self.xyz[i as usize]))
            })
            .collect();
        Cells {
            core_len,
            core_bounds,
        }
    }

    fn cores(&self, cells: &Cells, c: usize) -> &[u32] {
        &self.members(c)[..cells.core_len[c] as usize]
    }

    /// Union-find edges found from cell `c` (to cells with larger ids). When cells are
    /// cliques the union-find runs over cells (a cell's cores form one component) and an edge
    /// joins two cells; otherwise it runs over points and an edge joins two core points.
    fn core_edges(&self, cells: &Cells, c: usize) -> Vec<(u32, u32)> {
        let mine = self.cores(cells, c);
        let mut edges = Vec::new();
        if mine.is_empty() {
            return edges;
        }
        if !self.cells_are_cliques {
            for (k, &p) in mine.iter().enumerate() {
                edges.extend(
                    mine[k + 1..]
                        .iter()
                        .filter(|&&q| self.near(p, q))
                        .map(|&q| (p, q)),
                );
            }
        }
        for &d in self.neighbours(c) {
            let d = d as usize;
            if d < c || cells.core_len[d] == 0 {
                continue;
            }
            let b = &cells.core_bounds[d];
            let theirs = self.cores(cells, d);
            'pairs: for &p in mine {
                if b.min_dist2(&self.xyz[p as usize]) > self.sure_out2 {
                    continue;
                }
                for &q in theirs {
                    if self.near(p, q) {
                        if self.cells_are_cliques {
                            // One link joins the two (internally connected) cells.
                            edges.push((c as u32, d as u32));
                            break 'pairs;
                        }
                        edges.push((p, q));
                    }
                }
            }
        }
        edges
    }

    /// Final labels: core labels as given, border points the lowest label of a core within
    /// eps, noise otherwise.
    fn assign_borders(&self, cells: &Cells, core: &[bool], mut labels: Vec<i32>) -> Vec<i32> {
        let border: Vec<(u32, i32)> = (0..self.cell_count())
            .into_par_iter()
            .flat_map_iter(|c| {
                let rest = &self.members(c)[cells.core_len[c] as usize..];
                let labels = &labels;
                rest.iter().map(move |&p| {
                    debug_assert!(!core[p as usize]);
                    let xp = &self.xyz[p as usize];
                    let mut best = i32::MAX;
                    for d in std::iter::once(c as u32).chain(self.neighbours(c).iter().copied()) {
                        let d = d as usize;
                        let theirs = self.cores(cells, d);
                        if theirs.is_empty()
                            || (self.cells_are_cliques && labels[theirs[0] as usize] >= best)
                            || cells.core_bounds[d].min_dist2(xp) > self.sure_out2
                        {
                            continue;
                        }
                        for &q in theirs {
                            let l = labels[q as usize];
                            if l < best && self.near(p, q) {
                                best = l;
                                if self.cells_are_cliques {
                                    break; // every core of a cell has the same label
                                }
                            }
                        }
                    }
                    (p, if best == i32::MAX { NOISE } else { best })
                })
            })
            .collect();
        for (p, l) in border {
            labels[p as usize] = l;
        }
        labels
    }
}

/// Per-cell core bookkeeping after core detection.
struct Cells {
    core_len: Vec<u32>,
    core_bounds: Vec<Bounds>,
}

/// For every cell, the other cells that may hold neighbours (CSR: starts, list).
///
/// Cells are sorted by key, and translating every key by one offset keeps that order, so for
/// each (dx, dy) column offset a pointer walks forward through the sorted keys: no hashing,
/// and memory is read in a few sequential streams. A candidate cell is kept when the bounding
/// boxes of the two cells' points are within `reach2` (squared chord).
fn neighbour_lists(
    keys: &[CellKey],
    bounds: &[Bounds],
    reach: i64,
    reach2: f64,
) -> (Vec<u32>, Vec<u32>) {
    let columns: Vec<(i64, i64)> = (-reach..=reach)
        .flat_map(|dx| (-reach..=reach).map(move |dy| (dx, dy)))
        .collect();
    let n = keys.len();
    let chunk = (n / (rayon::current_num_threads() * 8)).max(2048);
    let parts: Vec<(Vec<u32>, Vec<u32>)> = (0..n.div_ceil(chunk))
        .into_par_iter()
        .map(|part| {
            let (a, b) = (part * chunk, ((part + 1) * chunk).min(n));
            let lower = |c: usize, (dx, dy): (i64, i64)| {
                let k = unpack(keys[c]);
                pack([k[0] + dx, k[1] + dy, k[2] - reach])
            };
            let mut ptr: Vec<usize> = columns
                .iter()
                .map(|&o| {
                    let lo = lower(a, o);
                    keys.partition_point(|k| *k < lo)
                })
                .collect();
            let mut list = Vec::new();
            let mut lens = Vec::with_capacity(b - a);
            for c in a..b {
                let before = list.len();
                let k = unpack(keys[c]);
                for (o, &(dx, dy)) in columns.iter().enumerate() {
                    let lo = lower(c, (dx, dy));
                    let hi = pack([k[0] + dx, k[1] + dy, k[2] + reach]);
                    let mut p = ptr[o];
                    while p < n && keys[p] < lo {
                        p += 1;
                    }
                    ptr[o] = p;
                    while p < n && keys[p] <= hi {
                        if p != c && bounds[p].box_dist2(&bounds[c]) <= reach2 {
                            list.push(p as u32);
                        }
                        p += 1;
                    }
                }
                lens.push((list.len() - before) as u32);
            }
            (list, lens)
        })
        .collect();
    let total: usize = parts.iter().map(|(l, _)| l.len()).sum();
    let mut start = Vec::with_capacity(n + 1);
    let mut list = Vec::with_capacity(total);
    start.push(0u32);
    for (l, lens) in parts {
        list.extend_from_slice(&l);
        for len in lens {
            let last = *start.last().unwrap();
            start.push(last + len);
        }
    }
    (start, list)
}

/// Connected components of core points, numbered by first core point in input order.
/// Returns labels (core points labelled, everything else NOISE) and the cluster count.
fn label_components(grid: &Grid<'_>, cells: &Cells, core: &[bool]) -> (Vec<i32>, usize) {
    let edges: Vec<Vec<(u32, u32)>> = (0..grid.cell_count())
        .into_par_iter()
        .map(|c| grid.core_edges(cells, c))
        .collect();
    let n = core.len();
    let mut uf = UnionFind::new(if grid.cells_are_cliques {
        grid.cell_count()
    } else {
        n
    });
    for list in &edges {
        for &(a, b) in list {
            uf.union(a, b);
        }
    }
    drop(edges);
    let mut labels = vec![NOISE; n];
    let mut root_label = vec![NOISE; uf.parent.len()];
    let mut next = 0i32;
    for i in 0..n {
        if core[i] {
            let element = if grid.cells_are_cliques {
                grid.cell_of[i]
            } else {
                i as u32
            };
            let r = uf.find(element) as usize;
            if root_label[r] == NOISE {
                root_label[r] = next;
                next += 1;
            }
            labels[i] = root_label[r];
        }
    }
    (labels, next as usize)
}

/// Union-find with path halving and union by size.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }
}

/// Metres per degree of latitude with the contract radius (handy for building test data).
pub const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalysisError;
    use geo::coord;
    use proptest::prelude::*;

    /// scikit-learn's algorithm, verbatim: full neighbourhoods, then `dbscan_inner`'s
    /// depth-first expansion in input order.
    fn naive(points: &[Coord<f64>], eps: f64, min_pts: usize) -> (Vec<i32>, Vec<bool>) {
        let n = points.len();
        let nb: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                (0..n)
                    .filter(|&j| haversine_m(points[i], points[j]) <= eps)
                    .collect()
            })
            .collect();
        let core: Vec<bool> = nb.iter().map(|v| v.len() >= min_pts).collect();
        let mut labels = vec![NOISE; n];
        let mut label_num = 0;
        let mut stack = Vec::new();
        for start in 0..n {
            if labels[start] != NOISE || !core[start] {
                continue;
            }
            let mut i = start;
            loop {
                if labels[i] == NOISE {
                    labels[i] = label_num;
                    if core[i] {
                        stack.extend(nb[i].iter().copied().filter(|&v| labels[v] == NOISE));
                    }
                }
                match stack.pop() {
                    Some(v) => i = v,
                    None => break,
                }
            }
            label_num += 1;
        }
        (labels, core)
    }

    fn run(points: &[Coord<f64>], eps_m: f64, min_pts: usize) -> Clustering {
        dbscan(points, &DbscanParams { eps_m, min_pts }).unwrap()
    }

    /// A point `north_m` metres north of (lon, lat) along the meridian.
    fn north_of(lon: f64, lat: f64, north_m: f64) -> Coord<f64> {
        coord! { x: lon, y: lat + north_m / METRES_PER_DEGREE }
    }

    #[test]
    fn chain_is_one_cluster_with_border_ends() {
        let pts: Vec<_> = (0..10)
            .map(|k| north_of(106.7, 10.8, 10.0 * k as f64))
            .collect();
        let c = run(&pts, 10.5, 3);
        assert_eq!(c.labels, vec![0; 10]);
        let mut core = vec![true; 10];
        core[0] = false;
        core[9] = false;
        assert_eq!(c.core, core);
        assert_eq!(c.cluster_count, 1);
    }

    #[test]
    fn border_between_two_clusters_takes_lowest_label() {
        // Metres along a meridian: cluster A at 17..20, border B at 10, cluster C at 0..3.
        let a: Vec<_> = [17.0, 18.0, 19.0, 20.0]
            .iter()
            .map(|&m| north_of(105.8, 21.0, m))
            .collect();
        let b = north_of(105.8, 21.0, 10.0);
        let c: Vec<_> = [0.0, 1.0, 2.0, 3.0]
            .iter()
            .map(|&m| north_of(105.8, 21.0, m))
            .collect();
        // B first, then A, then C: A is cluster 0 and wins B.
        let mut pts = vec![b];
        pts.extend(&a);
        pts.extend(&c);
        let r = run(&pts, 7.5, 4);
        assert_eq!(r.labels, vec![0, 0, 0, 0, 0, 1, 1, 1, 1]);
        assert!(!r.core[0]);
        // C listed first: C is cluster 0 and wins B.
        let mut pts = c.clone();
        pts.extend(&a);
        pts.push(b);
        let r = run(&pts, 7.5, 4);
        assert_eq!(r.labels, vec![0, 0, 0, 0, 1, 1, 1, 1, 0]);
        assert_eq!(r.cluster_count, 2);
    }

    #[test]
    fn duplicates_count_each_copy() {
        let p = coord! { x: 107.58, y: 16.46 };
        let pts = vec![p; 5];
        assert_eq!(run(&pts, 1.0, 5).labels, vec![0; 5]);
        let r = run(&pts, 1.0, 6);
        assert_eq!(r.labels, vec![NOISE; 5]);
        assert_eq!(r.cluster_count, 0);
    }

    #[test]
    fn far_apart_points_are_all_noise() {
        let pts: Vec<_> = (0..20)
            .map(|k| north_of(106.0, 10.0, 500.0 * k as f64))
            .collect();
        let r = run(&pts, 100.0, 2);
        assert_eq!(r.labels, vec![NOISE; 20]);
        assert_eq!(r.core, vec![false; 20]);
    }

    #[test]
    fn min_pts_one_makes_every_point_a_cluster_seed() {
        let pts = vec![
            north_of(106.0, 10.0, 1000.0),
            north_of(106.0, 10.0, 0.0),
            north_of(106.0, 10.0, 1005.0),
            north_of(106.0, 10.0, 3000.0),
        ];
        let r = run(&pts, 10.0, 1);
        assert_eq!(r.labels, vec![0, 1, 0, 2]);
        assert_eq!(r.core, vec![true; 4]);
        assert_eq!(r.cluster_count, 3);
    }

    #[test]
    fn clusters_span_the_pole_and_the_antimeridian() {
        // Four points 0.0001° from the north pole at longitudes 90° apart: ~15.7 m to the
        // neighbours, ~22.2 m across.
        let pole: Vec<_> = [0.0, 90.0, 180.0, -90.0]
            .iter()
            .map(|&lon| coord! { x: lon, y: 89.9999 })
            .collect();
        assert_eq!(run(&pole, 16.0, 3).labels, vec![0; 4]);
        assert_eq!(run(&pole, 15.0, 2).labels, vec![NOISE; 4]);
        // Antimeridian: 179.9999 and -179.9999 are 22.2 m apart on the equator.
        let am = vec![
            coord! { x: 179.9999, y: 0.0 },
            coord! { x: -179.9999, y: 0.0 },
            coord! { x: -179.9999, y: 0.00005 },
        ];
        let r = run(&am, 25.0, 3);
        assert_eq!(r.labels, vec![0, 0, 0]);
        assert_eq!(r.core, vec![true; 3]);
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        let pts = [coord! { x: 0.0, y: 0.0 }];
        for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = dbscan(
                &pts,
                &DbscanParams {
                    eps_m: eps,
                    min_pts: 3,
                },
            )
            .unwrap_err();
            assert!(matches!(e, AnalysisError::Parameter { name: "eps_m", .. }));
        }
        let e = dbscan(
            &pts,
            &DbscanParams {
                eps_m: 1.0,
                min_pts: 0,
            },
        )
        .unwrap_err();
        assert!(matches!(
            e,
            AnalysisError::Parameter {
                name: "min_pts",
                ..
            }
        ));
        assert_eq!(run(&[], 1.0, 1).labels, Vec::<i32>::new());
    }

    #[test]
    fn tiny_and_huge_eps_match_naive() {
        let pts: Vec<_> = (0..40)
            .map(|k| coord! { x: 106.0 + (k % 7) as f64 * 1e-9, y: 10.0 + (k / 7) as f64 * 3e-9 })
            .collect();
        for (eps, m) in [(1e-5, 2), (2e-4, 3), (1e-3, 4), (3e7, 40), (3e7, 41)] {
            assert_eq!(run(&pts, eps, m).labels, naive(&pts, eps, m).0, "eps {eps}");
        }
    }

    /// Larger Gaussian-ish blobs with noise: compare with the reference and check that a
    /// single-thread pool gives the identical answer.
    #[test]
    fn dense_blobs_match_naive_and_single_thread() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut pts = Vec::new();
        for k in 0..1500 {
            let (cx, cy, spread) = match k % 3 {
                0 => (106.70, 10.77, 0.0004),
                1 => (106.71, 10.78, 0.0008),
                _ => (106.70, 10.78, 0.01),
            };
            pts.push(coord! { x: cx + rng.random_range(-spread..spread), y: cy + rng.random_range(-spread..spread) });
        }
        let par = run(&pts, 20.0, 6);
        let (labels, core) = naive(&pts, 20.0, 6);
        assert_eq!(par.labels, labels);
        assert_eq!(par.core, core);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let single = pool.install(|| run(&pts, 20.0, 6));
        assert_eq!(single, par);
    }

    fn region() -> impl Strategy<Value = (f64, f64)> {
        prop_oneof![
            Just((106.70, 10.77)),
            Just((179.9995, 0.0)),
            Just((0.0, 89.9995)),
            Just((-45.0, -89.9995)),
        ]
    }

    /// Up to 60 points in a ~200 m box around `centre`, with repeated locations.
    fn cloud() -> impl Strategy<Value = Vec<Coord<f64>>> {
        region().prop_flat_map(|(lon, lat)| {
            prop::collection::vec((0.0..0.002f64, 0.0..0.002f64, 0..4u8), 0..60).prop_map(
                move |v| {
                    let mut out: Vec<Coord<f64>> = Vec::with_capacity(v.len());
                    for (dx, dy, dup) in v {
                        if dup == 0 && !out.is_empty() {
                            out.push(out[out.len() / 2]);
                        } else {
                            let x = lon + dx - 0.001;
                            let x = if x > 180.0 { x - 360.0 } else { x };
                            out.push(coord! { x: x, y: (lat + dy - 0.001).min(90.0) });
                        }
                    }
                    out
                },
            )
        })
    }

    proptest! {
        #[test]
        fn equals_scikit_learn_reference(pts in cloud(), eps in 1.0..80.0f64, min_pts in 1usize..7) {
            let got = run(&pts, eps, min_pts);
            let (labels, core) = naive(&pts, eps, min_pts);
            prop_assert_eq!(&got.labels, &labels);
            prop_assert_eq!(&got.core, &core);
            prop_assert_eq!(got.cluster_count, labels.iter().filter(|&&l| l >= 0).map(|&l| l + 1).max().unwrap_or(0) as usize);
        }

        #[test]
        fn result_is_a_valid_dbscan(pts in cloud(), eps in 1.0..80.0f64, min_pts in 1usize..7) {
            let r = run(&pts, eps, min_pts);
            let near = |i: usize, j: usize| haversine_m(pts[i], pts[j]) <= eps;
            let n = pts.len();
            // Labels are numbered by first core point in input order.
            let mut next = 0;
            for i in (0..n).filter(|&i| r.core[i]) {
                prop_assert!(r.labels[i] >= 0 && r.labels[i] <= next);
                if r.labels[i] == next { next += 1; }
            }
            prop_assert_eq!(next as usize, r.cluster_count);
            for i in 0..n {
                let count = (0..n).filter(|&j| near(i, j)).count();
                prop_assert_eq!(r.core[i], count >= min_pts);
                for j in 0..n {
                    if r.core[i] && r.core[j] && near(i, j) {
                        prop_assert_eq!(r.labels[i], r.labels[j]);
                    }
                    if r.core[j] && near(i, j) {
                        prop_assert!(r.labels[i] != NOISE);
                    }
                }
                if !r.core[i] && r.labels[i] != NOISE {
                    prop_assert!((0..n).any(|j| r.core[j] && near(i, j) && r.labels[j] == r.labels[i]));
                }
            }
        }
    }
}
