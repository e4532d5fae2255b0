//! The sample feature service's data: a few hundred made-up points (`Demo/FeatureServer/0`),
//! drawn at start-up from the seed's `[feature_service]` so that every start with the same
//! seed serves exactly the same features, and the layer's fields.

use super::config::FeatureServiceConfig;

/// The object ID field's name.
pub const OID_FIELD: &str = "OBJECTID";

/// The area the points are drawn in, in micro-degrees (WGS 84): around Zürich.
const LON_MICRO: (i64, i64) = (8_400_000, 8_700_000);
/// See [`LON_MICRO`].
const LAT_MICRO: (i64, i64) = (47_300_000, 47_450_000);

/// First inspection date drawn: 2023-01-01T00:00:00Z, epoch seconds.
const INSPECTED_FROM: i64 = 1_672_531_200;
/// Inspection dates span two years from [`INSPECTED_FROM`] (seconds).
const INSPECTED_SPAN: u64 = 2 * 365 * 24 * 3600;

/// The `CATEGORY` values.
pub const CATEGORIES: [&str; 4] = ["Hydrant", "Valve", "Meter", "Sensor"];

/// The first word of `NAME`; one has an apostrophe, so that quoted strings with `''` get
/// exercised.
const NAME_WORDS: [&str; 12] = [
    "Alder", "Birch", "Cedar", "Elm", "Hazel", "Linden", "Maple", "Miller's", "Oak", "Rowan",
    "Walnut", "Willow",
];

/// A field's type, as the layer describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `esriFieldTypeOID`: the object ID.
    Oid,
    /// `esriFieldTypeString`.
    String,
    /// `esriFieldTypeDouble`.
    Double,
    /// `esriFieldTypeDate`: epoch milliseconds (UTC).
    Date,
}

impl FieldType {
    /// The Esri JSON type name.
    pub fn esri_name(self) -> &'static str {
        match self {
            Self::Oid => "esriFieldTypeOID",
            Self::String => "esriFieldTypeString",
            Self::Double => "esriFieldTypeDouble",
            Self::Date => "esriFieldTypeDate",
        }
    }
}

/// A field of the layer.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The name (matched in any letter case in `where`, `outFields` and `orderByFields`).
    pub name: &'static str,
    /// The alias.
    pub alias: &'static str,
    /// The type.
    pub kind: FieldType,
    /// The length of string and date fields (as ArcGIS reports it).
    pub length: Option<u32>,
    /// Whether the field may be null.
    pub nullable: bool,
}

/// The layer's fields, in the order they are listed and answered.
pub const FIELDS: [Field; 5] = [
    Field {
        name: OID_FIELD,
        alias: "OBJECTID",
        kind: FieldType::Oid,
        length: None,
        nullable: false,
    },
    Field {
        name: "NAME",
        alias: "Name",
        kind: FieldType::String,
        length: Some(64),
        nullable: true,
    },
    Field {
        name: "CATEGORY",
        alias: "Category",
        kind: FieldType::String,
        length: Some(16),
        nullable: true,
    },
    Field {
        name: "VALUE",
        alias: "Value",
        kind: FieldType::Double,
        length: None,
        nullable: true,
    },
    Field {
        name: "INSPECTED",
        alias: "Inspected",
        kind: FieldType::Date,
        length: Some(8),
        nullable: true,
    },
];

/// The index of the field called `name` (any letter case) in [`FIELDS`].
pub fn field_index(name: &str) -> Option<usize> {
    FIELDS
        .iter()
        .position(|f| f.name.eq_ignore_ascii_case(name))
}

/// One attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// No value.
    Null,
    /// An object ID.
    Integer(i64),
    /// A number.
    Double(f64),
    /// A string.
    Text(&'a str),
    /// A date, epoch milliseconds.
    Date(i64),
}

/// A point feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// `OBJECTID`, from 1.
    pub object_id: i64,
    /// `NAME`.
    pub name: String,
    /// `CATEGORY`, one of [`CATEGORIES`].
    pub category: &'static str,
    /// `VALUE`, 0.00 to 1000.00 in steps of 0.01.
    pub value: f64,
    /// `INSPECTED`, epoch ms; `None` for about one point in eight.
    pub inspected: Option<i64>,
    /// Longitude (WGS 84).
    pub x: f64,
    /// Latitude (WGS 84).
    pub y: f64,
}

impl Feature {
    /// The value of field `index` of [`FIELDS`] (`Null` for an index out of range).
    pub fn attribute(&self, index: usize) -> Value<'_> {
        match index {
            0 => Value::Integer(self.object_id),
            1 => Value::Text(&self.name),
            2 => Value::Text(self.category),
            3 => Value::Double(self.value),
            4 => self.inspected.map_or(Value::Null, Value::Date),
            _ => Value::Null,
        }
    }
}

/// A rectangle in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    /// West.
    pub xmin: f64,
    /// South.
    pub ymin: f64,
    /// East.
    pub xmax: f64,
    /// North.
    pub ymax: f64,
}

impl Extent {
    /// The smallest extent holding every point of `features`; `None` if there are none.
    pub fn of<'a>(features: impl IntoIterator<Item = &'a Feature>) -> Option<Self> {
        features.into_iter().fold(None, |acc: Option<Extent>, f| {
            Some(match acc {
                None => Extent {
                    xmin: f.x,
                    ymin: f.y,
                    xmax: f.x,
                    ymax: f.y,
                },
                Some(e) => Extent {
                    xmin: e.xmin.min(f.x),
                    ymin: e.ymin.min(f.y),
                    xmax: e.xmax.max(f.x),
                    ymax: e.ymax.max(f.y),
                },
            })
        })
    }

    /// Whether the point lies inside or on the border.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        self.xmin <= x && x <= self.xmax && self.ymin <= y && y <= self.ymax
    }
}

/// The layer's features, in object ID order, and the settings they were made with.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Vec<Feature>,
    max_record_count: usize,
}

impl Dataset {
    /// Draws `feature_count` points (at most [`FeatureServiceConfig::MAX_FEATURES`]) from
    /// `seed`.
    pub fn generate(config: &FeatureServiceConfig) -> Self {
        let count = config.feature_count.min(FeatureServiceConfig::MAX_FEATURES);
        let mut rng = SplitMix64(config.seed);
        let features = (1..=i64::from(count))
            .map(|object_id| {
                let word = NAME_WORDS[rng.below(NAME_WORDS.len() as u64) as usize];
                let category = CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize];
                let cents = rng.below(100_001);
                let inspected = (rng.below(8) != 0).then(|| {
                    (INSPECTED_FROM + rng.below(INSPECTED_SPAN) as i64).saturating_mul(1000)
                });
                let x = LON_MICRO.0 + rng.below((LON_MICRO.1 - LON_MICRO.0 + 1) as u64) as i64;
                let y = LAT_MICRO.0 + rng.below((LAT_MICRO.1 - LAT_MICRO.0 + 1) as u64) as i64;
                Feature {
                    object_id,
                    name: format!("{word} {category} {object_id}"),
                    category,
                    value: cents as f64 / 100.0,
                    inspected,
                    x: x as f64 / 1e6,
                    y: y as f64 / 1e6,
                }
            })
            .collect();
        Self {
            features,
            max_record_count: config.max_record_count.max(1) as usize,
        }
    }

    /// Every feature, in object ID order.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// The layer's `maxRecordCount` (at least 1).
    pub fn max_record_count(&self) -> usize {
        self.max_record_count
    }

    /// The extent of all features; the drawing area when there are none.
    pub fn extent(&self) -> Extent {
        Extent::of(&self.features).unwrap_or(Extent {
            xmin: LON_MICRO.0 as f64 / 1e6,
            ymin: LAT_MICRO.0 as f64 / 1e6,
            xmax: LON_MICRO.1 as f64 / 1e6,
            ymax: LAT_MICRO.1 as f64 / 1e6,
        })
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a 64-bit generator in a few lines, good enough for
/// made-up data. Written out rather than taken from `rand`: `rand`'s `StdRng` may change its
/// algorithm between releases, and the demo data must stay the same for a given seed across
/// dependency updates (tests and docs refer to it); a portable generator crate would be one
/// more dependency for ten lines. Every seed, zero included, works.
struct SplitMix64(u64);

impl SplitMix64 {
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0); the modulo bias is negligible for the small `n`
    /// used here.
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64().checked_rem(n).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(seed: u64, feature_count: u32) -> FeatureServiceConfig {
        FeatureServiceConfig {
            seed,
            feature_count,
            max_record_count: 200,
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_features_and_another_seed_other_ones() {
        let a = Dataset::generate(&config(7, 350));
        let b = Dataset::generate(&config(7, 350));
        let c = Dataset::generate(&config(8, 350));
        assert_eq!(a, b);
        assert_ne!(a.features(), c.features());
        assert_eq!(a.features().len(), 350);
    }

    #[test]
    fn the_default_seed_draws_these_first_features() {
        // Pins the generator: a change here changes every demo portal's data.
        let data = Dataset::generate(&FeatureServiceConfig::default());
        let first = &data.features()[0];
        assert_eq!(first.object_id, 1);
        assert_eq!(
            (first.name.as_str(), first.category, first.value),
            ("Hazel Meter 1", "Meter", 155.92)
        );
        assert_eq!(
            (first.x, first.y, first.inspected),
            (8.621427, 47.33236, Some(1_694_559_602_000))
        );
    }

    #[test]
    fn features_have_increasing_object_ids_and_lie_in_the_drawing_area() {
        let data = Dataset::generate(&config(1, 500));
        let area = Extent {
            xmin: 8.4,
            ymin: 47.3,
            xmax: 8.7,
            ymax: 47.45,
        };
        for (i, f) in data.features().iter().enumerate() {
            assert_eq!(f.object_id, i as i64 + 1);
            assert!(area.contains(f.x, f.y), "{f:?}");
            assert!((0.0..=1000.0).contains(&f.value), "{f:?}");
            assert!(f.name.ends_with(&format!(" {}", f.object_id)), "{f:?}");
        }
        let nulls = data
            .features()
            .iter()
            .filter(|f| f.inspected.is_none())
            .count();
        assert!((20..=120).contains(&nulls), "{nulls} null dates of 500");
        assert!(area.contains(data.extent().xmin, data.extent().ymin));
    }

    #[test]
    fn an_empty_layer_spans_the_drawing_area_and_a_zero_max_record_count_becomes_one() {
        let data = Dataset::generate(&FeatureServiceConfig {
            seed: 0,
            feature_count: 0,
            max_record_count: 0,
        });
        assert!(data.features().is_empty());
        assert_eq!(data.max_record_count(), 1);
        assert_eq!(data.extent().xmin, 8.4);
    }

    #[test]
    fn more_features_than_the_maximum_are_cut() {
        let data = Dataset::generate(&config(3, u32::MAX));
        assert_eq!(
            data.features().len(),
            FeatureServiceConfig::MAX_FEATURES as usize
        );
    }
}
