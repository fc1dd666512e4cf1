//! What operators read of the audit log: the action codes' names in both languages
//! ([`actions`]).

pub mod actions;
