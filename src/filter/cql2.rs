//! A CQL2-text parser (OGC 21-065) for the subset the OGC API offers: comparisons, `AND` /
//! `OR` / `NOT`, `LIKE`, `BETWEEN`, `IN`, `IS [NOT] NULL`, `S_INTERSECTS` with a geometry
//! literal (`POINT`, `LINESTRING`, `POLYGON`, their `MULTI` forms, `BBOX`) and `T_INTERSECTS`
//! with a `TIMESTAMP`, `DATE` or `INTERVAL` literal.
//!
//! Pure: text in, [`Expr`] out; a syntax error says where (byte offset) and what was expected.
//! Keywords are case-insensitive; property names are identifiers or `"double quoted"`.

use chrono::{DateTime, FixedOffset, NaiveDate};

/// A parse failure at byte `at` of the filter text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {at}: {message}")]
pub struct ParseError {
    pub at: usize,
    pub message: String,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A scalar operand: a property or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Property(String),
    Str(String),
    Num(f64),
    Bool(bool),
    Timestamp(DateTime<FixedOffset>),
    Date(NaiveDate),
}

/// A temporal literal for `T_INTERSECTS`: instants and dates are intervals of one instant or
/// one day; `None` is an open end (`'..'`).
#[derive(Debug, Clone, PartialEq)]
pub enum Temporal {
    Timestamp(DateTime<FixedOffset>),
    Date(NaiveDate),
    Interval(Option<Bound>, Option<Bound>),
}

/// One end of an `INTERVAL`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Timestamp(DateTime<FixedOffset>),
    Date(NaiveDate),
}

/// A geometry literal. `Bbox` is kept apart from polygons so that it can become a plain
/// range test (and `[x1 > x2]` means the box crosses the antimeridian).
#[derive(Debug, Clone, PartialEq)]
pub enum GeomLit {
    Bbox([f64; 4]),
    Geometry(geo::Geometry<f64>),
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Bool(bool),
    Compare {
        op: CmpOp,
        left: Scalar,
        right: Scalar,
    },
    Like {
        value: Scalar,
        pattern: String,
        negated: bool,
    },
    Between {
        value: Scalar,
        low: Scalar,
        high: Scalar,
        negated: bool,
    },
    In {
        value: Scalar,
        list: Vec<Scalar>,
        negated: bool,
    },
    IsNull {
        value: Scalar,
        negated: bool,
    },
    SIntersects {
        property: String,
        geometry: GeomLit,
    },
    TIntersects {
        property: String,
        time: Temporal,
    },
}

/// Parses a CQL2-text filter.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let tokens = lex(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        end: text.len(),
    };
    let e = p.or()?;
    if let Some(t) = p.peek() {
        return Err(p.err_at(t.at, format!("unexpected {}", t.tok.describe())));
    }
    Ok(e)
}

// ------------------------------------------------------------------------------------------
// Lexer
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Num(f64),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("{w:?}"),
            Tok::Quoted(w) => format!("\"{w}\""),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Num(n) => format!("number {n}"),
            Tok::Op(o) => format!("{o:?}"),
            Tok::LParen => "\"(\"".into(),
            Tok::RParen => "\")\"".into(),
            Tok::Comma => "\",\"".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    at: usize,
}

fn lex(s: &str) -> Result<Vec<Token>, ParseError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |at: usize, m: &str| ParseError {
        at,
        message: m.to_string(),
    };
    while i < b.len() {
        let c = b[i];
        let at = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push(Token {
                    tok: Tok::LParen,
                    at,
                });
                i += 1;
            }
            b')' => {
                out.push(Token {
                    tok: Tok::RParen,
                    at,
                });
                i += 1;
            }
            b',' => {
                out.push(Token {
                    tok: Tok::Comma,
                    at,
                });
                i += 1;
            }
            b'=' => {
                out.push(Token {
                    tok: Tok::Op("="),
                    at,
                });
                i += 1;
            }
            b'<' | b'>' => {
                let two = b.get(i + 1).copied();
                let op = match (c, two) {
                    (b'<', Some(b'>')) => "<>",
                    (b'<', Some(b'=')) => "<=",
                    (b'>', Some(b'=')) => ">=",
                    (b'<', _) => "<",
                    _ => ">",
                };
                i += op.len();
                out.push(Token {
                    tok: Tok::Op(op),
                    at,
                });
            }
            b'\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    let Some(rest) = s.get(i..) else {
                        return Err(err(at, "unterminated string"));
                    };
                    let Some(q) = rest.find('\'') else {
                        return Err(err(at, "unterminated string"));
                    };
                    v.push_str(&rest[..q]);
                    i += q + 1;
                    if b.get(i) == Some(&b'\'') {
                        v.push('\'');
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push(Token {
                    tok: Tok::Str(v),
                    at,
                });
            }
            b'"' => {
                let rest = &s[i + 1..];
                let q = rest
                    .find('"')
                    .ok_or_else(|| err(at, "unterminated quoted property name"))?;
                out.push(Token {
                    tok: Tok::Quoted(rest[..q].to_string()),
                    at,
                });
                i += q + 2;
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                let start = i;
                if c == b'-' || c == b'+' {
                    i += 1;
                }
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                    let mut j = i + 1;
                    if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
                        j += 1;
                    }
                    if j < b.len() && b[j].is_ascii_digit() {
                        i = j;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                }
                let n: f64 = s[start..i]
                    .parse()
                    .map_err(|_| err(start, &format!("{:?} is not a number", &s[start..i])))?;
                if !n.is_finite() {
                    return Err(err(start, "number out of range"));
                }
                out.push(Token {
                    tok: Tok::Num(n),
                    at: start,
                });
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'.'
                        || b[i] == b':')
                {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Word(s[start..i].to_string()),
                    at: start,
                });
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(err(at, &format!("unexpected character {ch:?}")));
            }
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Parser (recursive descent, one function per grammar rule)
// ------------------------------------------------------------------------------------------

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
}

/// Words that cannot be property names unquoted.
const RESERVED: &[&str] = &[
    "AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE",
];

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map(|t| t.at).unwrap_or(self.end)
    }

    fn err_at(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            at,
            message: message.into(),
        }
    }

    fn expected(&self, what: &str) -> ParseError {
        match self.peek() {
            Some(t) => self.err_at(t.at, format!("expected {what}, found {}", t.tok.describe())),
            None => self.err_at(self.end, format!("expected {what}, found the end")),
        }
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).map(|t| t.tok.clone());
        self.pos += 1;
        t
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(x), .. }) if x.eq_ignore_ascii_case(w))
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<(), ParseError> {
        if self.eat_word(w) {
            Ok(())
        } else {
            Err(self.expected(w))
        }
    }

    fn expect(&mut self, t: Tok, what: &str) -> Result<(), ParseError> {
        if self.peek().map(|x| &x.tok) == Some(&t) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut parts = vec![self.and()?];
        while self.eat_word("OR") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one")
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut parts = vec![self.not()?];
        while self.eat_word("AND") {
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one")
        } else {
            Expr::And(parts)
        })
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.eat_word("NOT") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        if self.peek().map(|t| &t.tok) == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen, "\")\"")?;
            return Ok(e);
        }
        if self.is_word("S_INTERSECTS") {
            self.pos += 1;
            return self.s_intersects();
        }
        if self.is_word("T_INTERSECTS") {
            self.pos += 1;
            return self.t_intersects();
        }
        if let Some(Token {
            tok: Tok::Word(w),
            at,
        }) = self.peek()
            && (w.to_ascii_uppercase().starts_with("S_")
                || w.to_ascii_uppercase().starts_with("T_"))
            && matches!(
                self.tokens.get(self.pos + 1),
                Some(Token {
                    tok: Tok::LParen,
                    ..
                })
            )
        {
            return Err(self.err_at(
                *at,
                format!("function {w} is not supported (S_INTERSECTS and T_INTERSECTS are)"),
            ));
        }
        // A lone boolean literal is a predicate too.
        if (self.is_word("TRUE") || self.is_word("FALSE"))
            && !matches!(
                self.tokens.get(self.pos + 1),
                Some(Token {
                    tok: Tok::Op(_) | Tok::Word(_),
                    ..
                })
            )
        {
            let v = self.is_word("TRUE");
            self.pos += 1;
            return Ok(Expr::Bool(v));
        }
        let value = self.scalar()?;
        self.predicate(value)
    }

    fn predicate(&mut self, value: Scalar) -> Result<Expr, ParseError> {
        if let Some(Token {
            tok: Tok::Op(op), ..
        }) = self.peek()
        {
            let op = match *op {
                "=" => CmpOp::Eq,
                "<>" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            self.pos += 1;
            let right = self.scalar()?;
            return Ok(Expr::Compare {
                op,
                left: value,
                right,
            });
        }
        if self.eat_word("IS") {
            let negated = self.eat_word("NOT");
            self.expect_word("NULL")?;
            return Ok(Expr::IsNull { value, negated });
        }
        let negated = self.eat_word("NOT");
        if self.eat_word("LIKE") {
            let at = self.here();
            return match self.next() {
                Some(Tok::Str(pattern)) => Ok(Expr::Like {
                    value,
                    pattern,
                    negated,
                }),
                _ => Err(self.err_at(at, "LIKE needs a 'string' pattern")),
            };
        }
        if self.eat_word("BETWEEN") {
            let low = self.scalar()?;
            self.expect_word("AND")?;
            let high = self.scalar()?;
            return Ok(Expr::Between {
                value,
                low,
                high,
                negated,
            });
        }
        if self.eat_word("IN") {
            self.expect(Tok::LParen, "\"(\" after IN")?;
            let mut list = vec![self.scalar()?];
            while self.peek().map(|t| &t.tok) == Some(&Tok::Comma) {
                self.pos += 1;
                list.push(self.scalar()?);
            }
            self.expect(Tok::RParen, "\")\" closing the IN list")?;
            return Ok(Expr::In {
                value,
                list,
                negated,
            });
        }
        Err(self
            .expected("a comparison operator (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS NULL"))
    }

    fn string_arg(&mut self, func: &str) -> Result<String, ParseError> {
        self.expect(Tok::LParen, &format!("\"(\" after {func}"))?;
        let at = self.here();
        let s = match self.next() {
            Some(Tok::Str(s)) => s,
            _ => return Err(self.err_at(at, format!("{func} needs a 'string'"))),
        };
        self.expect(Tok::RParen, &format!("\")\" closing {func}"))?;
        Ok(s)
    }

    fn timestamp(&self, s: &str, at: usize) -> Result<DateTime<FixedOffset>, ParseError> {
        DateTime::parse_from_rfc3339(s).map_err(|_| {
            self.err_at(
                at,
                format!("{s:?} is not an RFC 3339 timestamp such as 2025-01-31T17:00:00Z"),
            )
        })
    }

    fn date(&self, s: &str, at: usize) -> Result<NaiveDate, ParseError> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| self.err_at(at, format!("{s:?} is not a date YYYY-MM-DD")))
    }

    fn scalar(&mut self) -> Result<Scalar, ParseError> {
        let at = self.here();
        match self.next() {
            Some(Tok::Str(s)) => Ok(Scalar::Str(s)),
            Some(Tok::Num(n)) => Ok(Scalar::Num(n)),
            Some(Tok::Quoted(name)) => Ok(Scalar::Property(name)),
            Some(Tok::Word(w)) => {
                let up = w.to_ascii_uppercase();
                match up.as_str() {
                    "TRUE" => Ok(Scalar::Bool(true)),
                    "FALSE" => Ok(Scalar::Bool(false)),
                    "TIMESTAMP" => {
                        let s = self.string_arg("TIMESTAMP")?;
                        Ok(Scalar::Timestamp(self.timestamp(&s, at)?))
                    }
                    "DATE" => {
                        let s = self.string_arg("DATE")?;
                        Ok(Scalar::Date(self.date(&s, at)?))
                    }
                    _ if RESERVED.contains(&up.as_str()) => {
                        Err(self.err_at(at, format!("expected a property or a value, found {w}")))
                    }
                    _ if self.peek().map(|t| &t.tok) == Some(&Tok::LParen) => Err(self.err_at(
                        at,
                        format!("function {w}() is not supported in this filter language subset"),
                    )),
                    _ => Ok(Scalar::Property(w)),
                }
            }
            _ => {
                self.pos -= 1;
                Err(self.expected("a property or a value"))
            }
        }
    }

    fn property(&mut self) -> Result<String, ParseError> {
        match self.scalar()? {
            Scalar::Property(p) => Ok(p),
            _ => Err(self.err_at(self.here(), "expected a property name")),
        }
    }

    fn s_intersects(&mut self) -> Result<Expr, ParseError> {
        self.expect(Tok::LParen, "\"(\" after S_INTERSECTS")?;
        // Either order: S_INTERSECTS(geometry, POLYGON(...)) or S_INTERSECTS(POLYGON(...), geometry).
        let (property, geometry) = if self.at_geometry_literal() {
            let g = self.geometry()?;
            self.expect(Tok::Comma, "\",\"")?;
            (self.property()?, g)
        } else {
            let p = self.property()?;
            self.expect(Tok::Comma, "\",\"")?;
            (p, self.geometry()?)
        };
        self.expect(Tok::RParen, "\")\" closing S_INTERSECTS")?;
        Ok(Expr::SIntersects { property, geometry })
    }

    fn at_geometry_literal(&self) -> bool {
        [
            "POINT",
            "LINESTRING",
            "POLYGON",
            "MULTIPOINT",
            "MULTILINESTRING",
            "MULTIPOLYGON",
            "BBOX",
        ]
        .iter()
        .any(|w| self.is_word(w))
    }

    fn t_intersects(&mut self) -> Result<Expr, ParseError> {
        self.expect(Tok::LParen, "\"(\" after T_INTERSECTS")?;
        let (property, time) = if self.at_temporal_literal() {
            let t = self.temporal()?;
            self.expect(Tok::Comma, "\",\"")?;
            (self.property()?, t)
        } else {
            let p = self.property()?;
            self.expect(Tok::Comma, "\",\"")?;
            (p, self.temporal()?)
        };
        self.expect(Tok::RParen, "\")\" closing T_INTERSECTS")?;
        Ok(Expr::TIntersects { property, time })
    }

    fn at_temporal_literal(&self) -> bool {
        ["TIMESTAMP", "DATE", "INTERVAL"]
            .iter()
            .any(|w| self.is_word(w))
    }

    fn bound(&self, s: &str, at: usize) -> Result<Option<Bound>, ParseError> {
        if s == ".." || s.is_empty() {
            return Ok(None);
        }
        if s.len() == 10 {
            return Ok(Some(Bound::Date(self.date(s, at)?)));
        }
        Ok(Some(Bound::Timestamp(self.timestamp(s, at)?)))
    }

    fn temporal(&mut self) -> Result<Temporal, ParseError> {
        let at = self.here();
        if self.eat_word("TIMESTAMP") {
            let s = self.string_arg("TIMESTAMP")?;
            return Ok(Temporal::Timestamp(self.timestamp(&s, at)?));
        }
        if self.eat_word("DATE") {
            let s = self.string_arg("DATE")?;
            return Ok(Temporal::Date(self.date(&s, at)?));
        }
        if self.eat_word("INTERVAL") {
            self.expect(Tok::LParen, "\"(\" after INTERVAL")?;
            let mut ends = Vec::new();
            for i in 0..2 {
                if i == 1 {
                    self.expect(Tok::Comma, "\",\" between the INTERVAL's ends")?;
                }
                let at = self.here();
                match self.next() {
                    Some(Tok::Str(s)) => ends.push(self.bound(&s, at)?),
                    _ => return Err(self.err_at(at, "INTERVAL ends are 'strings' ('..' = open)")),
                }
            }
            self.expect(Tok::RParen, "\")\" closing INTERVAL")?;
            return Ok(Temporal::Interval(ends[0], ends[1]));
        }
        Err(self.expected("TIMESTAMP('…'), DATE('…') or INTERVAL('…','…')"))
    }

    fn number(&mut self) -> Result<f64, ParseError> {
        let at = self.here();
        match self.next() {
            Some(Tok::Num(n)) => Ok(n),
            _ => Err(self.err_at(at, "expected a number")),
        }
    }

    /// `x y` (an optional z is read and dropped: the layers are 2D).
    fn coord(&mut self) -> Result<geo::Coord<f64>, ParseError> {
        let x = self.number()?;
        let y = self.number()?;
        if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Num(_),
                ..
            })
        ) {
            self.pos += 1;
        }
        Ok(geo::Coord { x, y })
    }

    fn coords(&mut self) -> Result<Vec<geo::Coord<f64>>, ParseError> {
        self.expect(Tok::LParen, "\"(\"")?;
        let mut out = vec![self.coord()?];
        while self.peek().map(|t| &t.tok) == Some(&Tok::Comma) {
            self.pos += 1;
            out.push(self.coord()?);
        }
        self.expect(Tok::RParen, "\")\"")?;
        Ok(out)
    }

    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        self.expect(Tok::LParen, "\"(\"")?;
        let mut out = vec![item(self)?];
        while self.peek().map(|t| &t.tok) == Some(&Tok::Comma) {
            self.pos += 1;
            out.push(item(self)?);
        }
        self.expect(Tok::RParen, "\")\"")?;
        Ok(out)
    }

    fn polygon(&mut self) -> Result<geo::Polygon<f64>, ParseError> {
        let at = self.here();
        let mut rings = self.list(|p| p.coords())?;
        for r in &rings {
            if r.len() < 4 || r.first() != r.last() {
                return Err(self.err_at(
                    at,
                    "a polygon ring needs at least 4 positions and must end where it starts",
                ));
            }
        }
        let exterior = rings.remove(0);
        Ok(geo::Polygon::new(
            geo::LineString(exterior),
            rings.into_iter().map(geo::LineString).collect(),
        ))
    }

    fn geometry(&mut self) -> Result<GeomLit, ParseError> {
        use geo::Geometry as G;
        let at = self.here();
        let Some(Tok::Word(w)) = self.next() else {
            self.pos -= 1;
            return Err(self.expected("a geometry literal (POINT, POLYGON, BBOX, …)"));
        };
        let g = match w.to_ascii_uppercase().as_str() {
            "BBOX" => {
                let n = self.list(|p| p.number())?;
                let b = match n[..] {
                    [a, b, c, d] => [a, b, c, d],
                    [a, b, _, d, e, _] => [a, b, d, e],
                    _ => return Err(self.err_at(at, "BBOX takes 4 or 6 numbers")),
                };
                if b[1] > b[3] {
                    return Err(self.err_at(at, "BBOX: the south edge is above the north edge"));
                }
                return Ok(GeomLit::Bbox(b));
            }
            "POINT" => {
                let c = self.coords()?;
                if c.len() != 1 {
                    return Err(self.err_at(at, "POINT takes one position"));
                }
                G::Point(geo::Point(c[0]))
            }
            "LINESTRING" => G::LineString(geo::LineString(self.coords()?)),
            "POLYGON" => G::Polygon(self.polygon()?),
            "MULTIPOINT" => {
                // Both MULTIPOINT(1 2, 3 4) and MULTIPOINT((1 2), (3 4)).
                let pts = self.list(|p| {
                    if p.peek().map(|t| &t.tok) == Some(&Tok::LParen) {
                        p.pos += 1;
                        let c = p.coord()?;
                        p.expect(Tok::RParen, "\")\"")?;
                        Ok(c)
                    } else {
                        p.coord()
                    }
                })?;
                G::MultiPoint(geo::MultiPoint(pts.into_iter().map(geo::Point).collect()))
            }
            "MULTILINESTRING" => G::MultiLineString(geo::MultiLineString(
                self.list(|p| p.coords())?
                    .into_iter()
                    .map(geo::LineString)
                    .collect(),
            )),
            "MULTIPOLYGON" => G::MultiPolygon(geo::MultiPolygon(self.list(|p| p.polygon())?)),
            _ => {
                return Err(self.err_at(
                    at,
                    format!(
                        "{w} is not a geometry literal (POINT, LINESTRING, POLYGON, MULTI…, BBOX)"
                    ),
                ));
            }
        };
        Ok(GeomLit::Geometry(g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn prop(s: &str) -> Scalar {
        Scalar::Property(s.into())
    }

    #[test]
    fn comparisons_and_precedence() {
        assert_eq!(
            p("kind = 'sale'"),
            Expr::Compare {
                op: CmpOp::Eq,
                left: prop("kind"),
                right: Scalar::Str("sale".into())
            }
        );
        // AND binds tighter than OR; NOT tighter than AND.
        let e = p("a = 1 OR b = 2 AND NOT c = 3");
        let Expr::Or(parts) = e else { panic!() };
        assert_eq!(parts.len(), 2);
        let Expr::And(and) = &parts[1] else { panic!() };
        assert!(matches!(and[1], Expr::Not(_)));
        assert_eq!(
            p("(a=1 or b=2) and c<>3"),
            Expr::And(vec![
                Expr::Or(vec![
                    Expr::Compare {
                        op: CmpOp::Eq,
                        left: prop("a"),
                        right: Scalar::Num(1.0)
                    },
                    Expr::Compare {
                        op: CmpOp::Eq,
                        left: prop("b"),
                        right: Scalar::Num(2.0)
                    },
                ]),
                Expr::Compare {
                    op: CmpOp::Ne,
                    left: prop("c"),
                    right: Scalar::Num(3.0)
                },
            ])
        );
        assert!(
            matches!(p("count >= -2.5e1"), Expr::Compare { op: CmpOp::Ge, right: Scalar::Num(n), .. } if n == -25.0)
        );
    }

    #[test]
    fn advanced_comparisons() {
        assert!(matches!(
            p("name LIKE 'Tr%'"),
            Expr::Like { negated: false, .. }
        ));
        assert!(matches!(
            p("name NOT LIKE 'x'"),
            Expr::Like { negated: true, .. }
        ));
        assert!(matches!(
            p("count BETWEEN 3 AND 10"),
            Expr::Between { negated: false, .. }
        ));
        let Expr::In { list, negated, .. } = p("kind NOT IN ('sale', 'use')") else {
            panic!()
        };
        assert!(negated);
        assert_eq!(list.len(), 2);
        assert!(matches!(
            p("parent_id IS NULL"),
            Expr::IsNull { negated: false, .. }
        ));
        assert!(matches!(
            p("parent_id is not null"),
            Expr::IsNull { negated: true, .. }
        ));
        assert_eq!(p("TRUE"), Expr::Bool(true));
        assert!(matches!(
            p("has_plan = true"),
            Expr::Compare {
                right: Scalar::Bool(true),
                ..
            }
        ));
        assert_eq!(
            p("name = 'O''Brien'"),
            Expr::Compare {
                op: CmpOp::Eq,
                left: prop("name"),
                right: Scalar::Str("O'Brien".into())
            }
        );
        assert!(
            matches!(p("\"and\" = 1"), Expr::Compare { left: Scalar::Property(ref x), .. } if x == "and")
        );
    }

    #[test]
    fn spatial_and_temporal_literals() {
        assert_eq!(
            p("S_INTERSECTS(geometry, BBOX(107.5, 16.4, 107.7, 16.5))"),
            Expr::SIntersects {
                property: "geometry".into(),
                geometry: GeomLit::Bbox([107.5, 16.4, 107.7, 16.5])
            }
        );
        // 6 numbers: the heights are dropped.
        assert!(matches!(
            p("s_intersects(geometry, bbox(1,2,0,3,4,10))"),
            Expr::SIntersects {
                geometry: GeomLit::Bbox([1.0, 2.0, 3.0, 4.0]),
                ..
            }
        ));
        let Expr::SIntersects {
            geometry: GeomLit::Geometry(geo::Geometry::Polygon(poly)),
            ..
        } = p("S_INTERSECTS(POLYGON((0 0, 1 0, 1 1, 0 1, 0 0)), geometry)")
        else {
            panic!()
        };
        assert_eq!(poly.exterior().0.len(), 5);
        assert!(matches!(
            p("S_INTERSECTS(geometry, MULTIPOINT((1 2), (3 4)))"),
            Expr::SIntersects {
                geometry: GeomLit::Geometry(geo::Geometry::MultiPoint(_)),
                ..
            }
        ));
        assert!(matches!(
            p("T_INTERSECTS(observed_at, INTERVAL('2025-01-01', '..'))"),
            Expr::TIntersects {
                time: Temporal::Interval(Some(Bound::Date(_)), None),
                ..
            }
        ));
        assert!(matches!(
            p("observed_at > TIMESTAMP('2025-01-01T00:00:00+07:00')"),
            Expr::Compare {
                right: Scalar::Timestamp(_),
                ..
            }
        ));
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = parse("kind = ").unwrap_err();
        assert_eq!(e.at, 7);
        assert!(e.message.contains("the end"), "{e}");
        let e = parse("kind == 'x'").unwrap_err();
        assert_eq!(e.at, 6);
        let e = parse("kind = 'x").unwrap_err();
        assert!(e.message.contains("unterminated"), "{e}");
        assert!(
            parse("S_WITHIN(geometry, POINT(1 2))")
                .unwrap_err()
                .message
                .contains("not supported")
        );
        assert!(parse("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))").is_err());
        assert!(parse("a = 1 b = 2").is_err());
        assert!(parse("a; DROP TABLE reports").is_err());
        assert!(
            parse("upper(name) = 'X'")
                .unwrap_err()
                .message
                .contains("function")
        );
        assert!(parse("T_INTERSECTS(observed_at, TIMESTAMP('yesterday'))").is_err());
        assert!(parse("").is_err());
    }

    proptest! {
        /// The parser never panics, whatever the input.
        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = parse(&s);
        }

        /// Any string literal survives quoting.
        #[test]
        fn string_literals_round_trip(v in "[^\\x00]{0,20}") {
            let quoted = format!("name = '{}'", v.replace('\'', "''"));
            prop_assert_eq!(
                parse(&quoted).unwrap(),
                Expr::Compare { op: CmpOp::Eq, left: Scalar::Property("name".into()), right: Scalar::Str(v) }
            );
        }

        /// Any finite number survives printing and parsing.
        #[test]
        fn numbers_round_trip(x in -1e12f64..1e12) {
            let e = parse(&format!("count < {x:?}")).unwrap();
            prop_assert_eq!(e, Expr::Compare { op: CmpOp::Lt, left: Scalar::Property("count".into()), right: Scalar::Num(x) });
        }
    }
}
