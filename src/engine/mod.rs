//! The token lifecycle: when each profile's token is renewed, exchanged or given up on.
//! The only code that changes token state (the state machine and its runner arrive with
//! the sign-in core).

pub mod schedule;
