//! The sample feature service through the whole router (path normalisation, parameter
//! merging, token guard), without TLS or sockets.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::SpatialRef;
use crate::dataset::Feature;
use crate::{Behaviour, DemoClock, DemoConfig, FeatureServiceConfig, Shared, SiteUrls};

const PUBLIC: &str = "/public/rest/services/Demo/FeatureServer";
const FEDERATED: &str = "/server/rest/services/Demo/FeatureServer";
const STANDALONE: &str = "/gis/rest/services/Demo/FeatureServer";

/// A demo portal's router and the features it serves.
struct Portal {
    router: axum::Router,
    shared: Arc<Shared>,
}

impl Portal {
    fn new() -> Self {
        Self::with(DemoConfig::default())
    }

    fn with(config: DemoConfig) -> Self {
        let urls = SiteUrls::new(SocketAddr::from(([127, 0, 0, 1], 8443)));
        let shared = Arc::new(Shared::new(config, urls, DemoClock::default()));
        Self {
            router: crate::router::build(shared.clone()),
            shared,
        }
    }

    fn features(&self) -> &[Feature] {
        self.shared.dataset.features()
    }

    async fn send(&self, mut request: Request<Body>) -> (StatusCode, String) {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50_000))));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    /// A GET with `params` in the query string and `headers`.
    async fn get_with(
        &self,
        path: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let mut request = Request::builder().uri(format!("{path}?{query}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A GET whose answer must be JSON.
    async fn get(&self, path: &str, params: &[(&str, &str)]) -> Value {
        let (status, body) = self.get_with(path, params, &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    /// A form POST whose answer must be JSON.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let (status, body) = self.send(request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    /// A query of the public layer, `f=json` unless `params` says otherwise.
    async fn query(&self, params: &[(&str, &str)]) -> Value {
        let mut all = params.to_vec();
        if !params.iter().any(|(name, _)| *name == "f") {
            all.push(("f", "json"));
        }
        self.get(&format!("{PUBLIC}/0/query"), &all).await
    }

    async fn portal_token(&self) -> String {
        let answer = self
            .post(
                "/portal/sharing/rest/generateToken",
                &[
                    ("username", "analyst"),
                    ("password", "tokendesk-demo"),
                    ("f", "json"),
                ],
            )
            .await;
        answer["token"].as_str().unwrap().to_string()
    }

    async fn standalone_token(&self) -> String {
        let answer = self
            .post(
                "/gis/tokens/generateToken",
                &[
                    ("username", "analyst"),
                    ("password", "tokendesk-demo"),
                    ("f", "json"),
                ],
            )
            .await;
        answer["token"].as_str().unwrap().to_string()
    }
}

fn ids(answer: &Value) -> Vec<i64> {
    answer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["attributes"]["OBJECTID"].as_i64().unwrap())
        .collect()
}

fn count(answer: &Value) -> usize {
    answer["count"].as_u64().unwrap() as usize
}

fn unable() -> Value {
    json!({"error": {
        "code": 400,
        "message": "Unable to complete operation.",
        "details": ["Unable to perform query operation."],
    }})
}

#[tokio::test]
async fn the_layer_describes_its_fields_points_in_wgs84_and_paging() {
    let portal = Portal::new();
    let layer = portal.get(&format!("{PUBLIC}/0"), &[("f", "json")]).await;
    assert_eq!(layer["type"], "Feature Layer");
    assert_eq!(layer["geometryType"], "esriGeometryPoint");
    assert_eq!(layer["capabilities"], "Query");
    assert_eq!(layer["objectIdField"], "OBJECTID");
    assert_eq!(layer["maxRecordCount"], 200);
    assert_eq!(layer["supportsPagination"], true);
    assert_eq!(
        layer["advancedQueryCapabilities"]["supportsPagination"],
        true
    );
    assert_eq!(layer["advancedQueryCapabilities"]["supportsOrderBy"], true);
    assert_eq!(layer["extent"]["spatialReference"]["wkid"], 4326);
    let xmin = layer["extent"]["xmin"].as_f64().unwrap();
    assert!((8.4..8.7).contains(&xmin), "{layer}");
    let fields: Vec<(&str, &str)> = layer["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("OBJECTID", "esriFieldTypeOID"),
            ("NAME", "esriFieldTypeString"),
            ("CATEGORY", "esriFieldTypeString"),
            ("VALUE", "esriFieldTypeDouble"),
            ("INSPECTED", "esriFieldTypeDate"),
        ]
    );
    // The same layer, listed by the service's `layers` resource.
    let layers = portal
        .get(&format!("{PUBLIC}/layers"), &[("f", "json")])
        .await;
    assert_eq!(layers["layers"][0], layer);
}

#[tokio::test]
async fn the_service_lists_its_point_layer_and_the_directory_lists_the_feature_server() {
    let portal = Portal::new();
    let service = portal.get(PUBLIC, &[("f", "pjson")]).await;
    assert_eq!(service["capabilities"], "Query");
    assert_eq!(service["layers"][0]["id"], 0);
    assert_eq!(service["layers"][0]["geometryType"], "esriGeometryPoint");
    assert_eq!(service["spatialReference"]["wkid"], 4326);
    let directory = portal.get("/public/rest/services", &[("f", "json")]).await;
    assert!(
        directory["services"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "Demo", "type": "FeatureServer"})),
        "{directory}"
    );
}

#[tokio::test]
async fn count_only_counts_every_matching_feature_regardless_of_the_page_size() {
    let portal = Portal::new();
    let all = portal
        .query(&[("where", "1=1"), ("returnCountOnly", "true")])
        .await;
    assert_eq!(all, json!({"count": 350}));
    let some = portal
        .query(&[
            ("where", "1=1"),
            ("returnCountOnly", "true"),
            ("resultRecordCount", ""),
        ])
        .await;
    assert_eq!(count(&some), 350);
}

#[tokio::test]
async fn ids_only_answers_every_matching_object_id_beyond_the_page_limit() {
    let portal = Portal::new();
    let answer = portal
        .query(&[("where", "1=1"), ("returnIdsOnly", "true")])
        .await;
    assert_eq!(answer["objectIdFieldName"], "OBJECTID");
    let ids: Vec<i64> = answer["objectIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ids, (1..=350).collect::<Vec<_>>());
    // Count wins over ids, as in ArcGIS.
    let both = portal
        .query(&[
            ("where", "1=1"),
            ("returnIdsOnly", "true"),
            ("returnCountOnly", "true"),
        ])
        .await;
    assert_eq!(both, json!({"count": 350}));
}

#[tokio::test]
async fn pages_follow_result_offset_and_say_exceeded_transfer_limit_while_more_remain() {
    let portal = Portal::new();
    let first = portal.query(&[("where", "1=1"), ("outFields", "*")]).await;
    assert_eq!(first["exceededTransferLimit"], true);
    assert_eq!(ids(&first), (1..=200).collect::<Vec<_>>());
    let last = portal
        .query(&[
            ("where", "1=1"),
            ("outFields", "*"),
            ("resultOffset", "200"),
        ])
        .await;
    assert!(last.get("exceededTransferLimit").is_none(), "{last}");
    assert_eq!(ids(&last), (201..=350).collect::<Vec<_>>());

    // GDAL's way: a fixed resultRecordCount and a moving resultOffset.
    let mut seen = Vec::new();
    for page in 0..10 {
        let offset = (page * 100).to_string();
        let answer = portal
            .query(&[
                ("where", "1=1"),
                ("resultRecordCount", "100"),
                ("resultOffset", &offset),
            ])
            .await;
        seen.extend(ids(&answer));
        if answer.get("exceededTransferLimit").is_none() {
            break;
        }
        assert_eq!(answer["exceededTransferLimit"], true);
    }
    assert_eq!(seen, (1..=350).collect::<Vec<_>>());

    // More than maxRecordCount asked for: maxRecordCount answered.
    let capped = portal
        .query(&[("where", "1=1"), ("resultRecordCount", "1000")])
        .await;
    assert_eq!(ids(&capped).len(), 200);
    assert_eq!(capped["exceededTransferLimit"], true);
}

/// Which features a `where` clause should select.
type Keep = fn(&Feature) -> bool;

#[tokio::test]
async fn where_filters_numbers_quoted_strings_and_comparisons() {
    let portal = Portal::new();
    let features = portal.features().to_vec();
    let cases: [(&str, Keep); 6] = [
        ("OBJECTID = 17", |f| f.object_id == 17),
        ("VALUE > 500", |f| f.value > 500.0),
        ("CATEGORY = 'Valve'", |f| f.category == "Valve"),
        ("category = 'Meter' AND value <= 250.5", |f| {
            f.category == "Meter" && f.value <= 250.5
        }),
        ("INSPECTED IS NULL", |f| f.inspected.is_none()),
        ("NAME LIKE 'Miller''s%'", |f| f.name.starts_with("Miller's")),
    ];
    for (clause, keep) in cases {
        let expected: Vec<i64> = features
            .iter()
            .filter(|f| keep(f))
            .map(|f| f.object_id)
            .collect();
        assert!(!expected.is_empty(), "{clause} selects nothing");
        let answer = portal
            .query(&[("where", clause), ("returnIdsOnly", "true")])
            .await;
        assert_eq!(answer["objectIds"], json!(expected), "{clause}");
    }
    let one = portal
        .query(&[("where", "NAME = 'no such name'"), ("outFields", "*")])
        .await;
    assert_eq!(one["features"], json!([]));
}

#[tokio::test]
async fn an_unsupported_where_gets_the_arcgis_400_envelope() {
    let portal = Portal::new();
    for clause in [
        "NOSUCH = 1",
        "VALUE = 'text'",
        "1=1; DROP TABLE x",
        "SHAPE.STArea() > 1",
    ] {
        let answer = portal.query(&[("where", clause)]).await;
        assert_eq!(answer, unable(), "{clause}");
    }
    let nothing = portal.query(&[("outFields", "*")]).await;
    assert_eq!(nothing, unable());
    let statistics = portal
        .query(&[
            ("where", "1=1"),
            ("outStatistics", "[{\"statisticType\":\"count\"}]"),
        ])
        .await;
    assert_eq!(statistics, unable());

    let modern = Portal::with(DemoConfig {
        behaviour: Behaviour {
            modern_errors: true,
            ..Behaviour::default()
        },
        ..DemoConfig::default()
    });
    let (status, body) = modern
        .get_with(
            &format!("{PUBLIC}/0/query"),
            &[("where", "NOSUCH = 1"), ("f", "json")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), unable());
}

#[tokio::test]
async fn an_envelope_filter_keeps_the_points_inside_in_every_spelling() {
    let portal = Portal::new();
    let expected: Vec<i64> = portal
        .features()
        .iter()
        .filter(|f| (8.5..=8.6).contains(&f.x) && (47.35..=47.4).contains(&f.y))
        .map(|f| f.object_id)
        .collect();
    assert!(expected.len() > 10, "{}", expected.len());
    let envelope_json =
        r#"{"xmin":8.5,"ymin":47.35,"xmax":8.6,"ymax":47.4,"spatialReference":{"wkid":4326}}"#;
    let spellings: [&[(&str, &str)]; 3] = [
        &[("geometry", "8.5,47.35,8.6,47.4")],
        &[
            ("geometry", envelope_json),
            ("geometryType", "esriGeometryEnvelope"),
            ("inSR", "4326"),
            ("spatialRel", "esriSpatialRelIntersects"),
        ],
        &[("geometry", envelope_json), ("where", "1=1")],
    ];
    for params in spellings {
        let mut all = vec![("returnIdsOnly", "true")];
        all.extend_from_slice(params);
        let answer = portal.query(&all).await;
        assert_eq!(answer["objectIds"], json!(expected), "{params:?}");
    }
    // The same envelope in Web Mercator metres.
    let (xmin, ymin) = SpatialRef::WebMercator.project(8.5, 47.35);
    let (xmax, ymax) = SpatialRef::WebMercator.project(8.6, 47.4);
    let mercator = json!({"xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax,
                          "spatialReference": {"wkid": 102_100}})
    .to_string();
    let answer = portal
        .query(&[("geometry", &mercator), ("returnIdsOnly", "true")])
        .await;
    let got = answer["objectIds"].as_array().unwrap().len() as i64;
    assert!(
        (got - expected.len() as i64).abs() <= 2,
        "{got} vs {}",
        expected.len()
    );

    let polygon = portal
        .query(&[
            ("geometry", "8.5,47.35,8.6,47.4"),
            ("geometryType", "esriGeometryPolygon"),
        ])
        .await;
    assert_eq!(
        polygon["error"]["details"][0],
        "'geometry' parameter is invalid"
    );
}

#[tokio::test]
async fn order_by_object_id_desc_reverses_the_order_and_pages_from_the_top() {
    let portal = Portal::new();
    let answer = portal
        .query(&[
            ("where", "1=1"),
            ("orderByFields", "OBJECTID DESC"),
            ("resultRecordCount", "5"),
        ])
        .await;
    assert_eq!(ids(&answer), [350, 349, 348, 347, 346]);
    assert_eq!(answer["exceededTransferLimit"], true);
    let next = portal
        .query(&[
            ("where", "1=1"),
            ("orderByFields", "objectid desc"),
            ("resultRecordCount", "5"),
            ("resultOffset", "5"),
        ])
        .await;
    assert_eq!(ids(&next), [345, 344, 343, 342, 341]);
    let ascending = portal
        .query(&[("where", "OBJECTID < 4"), ("orderByFields", "OBJECTID ASC")])
        .await;
    assert_eq!(ids(&ascending), [1, 2, 3]);
    let by_value = portal
        .query(&[
            ("where", "1=1"),
            ("orderByFields", "VALUE DESC"),
            ("outFields", "VALUE"),
        ])
        .await;
    let values: Vec<f64> = by_value["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["attributes"]["VALUE"].as_f64().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
}

#[tokio::test]
async fn esri_json_answers_a_feature_set_with_fields_attributes_and_points() {
    let portal = Portal::new();
    let (_, text) = portal
        .get_with(
            &format!("{PUBLIC}/0/query"),
            &[("where", "OBJECTID = 1"), ("outFields", "*"), ("f", "json")],
            &[],
        )
        .await;
    assert!(
        text.starts_with(r#"{"objectIdFieldName":"OBJECTID","#),
        "{text}"
    );
    let answer: Value = serde_json::from_str(&text).unwrap();
    let first = &portal.features()[0];
    assert_eq!(answer["geometryType"], "esriGeometryPoint");
    assert_eq!(answer["spatialReference"]["wkid"], 4326);
    assert_eq!(answer["fields"].as_array().unwrap().len(), 5);
    assert_eq!(answer["fields"][0]["type"], "esriFieldTypeOID");
    let feature = &answer["features"][0];
    assert_eq!(feature["attributes"]["OBJECTID"], 1);
    assert_eq!(feature["attributes"]["NAME"], first.name.as_str());
    assert_eq!(feature["attributes"]["CATEGORY"], first.category);
    assert_eq!(feature["attributes"]["VALUE"], first.value);
    assert_eq!(feature["attributes"]["INSPECTED"], json!(first.inspected));
    assert_eq!(feature["geometry"], json!({"x": first.x, "y": first.y}));
}

#[tokio::test]
async fn out_fields_return_geometry_object_ids_and_out_sr_shape_the_answer() {
    let portal = Portal::new();
    let default = portal.query(&[("objectIds", "3,1,2")]).await;
    assert_eq!(default["fields"].as_array().unwrap().len(), 1);
    assert_eq!(ids(&default), [1, 2, 3]);
    assert_eq!(default["features"][0]["attributes"], json!({"OBJECTID": 1}));

    let listed = portal
        .query(&[
            ("objectIds", "5"),
            ("outFields", "name, Category"),
            ("returnGeometry", "false"),
        ])
        .await;
    let attributes = listed["features"][0]["attributes"].as_object().unwrap();
    assert_eq!(
        attributes.keys().collect::<Vec<_>>(),
        ["CATEGORY", "NAME"],
        "{listed}"
    );
    assert!(listed["features"][0].get("geometry").is_none());
    assert!(listed.get("geometryType").is_none());

    let mercator = portal
        .query(&[
            ("objectIds", "1"),
            ("outSR", "102100"),
            ("geometryPrecision", "2"),
        ])
        .await;
    assert_eq!(mercator["spatialReference"]["latestWkid"], 3857);
    let x = mercator["features"][0]["geometry"]["x"].as_f64().unwrap();
    let expected = portal.features()[0].x.to_radians() * 6_378_137.0;
    assert!((x - expected).abs() < 0.01, "{x} vs {expected}");

    let unknown = portal
        .query(&[("where", "1=1"), ("outFields", "NOSUCH")])
        .await;
    assert_eq!(unknown, unable());
}

#[tokio::test]
async fn geojson_answers_a_feature_collection_with_exceeded_transfer_limit_in_properties() {
    let portal = Portal::new();
    let page = portal
        .query(&[("where", "1=1"), ("outFields", "*"), ("f", "geojson")])
        .await;
    assert_eq!(page["type"], "FeatureCollection");
    assert_eq!(page["properties"], json!({"exceededTransferLimit": true}));
    assert_eq!(page["features"].as_array().unwrap().len(), 200);
    let first = &portal.features()[0];
    let feature = &page["features"][0];
    assert_eq!(feature["type"], "Feature");
    assert_eq!(feature["id"], 1);
    assert_eq!(
        feature["geometry"],
        json!({"type": "Point", "coordinates": [first.x, first.y]})
    );
    assert_eq!(feature["properties"]["NAME"], first.name.as_str());
    let last = portal
        .query(&[("where", "1=1"), ("resultOffset", "300"), ("f", "geojson")])
        .await;
    assert!(last.get("properties").is_none(), "{last}");
    assert_eq!(last["features"].as_array().unwrap().len(), 50);
    let bbox = portal
        .query(&[
            ("where", "1=1"),
            ("returnExtentOnly", "true"),
            ("f", "geojson"),
        ])
        .await;
    assert_eq!(bbox["bbox"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn extent_only_answers_the_extent_of_the_matching_features() {
    let portal = Portal::new();
    let answer = portal
        .query(&[
            ("where", "OBJECTID <= 2"),
            ("returnExtentOnly", "true"),
            ("returnCountOnly", "true"),
        ])
        .await;
    let [a, b] = [&portal.features()[0], &portal.features()[1]];
    assert_eq!(answer["count"], 2);
    assert_eq!(answer["extent"]["xmin"], a.x.min(b.x));
    assert_eq!(answer["extent"]["ymax"], a.y.max(b.y));
    assert_eq!(answer["extent"]["spatialReference"]["wkid"], 4326);
    let empty = portal
        .query(&[("where", "1=0"), ("returnExtentOnly", "true")])
        .await;
    assert_eq!(empty["extent"]["xmin"], "NaN");
}

#[tokio::test]
async fn get_and_post_form_queries_answer_the_same() {
    let portal = Portal::new();
    let params = [
        ("where", "CATEGORY = 'Sensor'"),
        ("outFields", "*"),
        ("f", "json"),
    ];
    let path = format!("{PUBLIC}/0/query");
    assert_eq!(
        portal.get(&path, &params).await,
        portal.post(&path, &params).await
    );
}

#[tokio::test]
async fn the_federated_and_stand_alone_layers_need_a_token_and_refuse_a_bad_one() {
    let portal = Portal::new();
    for root in [FEDERATED, STANDALONE] {
        for path in [
            root.to_string(),
            format!("{root}/0"),
            format!("{root}/0/query"),
        ] {
            let missing = portal.get(&path, &[("f", "json"), ("where", "1=1")]).await;
            assert_eq!(
                missing,
                json!({"error": {"code": 499, "message": "Token Required", "details": []}}),
                "{path}"
            );
            let bad = portal
                .get(
                    &path,
                    &[("f", "json"), ("where", "1=1"), ("token", "made-up")],
                )
                .await;
            assert_eq!(
                bad,
                json!({"error": {"code": 498, "message": "Invalid Token", "details": []}}),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn tokens_work_as_a_parameter_and_in_both_bearer_headers() {
    let portal = Portal::new();
    let portal_token = portal.portal_token().await;
    let server_token = portal.standalone_token().await;
    let query = [("where", "1=1"), ("returnCountOnly", "true"), ("f", "json")];
    for (root, token) in [(FEDERATED, &portal_token), (STANDALONE, &server_token)] {
        let path = format!("{root}/0/query");
        let bearer = format!("Bearer {token}");
        let mut with_param = query.to_vec();
        with_param.push(("token", token));
        for (params, headers) in [
            (with_param.as_slice(), vec![]),
            (&query[..], vec![("X-Esri-Authorization", bearer.as_str())]),
            (&query[..], vec![("Authorization", bearer.as_str())]),
        ] {
            let (status, body) = portal.get_with(&path, params, &headers).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, r#"{"count":350}"#, "{path} {headers:?}");
        }
    }
    // rest-js style: the token in the form body of a POST.
    let posted = portal
        .post(
            &format!("{FEDERATED}/0/query"),
            &[
                ("where", "1=1"),
                ("returnCountOnly", "true"),
                ("f", "json"),
                ("token", &portal_token),
            ],
        )
        .await;
    assert_eq!(posted, json!({"count": 350}));
    // Each site keeps to its own tokens.
    let crossed = portal
        .get(
            &format!("{STANDALONE}/0"),
            &[("f", "json"), ("token", &portal_token)],
        )
        .await;
    assert_eq!(crossed["error"]["code"], 498);
}

#[tokio::test]
async fn a_bearer_header_with_a_trailing_space_as_qgis_sends_it_is_accepted() {
    // QGIS's EsriToken method sends `X-Esri-Authorization: Bearer <token> ` (trailing space);
    // real servers take it, so the demo portal must too, and still refuse a bad token.
    let portal = Portal::new();
    let token = portal.portal_token().await;
    let path = format!("{FEDERATED}/0/query");
    let query = [("where", "1=1"), ("returnCountOnly", "true"), ("f", "json")];
    for value in [format!("Bearer {token} "), format!("Bearer {token}\t ")] {
        for name in ["X-Esri-Authorization", "Authorization"] {
            let (status, body) = portal.get_with(&path, &query, &[(name, &value)]).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, r#"{"count":350}"#, "{name}: {value:?}");
        }
    }
    let (_, refused) = portal
        .get_with(
            &path,
            &query,
            &[("X-Esri-Authorization", "Bearer made-up ")],
        )
        .await;
    assert!(refused.contains("498"), "{refused}");
}

#[tokio::test]
async fn the_public_feature_service_answers_without_a_token() {
    let portal = Portal::new();
    let layer = portal.get(&format!("{PUBLIC}/0"), &[("f", "json")]).await;
    assert_eq!(layer["name"], "Demo points");
    let answer = portal
        .query(&[("where", "1=1"), ("returnCountOnly", "true")])
        .await;
    assert_eq!(count(&answer), 350);
}

#[tokio::test]
async fn two_portals_with_the_same_seed_serve_the_same_features_and_another_seed_others() {
    let params = [
        ("where", "1=1"),
        ("outFields", "*"),
        ("resultRecordCount", "50"),
    ];
    let a = Portal::new().query(&params).await;
    let b = Portal::new().query(&params).await;
    assert_eq!(a, b);
    let other = Portal::with(DemoConfig {
        feature_service: FeatureServiceConfig {
            seed: 99,
            feature_count: 40,
            max_record_count: 1000,
        },
        ..DemoConfig::default()
    });
    let c = other.query(&params).await;
    assert_ne!(a["features"], c["features"]);
    let all = other.query(&[("where", "1=1")]).await;
    assert_eq!(ids(&all).len(), 40);
    assert!(all.get("exceededTransferLimit").is_none());
}

#[tokio::test]
async fn html_is_the_default_format_and_unknown_layers_are_invalid_urls() {
    let portal = Portal::new();
    let (status, page) = portal
        .get_with(
            &format!("{PUBLIC}/0/query"),
            &[("where", "OBJECTID = 1")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<pre>") && page.contains("objectIdFieldName"),
        "{page}"
    );
    let missing = portal.get(&format!("{PUBLIC}/7"), &[("f", "json")]).await;
    assert_eq!(missing["error"]["message"], "Invalid URL");
}

#[tokio::test]
async fn the_requests_gdal_sends_get_the_count_the_bbox_and_the_second_page() {
    // As GDAL 3.6's ESRIJSON driver asks, captured from `ogrinfo -al` against the demo portal.
    let portal = Portal::new();
    let base = format!("{PUBLIC}/0/query?where=1%3D1&outFields=*&f=json");
    let get = |url: String| {
        let portal = &portal;
        async move {
            let request = Request::builder().uri(url).body(Body::empty()).unwrap();
            let (status, body) = portal.send(request).await;
            assert_eq!(status, StatusCode::OK);
            body
        }
    };
    let first: Value = serde_json::from_str(&get(base.clone()).await).unwrap();
    assert_eq!(ids(&first).len(), 200);
    assert_eq!(first["exceededTransferLimit"], true);
    let count = get(format!("{base}&returnCountOnly=true")).await;
    assert_eq!(count, r#"{"count":350}"#);
    let extent_url = format!("{base}&returnExtentOnly=true").replace("f=json", "f=geojson");
    let extent = get(extent_url).await;
    assert!(extent.starts_with(r#"{"bbox":["#), "{extent}");
    let second: Value =
        serde_json::from_str(&get(format!("{base}&resultRecordCount=200&resultOffset=200")).await)
            .unwrap();
    assert_eq!(ids(&second), (201..=350).collect::<Vec<_>>());
    assert!(second.get("exceededTransferLimit").is_none());
}

#[tokio::test]
async fn the_python_api_chunks_of_200_object_ids_fit_in_one_page() {
    // `FeatureLayer.query()` of the ArcGIS API for Python 2.4: count, all IDs, then
    // `objectIds` in chunks of 200, each expected whole.
    let portal = Portal::new();
    let count = portal
        .query(&[
            ("where", "1=1"),
            ("outFields", "OBJECTID"),
            ("returnCountOnly", "true"),
            ("returnGeometry", "true"),
            ("returnAllRecords", "false"),
        ])
        .await;
    assert_eq!(count, json!({"count": 350}));
    let chunk: Vec<String> = (1..=200).map(|id| id.to_string()).collect();
    let answer = portal
        .query(&[
            ("where", "1=1"),
            ("outFields", "*"),
            ("objectIds", &chunk.join(",")),
            ("returnDistinctValues", "false"),
            ("returnExtentOnly", "false"),
            ("returnZ", "false"),
            ("returnM", "false"),
            ("returnCentroid", "false"),
            ("returnExceededLimitFeatures", "true"),
        ])
        .await;
    assert_eq!(ids(&answer), (1..=200).collect::<Vec<_>>());
    assert!(answer.get("exceededTransferLimit").is_none());
}
