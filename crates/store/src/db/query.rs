//! Statements and their arguments: the backend's placeholders, bound
//! values, [`Q`] (built by hand or with sea-query) and [`Where`] clauses.

use sea_query::{PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder, Value};
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::Arguments;

use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The `n`th (1-based) numbered placeholder. SQLite reads `$1` as a
    /// parameter *named* "$1" and looks every name up in a list as long as
    /// the statement (quadratic with thousands of them); `?1` is a number.
    pub(crate) fn param(self, n: usize) -> String {
        match self {
            Backend::Sqlite => format!("?{n}"),
            Backend::Postgres => format!("${n}"),
        }
    }
}

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Float(Option<f64>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from($v: $t) -> Arg { $e }
        }
    )*};
}

arg_from! {
    i64 => |v| Arg::Int(Some(v)),
    Option<i64> => |v| Arg::Int(v),
    f64 => |v| Arg::Float(Some(v)),
    Option<f64> => |v| Arg::Float(v),
    bool => |v| Arg::Bool(Some(v)),
    String => |v| Arg::Text(Some(v)),
    Option<String> => |v| Arg::Text(v),
    &str => |v| Arg::Text(Some(v.to_owned())),
    Option<&str> => |v| Arg::Text(v.map(str::to_owned)),
    &String => |v| Arg::Text(Some(v.clone())),
}

/// A statement and its arguments.
#[derive(Debug, Clone)]
pub(crate) struct Q {
    pub(super) sql: String,
    pub(super) args: Vec<Arg>,
    /// Kept prepared on the connection for the next run (sqlx's statement
    /// cache). Statements whose text changes with their input (a list of
    /// ids, a multi-row insert) are not: each would be a new entry, and a
    /// statement with thousands of parameters holds megabytes.
    pub(super) persistent: bool,
}

/// A WHERE clause of a list built one condition at a time: a `?` in a
/// condition becomes the next numbered parameter, bound by [`Where::query`].
pub(crate) struct Where {
    conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// Live records of the table aliased `o` that the scope may see.
    pub(crate) fn visible(scope: kehu_core::Scope) -> Where {
        Where {
            conditions: vec![
                "o.deleted_at IS NULL".to_owned(),
                crate::customers::visible(scope, "o"),
            ],
            args: Vec::new(),
        }
    }

    /// Adds `sql`, its `?` (if any) standing for `arg`.
    pub(crate) fn and(&mut self, sql: &str, arg: impl Into<Arg>) -> &mut Where {
        self.args.push(arg.into());
        let n = self.args.len();
        self.conditions.push(sql.replace('?', &format!("${n}")));
        self
    }

    /// Adds a condition without a parameter.
    pub(crate) fn and_sql(&mut self, sql: &str) -> &mut Where {
        self.conditions.push(sql.to_owned());
        self
    }

    /// `select` (with `{where}` where the conditions go), its parameters
    /// bound.
    pub(crate) fn query(self, select: &str) -> Q {
        let mut stmt = q(select.replace("{where}", &self.conditions.join(" AND ")));
        for arg in self.args {
            stmt = stmt.bind(arg);
        }
        stmt
    }
}

pub(crate) fn q(sql: impl Into<String>) -> Q {
    Q {
        sql: sql.into(),
        args: Vec::new(),
        persistent: true,
    }
}

impl Q {
    /// Marks a statement whose text is built for one input.
    pub fn once(mut self) -> Q {
        self.persistent = false;
        self
    }

    pub fn bind(mut self, arg: impl Into<Arg>) -> Q {
        self.args.push(arg.into());
        self
    }

    /// Builds a sea-query statement for `backend`.
    pub fn built(backend: Backend, stmt: &impl QueryStatementWriter) -> Result<Q, Error> {
        let (sql, values) = match backend {
            Backend::Sqlite => stmt.build(SqliteQueryBuilder),
            Backend::Postgres => stmt.build(PostgresQueryBuilder),
        };
        let args = values
            .into_iter()
            .map(|v| {
                Ok(match v {
                    Value::Bool(b) => Arg::Bool(b),
                    Value::TinyInt(i) => Arg::Int(i.map(i64::from)),
                    Value::SmallInt(i) => Arg::Int(i.map(i64::from)),
                    Value::Int(i) => Arg::Int(i.map(i64::from)),
                    Value::BigInt(i) => Arg::Int(i),
                    Value::TinyUnsigned(i) => Arg::Int(i.map(i64::from)),
                    Value::SmallUnsigned(i) => Arg::Int(i.map(i64::from)),
                    Value::Unsigned(i) => Arg::Int(i.map(i64::from)),
                    Value::BigUnsigned(i) => Arg::Int(
                        i.map(i64::try_from)
                            .transpose()
                            .map_err(|_| Error::internal("integer out of range"))?,
                    ),
                    Value::Float(f) => Arg::Float(f.map(f64::from)),
                    Value::Double(f) => Arg::Float(f),
                    Value::String(s) => Arg::Text(s.map(|s| *s)),
                    Value::Char(c) => Arg::Text(c.map(String::from)),
                    Value::Bytes(b) => Arg::Bytes(b.map(|b| *b)),
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Q {
            sql,
            args,
            persistent: true,
        })
    }

    pub(super) fn sqlite(self) -> Result<(String, SqliteArguments<'static>), Error> {
        let mut out = SqliteArguments::default();
        for arg in self.args {
            match arg {
                Arg::Int(v) => out.add(v),
                Arg::Text(v) => out.add(v),
                Arg::Bool(v) => out.add(v),
                Arg::Float(v) => out.add(v),
                Arg::Bytes(v) => out.add(v),
            }
            .map_err(Error::encode)?;
        }
        Ok((self.sql, out))
    }

    pub(super) fn postgres(self) -> Result<(String, PgArguments), Error> {
        let mut out = PgArguments::default();
        for arg in self.args {
            match arg {
                Arg::Int(v) => out.add(v),
                Arg::Text(v) => out.add(v),
                Arg::Bool(v) => out.add(v),
                Arg::Float(v) => out.add(v),
                Arg::Bytes(v) => out.add(v),
            }
            .map_err(Error::encode)?;
        }
        Ok((self.sql, out))
    }
}
