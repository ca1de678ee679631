//! What a filter may name: each collection's queryable properties with their types, and the
//! check that a parsed filter only uses those, with operands of matching types. The same
//! description becomes the `/queryables` JSON Schema, so what is advertised is what is checked.

use serde_json::{Value, json};

use super::cql2::{Expr, Scalar, Temporal};

/// The type of a queryable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Integer,
    Boolean,
    /// An instant, written RFC 3339 with its offset.
    Timestamp,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// The feature geometry.
    Geometry,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Number => "number",
            Type::Integer => "integer",
            Type::Boolean => "boolean",
            Type::Timestamp => "timestamp",
            Type::Date => "date",
            Type::Geometry => "geometry",
        }
    }
}

/// One queryable property.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Queryable {
    pub name: &'static str,
    pub ty: Type,
    pub description: &'static str,
    /// The closed vocabulary of a string property (empty = free text).
    pub values: &'static [&'static str],
}

/// A filter that parses but cannot run on this collection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("unknown property {name:?}; queryables: {known}")]
    UnknownProperty { name: String, known: String },
    #[error("{0}")]
    Type(String),
}

/// The queryable named `name`.
pub fn find<'q>(qs: &'q [Queryable], name: &str) -> Option<&'q Queryable> {
    qs.iter().find(|q| q.name == name)
}

fn unknown(qs: &[Queryable], name: &str) -> CheckError {
    CheckError::UnknownProperty {
        name: name.to_string(),
        known: qs.iter().map(|q| q.name).collect::<Vec<_>>().join(", "),
    }
}

/// Type of a scalar operand (`None` for a property not in `qs`, reported by the caller).
fn scalar_type(qs: &[Queryable], s: &Scalar) -> Result<Type, CheckError> {
    Ok(match s {
        Scalar::Property(p) => find(qs, p).ok_or_else(|| unknown(qs, p))?.ty,
        Scalar::Str(_) => Type::String,
        Scalar::Num(_) => Type::Number,
        Scalar::Bool(_) => Type::Boolean,
        Scalar::Timestamp(_) => Type::Timestamp,
        Scalar::Date(_) => Type::Date,
    })
}

fn comparable(a: Type, b: Type) -> bool {
    let num = |t: Type| matches!(t, Type::Number | Type::Integer);
    a == b && a != Type::Geometry || num(a) && num(b)
}

fn same_types(qs: &[Queryable], what: &str, items: &[&Scalar]) -> Result<(), CheckError> {
    let types = items
        .iter()
        .map(|s| scalar_type(qs, s))
        .collect::<Result<Vec<_>, _>>()?;
    if types.windows(2).all(|w| comparable(w[0], w[1])) {
        return Ok(());
    }
    Err(CheckError::Type(format!(
        "{what}: operands of different types ({}); compare strings with 'text', numbers with \
         numbers, timestamps with TIMESTAMP('…'), dates with DATE('…')",
        types
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Checks that `e` names only queryables of `qs`, with operands of matching types, and that
/// closed vocabularies are respected (so `kind = 'sael'` is an error, not an empty answer).
pub fn check(qs: &[Queryable], e: &Expr) -> Result<(), CheckError> {
    let vocab = |a: &Scalar, b: &Scalar| -> Result<(), CheckError> {
        if let (Scalar::Property(p), Scalar::Str(v)) = (a, b)
            && let Some(q) = find(qs, p)
            && !q.values.is_empty()
            && !q.values.contains(&v.as_str())
        {
            return Err(CheckError::Type(format!(
                "{p}: unknown value {v:?}, expected one of: {}",
                q.values.join(", ")
            )));
        }
        Ok(())
    };
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().try_for_each(|x| check(qs, x)),
        Expr::Not(x) => check(qs, x),
        Expr::Bool(_) => Ok(()),
        Expr::Compare { left, right, op } => {
            same_types(qs, op.as_str(), &[left, right])?;
            vocab(left, right)?;
            vocab(right, left)
        }
        Expr::Like { value, .. } => {
            if scalar_type(qs, value)? != Type::String {
                return Err(CheckError::Type("LIKE applies to string properties".into()));
            }
            Ok(())
        }
        Expr::Between {
            value, low, high, ..
        } => same_types(qs, "BETWEEN", &[value, low, high]),
        Expr::In { value, list, .. } => {
            let mut all = vec![value];
            all.extend(list.iter());
            same_types(qs, "IN", &all)?;
            list.iter().try_for_each(|x| vocab(value, x))
        }
        Expr::IsNull { value, .. } => scalar_type(qs, value).map(|_| ()),
        Expr::SIntersects { property, .. } => {
            match find(qs, property).ok_or_else(|| unknown(qs, property))?.ty {
                Type::Geometry => Ok(()),
                _ => Err(CheckError::Type(format!(
                    "S_INTERSECTS needs the geometry property, {property:?} is not one"
                ))),
            }
        }
        Expr::TIntersects { property, time } => {
            let ty = find(qs, property).ok_or_else(|| unknown(qs, property))?.ty;
            match (ty, time) {
                (Type::Timestamp | Type::Date, _) => Ok(()),
                _ => Err(CheckError::Type(format!(
                    "T_INTERSECTS needs a timestamp or date property, {property:?} is a {} ({})",
                    ty.name(),
                    match time {
                        Temporal::Interval(..) => "INTERVAL",
                        Temporal::Timestamp(_) => "TIMESTAMP",
                        Temporal::Date(_) => "DATE",
                    }
                ))),
            }
        }
    }
}

/// The `/queryables` document (JSON Schema 2020-12, as OGC API – Features Part 3 asks).
pub fn schema(qs: &[Queryable], id_url: &str, title: &str) -> Value {
    let mut props = serde_json::Map::new();
    for q in qs {
        let mut p = match q.ty {
            Type::String => json!({"type": "string"}),
            Type::Number => json!({"type": "number"}),
            Type::Integer => json!({"type": "integer"}),
            Type::Boolean => json!({"type": "boolean"}),
            Type::Timestamp => json!({"type": "string", "format": "date-time"}),
            Type::Date => json!({"type": "string", "format": "date"}),
            Type::Geometry => json!({"format": "geometry-any"}),
        };
        p["title"] = json!(q.name);
        p["description"] = json!(q.description);
        if !q.values.is_empty() {
            p["enum"] = json!(q.values);
        }
        props.insert(q.name.to_string(), p);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": id_url,
        "type": "object",
        "title": title,
        "properties": props,
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::super::cql2::parse;
    use super::*;

    const QS: &[Queryable] = &[
        Queryable {
            name: "kind",
            ty: Type::String,
            description: "",
            values: &["sale", "use"],
        },
        Queryable {
            name: "count",
            ty: Type::Integer,
            description: "",
            values: &[],
        },
        Queryable {
            name: "geometry",
            ty: Type::Geometry,
            description: "",
            values: &[],
        },
    ];

    fn ck(s: &str) -> Result<(), CheckError> {
        check(QS, &parse(s).unwrap())
    }

    #[test]
    fn names_types_and_vocabularies_are_checked() {
        assert!(ck("kind = 'sale' AND count > 2.5").is_ok());
        assert!(ck("S_INTERSECTS(geometry, BBOX(0,0,1,1))").is_ok());
        let e = ck("knd = 'sale'").unwrap_err();
        assert!(e.to_string().contains("kind, count, geometry"), "{e}");
        assert!(ck("kind = 3").is_err());
        let e = ck("kind IN ('sale', 'sael')").unwrap_err();
        assert!(e.to_string().contains("sael"), "{e}");
        assert!(ck("S_INTERSECTS(kind, BBOX(0,0,1,1))").is_err());
        assert!(ck("T_INTERSECTS(count, DATE('2025-01-01'))").is_err());
        assert!(ck("count LIKE '1%'").is_err());
    }

    #[test]
    fn schema_lists_every_queryable() {
        let s = schema(QS, "http://x/q", "t");
        assert_eq!(s["properties"]["kind"]["enum"], json!(["sale", "use"]));
        assert_eq!(s["properties"]["count"]["type"], "integer");
        assert_eq!(s["properties"]["geometry"]["format"], "geometry-any");
    }
}
