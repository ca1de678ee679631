//! A packed R-tree in SQLite's own on-disk form, so the GeoPackage writer fills
//! `rtree_<t>_geom` by writing its three shadow tables in bulk instead of inserting a
//! million boxes one by one through the `rtree` module (each insert reads and rewrites
//! node blobs through SQL, which made the index most of a 50 s export). GDAL's GeoPackage
//! driver loads its R-trees the same way (`gdal_sqlite_rtree_bulk_load`).
//!
//! The form (SQLite `ext/rtree/rtree.c`): node `1` is the root; every node is a blob of the
//! table's node size (the length of the root blob SQLite wrote at `CREATE VIRTUAL TABLE`),
//! starting with the tree depth (big-endian `u16`, root only; 0 = the root is a leaf) and the
//! cell count (`u16`), then cells of 24 bytes: a big-endian `i64` (the feature's rowid in a
//! leaf, a child node number above) and `minx, maxx, miny, maxy` as big-endian `f32`,
//! rounded outwards so the stored box always contains the exact one. `_rowid` maps each
//! feature to its leaf, `_parent` each non-root node to its parent.
//!
//! Entries are expected in a spatially coherent order (the writer sorts them along a
//! Hilbert curve), so consecutive runs make tight nodes; runs are packed full, bottom up.

/// Bytes of one 2-D cell: the id and four `f32` coordinates.
pub const CELL_BYTES: usize = 8 + 4 * 4;

/// The shadow-table rows of a packed tree.
#[derive(Debug, Default, PartialEq)]
pub struct Packed {
    /// `(nodeno, data)`, the root (1) first.
    pub nodes: Vec<(i64, Vec<u8>)>,
    /// `(rowid, nodeno)`: the leaf holding each entry.
    pub rowids: Vec<(i64, i64)>,
    /// `(nodeno, parentnode)` of every node but the root.
    pub parents: Vec<(i64, i64)>,
}

/// The largest `f32` not above `d`.
fn down(d: f64) -> f32 {
    let f = d as f32;
    if f64::from(f) > d { f.next_down() } else { f }
}

/// The smallest `f32` not below `d`.
fn up(d: f64) -> f32 {
    let f = d as f32;
    if f64::from(f) < d { f.next_up() } else { f }
}

/// A box as the rtree stores it: `[minx, maxx, miny, maxy]`.
type Box4 = [f32; 4];

fn union(cells: &[(i64, Box4)]) -> Box4 {
    cells.iter().fold(
        [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ],
        |a, (_, b)| {
            [
                a[0].min(b[0]),
                a[1].max(b[1]),
                a[2].min(b[2]),
                a[3].max(b[3]),
            ]
        },
    )
}

fn node_blob(node_size: usize, depth: u16, cells: &[(i64, Box4)]) -> Vec<u8> {
    let mut blob = vec![0u8; node_size];
    blob[0..2].copy_from_slice(&depth.to_be_bytes());
    blob[2..4].copy_from_slice(&(cells.len() as u16).to_be_bytes());
    for (i, (id, b)) in cells.iter().enumerate() {
        let at = 4 + i * CELL_BYTES;
        blob[at..at + 8].copy_from_slice(&id.to_be_bytes());
        for (j, v) in b.iter().enumerate() {
            let c = at + 8 + 4 * j;
            blob[c..c + 4].copy_from_slice(&v.to_bits().to_be_bytes());
        }
    }
    blob
}

/// Packs `entries` (`rowid`, `[minx, miny, maxx, maxy]` in degrees) into nodes of
/// `node_size` bytes. `None` when a node of that size cannot hold two cells.
pub fn pack(
    node_size: usize,
    entries: impl IntoIterator<Item = (i64, [f64; 4])>,
) -> Option<Packed> {
    let fan_out = node_size.checked_sub(4)? / CELL_BYTES;
    if fan_out < 2 {
        return None;
    }
    let mut level: Vec<(i64, Box4)> = entries
        .into_iter()
        .map(|(id, b)| (id, [down(b[0]), up(b[2]), down(b[1]), up(b[3])]))
        .collect();
    let mut out = Packed::default();
    out.rowids.reserve(level.len());
    let mut depth: u16 = 0;
    let mut next: i64 = 2;
    let mut inner = Vec::new();
    loop {
        let leaves = depth == 0;
        let link = |out: &mut Packed, cells: &[(i64, Box4)], node: i64| {
            for (id, _) in cells {
                if leaves {
                    out.rowids.push((*id, node));
                } else {
                    out.parents.push((*id, node));
                }
            }
        };
        if level.len() <= fan_out {
            link(&mut out, &level, 1);
            inner.push((1, node_blob(node_size, depth, &level)));
            break;
        }
        let mut up_level = Vec::with_capacity(level.len() / fan_out + 1);
        for cells in level.chunks(fan_out) {
            let node = next;
            next += 1;
            link(&mut out, cells, node);
            inner.push((node, node_blob(node_size, 0, cells)));
            up_level.push((node, union(cells)));
        }
        level = up_level;
        depth += 1;
    }
    // Root first, then the rest in number order.
    inner.sort_by_key(|(n, _)| *n);
    out.nodes = inner;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_are_rounded_outwards() {
        let d = 107.600_000_1_f64;
        assert!(f64::from(down(d)) <= d && f64::from(up(d)) >= d);
        assert!(down(d) < up(d));
        assert_eq!(down(0.5), 0.5);
        assert_eq!(up(0.5), 0.5);
        let n = -16.460_000_3_f64;
        assert!(f64::from(down(n)) <= n && f64::from(up(n)) >= n);
    }

    #[test]
    fn one_node_is_a_leaf_root() {
        let p = pack(1228, (1..=3).map(|i| (i, [0.0, 0.0, 1.0, 1.0]))).unwrap();
        assert_eq!(p.nodes.len(), 1);
        let (no, blob) = &p.nodes[0];
        assert_eq!(*no, 1);
        assert_eq!(blob.len(), 1228);
        assert_eq!(&blob[0..4], &[0, 0, 0, 3]);
        assert_eq!(i64::from_be_bytes(blob[4..12].try_into().unwrap()), 1);
        assert_eq!(p.rowids, vec![(1, 1), (2, 1), (3, 1)]);
        assert!(p.parents.is_empty());
    }

    #[test]
    fn levels_are_linked_and_the_root_carries_the_depth() {
        // 51 cells per 1228-byte node: 3000 entries → 59 leaves → 2 inner nodes → root.
        let p = pack(
            1228,
            (1..=3000).map(|i| (i, [i as f64, 0.0, i as f64, 1.0])),
        )
        .unwrap();
        assert_eq!(p.nodes.len(), 1 + 59 + 2);
        assert_eq!(u16::from_be_bytes([p.nodes[0].1[0], p.nodes[0].1[1]]), 2);
        assert_eq!(p.rowids.len(), 3000);
        assert_eq!(p.parents.len(), 59 + 2);
        let nodes: std::collections::HashSet<i64> = p.nodes.iter().map(|(n, _)| *n).collect();
        assert!(
            p.parents
                .iter()
                .all(|(n, parent)| *n != 1 && nodes.contains(n) && nodes.contains(parent))
        );
        assert!(pack(20, [(1, [0.0; 4])]).is_none());
    }
}
