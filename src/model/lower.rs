//! Lowering: syn syntax trees to the plain-data model.
