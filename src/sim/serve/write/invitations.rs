//! Graph invitations (placeholder until the invitations step lands).
