//! Typed records become polars tables through one macro, so that the Rust
//! struct, the column list `xtenant schema` prints, and the Parquet columns
//! can never drift apart.

use polars::prelude::*;

/// The logical type of a column as documented in `docs/inventory-schema.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Str,
    Int,
    Float,
    Bool,
}

impl ColType {
    pub fn name(self, nullable: bool) -> &'static str {
        match (self, nullable) {
            (ColType::Str, false) => "string",
            (ColType::Str, true) => "string?",
            (ColType::Int, false) => "int64",
            (ColType::Int, true) => "int64?",
            (ColType::Float, false) => "float64",
            (ColType::Float, true) => "float64?",
            (ColType::Bool, false) => "bool",
            (ColType::Bool, true) => "bool?",
        }
    }
    pub fn dtype(self) -> DataType {
        match self {
            ColType::Str => DataType::String,
            ColType::Int => DataType::Int64,
            ColType::Float => DataType::Float64,
            ColType::Bool => DataType::Boolean,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
    pub doc: &'static str,
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: &'static str,
    pub doc: &'static str,
    pub source: &'static str,
    pub columns: Vec<ColumnDef>,
}

impl TableDef {
    pub fn polars_schema(&self) -> Schema {
        self.columns
            .iter()
            .map(|c| Field::new(c.name.into(), c.ty.dtype()))
            .collect()
    }

    /// An empty frame with the declared schema: rules are planned against
    /// these at load time so a wrong column fails before any data is read.
    pub fn empty_frame(&self) -> DataFrame {
        DataFrame::empty_with_schema(&self.polars_schema())
    }
}

/// A value that can live in one cell of an inventory table.
pub trait Cell: Sized + Default {
    const TYPE: ColType;
    const NULLABLE: bool;
    fn column<'a>(name: &str, values: impl Iterator<Item = &'a Self>) -> Column
    where
        Self: 'a;
    fn read(col: &Column) -> PolarsResult<Vec<Self>>;
}

macro_rules! cell_impl {
    ($t:ty, $ct:expr, $acc:ident, $conv:expr, $back:expr) => {
        impl Cell for $t {
            const TYPE: ColType = $ct;
            const NULLABLE: bool = false;
            fn column<'a>(name: &str, values: impl Iterator<Item = &'a Self>) -> Column {
                let v: Vec<_> = values.map($conv).collect();
                Column::new(name.into(), v)
            }
            fn read(col: &Column) -> PolarsResult<Vec<Self>> {
                Ok(col
                    .$acc()?
                    .iter()
                    .map(|v| v.map($back).unwrap_or_default())
                    .collect())
            }
        }
        impl Cell for Option<$t> {
            const TYPE: ColType = $ct;
            const NULLABLE: bool = true;
            fn column<'a>(name: &str, values: impl Iterator<Item = &'a Self>) -> Column {
                let v: Vec<Option<_>> = values.map(|o| o.as_ref().map($conv)).collect();
                Column::new(name.into(), v)
            }
            fn read(col: &Column) -> PolarsResult<Vec<Self>> {
                Ok(col.$acc()?.iter().map(|v| v.map($back)).collect())
            }
        }
    };
}

cell_impl!(
    String,
    ColType::Str,
    str,
    |s: &String| s.as_str(),
    |s: &str| s.to_string()
);
cell_impl!(i64, ColType::Int, i64, |v: &i64| *v, |v: i64| v);
cell_impl!(f64, ColType::Float, f64, |v: &f64| *v, |v: f64| v);
cell_impl!(bool, ColType::Bool, bool, |v: &bool| *v, |v: bool| v);

/// A record type that is one row of one inventory table.
pub trait Table: Sized {
    const NAME: &'static str;
    fn def() -> TableDef;
    fn to_frame(rows: &[Self]) -> PolarsResult<DataFrame>;
    fn from_frame(df: &DataFrame) -> PolarsResult<Vec<Self>>;
}

/// Declares record structs and their table definitions.
///
/// ```text
/// tables! {
///     /// Doc of the table.
///     Disk => "disks", source: "ARM ...disks" {
///         /// Doc of the column.
///         id: String,
///     }
/// }
/// ```
#[macro_export]
macro_rules! tables {
    ($(
        $(#[doc = $tdoc:literal])*
        $ty:ident => $name:literal, source: $src:literal {
            $( $(#[doc = $cdoc:literal])* $field:ident : $fty:ty ),* $(,)?
        }
    )*) => {
        $(
            $(#[doc = $tdoc])*
            #[derive(Debug, Clone, Default, PartialEq)]
            pub struct $ty { $( $(#[doc = $cdoc])* pub $field: $fty, )* }

            impl $crate::inventory::table::Table for $ty {
                const NAME: &'static str = $name;
                fn def() -> $crate::inventory::table::TableDef {
                    $crate::inventory::table::TableDef {
                        name: $name,
                        doc: concat!($($tdoc),*).trim_ascii(),
                        source: $src,
                        columns: vec![$(
                            $crate::inventory::table::ColumnDef {
                                name: stringify!($field),
                                ty: <$fty as $crate::inventory::table::Cell>::TYPE,
                                nullable: <$fty as $crate::inventory::table::Cell>::NULLABLE,
                                doc: concat!($($cdoc),*).trim_ascii(),
                            }
                        ),*],
                    }
                }
                fn to_frame(rows: &[Self]) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
                    polars::prelude::DataFrame::new(rows.len(), vec![$(
                        <$fty as $crate::inventory::table::Cell>::column(
                            stringify!($field), rows.iter().map(|r| &r.$field))
                    ),*])
                }
                fn from_frame(df: &polars::prelude::DataFrame) -> polars::prelude::PolarsResult<Vec<Self>> {
                    let n = df.height();
                    $( let mut $field = <$fty as $crate::inventory::table::Cell>::read(
                        df.column(stringify!($field))?)?.into_iter(); )*
                    let mut out = Vec::with_capacity(n);
                    for _ in 0..n {
                        out.push($ty { $( $field: $field.next().unwrap_or_default(), )* });
                    }
                    Ok(out)
                }
            }
        )*
    };
}
