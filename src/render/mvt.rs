//! Mapbox Vector Tiles (spec 2.1) of a [`FeatureTable`]: Web Mercator tile addressing, a
//! projected and R-tree indexed [`TileSource`] built once per layer, and the tile encoder
//! (clip to the tile plus a 64-unit buffer, simplify by a quarter unit, extent 4096).
//!
//! The protobuf is written by hand (about a hundred lines) instead of through geozero's
//! `with-mvt` writer: that one neither clips nor fixes ring winding nor drops the points a
//! ring loses when quantised to the grid, and it would bring `prost` and `prost-build` into
//! the build for four small messages. [`decode`] reads tiles back for tests; the test suite
//! also decodes them with the Python `mapbox-vector-tile` package, an independent decoder.
//!
//! Each point lies in exactly one tile (half-open tile bounds); polygons appear in every
//! tile they touch, clipped to the buffered tile.

use super::table::{Cell, FeatureTable, Field};
use foldhash::HashMap;
use rstar::{AABB, RTree, RTreeObject};

/// Tile grid units per tile side.
pub const EXTENT: u32 = 4096;
/// Polygons are clipped this many units outside the tile, so strokes join seamlessly.
pub const BUFFER: f64 = 64.0;
/// Largest zoom served.
pub const MAX_ZOOM: u8 = 22;
const MAX_LAT: f64 = 85.051_128_779_806_59;

/// A bad tile address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("z must be 0..={MAX_ZOOM}, got {0}")]
    Zoom(u32),
    #[error("x and y must be below 2^z = {max} at z {z}, got x {x}, y {y}")]
    OutOfRange { z: u8, x: u32, y: u32, max: u32 },
}

/// A tile address in the XYZ scheme (y down, as in `/{z}/{x}/{y}.mvt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    pub fn new(z: u32, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM as u32 {
            return Err(TileError::Zoom(z));
        }
        let max = 1u32 << z;
        if x >= max || y >= max {
            return Err(TileError::OutOfRange {
                z: z as u8,
                x,
                y,
                max,
            });
        }
        Ok(TileId { z: z as u8, x, y })
    }

    /// `[west, south, east, north]` in degrees.
    pub fn bounds(&self) -> [f64; 4] {
        let n = (1u64 << self.z) as f64;
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| {
            let t = std::f64::consts::PI * (1.0 - 2.0 * y / n);
            t.sinh().atan().to_degrees()
        };
        [
            lon(self.x as f64),
            lat(self.y as f64 + 1.0),
            lon(self.x as f64 + 1.0),
            lat(self.y as f64),
        ]
    }
}

/// Web Mercator position in the unit square (x right, y down).
pub fn world(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    [x, y]
}

/// A feature projected to the unit square.
#[derive(Debug, Clone)]
enum Shape {
    Points(Vec<[f64; 2]>),
    /// Polygons, each a list of rings (exterior first).
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
}

fn project_polygon(p: &geo::Polygon<f64>) -> Vec<Vec<[f64; 2]>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| r.0.iter().map(|c| world(c.x, c.y)).collect())
        .collect()
}

fn shape(g: &geo::Geometry<f64>) -> Option<Shape> {
    use geo::Geometry as G;
    Some(match g {
        G::Point(p) => Shape::Points(vec![world(p.x(), p.y())]),
        G::MultiPoint(m) => Shape::Points(m.iter().map(|p| world(p.x(), p.y())).collect()),
        G::Polygon(p) => Shape::Polygons(vec![project_polygon(p)]),
        G::MultiPolygon(m) => Shape::Polygons(m.iter().map(project_polygon).collect()),
        G::Rect(r) => Shape::Polygons(vec![project_polygon(&r.to_polygon())]),
        G::Triangle(t) => Shape::Polygons(vec![project_polygon(&t.to_polygon())]),
        // Lines and collections are not part of any tiled layer.
        _ => return None,
    })
}

struct Entry {
    bbox: AABB<[f64; 2]>,
    feature: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.bbox
    }
}

/// A layer ready to cut into tiles: projected shapes, their R-tree, and the attribute rows.
pub struct TileSource {
    name: String,
    fields: Vec<Field>,
    rows: Vec<Vec<Cell>>,
    shapes: Vec<Option<Shape>>,
    index: RTree<Entry>,
}

impl TileSource {
    /// Projects and indexes `table` (in parallel; about a second per million points).
    pub fn new(table: FeatureTable) -> Self {
        use rayon::prelude::*;
        let shapes: Vec<Option<Shape>> = table.geometries.par_iter().map(shape).collect();
        let entries: Vec<Entry> = shapes
            .par_iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let pts: Box<dyn Iterator<Item = &[f64; 2]>> = match s.as_ref()? {
                    Shape::Points(p) => Box::new(p.iter()),
                    Shape::Polygons(p) => Box::new(p.iter().filter_map(|r| r.first()).flatten()),
                };
                let mut lo = [f64::INFINITY; 2];
                let mut hi = [f64::NEG_INFINITY; 2];
                for p in pts {
                    lo = [lo[0].min(p[0]), lo[1].min(p[1])];
                    hi = [hi[0].max(p[0]), hi[1].max(p[1])];
                }
                lo[0].is_finite().then(|| Entry {
                    bbox: AABB::from_corners(lo, hi),
                    feature: i as u32,
                })
            })
            .collect();
        TileSource {
            name: table.name,
            fields: table.fields,
            rows: table.rows,
            shapes,
            index: RTree::bulk_load(entries),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `[west, south, east, north]` of all features, degrees.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        if self.index.size() == 0 {
            return None;
        }
        let env = self.index.root().envelope();
        let (lo, hi) = (env.lower(), env.upper());
        let lon = |x: f64| x * 360.0 - 180.0;
        let lat = |y: f64| {
            (std::f64::consts::PI * (1.0 - 2.0 * y))
                .sinh()
                .atan()
                .to_degrees()
        };
        Some([lon(lo[0]), lat(hi[1]), lon(hi[0]), lat(lo[1])])
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Number of features in the layer.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Approximate heap size, for the cache budget.
    pub fn size(&self) -> usize {
        let cells: usize = self
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Cell::Text(s) => 32 + s.len(),
                        _ => 32,
                    })
                    .sum::<usize>()
            })
            .sum();
        let coords: usize = self
            .shapes
            .iter()
            .map(|s| match s {
                Some(Shape::Points(p)) => p.len(),
                Some(Shape::Polygons(p)) => p.iter().flatten().map(Vec::len).sum(),
                None => 0,
            })
            .sum();
        cells + coords * 16 + self.index.size() * 48
    }

    /// The encoded tile: one layer named like the source; no features (but a valid tile)
    /// when nothing falls in it.
    pub fn tile(&self, t: TileId) -> Vec<u8> {
        let n = (1u64 << t.z) as f64;
        let scale = n * EXTENT as f64;
        let (ox, oy) = (t.x as f64 * EXTENT as f64, t.y as f64 * EXTENT as f64);
        let to_tile = |p: &[f64; 2]| [p[0] * scale - ox, p[1] * scale - oy];
        let pad = BUFFER / scale;
        let query = AABB::from_corners(
            [t.x as f64 / n - pad, t.y as f64 / n - pad],
            [(t.x as f64 + 1.0) / n + pad, (t.y as f64 + 1.0) / n + pad],
        );
        let mut hits: Vec<u32> = self
            .index
            .locate_in_envelope_intersecting(&query)
            .map(|e| e.feature)
            .collect();
        hits.sort_unstable();
        let mut layer = LayerBuilder::new(&self.name);
        let mut geom = Vec::new();
        for i in hits {
            geom.clear();
            let kind = match self.shapes[i as usize].as_ref() {
                // One point (every report): no allocation, the common case of a dense tile.
                Some(Shape::Points(ps)) if ps.len() == 1 => {
                    let p = to_tile(&ps[0]);
                    if !((0.0..EXTENT as f64).contains(&p[0])
                        && (0.0..EXTENT as f64).contains(&p[1]))
                    {
                        continue;
                    }
                    encode_points(&[[p[0] as i32, p[1] as i32]], &mut geom);
                    GEOM_POINT
                }
                Some(Shape::Points(ps)) => {
                    let inside: Vec<[i32; 2]> = ps
                        .iter()
                        .map(to_tile)
                        .filter(|p| {
                            (0.0..EXTENT as f64).contains(&p[0])
                                && (0.0..EXTENT as f64).contains(&p[1])
                        })
                        .map(|p| [p[0] as i32, p[1] as i32])
                        .collect();
                    if inside.is_empty() {
                        continue;
                    }
                    encode_points(&inside, &mut geom);
                    GEOM_POINT
                }
                Some(Shape::Polygons(polys)) => {
                    let mut cursor = [0i32; 2];
                    for rings in polys {
                        let mut exterior_kept = false;
                        for (r, ring) in rings.iter().enumerate() {
                            if r > 0 && !exterior_kept {
                                break;
                            }
                            let local: Vec<[f64; 2]> = ring.iter().map(to_tile).collect();
                            let Some(q) = tile_ring(&local, r == 0) else {
                                continue;
                            };
                            if r == 0 {
                                exterior_kept = true;
                            }
                            encode_ring(&q, &mut cursor, &mut geom);
                        }
                    }
                    if geom.is_empty() {
                        continue;
                    }
                    GEOM_POLYGON
                }
                None => continue,
            };
            layer.feature(
                i as u64 + 1,
                kind,
                &geom,
                self.fields
                    .iter()
                    .zip(&self.rows[i as usize])
                    .map(|(f, c)| (f.name.as_str(), c)),
            );
        }
        let mut tile = Vec::new();
        if layer.features > 0 {
            put_bytes(&mut tile, 3, &layer.finish());
        }
        tile
    }
}

const GEOM_POINT: u32 = 1;
const GEOM_POLYGON: u32 = 3;

/// A ring in tile units: clipped to the buffered tile, simplified, snapped to the grid,
/// consecutive duplicates removed, wound as MVT wants (exterior positive area in y-down
/// coordinates), without the closing point. `None` when nothing with an area is left.
fn tile_ring(local: &[[f64; 2]], exterior: bool) -> Option<Vec<[i32; 2]>> {
    let lo = -BUFFER;
    let hi = EXTENT as f64 + BUFFER;
    let clipped = clip_ring(local, lo, hi);
    if clipped.len() < 3 {
        return None;
    }
    let mut ls = geo::LineString::from(
        clipped
            .iter()
            .map(|p| geo::Coord { x: p[0], y: p[1] })
            .collect::<Vec<_>>(),
    );
    ls.close();
    let simple = {
        use geo::Simplify;
        ls.simplify(0.25)
    };
    let mut q: Vec<[i32; 2]> = Vec::with_capacity(simple.0.len());
    for c in &simple.0 {
        let p = [c.x.round() as i32, c.y.round() as i32];
        if q.last() != Some(&p) {
            q.push(p);
        }
    }
    if q.len() > 1 && q.first() == q.last() {
        q.pop();
    }
    if q.len() < 3 {
        return None;
    }
    let area = shoelace(&q);
    if area == 0 {
        return None;
    }
    if (area > 0) != exterior {
        q.reverse();
    }
    Some(q)
}

/// Twice the signed area of a ring (no closing point), integer exact.
fn shoelace(r: &[[i32; 2]]) -> i64 {
    let n = r.len();
    (0..n)
        .map(|i| {
            let (a, b) = (r[i], r[(i + 1) % n]);
            a[0] as i64 * b[1] as i64 - b[0] as i64 * a[1] as i64
        })
        .sum()
}

/// Sutherland–Hodgman clipping of a ring against the square `[lo, hi]²`.
fn clip_ring(ring: &[[f64; 2]], lo: f64, hi: f64) -> Vec<[f64; 2]> {
    let inside_all = ring
        .iter()
        .all(|p| p[0] >= lo && p[0] <= hi && p[1] >= lo && p[1] <= hi);
    if inside_all {
        return ring.to_vec();
    }
    let mut pts: Vec<[f64; 2]> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    for (axis, bound, keep_above) in [(0, lo, true), (0, hi, false), (1, lo, true), (1, hi, false)]
    {
        if pts.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if keep_above {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            let (ci, pi) = (inside(&cur), inside(&prev));
            if ci != pi {
                let t = (bound - prev[axis]) / (cur[axis] - prev[axis]);
                let mut p = [
                    prev[0] + t * (cur[0] - prev[0]),
                    prev[1] + t * (cur[1] - prev[1]),
                ];
                p[axis] = bound;
                out.push(p);
            }
            if ci {
                out.push(cur);
            }
        }
        pts = out;
    }
    pts
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

fn encode_points(ps: &[[i32; 2]], out: &mut Vec<u32>) {
    out.push(command(1, ps.len() as u32));
    let mut cur = [0, 0];
    for p in ps {
        out.push(zigzag(p[0] - cur[0]));
        out.push(zigzag(p[1] - cur[1]));
        cur = *p;
    }
}

fn encode_ring(r: &[[i32; 2]], cursor: &mut [i32; 2], out: &mut Vec<u32>) {
    out.push(command(1, 1));
    out.push(zigzag(r[0][0] - cursor[0]));
    out.push(zigzag(r[0][1] - cursor[1]));
    *cursor = r[0];
    out.push(command(2, r.len() as u32 - 1));
    for p in &r[1..] {
        out.push(zigzag(p[0] - cursor[0]));
        out.push(zigzag(p[1] - cursor[1]));
        *cursor = *p;
    }
    out.push(command(7, 1));
}

// ---------------------------------------------------------------------------------------
// Protobuf
// ---------------------------------------------------------------------------------------

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_key(out: &mut Vec<u8>, field: u32, wire: u8) {
    put_varint(out, ((field as u64) << 3) | wire as u64);
}

fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_packed(out: &mut Vec<u8>, field: u32, values: &[u32]) {
    let mut body = Vec::with_capacity(values.len() * 2);
    for &v in values {
        put_varint(&mut body, v as u64);
    }
    put_bytes(out, field, &body);
}

/// A value as a key of the per-tile value table (floats by their bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    Str(&'a str),
    Int(i64),
    Double(u64),
    Bool(bool),
}

struct LayerBuilder<'a> {
    name: &'a str,
    body: Vec<u8>,
    features: usize,
    keys: HashMap<&'a str, u32>,
    key_list: Vec<&'a str>,
    values: HashMap<ValueKey<'a>, u32>,
    value_list: Vec<ValueKey<'a>>,
    tags: Vec<u32>,
    scratch: Vec<u8>,
}

impl<'a> LayerBuilder<'a> {
    fn new(name: &'a str) -> Self {
        LayerBuilder {
            name,
            body: Vec::new(),
            features: 0,
            keys: HashMap::default(),
            key_list: Vec::new(),
            values: HashMap::default(),
            value_list: Vec::new(),
            tags: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn feature(
        &mut self,
        id: u64,
        kind: u32,
        geometry: &[u32],
        props: impl Iterator<Item = (&'a str, &'a Cell)>,
    ) {
        self.tags.clear();
        for (name, cell) in props {
            let v = match cell {
                Cell::Null => continue,
                Cell::Integer(i) => ValueKey::Int(*i),
                Cell::Real(x) if x.is_finite() => ValueKey::Double(x.to_bits()),
                Cell::Real(_) => continue,
                Cell::Boolean(b) => ValueKey::Bool(*b),
                Cell::Text(s) => ValueKey::Str(s),
            };
            let next = self.key_list.len() as u32;
            let k = *self.keys.entry(name).or_insert(next);
            if k == next {
                self.key_list.push(name);
            }
            let next = self.value_list.len() as u32;
            let vi = *self.values.entry(v).or_insert(next);
            if vi == next {
                self.value_list.push(v);
            }
            self.tags.push(k);
            self.tags.push(vi);
        }
        let f = &mut self.scratch;
        f.clear();
        put_key(f, 1, 0);
        put_varint(f, id);
        if !self.tags.is_empty() {
            put_packed(f, 2, &self.tags);
        }
        put_key(f, 3, 0);
        put_varint(f, kind as u64);
        put_packed(f, 4, geometry);
        put_bytes(&mut self.body, 2, f);
        self.features += 1;
    }

    fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 1024);
        put_key(&mut out, 15, 0);
        put_varint(&mut out, 2);
        put_bytes(&mut out, 1, self.name.as_bytes());
        out.extend_from_slice(&self.body);
        for k in &self.key_list {
            put_bytes(&mut out, 3, k.as_bytes());
        }
        let mut v = Vec::new();
        for val in &self.value_list {
            v.clear();
            match val {
                ValueKey::Str(s) => put_bytes(&mut v, 1, s.as_bytes()),
                ValueKey::Double(bits) => {
                    put_key(&mut v, 3, 1);
                    v.extend_from_slice(&bits.to_le_bytes());
                }
                ValueKey::Int(i) => {
                    put_key(&mut v, 6, 0);
                    put_varint(&mut v, ((i << 1) ^ (i >> 63)) as u64);
                }
                ValueKey::Bool(b) => {
                    put_key(&mut v, 7, 0);
                    put_varint(&mut v, u64::from(*b));
                }
            }
            put_bytes(&mut out, 4, &v);
        }
        put_key(&mut out, 5, 0);
        put_varint(&mut out, EXTENT as u64);
        out
    }
}

pub mod decode {
    //! A small reader of the tiles [`super::TileSource::tile`] writes (layers, features,
    //! tags, geometry as tile-unit rings/points), for tests and debugging.

    use std::collections::BTreeMap;

    /// A decoded property value.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Str(String),
        Double(f64),
        Int(i64),
        Bool(bool),
    }

    #[derive(Debug, Clone, PartialEq)]
    pub struct Feature {
        pub id: u64,
        /// 1 point, 2 line, 3 polygon.
        pub kind: u32,
        pub properties: BTreeMap<String, Value>,
        /// Points, or rings without the closing point, in tile units.
        pub parts: Vec<Vec<[i32; 2]>>,
    }

    #[derive(Debug, Clone, PartialEq)]
    pub struct Layer {
        pub name: String,
        pub version: u32,
        pub extent: u32,
        pub features: Vec<Feature>,
    }

    struct Reader<'a> {
        buf: &'a [u8],
        pos: usize,
    }

    impl<'a> Reader<'a> {
        fn done(&self) -> bool {
            self.pos >= self.buf.len()
        }
        fn varint(&mut self) -> Result<u64, String> {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = *self.buf.get(self.pos).ok_or("truncated varint")?;
                self.pos += 1;
                v |= ((b & 0x7f) as u64) << shift;
                if b < 0x80 {
                    return Ok(v);
                }
            }
            Err("varint too long".into())
        }
        fn bytes(&mut self) -> Result<&'a [u8], String> {
            let n = self.varint()? as usize;
            let s = self
                .buf
                .get(self.pos..self.pos + n)
                .ok_or("truncated field")?;
            self.pos += n;
            Ok(s)
        }
        fn skip(&mut self, wire: u64) -> Result<(), String> {
            match wire {
                0 => self.varint().map(|_| ()),
                1 => {
                    self.pos += 8;
                    Ok(())
                }
                2 => self.bytes().map(|_| ()),
                5 => {
                    self.pos += 4;
                    Ok(())
                }
                w => Err(format!("wire type {w}")),
            }
        }
    }

    fn packed(b: &[u8]) -> Result<Vec<u32>, String> {
        let mut r = Reader { buf: b, pos: 0 };
        let mut out = Vec::new();
        while !r.done() {
            out.push(r.varint()? as u32);
        }
        Ok(out)
    }

    fn value(b: &[u8]) -> Result<Value, String> {
        let mut r = Reader { buf: b, pos: 0 };
        let key = r.varint()?;
        Ok(match (key >> 3, key & 7) {
            (1, 2) => Value::Str(String::from_utf8_lossy(r.bytes()?).into_owned()),
            (3, 1) => Value::Double(f64::from_le_bytes(
                b.get(r.pos..r.pos + 8)
                    .ok_or("truncated double")?
                    .try_into()
                    .map_err(|_| "double")?,
            )),
            (4, 0) => Value::Int(r.varint()? as i64),
            (5, 0) => Value::Int(r.varint()? as i64),
            (6, 0) => {
                let z = r.varint()?;
                Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            (7, 0) => Value::Bool(r.varint()? != 0),
            (f, w) => return Err(format!("value field {f} wire {w}")),
        })
    }

    fn geometry(cmds: &[u32]) -> Result<Vec<Vec<[i32; 2]>>, String> {
        let mut parts: Vec<Vec<[i32; 2]>> = Vec::new();
        let (mut x, mut y) = (0i32, 0i32);
        let mut i = 0;
        let unzig = |v: u32| ((v >> 1) as i32) ^ -((v & 1) as i32);
        while i < cmds.len() {
            let (id, count) = (cmds[i] & 7, cmds[i] >> 3);
            i += 1;
            match id {
                1 | 2 => {
                    for _ in 0..count {
                        let (dx, dy) = (
                            *cmds.get(i).ok_or("truncated geometry")?,
                            *cmds.get(i + 1).ok_or("truncated geometry")?,
                        );
                        i += 2;
                        x += unzig(dx);
                        y += unzig(dy);
                        if id == 1 {
                            parts.push(vec![[x, y]]);
                        } else {
                            parts.last_mut().ok_or("LineTo before MoveTo")?.push([x, y]);
                        }
                    }
                }
                7 => {}
                other => return Err(format!("command {other}")),
            }
        }
        Ok(parts)
    }

    /// Decodes every layer of a tile.
    pub fn tile(bytes: &[u8]) -> Result<Vec<Layer>, String> {
        let mut r = Reader { buf: bytes, pos: 0 };
        let mut layers = Vec::new();
        while !r.done() {
            let key = r.varint()?;
            if key >> 3 != 3 {
                r.skip(key & 7)?;
                continue;
            }
            let body = r.bytes()?;
            let mut l = Reader { buf: body, pos: 0 };
            let (mut name, mut version, mut extent) = (String::new(), 1, 4096);
            let (mut keys, mut values, mut raw) = (Vec::new(), Vec::new(), Vec::new());
            while !l.done() {
                let key = l.varint()?;
                match key >> 3 {
                    1 => name = String::from_utf8_lossy(l.bytes()?).into_owned(),
                    2 => raw.push(l.bytes()?),
                    3 => keys.push(String::from_utf8_lossy(l.bytes()?).into_owned()),
                    4 => values.push(value(l.bytes()?)?),
                    5 => extent = l.varint()? as u32,
                    15 => version = l.varint()? as u32,
                    _ => l.skip(key & 7)?,
                }
            }
            let mut features = Vec::new();
            for fb in raw {
                let mut f = Reader { buf: fb, pos: 0 };
                let (mut id, mut kind, mut tags, mut geom) = (0, 0, Vec::new(), Vec::new());
                while !f.done() {
                    let key = f.varint()?;
                    match key >> 3 {
                        1 => id = f.varint()?,
                        2 => tags = packed(f.bytes()?)?,
                        3 => kind = f.varint()? as u32,
                        4 => geom = packed(f.bytes()?)?,
                        _ => f.skip(key & 7)?,
                    }
                }
                let mut properties = BTreeMap::new();
                for t in tags.chunks(2) {
                    let k = keys.get(t[0] as usize).ok_or("tag key out of range")?;
                    let v = values
                        .get(*t.get(1).ok_or("odd tags")? as usize)
                        .ok_or("tag value out of range")?;
                    properties.insert(k.clone(), v.clone());
                }
                features.push(Feature {
                    id,
                    kind,
                    properties,
                    parts: geometry(&geom)?,
                });
            }
            layers.push(Layer {
                name,
                version,
                extent,
                features,
            });
        }
        Ok(layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::table::FieldType;

    fn table(geoms: Vec<geo::Geometry<f64>>) -> FeatureTable {
        let rows = (0..geoms.len())
            .map(|i| vec![Cell::Text(format!("f{i}")), Cell::Integer(i as i64)])
            .collect();
        FeatureTable {
            name: "t".into(),
            fields: vec![
                Field {
                    name: "id".into(),
                    ty: FieldType::Text,
                },
                Field {
                    name: "n".into(),
                    ty: FieldType::Integer,
                },
            ],
            geometries: geoms,
            rows,
        }
    }

    #[test]
    fn tile_bounds_and_projection_agree() {
        let t = TileId::new(14, 13088, 7556).unwrap();
        let b = t.bounds();
        let sw = world(b[0], b[1]);
        assert!((sw[0] * 16384.0 - 13088.0).abs() < 1e-9);
        assert!((sw[1] * 16384.0 - 7557.0).abs() < 1e-9);
        assert!(TileId::new(23, 0, 0).is_err());
        assert_eq!(
            TileId::new(2, 4, 0).unwrap_err().to_string(),
            "x and y must be below 2^z = 4 at z 2, got x 4, y 0"
        );
    }

    #[test]
    fn points_land_in_their_tile_with_properties() {
        let t = TileId::new(14, 13088, 7556).unwrap();
        let b = t.bounds();
        let inside = geo::Point::new((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        let outside = geo::Point::new(b[2] + 0.0001, b[3]);
        let src = TileSource::new(table(vec![inside.into(), outside.into()]));
        let layers = decode::tile(&src.tile(t)).unwrap();
        assert_eq!(layers.len(), 1);
        let l = &layers[0];
        assert_eq!((l.name.as_str(), l.version, l.extent), ("t", 2, 4096));
        assert_eq!(l.features.len(), 1);
        let f = &l.features[0];
        assert_eq!(f.id, 1);
        assert_eq!(f.kind, 1);
        assert_eq!(f.parts, vec![vec![[2048, 2048]]]);
        assert_eq!(f.properties["id"], decode::Value::Str("f0".into()));
        assert_eq!(f.properties["n"], decode::Value::Int(0));
        // An empty tile is an empty (valid) message.
        assert!(src.tile(TileId::new(14, 0, 0).unwrap()).is_empty());
    }

    #[test]
    fn polygons_are_clipped_to_the_buffer_and_wound_clockwise() {
        let t = TileId::new(12, 3272, 1889).unwrap();
        let b = t.bounds();
        // A counter-clockwise (GeoJSON) square much larger than the tile, with a hole
        // inside the tile.
        let (w, s, e, n) = (b[0] - 1.0, b[1] - 1.0, b[2] + 1.0, b[3] + 1.0);
        let cx = (b[0] + b[2]) / 2.0;
        let cy = (b[1] + b[3]) / 2.0;
        let d = (b[2] - b[0]) / 8.0;
        let poly = geo::Polygon::new(
            vec![(w, s), (e, s), (e, n), (w, n), (w, s)].into(),
            vec![
                vec![
                    (cx - d, cy - d),
                    (cx - d, cy + d),
                    (cx + d, cy + d),
                    (cx + d, cy - d),
                    (cx - d, cy - d),
                ]
                .into(),
            ],
        );
        let src = TileSource::new(table(vec![poly.into()]));
        let layers = decode::tile(&src.tile(t)).unwrap();
        let f = &layers[0].features[0];
        assert_eq!(f.kind, 3);
        assert_eq!(f.parts.len(), 2);
        for ring in &f.parts {
            for p in ring {
                assert!(
                    p[0] >= -64 && p[0] <= 4160 && p[1] >= -64 && p[1] <= 4160,
                    "{p:?}"
                );
            }
        }
        assert!(
            shoelace(&f.parts[0]) > 0,
            "exterior positive (clockwise on screen)"
        );
        assert!(shoelace(&f.parts[1]) < 0, "hole negative");
    }

    #[test]
    fn values_are_shared_between_features() {
        let t = TileId::new(0, 0, 0).unwrap();
        let mut tb = table(vec![
            geo::Point::new(1.0, 1.0).into(),
            geo::Point::new(2.0, 2.0).into(),
        ]);
        tb.rows[1][1] = Cell::Integer(0);
        let bytes = TileSource::new(tb).tile(t);
        let l = &decode::tile(&bytes).unwrap()[0];
        assert_eq!(l.features.len(), 2);
        assert_eq!(l.features[1].properties["n"], decode::Value::Int(0));
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }
}
