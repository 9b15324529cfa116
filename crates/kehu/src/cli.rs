//! The command line: typed flags and `KEHU_…` environment variables.

use std::io::Read;
use std::net::SocketAddr;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use kehu_core::entry::{parse_object, Mode};
use kehu_core::{schema, Lang};
use kehu_store::{redact_url, Store, DEFAULT_DATABASE_URL};
use kehu_web::client_ip::TrustedProxies;
use kehu_web::AppState;

#[derive(Parser, Debug)]
#[command(name = "kehu", version, about = "kehu (客户): a CRM in one binary")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Database {
    /// Database URL: sqlite://FILE (default, created if missing) or
    /// postgres://USER@HOST/DB.
    #[arg(long = "database", env = "KEHU_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub url: String,
    #[command(flatten)]
    pub keys: crate::keys::KeySource,
}

impl Database {
    /// Connects and brings the schema up to date.
    pub async fn open(&self) -> anyhow::Result<Store> {
        self.open_as(false).await
    }

    /// [`Database::open`] for one long job (import, export).
    pub async fn open_for_job(&self) -> anyhow::Result<Store> {
        self.open_as(true).await
    }

    async fn open_as(&self, job: bool) -> anyhow::Result<Store> {
        let store = self.connect_as(job).await?;
        crate::keys::unlock(store, &self.keys).await
    }

    /// Connects and brings the schema up to date, without the keys.
    pub async fn connect(&self) -> anyhow::Result<Store> {
        self.connect_as(false).await
    }

    async fn connect_as(&self, job: bool) -> anyhow::Result<Store> {
        let store = if job {
            Store::connect_for_job(&self.url).await
        } else {
            Store::connect(&self.url).await
        };
        let store =
            store.with_context(|| format!("cannot open the database {}", redact_url(&self.url)))?;
        store
            .migrate()
            .await
            .context("cannot update the database schema")?;
        Ok(store)
    }
}

// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web UI and the REST API.
    Serve {
        #[command(flatten)]
        db: Database,
        /// Address to listen on.
        #[arg(long, env = "KEHU_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Mark session cookies Secure (set this when users reach kehu over HTTPS).
        #[arg(long, env = "KEHU_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Folder for uploaded files (imports read them from there, also
        /// when resumed after a restart); created when first needed.
        #[arg(long, env = "KEHU_DATA_DIR", default_value = "kehu-files")]
        data_dir: std::path::PathBuf,
        /// Reverse proxies (addresses or networks, comma-separated, e.g.
        /// `127.0.0.1,10.0.0.0/8`) whose X-Forwarded-For header names the
        /// visitor. Set it when kehu runs behind nginx or a load balancer.
        #[arg(long, env = "KEHU_TRUSTED_PROXIES", default_value = "",
              value_parser = TrustedProxies::parse)]
        trusted_proxies: TrustedProxies,
        /// Serve HTTPS with this PEM certificate chain (with --tls-key);
        /// session cookies are then Secure and responses carry HSTS.
        #[arg(long, env = "KEHU_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<std::path::PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, env = "KEHU_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<std::path::PathBuf>,
        /// Folder for the daily backup (default: `backups/` beside an
        /// SQLite file, `kehu-backups/` for PostgreSQL). Administrators
        /// set whether it runs and how long files are kept in Settings.
        #[arg(long, env = "KEHU_BACKUP_DIR")]
        backup_dir: Option<std::path::PathBuf>,
    },
    /// Create or update the database schema, then exit.
    Migrate {
        #[command(flatten)]
        db: Database,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Import customers from a file (CSV, TSV, XLSX, XLS, ODS, vCard, JSON
    /// Lines), or undo, resume or list imports.
    Import(crate::transfer::ImportArgs),
    /// Export customers (a list's filter, as a user sees them) to CSV or XLSX.
    Export(crate::transfer::ExportArgs),
    /// Scan every customer for duplicates: fills the review queue and
    /// prints the clusters found.
    Dedupe(crate::dedupe::DedupeArgs),
    /// Merge duplicate customers into one, or show or undo a merge.
    Merge(crate::merge::MergeArgs),
    /// The data quality report (核对报告): invalid, incomplete, duplicate
    /// and stale records, per owner and team; stale records get a
    /// verification task for their owner.
    Check(crate::check::CheckArgs),
    /// Leads (线索): import them from a file.
    Leads(crate::leads::LeadsArgs),
    /// Back the database up while kehu runs, verify the copy (integrity
    /// and row counts) and record it.
    Backup(crate::backup::BackupArgs),
    /// Restore a backup into a new, empty database, with the same checks.
    Restore(crate::backup::RestoreArgs),
    /// Encryption keys: which key seals what, and rotating to a new one.
    Keys {
        #[command(subcommand)]
        command: crate::keys::KeysCommand,
    },
    /// Personal data (个人信息): export a person's data, erase it, the log.
    Privacy(crate::privacy::PrivacyArgs),
    /// Fill the database with realistic sample customers.
    Demo {
        #[command(flatten)]
        db: Database,
        /// How many customers to create.
        #[arg(long, default_value_t = 1000)]
        customers: u64,
        /// Seed for the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Do not show a progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input.
    Add {
        #[command(flatten)]
        db: Database,
        email: String,
        /// admin, manager, sales, service, marketing or viewer.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (the only way to give one).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (alone, on the last line).
    Create {
        #[command(flatten)]
        db: Database,
        email: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// The message of a refusal from the domain, in English for the terminal.
fn explain(e: kehu_store::Error) -> anyhow::Error {
    match e {
        kehu_store::Error::Invalid(invalid) => anyhow::anyhow!("{}", invalid.summary(Lang::En)),
        other => anyhow::Error::new(other),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            secure_cookies,
            data_dir,
            trusted_proxies,
            tls_cert,
            tls_key,
            backup_dir,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(
                    kehu_web::tls::TlsConfig::from_pem_files(&cert, &key)
                        .map_err(|e| anyhow::anyhow!("cannot serve HTTPS: {e}"))?,
                ),
                _ => None,
            };
            let backup_dir = backup_dir.unwrap_or_else(|| kehu_store::backup::default_dir(&db.url));
            let options = ServeOptions {
                listen,
                secure_cookies,
                data_dir,
                trusted_proxies,
                tls,
                backup_dir,
            };
            serve(db, options).await
        }
        Command::Migrate { db } => {
            db.open().await?;
            println!("The schema of {} is up to date.", redact_url(&db.url));
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    email,
                    role,
                    name,
                    password_stdin,
                },
        } => {
            if !password_stdin {
                bail!("give the password on standard input with --password-stdin");
            }
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let store = db.open().await?;
            let object = serde_json::json!({ "email": email, "role": role, "name": name });
            let user = add_user(&store, object, Some(password)).await?;
            println!("Added {} ({}) with id {}.", user.email, user.role, user.id);
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { db, email, name },
        } => {
            let store = db.open().await?;
            let user = store
                .user_by_email(&email)
                .await
                .map_err(|_| anyhow::anyhow!("no user with the email {email}"))?;
            let (_, secret) = store
                .create_token(kehu_core::UserId(user.id), &name)
                .await?;
            println!(
                "API token for {} (shown only now; send it as 'Authorization: Bearer …'):",
                user.email
            );
            println!("{secret}");
            Ok(())
        }
        Command::Import(args) => crate::transfer::import(args).await,
        Command::Export(args) => crate::transfer::export(args).await,
        Command::Dedupe(args) => crate::dedupe::run(args).await,
        Command::Merge(args) => crate::merge::run(args).await,
        Command::Check(args) => crate::check::run(args).await,
        Command::Leads(args) => crate::leads::run(args).await,
        Command::Backup(args) => crate::backup::backup(args).await,
        Command::Restore(args) => crate::backup::restore(args).await,
        Command::Keys { command } => crate::keys::run(command).await,
        Command::Privacy(args) => crate::privacy::run(args).await,
        Command::Demo {
            db,
            customers,
            seed,
            quiet,
        } => {
            let store = db.open().await?;
            crate::demo::run(&store, customers, seed, quiet).await
        }
    }
}

/// Reads the key file again every minute (see `keys::SETTLE_MS`).
fn refresh_keys(store: Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match store.vault().refresh() {
                Ok(true) => tracing::info!(
                    key = store.vault().current_id().unwrap_or_default(),
                    "encryption keys reloaded; new values are sealed with this key"
                ),
                Ok(false) => {}
                Err(e) => tracing::warn!("cannot read the encryption keys again: {e}"),
            }
        }
    });
}

/// How `kehu serve` serves, from its flags.
struct ServeOptions {
    listen: SocketAddr,
    secure_cookies: bool,
    data_dir: std::path::PathBuf,
    trusted_proxies: TrustedProxies,
    tls: Option<kehu_web::tls::TlsConfig>,
    backup_dir: std::path::PathBuf,
}

async fn serve(db: Database, options: ServeOptions) -> anyhow::Result<()> {
    let ServeOptions {
        listen,
        secure_cookies,
        data_dir,
        trusted_proxies,
        tls,
        backup_dir,
    } = options;
    let store = db.open().await?;
    let first_login = first_admin(&store).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "kehu is running at {scheme}://{addr}/ (database: {})",
        redact_url(&db.url)
    );
    println!("API documentation: {scheme}://{addr}/api/v1/docs/");
    if let Some((email, password)) = first_login {
        println!();
        println!("First start: an administrator account was created. Sign in with");
        println!("  email:    {email}");
        println!("  password: {password}");
        println!("This password is shown only once. Change it after signing in (My account,");
        println!("your name at the top of every page), or add your own administrator with");
        println!("  kehu user add you@example.com --role admin --password-stdin");
    }
    let state = AppState {
        secure_cookies,
        trusted_proxies,
        backups: Some(kehu_web::maintenance::DailyBackup {
            plan: kehu_store::backup::Plan {
                url: db.url.clone(),
                dir: backup_dir,
            },
            started_by: format!("kehu serve@{}", crate::backup::host()),
        }),
        ..AppState::new(store.clone(), data_dir)
    };
    // Long jobs resume: imports a stopped server left half-way go on.
    kehu_web::imports::resume_interrupted(&state);
    // Stale records get their verification tasks, duplicates are merged
    // where an administrator set a daily rule, and the daily backup is
    // taken (by one process of several), once a day.
    kehu_web::maintenance::start_daily(&state);
    // Webhooks waiting in the outbox are sent, and retried when they fail.
    kehu_web::webhooks::start(&state);
    // A key `kehu keys rotate` adds is taken up without a restart.
    refresh_keys(store.clone());
    match tls {
        Some(tls) => kehu_web::serve_tls(listener, tls, state, shutdown_signal()).await?,
        None => kehu_web::serve(listener, state, shutdown_signal()).await?,
    }
    store.close().await;
    Ok(())
}

/// Adds a user from an object of user fields, checked like any input;
/// refusals are explained in English for the terminal.
pub async fn add_user(
    store: &Store,
    object: serde_json::Value,
    password: Option<&str>,
) -> anyhow::Result<kehu_store::users::User> {
    let Some(fields) = object.as_object() else {
        bail!("user fields must be an object");
    };
    let patch =
        parse_object(fields, schema::USER, &[], Mode::Create).map_err(|i| explain(i.into()))?;
    store
        .create_user(None, patch, password)
        .await
        .map_err(explain)
}

/// On an empty database, creates the first administrator with a random
/// password and returns the credentials to show.
async fn first_admin(store: &Store) -> anyhow::Result<Option<(String, String)>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let email = "admin@kehu.local".to_owned();
    let password = kehu_store::auth::generate_password();
    let object = serde_json::json!({ "email": email, "role": "admin", "name": "Administrator" });
    add_user(store, object, Some(&password)).await?;
    Ok(Some((email, password)))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
