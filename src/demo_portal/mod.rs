//! An HTTPS emulator of ArcGIS Online / Enterprise portal and ArcGIS Server endpoints.
//!
//! Deliberately independent of [`crate::arcgis`]: it writes its own JSON from the
//! protocol reference, so that the client and the emulator are two separate readings
//! of the protocol.
