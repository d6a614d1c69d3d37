//! The two migration sets must stay identical in meaning: same file names
//! (versions), the same tables with the same columns in the same order,
//! nullability and type class (integer, text, bytes), and the same named
//! indexes. Checked on the catalogs of applied migrations: SQLite's
//! `pragma_table_info` always, PostgreSQL's `information_schema.columns`
//! when `MCA_TEST_POSTGRES_URL` is set; and on the CREATE TABLE text of
//! both sets always, so drift fails even without PostgreSQL.

use std::collections::BTreeMap;
use std::path::Path;

use mca_store::Database;
use mca_store::scratch::Scratch;
use sqlx::Row;

/// table → [(column, nullable, type class)] in declaration order, plus
/// the named indexes (sorted) under the pseudo-table `#indexes`.
type Schema = BTreeMap<String, Vec<(String, bool, &'static str)>>;

/// The meaning of a declared or catalogued type on either backend.
fn class(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "text" => "text",
        "blob" | "bytea" => "bytes",
        other => panic!("type {other} has no agreed meaning on both backends: add it here"),
    }
}

fn with_indexes(mut schema: Schema, mut names: Vec<String>) -> Schema {
    names.sort();
    if !names.is_empty() {
        schema.insert(
            "#indexes".into(),
            names.into_iter().map(|n| (n, false, "index")).collect(),
        );
    }
    schema
}

fn files(set: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(set);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Parses `CREATE TABLE name (col TYPE ..., ...)` statements (the column
/// lines, skipping table constraints), `ALTER TABLE name ADD COLUMN col
/// TYPE` and the names of `CREATE [UNIQUE] INDEX`.
fn parse_set(set: &str) -> Schema {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(set);
    let mut schema = Schema::new();
    let mut indexes = Vec::new();
    for f in files(set) {
        let sql = std::fs::read_to_string(dir.join(&f)).unwrap();
        let mut current: Option<String> = None;
        for line in sql.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                let name = rest.split_whitespace().next().unwrap().to_owned();
                schema.insert(name.clone(), Vec::new());
                current = Some(name);
            } else if line.starts_with(");") {
                current = None;
            } else if let Some(t) = &current {
                let first = line.split_whitespace().next().unwrap_or("");
                if ["PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT", ""].contains(&first) {
                    continue;
                }
                let upper = line.to_ascii_uppercase();
                let nullable = !(upper.contains("NOT NULL") || upper.contains("PRIMARY KEY"));
                let ty = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap()
                    .trim_end_matches(',');
                schema
                    .get_mut(t)
                    .unwrap()
                    .push((first.to_owned(), nullable, class(ty)));
            } else if let Some(rest) = line
                .strip_prefix("CREATE INDEX ")
                .or_else(|| line.strip_prefix("CREATE UNIQUE INDEX "))
            {
                indexes.push(rest.split_whitespace().next().unwrap().to_owned());
            } else if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
                // `ALTER TABLE t ADD COLUMN c TYPE [NOT NULL …];`
                let words: Vec<&str> = rest.split_whitespace().collect();
                if let [table, "ADD", "COLUMN", column, ty, ..] = words.as_slice() {
                    let upper = line.to_ascii_uppercase();
                    schema.get_mut(*table).unwrap().push((
                        (*column).to_owned(),
                        !upper.contains("NOT NULL"),
                        class(ty.trim_end_matches(';')),
                    ));
                }
            }
        }
    }
    with_indexes(schema, indexes)
}

async fn catalog(db: &Database) -> Schema {
    let mut schema = Schema::new();
    let indexes: Vec<String> = match db {
        Database::Sqlite(s) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
            )
            .fetch_all(s.pool())
            .await
            .unwrap();
            for t in tables {
                let rows = sqlx::query(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
                )
                .bind(&t)
                .fetch_all(s.pool())
                .await
                .unwrap();
                let cols = rows
                    .iter()
                    .map(|r| {
                        let notnull: i64 = r.get("notnull");
                        let pk: i64 = r.get("pk");
                        let ty: String = r.get("type");
                        (
                            r.get::<String, _>("name"),
                            notnull == 0 && pk == 0,
                            class(&ty),
                        )
                    })
                    .collect();
                schema.insert(t, cols);
            }
            // Named indexes only (autoindexes of UNIQUE/PRIMARY KEY have no sql).
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            )
            .fetch_all(s.pool())
            .await
            .unwrap()
        }
        Database::Postgres(s) => {
            let rows = sqlx::query(
                "SELECT table_name::text AS t, column_name::text AS c, is_nullable::text AS n, \
                 data_type::text AS d FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%' \
                 ORDER BY table_name, ordinal_position",
            )
            .fetch_all(s.pool())
            .await
            .unwrap();
            for r in rows {
                let ty: String = r.get("d");
                schema.entry(r.get("t")).or_default().push((
                    r.get("c"),
                    r.get::<String, _>("n") == "YES",
                    class(&ty),
                ));
            }
            // Named indexes only: not those backing a constraint.
            sqlx::query_scalar(
                "SELECT i.indexname::text FROM pg_indexes i WHERE i.schemaname = current_schema() \
                 AND i.tablename NOT LIKE '\\_sqlx%' AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
                 WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace)",
            )
            .fetch_all(s.pool())
            .await
            .unwrap()
        }
    };
    with_indexes(schema, indexes)
}

#[test]
fn both_sets_have_the_same_versions() {
    let sqlite = files("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, files("postgres"));
}

#[test]
fn both_sets_declare_the_same_tables_and_columns() {
    let sqlite = parse_set("sqlite");
    assert!(sqlite.contains_key("users") && sqlite["users"].iter().any(|(c, _, _)| c == "phone"));
    assert!(
        sqlite["#indexes"]
            .iter()
            .any(|(n, _, _)| n == "sessions_expires_at")
    );
    assert_eq!(sqlite, parse_set("postgres"));
}

#[tokio::test]
async fn applied_sqlite_catalog_matches_the_declared_schema() {
    let s = Scratch::sqlite().await.unwrap();
    let applied = catalog(&s.db).await;
    s.drop_all().await.unwrap();
    assert_eq!(applied, parse_set("sqlite"));
}

#[tokio::test]
async fn applied_postgres_catalog_matches_sqlite() {
    let Some(pg) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!("MCA_TEST_POSTGRES_URL not set: PostgreSQL catalog not compared");
        return;
    };
    let lite = Scratch::sqlite().await.unwrap();
    let (pg_schema, lite_schema) = (catalog(&pg.db).await, catalog(&lite.db).await);
    pg.drop_all().await.unwrap();
    lite.drop_all().await.unwrap();
    assert_eq!(pg_schema, lite_schema);
}

#[tokio::test]
async fn migrate_is_idempotent_and_urls_pick_the_backend() {
    let dir = std::env::temp_dir().join(format!("mca-migrate-{}", mca_domain::UserId::new()));
    let path = dir.join("data").join("mca.db");
    let url = format!("sqlite://{}", path.display());
    let db = mca_store::connect(&url).await.unwrap();
    assert_eq!(db.backend(), "sqlite");
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    db.ping().await.unwrap();
    db.close().await;
    assert!(path.exists(), "the database and its directory were created");
    std::fs::remove_dir_all(&dir).unwrap();
    let memory = mca_store::connect("sqlite::memory:").await.unwrap();
    memory.migrate().await.unwrap();
    let store = memory.store();
    let user = mca_domain::store::User {
        id: mca_domain::UserId::new(),
        phone: mca_domain::Phone::parse("13800000000").unwrap(),
        password_hash: None,
        verified_at: None,
        created_at: mca_domain::Timestamp(0),
    };
    store.insert_user(&user).await.unwrap();
    assert_eq!(
        store.user(user.id).await.unwrap(),
        Some(user),
        "one database behind the pool"
    );

    let err = mca_store::connect("mysql://localhost/x").await.unwrap_err();
    assert_eq!(err.kind(), mca_domain::StoreErrorKind::Other);
}
