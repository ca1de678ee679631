//! The coordinate reference systems the OGC API offers (`crs`, `bbox-crs`), with pure-Rust
//! transforms from and to WGS 84 longitude/latitude (proj4rs, a port of PROJ.4; no system PROJ).
//!
//! Stored and computed geometries are CRS84 (lon, lat). Output in another CRS is projected
//! from them; a `bbox-crs` box is brought back to CRS84 by projecting its corners and edges.
//! EPSG:4326 is CRS84 with the axes swapped (lat, lon), as the EPSG definition orders them.
//!
//! VN-2000 (EPSG:3405) uses the Helmert parameters of EPSG transformation 6960 "VN-2000 to
//! WGS 84 (2)", the one PROJ picks by default. EPSG gives them in the coordinate-frame
//! convention; PROJ.4's `+towgs84` is position-vector, so the three rotations change sign.
//! The tests compare every CRS with pyproj (PROJ 9) to a millimetre.

use std::sync::OnceLock;

use proj4rs::proj::Proj;

/// An offered CRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS 84 longitude, latitude (the default of OGC API – Features).
    Crs84,
    /// WGS 84 latitude, longitude.
    Epsg4326,
    /// Web Mercator, metres.
    Epsg3857,
    /// WGS 84 / UTM zone 48N, metres.
    Epsg32648,
    /// VN-2000 / UTM zone 48N, metres.
    Epsg3405,
}

/// A transform that failed (a point outside the projection's domain).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot project ({x}, {y}) to {crs}: {message}")]
pub struct CrsError {
    pub crs: &'static str,
    pub x: f64,
    pub y: f64,
    pub message: String,
}

/// Largest projected coordinate accepted, metres (Web Mercator's extent is ±20 037 508 m).
const LIMIT_M: f64 = 4.0e7;

const WGS84: &str = "+proj=longlat +ellps=WGS84 +datum=WGS84 +no_defs";

impl Crs {
    pub const ALL: [Crs; 5] = [
        Crs::Crs84,
        Crs::Epsg4326,
        Crs::Epsg3857,
        Crs::Epsg32648,
        Crs::Epsg3405,
    ];

    /// The OGC URI that names it in `crs`, `bbox-crs`, `storageCrs` and `Content-Crs`.
    pub fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            Crs::Epsg4326 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            Crs::Epsg3857 => "http://www.opengis.net/def/crs/EPSG/0/3857",
            Crs::Epsg32648 => "http://www.opengis.net/def/crs/EPSG/0/32648",
            Crs::Epsg3405 => "http://www.opengis.net/def/crs/EPSG/0/3405",
        }
    }

    /// Parses a URI, a safe CURIE `[EPSG:3857]`, or the short forms `EPSG:3857` / `CRS84`.
    pub fn parse(s: &str) -> Option<Crs> {
        let t = s.trim().trim_start_matches('[').trim_end_matches(']');
        let t = t
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let short = if let Some(code) = t.strip_prefix("www.opengis.net/def/crs/EPSG/0/") {
            format!("EPSG:{code}")
        } else if let Some(rest) = t.strip_prefix("www.opengis.net/def/crs/OGC/") {
            rest.rsplit('/').next().unwrap_or("").to_string()
        } else {
            t.to_string()
        };
        match short.to_ascii_uppercase().as_str() {
            "CRS84" | "OGC:CRS84" => Some(Crs::Crs84),
            "EPSG:4326" => Some(Crs::Epsg4326),
            "EPSG:3857" => Some(Crs::Epsg3857),
            "EPSG:32648" => Some(Crs::Epsg32648),
            "EPSG:3405" => Some(Crs::Epsg3405),
            _ => None,
        }
    }

    /// The PROJ.4 definition (for projected systems).
    pub fn proj4(self) -> Option<&'static str> {
        match self {
            Crs::Crs84 | Crs::Epsg4326 => None,
            Crs::Epsg3857 => Some(
                "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +no_defs",
            ),
            Crs::Epsg32648 => Some("+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs"),
            Crs::Epsg3405 => Some(
                "+proj=utm +zone=48 +ellps=WGS84 \
                 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 \
                 +units=m +no_defs",
            ),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Crs::Crs84 => "CRS84",
            Crs::Epsg4326 => "EPSG:4326",
            Crs::Epsg3857 => "EPSG:3857",
            Crs::Epsg32648 => "EPSG:32648",
            Crs::Epsg3405 => "EPSG:3405",
        }
    }

    fn projs(self) -> Option<&'static (Proj, Proj)> {
        static CELLS: [OnceLock<(Proj, Proj)>; 5] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        let def = self.proj4()?;
        let i = Crs::ALL.iter().position(|c| *c == self).expect("listed");
        Some(CELLS[i].get_or_init(|| {
            (
                Proj::from_proj_string(WGS84).expect("valid WGS 84 definition"),
                Proj::from_proj_string(def).expect("valid built-in definition"),
            )
        }))
    }

    fn err(self, x: f64, y: f64, e: impl std::fmt::Display) -> CrsError {
        CrsError {
            crs: self.name(),
            x,
            y,
            message: e.to_string(),
        }
    }

    /// CRS84 `(lon, lat)` to this CRS's coordinates, in its axis order.
    pub fn from_lonlat(self, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
        match self {
            Crs::Crs84 => Ok((lon, lat)),
            Crs::Epsg4326 => Ok((lat, lon)),
            _ => {
                if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
                    return Err(self.err(lon, lat, "not a longitude, latitude"));
                }
                let (src, dst) = self.projs().expect("projected");
                let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
                proj4rs::transform::transform(src, dst, &mut p)
                    .map_err(|e| self.err(lon, lat, e))?;
                if !(p.0.is_finite() && p.1.is_finite()) {
                    return Err(self.err(lon, lat, "outside the projection"));
                }
                Ok((p.0, p.1))
            }
        }
    }

    /// This CRS's coordinates (in its axis order) to CRS84 `(lon, lat)`.
    pub fn to_lonlat(self, a: f64, b: f64) -> Result<(f64, f64), CrsError> {
        match self {
            Crs::Crs84 => Ok((a, b)),
            Crs::Epsg4326 => Ok((b, a)),
            _ => {
                // Far outside any projected extent (and where the inverse series misbehave).
                if !(a.abs() <= LIMIT_M && b.abs() <= LIMIT_M) {
                    return Err(self.err(a, b, "outside the projection's extent"));
                }
                let (wgs, proj) = self.projs().expect("projected");
                let mut p = (a, b, 0.0);
                proj4rs::transform::transform(proj, wgs, &mut p).map_err(|e| self.err(a, b, e))?;
                let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
                if !(lon.is_finite() && lat.is_finite()) {
                    return Err(self.err(a, b, "outside the projection"));
                }
                Ok((lon, lat))
            }
        }
    }

    /// Whether coordinates are metres (then 3 decimals, a millimetre, are enough on output).
    pub fn is_projected(self) -> bool {
        self.proj4().is_some()
    }

    /// A box given in this CRS (`[min_a, min_b, max_a, max_b]` in its axis order) as the CRS84
    /// box that covers it: corners and edge points are transformed (projected edges are curved
    /// in degrees), so the answer never misses a feature inside the requested box.
    pub fn bbox_to_lonlat(self, b: [f64; 4]) -> Result<[f64; 4], CrsError> {
        match self {
            Crs::Crs84 => Ok(b),
            Crs::Epsg4326 => Ok([b[1], b[0], b[3], b[2]]),
            _ => {
                const STEPS: usize = 8;
                let mut out = [
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                ];
                for i in 0..=STEPS {
                    let t = i as f64 / STEPS as f64;
                    let x = b[0] + (b[2] - b[0]) * t;
                    let y = b[1] + (b[3] - b[1]) * t;
                    for (a, c) in [(x, b[1]), (x, b[3]), (b[0], y), (b[2], y)] {
                        let (lon, lat) = self.to_lonlat(a, c)?;
                        out = [
                            out[0].min(lon),
                            out[1].min(lat),
                            out[2].max(lon),
                            out[3].max(lat),
                        ];
                    }
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from pyproj 3.7.2 (PROJ 9.5.1), generated with:
    /// `python -c "from pyproj import Transformer; t = Transformer.from_crs('EPSG:4326',
    ///  f'EPSG:{code}', always_xy=True); print(t.transform(lon, lat))"`
    /// for code in 3857, 32648, 3405 and the four points (Huế, Hà Nội, TP HCM, the Gulf of
    /// Thailand at the zone's western edge). One exception: inside the Mekong delta blocks
    /// DBSCL 02/03 (TP HCM) PROJ's default for EPSG:3405 switches to "VN-2000 to WGS 84 (1)"
    /// (0.8 m apart); this module uses "(2)" everywhere, so that row comes from
    /// `[t for t in TransformerGroup('EPSG:4326', 'EPSG:3405', always_xy=True).transformers
    ///  if 'WGS 84 (2)' in t.description][0].transform(106.7, 10.78)`.
    const PYPROJ: &[(u32, f64, f64, f64, f64)] = &[
        (3857, 107.6, 16.46, 11977977.2094, 1858055.3302),
        (3857, 105.85, 21.03, 11783168.1005, 2395456.1271),
        (3857, 106.7, 10.78, 11877789.6676, 1207167.3812),
        (3857, 102.5, 8.6, 11410247.8063, 960962.7626),
        (32648, 107.6, 16.46, 777613.2558, 1821604.7426),
        (32648, 105.85, 21.03, 588324.2493, 2325702.9464),
        (32648, 106.7, 10.78, 685876.4242, 1192169.9822),
        (32648, 102.5, 8.6, 224835.8549, 951527.8752),
        (3405, 107.6, 16.46, 777416.5939, 1821714.9065),
        (3405, 105.85, 21.03, 588128.0276, 2325811.0314),
        (3405, 106.7, 10.78, 685680.4381, 1192281.5580),
        (3405, 102.5, 8.6, 224640.3852, 951639.7368),
    ];

    fn crs(code: u32) -> Crs {
        Crs::parse(&format!("EPSG:{code}")).unwrap()
    }

    #[test]
    fn projections_match_pyproj_to_a_millimetre() {
        for &(code, lon, lat, x, y) in PYPROJ {
            let (px, py) = crs(code).from_lonlat(lon, lat).unwrap();
            assert!(
                (px - x).abs() < 1e-3 && (py - y).abs() < 1e-3,
                "EPSG:{code} ({lon}, {lat}): got ({px:.4}, {py:.4}), pyproj ({x}, {y})"
            );
            let (l2, b2) = crs(code).to_lonlat(x, y).unwrap();
            assert!(
                (l2 - lon).abs() < 1e-8 && (b2 - lat).abs() < 1e-8,
                "EPSG:{code} inverse of ({x}, {y}): ({l2}, {b2})"
            );
        }
    }

    #[test]
    fn epsg_4326_swaps_axes_and_names_parse() {
        assert_eq!(
            Crs::Epsg4326.from_lonlat(107.6, 16.46).unwrap(),
            (16.46, 107.6)
        );
        assert_eq!(
            Crs::Epsg4326
                .bbox_to_lonlat([16.0, 107.0, 17.0, 108.0])
                .unwrap(),
            [107.0, 16.0, 108.0, 17.0]
        );
        for c in Crs::ALL {
            assert_eq!(Crs::parse(c.uri()), Some(c));
            assert_eq!(Crs::parse(&format!("[{}]", c.name())), Some(c));
        }
        assert_eq!(Crs::parse("OGC:CRS84"), Some(Crs::Crs84));
        assert_eq!(Crs::parse("EPSG:9999"), None);
        assert!(Crs::Epsg32648.to_lonlat(1e300, 0.0).is_err());
        assert!(Crs::Epsg3857.from_lonlat(0.0, 90.0).is_err());
        assert!(Crs::Epsg3405.from_lonlat(200.0, 0.0).is_err());
    }

    #[test]
    fn projected_bbox_covers_the_requested_area() {
        let (x, y) = Crs::Epsg32648.from_lonlat(107.6, 16.46).unwrap();
        let b = Crs::Epsg32648
            .bbox_to_lonlat([x - 1000.0, y - 1000.0, x + 1000.0, y + 1000.0])
            .unwrap();
        assert!(
            b[0] < 107.6 && 107.6 < b[2] && b[1] < 16.46 && 16.46 < b[3],
            "{b:?}"
        );
        assert!(b[2] - b[0] < 0.03, "{b:?}");
    }
}
