//! The sample feature service `…/rest/services/Demo/FeatureServer` of every server site: the
//! service, `layers`, the point layer `0` and its `query`, enough for GDAL's ESRIJSON and
//! GeoJSON drivers and the ArcGIS API for Python's `FeatureLayer.query()` (layer JSON first,
//! then `returnCountOnly`, `returnIdsOnly`, `objectIds` chunks or `resultOffset` pages).
//!
//! The token guard runs before this module (in `server`); here everything is about the data.
//!
//! Query parameters (names in any letter case, from the query string or the form body):
//! `where`, `objectIds`, `geometry` (an envelope: `xmin,ymin,xmax,ymax` or Esri JSON) with
//! `geometryType=esriGeometryEnvelope`, `inSR`, `spatialRel=esriSpatialRelIntersects`;
//! `outFields`, `returnGeometry`, `returnIdsOnly`, `returnCountOnly`, `returnExtentOnly`,
//! `orderByFields`, `resultOffset`, `resultRecordCount`, `outSR` (4326 or Web Mercator),
//! `geometryPrecision`, and `f` = `json`, `pjson`, `geojson` or `html`. Parameters that
//! would change the answer but are not emulated (statistics, `returnDistinctValues`,
//! `distance`, `having`, `quantizationParameters`) are refused with ArcGIS's 400 envelope
//! rather than ignored; the rest are ignored.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use axum::response::Response;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};

use super::Shared;
use super::dataset::{Extent, FIELDS, Feature, OID_FIELD, Value as Attr, field_index};
use super::request::{Format, Req};
use super::respond::{self, envelope_a};
use super::where_clause::{self, Expr};

/// `currentVersion` of the service and layer.
const VERSION: f64 = 11.3;
/// The layer's name.
const LAYER_NAME: &str = "Demo points";
/// Spherical Mercator's earth radius (m), for `inSR`/`outSR` 3857.
const EARTH_RADIUS: f64 = 6_378_137.0;

/// The error details of a query that cannot run, as ArcGIS Server words them.
const QUERY_FAILED: &[&str] = &["Unable to perform query operation."];
/// The error details of a `geometry` that cannot be read, as ArcGIS Server words them.
const BAD_GEOMETRY: &[&str] = &[
    "'geometry' parameter is invalid",
    "Unable to complete Query operation.",
];

/// Routes `…/FeatureServer` and below; `below` is the lower-case rest of the path.
pub fn handle(shared: &Shared, req: &Req, below: &str) -> Response {
    match below.trim_matches('/') {
        "" => respond::json(req, Format::Html, &service_json(shared)),
        "layers" => respond::json(
            req,
            Format::Html,
            &json!({"layers": [layer_json(shared)], "tables": []}),
        ),
        "0" => respond::json(req, Format::Html, &layer_json(shared)),
        "0/query" => query(shared, req),
        _ => respond::not_found(req),
    }
}

/// The service resource.
fn service_json(shared: &Shared) -> Value {
    let extent = extent_json(shared.dataset.extent(), SpatialRef::Wgs84);
    json!({
        "currentVersion": VERSION,
        "serviceDescription": "TokenDesk demo feature service: made-up points.",
        "hasVersionedData": false,
        "supportsDisconnectedEditing": false,
        "hasStaticData": true,
        "maxRecordCount": shared.dataset.max_record_count(),
        "supportedQueryFormats": "JSON, geoJSON",
        "capabilities": "Query",
        "description": "A sample feature service of the TokenDesk demo portal. The points are made up.",
        "copyrightText": "Made-up data of the TokenDesk demo portal.",
        "spatialReference": SpatialRef::Wgs84.json(),
        "initialExtent": extent,
        "fullExtent": extent,
        "allowGeometryUpdates": false,
        "units": "esriDecimalDegrees",
        "syncEnabled": false,
        "supportsApplyEditsWithGlobalIds": false,
        "layers": [{
            "id": 0,
            "name": LAYER_NAME,
            "parentLayerId": -1,
            "defaultVisibility": true,
            "subLayerIds": null,
            "minScale": 0,
            "maxScale": 0,
            "geometryType": "esriGeometryPoint",
        }],
        "tables": [],
    })
}

/// The layer resource.
fn layer_json(shared: &Shared) -> Value {
    let max = shared.dataset.max_record_count();
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|f| {
            let mut field = json!({
                "name": f.name,
                "type": f.kind.esri_name(),
                "alias": f.alias,
                "sqlType": "sqlTypeOther",
                "nullable": f.nullable,
                "editable": false,
                "domain": null,
                "defaultValue": null,
            });
            if let (Some(length), Some(object)) = (f.length, field.as_object_mut()) {
                object.insert("length".into(), Value::from(length));
            }
            field
        })
        .collect();
    let about = json!({
        "currentVersion": VERSION,
        "id": 0,
        "name": LAYER_NAME,
        "type": "Feature Layer",
        "parentLayer": null,
        "subLayers": [],
        "defaultVisibility": true,
        "minScale": 0,
        "maxScale": 0,
        "description": "Made-up points of the TokenDesk demo portal, the same for the same seed.",
        "copyrightText": "Made-up data of the TokenDesk demo portal.",
        "geometryType": "esriGeometryPoint",
        "sourceSpatialReference": SpatialRef::Wgs84.json(),
        "extent": extent_json(shared.dataset.extent(), SpatialRef::Wgs84),
        "hasZ": false,
        "hasM": false,
        "hasAttachments": false,
        "htmlPopupType": "esriServerHTMLPopupTypeNone",
        "displayField": "NAME",
        "typeIdField": null,
        "subtypeField": null,
        "objectIdField": OID_FIELD,
        "globalIdField": "",
        "uniqueIdField": {"name": OID_FIELD, "isSystemMaintained": true},
    });
    let query = json!({
        "fields": fields,
        "geometryField": {"name": "Shape", "type": "esriFieldTypeGeometry", "alias": "Shape"},
        "indexes": [],
        "types": [],
        "templates": [],
        "relationships": [],
        "drawingInfo": drawing_info(),
        "capabilities": "Query",
        "maxRecordCount": max,
        "standardMaxRecordCount": max,
        "tileMaxRecordCount": max,
        "maxRecordCountFactor": 1,
        "supportedQueryFormats": "JSON, geoJSON",
        "supportsPagination": true,
        "supportsStatistics": false,
        "supportsAdvancedQueries": true,
        "supportsCoordinatesQuantization": false,
        "supportsDatumTransformation": false,
        "useStandardizedQueries": true,
        "isDataVersioned": false,
        "dateFieldsTimeReference": {"timeZone": "UTC", "respectsDaylightSaving": false},
        "advancedQueryCapabilities": advanced_query_capabilities(),
    });
    // Two objects: one `json!` with every key exceeds the macro recursion limit.
    let mut layer = about;
    if let (Some(layer), Value::Object(rest)) = (layer.as_object_mut(), query) {
        layer.extend(rest);
    }
    layer
}

/// The layer's `drawingInfo`: blue circles.
fn drawing_info() -> Value {
    json!({
        "renderer": {
            "type": "simple",
            "symbol": {
                "type": "esriSMS",
                "style": "esriSMSCircle",
                "color": [0, 112, 255, 255],
                "size": 6,
                "angle": 0,
                "xoffset": 0,
                "yoffset": 0,
                "outline": {"color": [255, 255, 255, 255], "width": 1},
            },
            "label": "",
            "description": "",
        },
        "transparency": 0,
        "labelingInfo": null,
    })
}

/// The layer's `advancedQueryCapabilities`: paging and ordering, nothing statistical.
fn advanced_query_capabilities() -> Value {
    json!({
        "useStandardizedQueries": true,
        "supportsPagination": true,
        "supportsPaginationOnAggregatedQueries": false,
        "supportsOrderBy": true,
        "supportsDistinct": false,
        "supportsCountDistinct": false,
        "supportsStatistics": false,
        "supportsHavingClause": false,
        "supportsTrueCurve": false,
        "supportsQueryWithDistance": false,
        "supportsReturningQueryExtent": true,
        "supportsReturningGeometryCentroid": false,
        "supportsSqlExpression": false,
        "supportsQueryWithResultType": false,
        "supportsOutFieldSQLExpression": false,
    })
}

/// A spatial reference the layer can take envelopes in and answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpatialRef {
    /// WGS 84 degrees, the layer's own (4326).
    Wgs84,
    /// Web Mercator metres (3857, also known as 102100, 102113, 900913).
    WebMercator,
}

impl SpatialRef {
    /// From a WKID; `None` for one the demo portal does not project to.
    fn from_wkid(wkid: i64) -> Option<Self> {
        match wkid {
            4326 => Some(Self::Wgs84),
            3857 | 102_100 | 102_113 | 900_913 => Some(Self::WebMercator),
            _ => None,
        }
    }

    /// From `4326` or `{"wkid": 4326}` (also `latestWkid`).
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(wkid) = text.parse::<i64>() {
            return Self::from_wkid(wkid);
        }
        let value: Value = serde_json::from_str(text).ok()?;
        Self::of_json(&value)
    }

    /// From an Esri JSON spatial reference object.
    fn of_json(value: &Value) -> Option<Self> {
        ["wkid", "latestWkid"]
            .iter()
            .find_map(|key| value.get(key).and_then(Value::as_i64))
            .and_then(Self::from_wkid)
    }

    /// The Esri JSON `spatialReference`.
    fn json(self) -> Value {
        match self {
            Self::Wgs84 => json!({"wkid": 4326, "latestWkid": 4326}),
            Self::WebMercator => json!({"wkid": 102_100, "latestWkid": 3857}),
        }
    }

    /// A WGS 84 point in this reference.
    fn project(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Self::Wgs84 => (lon, lat),
            Self::WebMercator => {
                let lat = lat.clamp(-85.051_128_78, 85.051_128_78);
                let x = lon.to_radians() * EARTH_RADIUS;
                let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
                    .tan()
                    .ln()
                    * EARTH_RADIUS;
                (x, y)
            }
        }
    }

    /// A point of this reference in WGS 84.
    fn unproject(self, x: f64, y: f64) -> (f64, f64) {
        match self {
            Self::Wgs84 => (x, y),
            Self::WebMercator => {
                let lon = (x / EARTH_RADIUS).to_degrees();
                let lat = (2.0 * (y / EARTH_RADIUS).exp().atan() - std::f64::consts::FRAC_PI_2)
                    .to_degrees();
                (lon, lat)
            }
        }
    }
}

/// An extent in `sr`, Esri JSON; `NaN` strings for an empty one, as ArcGIS writes them.
fn extent_json(extent: Extent, sr: SpatialRef) -> Value {
    let (xmin, ymin) = sr.project(extent.xmin, extent.ymin);
    let (xmax, ymax) = sr.project(extent.xmax, extent.ymax);
    json!({"xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax, "spatialReference": sr.json()})
}

/// Why a query was refused: the details the client gets and a reason for the log.
struct Refusal {
    /// The envelope's `details`, ArcGIS's words.
    details: &'static [&'static str],
    /// What was wrong, for the debug log (never the client's values).
    reason: String,
}

/// A refusal as an `Err`.
fn refused<T>(details: &'static [&'static str], reason: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        details,
        reason: reason.into(),
    })
}

/// What `f` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutFormat {
    /// Esri JSON as `json`, `pjson` or inside an HTML page.
    Esri(Format),
    /// GeoJSON.
    GeoJson,
}

/// A parsed query.
struct Plan {
    /// `where`.
    filter: Option<Expr>,
    /// `objectIds`.
    object_ids: Option<BTreeSet<i64>>,
    /// `geometry`, in WGS 84.
    envelope: Option<Extent>,
    /// `outFields`: indexes into [`FIELDS`], in the order answered.
    out_fields: Vec<usize>,
    /// `returnGeometry`.
    return_geometry: bool,
    /// `returnIdsOnly`.
    ids_only: bool,
    /// `returnCountOnly`.
    count_only: bool,
    /// `returnExtentOnly`.
    extent_only: bool,
    /// `resultOffset`.
    offset: usize,
    /// `resultRecordCount` (absent or 0: `maxRecordCount`).
    record_count: Option<usize>,
    /// `orderByFields`: field index and whether descending.
    order_by: Vec<(usize, bool)>,
    /// `outSR`.
    out_sr: SpatialRef,
    /// `geometryPrecision`.
    precision: Option<i32>,
}

/// A parameter in any letter case, trimmed; empty counts as absent.
fn param<'a>(req: &'a Req, name: &str) -> Option<&'a str> {
    req.params
        .get_any_case(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A `true`/`false` parameter; anything else (or nothing) is `default`.
fn flag(req: &Req, name: &str, default: bool) -> bool {
    match param(req, name).map(str::to_ascii_lowercase).as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => default,
    }
}

/// A non-negative count parameter; `Err` if it is not one.
fn count_param(req: &Req, name: &str) -> Result<Option<usize>, Refusal> {
    match param(req, name) {
        None => Ok(None),
        Some(text) => match text.parse::<usize>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => refused(QUERY_FAILED, format!("'{name}' is not a count")),
        },
    }
}

impl Plan {
    /// Reads the query parameters; `Err` for one that cannot be honoured.
    fn parse(req: &Req) -> Result<Self, Refusal> {
        for name in [
            "outStatistics",
            "groupByFieldsForStatistics",
            "having",
            "quantizationParameters",
        ] {
            if param(req, name).is_some_and(|v| v != "[]" && v != "{}") {
                return refused(QUERY_FAILED, format!("'{name}' is not emulated"));
            }
        }
        if flag(req, "returnDistinctValues", false) {
            return refused(QUERY_FAILED, "'returnDistinctValues' is not emulated");
        }
        if param(req, "distance").is_some_and(|d| d.parse::<f64>() != Ok(0.0)) {
            return refused(QUERY_FAILED, "'distance' is not emulated");
        }
        let filter = match param(req, "where") {
            Some(text) => Some(where_clause::parse(text).map_err(|e| Refusal {
                details: QUERY_FAILED,
                reason: format!("'where' not understood: {e}"),
            })?),
            None => None,
        };
        let object_ids = param(req, "objectIds").map(parse_object_ids).transpose()?;
        let envelope = envelope(req)?;
        if filter.is_none() && object_ids.is_none() && envelope.is_none() {
            return refused(QUERY_FAILED, "none of 'where', 'objectIds', 'geometry'");
        }
        let out_sr = match param(req, "outSR") {
            None => SpatialRef::Wgs84,
            Some(text) => match SpatialRef::parse(text) {
                Some(sr) => sr,
                None => return refused(QUERY_FAILED, "'outSR' is not 4326 or 3857"),
            },
        };
        let precision = match param(req, "geometryPrecision") {
            None => None,
            Some(text) => match text.parse::<i32>() {
                Ok(p) if (0..=17).contains(&p) => Some(p),
                _ => return refused(QUERY_FAILED, "'geometryPrecision' is not 0 to 17"),
            },
        };
        Ok(Self {
            filter,
            object_ids,
            envelope,
            out_fields: out_fields(req)?,
            return_geometry: flag(req, "returnGeometry", true),
            ids_only: flag(req, "returnIdsOnly", false),
            count_only: flag(req, "returnCountOnly", false),
            extent_only: flag(req, "returnExtentOnly", false),
            offset: count_param(req, "resultOffset")?.unwrap_or(0),
            record_count: count_param(req, "resultRecordCount")?.filter(|n| *n > 0),
            order_by: order_by(req)?,
            out_sr,
            precision,
        })
    }

    /// Whether the feature passes `objectIds`, `geometry` and `where`.
    fn keeps(&self, feature: &Feature) -> bool {
        self.object_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&feature.object_id))
            && self
                .envelope
                .is_none_or(|e| e.contains(feature.x, feature.y))
            && self
                .filter
                .as_ref()
                .is_none_or(|f| where_clause::matches(f, feature))
    }

    /// A coordinate rounded to `geometryPrecision` decimals.
    fn round(&self, value: f64) -> f64 {
        match self.precision {
            Some(p) => {
                let scale = 10f64.powi(p);
                (value * scale).round() / scale
            }
            None => value,
        }
    }
}

/// `1,2,3` (spaces and a JSON-style `[…]` or quotes tolerated).
fn parse_object_ids(text: &str) -> Result<BTreeSet<i64>, Refusal> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .map(|id| id.trim().trim_matches('"').trim_matches('\''))
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse::<i64>().map_err(|_| Refusal {
                details: QUERY_FAILED,
                reason: "'objectIds' holds something that is not an integer".into(),
            })
        })
        .collect()
}

/// `outFields`: `*`, a comma-separated list, or absent (the object ID only).
fn out_fields(req: &Req) -> Result<Vec<usize>, Refusal> {
    let Some(text) = param(req, "outFields") else {
        return Ok(vec![0]);
    };
    let mut chosen = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "*" {
            return Ok((0..FIELDS.len()).collect());
        }
        match field_index(name) {
            Some(index) if !chosen.contains(&index) => chosen.push(index),
            Some(_) => {}
            None => return refused(QUERY_FAILED, "'outFields' names a field the layer lacks"),
        }
    }
    if chosen.is_empty() {
        chosen.push(0);
    }
    Ok(chosen)
}

/// `orderByFields`: `FIELD [ASC|DESC], …`; `true` = descending.
fn order_by(req: &Req) -> Result<Vec<(usize, bool)>, Refusal> {
    let Some(text) = param(req, "orderByFields") else {
        return Ok(Vec::new());
    };
    let mut order = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let mut words = item.split_whitespace();
        let index = words.next().and_then(field_index);
        let descending = match words.next().map(str::to_ascii_uppercase).as_deref() {
            None | Some("ASC") => false,
            Some("DESC") => true,
            Some(_) => return refused(QUERY_FAILED, "'orderByFields' with a bad direction"),
        };
        match (index, words.next()) {
            (Some(index), None) => order.push((index, descending)),
            _ => return refused(QUERY_FAILED, "'orderByFields' not understood"),
        }
    }
    Ok(order)
}

/// The envelope filter (`geometry` + `geometryType`, `inSR`, `spatialRel`) in WGS 84.
fn envelope(req: &Req) -> Result<Option<Extent>, Refusal> {
    let Some(text) = param(req, "geometry") else {
        return Ok(None);
    };
    match param(req, "geometryType") {
        None | Some("esriGeometryEnvelope") => {}
        Some(_) => return refused(BAD_GEOMETRY, "only envelopes are emulated"),
    }
    match param(req, "spatialRel") {
        None | Some("esriSpatialRelIntersects") | Some("esriSpatialRelEnvelopeIntersects") => {}
        Some(_) => return refused(QUERY_FAILED, "only esriSpatialRelIntersects is emulated"),
    }
    let (corners, own_sr) = if text.starts_with('{') {
        let value: Value = serde_json::from_str(text).map_err(|_| Refusal {
            details: BAD_GEOMETRY,
            reason: "'geometry' is not JSON".into(),
        })?;
        let corner = |key: &str| value.get(key).and_then(Value::as_f64);
        let corners = [
            corner("xmin"),
            corner("ymin"),
            corner("xmax"),
            corner("ymax"),
        ];
        let own_sr = match value.get("spatialReference") {
            None => None,
            Some(sr) => match SpatialRef::of_json(sr) {
                Some(sr) => Some(sr),
                None => return refused(BAD_GEOMETRY, "a spatial reference not emulated"),
            },
        };
        (corners, own_sr)
    } else {
        let numbers: Vec<Option<f64>> = text
            .split(',')
            .map(|n| n.trim().parse::<f64>().ok())
            .collect();
        if numbers.len() != 4 {
            return refused(BAD_GEOMETRY, "'geometry' is not xmin,ymin,xmax,ymax");
        }
        ([numbers[0], numbers[1], numbers[2], numbers[3]], None)
    };
    let [Some(xmin), Some(ymin), Some(xmax), Some(ymax)] = corners else {
        return refused(BAD_GEOMETRY, "'geometry' lacks a corner");
    };
    if ![xmin, ymin, xmax, ymax].iter().all(|v| v.is_finite()) {
        return refused(BAD_GEOMETRY, "'geometry' has a corner that is not a number");
    }
    let sr = match param(req, "inSR") {
        Some(text) => match SpatialRef::parse(text) {
            Some(sr) => sr,
            None => return refused(BAD_GEOMETRY, "'inSR' is not 4326 or 3857"),
        },
        None => own_sr.unwrap_or(SpatialRef::Wgs84),
    };
    let (west, south) = sr.unproject(xmin, ymin);
    let (east, north) = sr.unproject(xmax, ymax);
    Ok(Some(Extent {
        xmin: west,
        ymin: south,
        xmax: east,
        ymax: north,
    }))
}

/// The order of two attribute values: nulls first, then by value.
fn compare_attr(a: &Attr<'_>, b: &Attr<'_>) -> Ordering {
    let number = |v: &Attr<'_>| match v {
        Attr::Integer(n) => Some(*n as f64),
        Attr::Double(n) => Some(*n),
        _ => None,
    };
    match (a, b) {
        (Attr::Null, Attr::Null) => Ordering::Equal,
        (Attr::Null, _) => Ordering::Less,
        (_, Attr::Null) => Ordering::Greater,
        (Attr::Text(a), Attr::Text(b)) => a.cmp(b),
        (Attr::Date(a), Attr::Date(b)) => a.cmp(b),
        _ => match (number(a), number(b)) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            _ => Ordering::Equal,
        },
    }
}

/// `…/FeatureServer/0/query`.
fn query(shared: &Shared, req: &Req) -> Response {
    let format = match param(req, "f").map(str::to_ascii_lowercase).as_deref() {
        None | Some("html") => OutFormat::Esri(Format::Html),
        Some("json") => OutFormat::Esri(Format::Json),
        Some("pjson") => OutFormat::Esri(Format::Pjson),
        Some("geojson") => OutFormat::GeoJson,
        Some(_) => {
            return refuse(
                req,
                Refusal {
                    details: QUERY_FAILED,
                    reason: "'f' is not json, pjson, geojson or html".into(),
                },
            );
        }
    };
    let plan = match Plan::parse(req) {
        Ok(plan) => plan,
        Err(refusal) => return refuse(req, refusal),
    };
    let mut selected: Vec<&Feature> = shared
        .dataset
        .features()
        .iter()
        .filter(|f| plan.keeps(f))
        .collect();
    if !plan.order_by.is_empty() {
        selected.sort_by(|a, b| {
            plan.order_by
                .iter()
                .map(|(index, descending)| {
                    let order = compare_attr(&a.attribute(*index), &b.attribute(*index));
                    if *descending { order.reverse() } else { order }
                })
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        });
    }

    if plan.count_only || plan.extent_only {
        let count = plan.count_only.then_some(selected.len());
        let extent = Extent::of(selected.iter().copied());
        if format == OutFormat::GeoJson {
            let bbox = extent.map(|e| [e.xmin, e.ymin, e.xmax, e.ymax]);
            return respond::geojson(
                req,
                &CountAndExtent {
                    count,
                    extent: None,
                    bbox: plan.extent_only.then_some(bbox),
                },
            );
        }
        let extent = plan.extent_only.then(|| match extent {
            Some(e) => extent_json(e, plan.out_sr),
            None => json!({"xmin": "NaN", "ymin": "NaN", "xmax": "NaN", "ymax": "NaN",
                           "spatialReference": plan.out_sr.json()}),
        });
        return esri(
            req,
            format,
            &CountAndExtent {
                count,
                extent,
                bbox: None,
            },
        );
    }

    if plan.ids_only {
        let ids: Vec<i64> = selected
            .iter()
            .skip(plan.offset)
            .take(plan.record_count.unwrap_or(usize::MAX))
            .map(|f| f.object_id)
            .collect();
        let body = IdsOnly {
            object_id_field_name: OID_FIELD,
            object_ids: ids,
        };
        return match format {
            OutFormat::GeoJson => respond::geojson(req, &body),
            OutFormat::Esri(_) => esri(req, format, &body),
        };
    }

    let max = shared.dataset.max_record_count();
    let limit = plan.record_count.map_or(max, |n| n.min(max));
    let page: Vec<&Feature> = selected
        .iter()
        .skip(plan.offset)
        .take(limit)
        .copied()
        .collect();
    let exceeded = plan.offset.saturating_add(page.len()) < selected.len();
    match format {
        OutFormat::GeoJson => respond::geojson(req, &geojson_page(&plan, &page, exceeded)),
        OutFormat::Esri(_) => esri(req, format, &esri_page(&plan, &page, exceeded)),
    }
}

/// An Esri JSON answer in the format `f` asked for.
fn esri<T: Serialize>(req: &Req, format: OutFormat, body: &T) -> Response {
    let default = match format {
        OutFormat::Esri(format) => format,
        OutFormat::GeoJson => Format::Json,
    };
    respond::json(req, default, body)
}

/// ArcGIS's 400 envelope, `"Unable to complete operation."`; the reason goes to the log only.
fn refuse(req: &Req, refusal: Refusal) -> Response {
    tracing::debug!(path = %req.canonical, reason = %refusal.reason, "demo portal query refused");
    let body = envelope_a(400, None, "Unable to complete operation.", refusal.details);
    let default = match param(req, "f").map(str::to_ascii_lowercase).as_deref() {
        Some("geojson") => Format::Json,
        _ => Format::Html,
    };
    respond::error(req, default, 400, &body)
}

/// One page of features as an Esri JSON feature set.
fn esri_page<'a>(plan: &'a Plan, page: &[&'a Feature], exceeded: bool) -> FeatureSet<'a> {
    let geometry = plan.return_geometry;
    FeatureSet {
        object_id_field_name: OID_FIELD,
        unique_id_field: UniqueIdField {
            name: OID_FIELD,
            is_system_maintained: true,
        },
        global_id_field_name: "",
        geometry_type: geometry.then_some("esriGeometryPoint"),
        spatial_reference: geometry.then(|| plan.out_sr.json()),
        fields: plan
            .out_fields
            .iter()
            .filter_map(|i| FIELDS.get(*i))
            .map(|f| FieldJson {
                name: f.name,
                kind: f.kind.esri_name(),
                alias: f.alias,
                sql_type: "sqlTypeOther",
                length: f.length,
                domain: (),
                default_value: (),
            })
            .collect(),
        exceeded_transfer_limit: exceeded,
        features: page
            .iter()
            .map(|feature| EsriFeature {
                attributes: Attributes {
                    feature,
                    fields: &plan.out_fields,
                },
                geometry: geometry.then(|| {
                    let (x, y) = plan.out_sr.project(feature.x, feature.y);
                    Point {
                        x: plan.round(x),
                        y: plan.round(y),
                    }
                }),
            })
            .collect(),
    }
}

/// One page of features as a GeoJSON feature collection.
fn geojson_page<'a>(plan: &'a Plan, page: &[&'a Feature], exceeded: bool) -> GeoJsonCollection<'a> {
    GeoJsonCollection {
        kind: "FeatureCollection",
        features: page
            .iter()
            .map(|feature| GeoJsonFeature {
                kind: "Feature",
                id: feature.object_id,
                geometry: plan.return_geometry.then(|| GeoJsonPoint {
                    kind: "Point",
                    coordinates: [plan.round(feature.x), plan.round(feature.y)],
                }),
                properties: Attributes {
                    feature,
                    fields: &plan.out_fields,
                },
            })
            .collect(),
        properties: exceeded.then_some(GeoJsonProperties {
            exceeded_transfer_limit: true,
        }),
    }
}

/// `returnCountOnly` / `returnExtentOnly`.
#[derive(Serialize)]
struct CountAndExtent {
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extent: Option<Value>,
    /// GeoJSON's extent: `[xmin, ymin, xmax, ymax]`, `null` when nothing matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    bbox: Option<Option<[f64; 4]>>,
}

/// `returnIdsOnly`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IdsOnly {
    object_id_field_name: &'static str,
    object_ids: Vec<i64>,
}

/// An Esri JSON feature set, keys in ArcGIS's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FeatureSet<'a> {
    object_id_field_name: &'static str,
    unique_id_field: UniqueIdField,
    global_id_field_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    geometry_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spatial_reference: Option<Value>,
    fields: Vec<FieldJson>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    exceeded_transfer_limit: bool,
    features: Vec<EsriFeature<'a>>,
}

/// `uniqueIdField` of a feature set.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UniqueIdField {
    name: &'static str,
    is_system_maintained: bool,
}

/// A field of a feature set.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FieldJson {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    alias: &'static str,
    sql_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<u32>,
    /// Always `null`.
    domain: (),
    /// Always `null`.
    default_value: (),
}

/// An Esri JSON feature.
#[derive(Serialize)]
struct EsriFeature<'a> {
    attributes: Attributes<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geometry: Option<Point>,
}

/// An Esri JSON point (its spatial reference is the feature set's).
#[derive(Serialize)]
struct Point {
    x: f64,
    y: f64,
}

/// A GeoJSON feature collection (`f=geojson`).
#[derive(Serialize)]
struct GeoJsonCollection<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    features: Vec<GeoJsonFeature<'a>>,
    /// Only when more features remain: `{"exceededTransferLimit": true}`, as ArcGIS does.
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<GeoJsonProperties>,
}

/// The collection's `properties`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GeoJsonProperties {
    exceeded_transfer_limit: bool,
}

/// A GeoJSON feature; `id` is the object ID.
#[derive(Serialize)]
struct GeoJsonFeature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: i64,
    /// `null` with `returnGeometry=false`.
    geometry: Option<GeoJsonPoint>,
    properties: Attributes<'a>,
}

/// A GeoJSON point, `[lon, lat]`.
#[derive(Serialize)]
struct GeoJsonPoint {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

/// A feature's attributes for `outFields`, in that order.
struct Attributes<'a> {
    feature: &'a Feature,
    fields: &'a [usize],
}

impl Serialize for Attributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for index in self.fields {
            let Some(field) = FIELDS.get(*index) else {
                continue;
            };
            match self.feature.attribute(*index) {
                Attr::Null => map.serialize_entry(field.name, &())?,
                Attr::Integer(n) | Attr::Date(n) => map.serialize_entry(field.name, &n)?,
                Attr::Double(n) => map.serialize_entry(field.name, &n)?,
                Attr::Text(text) => map.serialize_entry(field.name, text)?,
            }
        }
        map.end()
    }
}

#[cfg(test)]
#[path = "feature_service_tests.rs"]
mod tests;
