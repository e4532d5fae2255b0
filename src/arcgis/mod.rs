//! The ArcGIS wire protocol: URL normalisation, typed requests and responses, the error
//! envelope and unit conversions. No knowledge of profiles, secrets storage or UI.
