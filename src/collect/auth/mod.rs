//! auth family: what the live collector learnt by asking Entra ID for tokens.
//! Nothing here can be exported from a portal; offline exports lack it.
pub mod parse;
