//! The semantic layer on small workspaces written here: modules, imports,
//! aliases, `Deref`, methods, inference.

use std::path::PathBuf;

use super::infer::CallTarget;
use super::types::Ty;
use super::{Layout, Semantics};
use crate::model::{FileIr, OpKind};
use crate::packs::CoreRoles;
use crate::source::SourceFile;
use crate::workspace::{DepKind, Dependency, Package, Target, TargetKind, Workspace};

struct Fixture {
    files: Vec<FileIr>,
    paths: Vec<PathBuf>,
    packages: Vec<Option<usize>>,
    workspace: Workspace,
}

/// One package `app` (or those given) with the files given, `src/lib.rs`
/// its library root; dependencies by name in code → package.
fn fixture(texts: &[(&str, &str)], dependencies: &[(&str, &str)]) -> Fixture {
    let core = crate::packs::builtin_packs()
        .expect("packs")
        .into_iter()
        .find_map(|pack| pack.file.roles)
        .unwrap_or_else(CoreRoles::default);
    let root = PathBuf::from("/ws");
    let mut files = Vec::new();
    let mut paths = Vec::new();
    for (id, (path, text)) in texts.iter().enumerate() {
        let source = SourceFile::new(path.to_string(), text.to_string());
        let syntax = syn::parse_file(text).expect("fixture parses");
        files.push(crate::model::lower::lower_file(
            &syntax, id, &source, &core, None,
        ));
        paths.push(root.join(path));
    }
    let package = Package {
        name: String::from("app"),
        crate_name: String::from("app"),
        version: String::from("0.1.0"),
        edition: String::from("2021"),
        manifest_dir: root.clone(),
        workspace_root: root.clone(),
        is_member: true,
        targets: vec![Target {
            kind: TargetKind::Lib,
            name: String::from("app"),
            root: root.join("src/lib.rs"),
        }],
        dependencies: dependencies
            .iter()
            .map(|(name, package)| Dependency {
                name_in_code: name.to_string(),
                package: package.to_string(),
                kind: DepKind::Normal,
                workspace_package: None,
            })
            .collect(),
    };
    Fixture {
        packages: vec![Some(0); files.len()],
        files,
        paths,
        workspace: Workspace {
            root,
            packages: vec![package],
        },
    }
}

impl Fixture {
    fn semantics(&self) -> Semantics {
        Semantics::build(
            &self.files,
            &Layout {
                paths: &self.paths,
                packages: &self.packages,
                workspace: &self.workspace,
            },
        )
    }

    /// The types of the body named `name`, with its file.
    fn body(&self, semantics: &Semantics, name: &str) -> (usize, super::BodyTypes) {
        for file in &self.files {
            if let Some(id) = file.functions.iter().position(|f| f.name == name) {
                return (file.file, semantics.infer(file, id as u32, None));
            }
        }
        panic!("no body {name}");
    }

    fn local_type(&self, semantics: &Semantics, function: &str, local: &str) -> Ty {
        let (file, types) = self.body(semantics, function);
        let ir = self.files[file]
            .functions
            .iter()
            .find(|f| f.name == function)
            .expect("body");
        let index = ir
            .locals
            .iter()
            .rposition(|l| l.name == local)
            .expect("local");
        types.locals[index].clone()
    }
}

fn external(ty: &Ty) -> String {
    match ty.strip_refs() {
        Ty::External(path, _) => path.join("::"),
        other => format!("{other:?}"),
    }
}

fn adt_name(semantics: &Semantics, ty: &Ty) -> Option<String> {
    match ty.strip_refs() {
        Ty::Adt(loc, _) => semantics.adt(*loc).map(|d| d.name.to_string()),
        _ => None,
    }
}

#[test]
fn modules_follow_declarations_to_their_files() {
    let fixture = fixture(
        &[
            ("src/lib.rs", "mod db;\npub mod api { pub mod handlers; }\n"),
            ("src/db.rs", "pub struct Store;\n"),
            (
                "src/api/handlers.rs",
                "use crate::db::Store;\npub fn handle(s: Store) { let x = s; }\n",
            ),
        ],
        &[],
    );
    let semantics = fixture.semantics();
    let ty = fixture.local_type(&semantics, "handle", "x");
    assert_eq!(adt_name(&semantics, &ty).as_deref(), Some("Store"));
}

#[test]
fn a_workspace_type_is_never_a_pack_type_of_the_same_name() {
    let fixture = fixture(
        &[
            (
                "src/lib.rs",
                "mod value;\nmod pool;\nuse value::Object;\npub fn mine(o: Object) { let a = o; }\n",
            ),
            ("src/value.rs", "pub struct Object(Box<[u8]>);\n"),
            (
                "src/pool.rs",
                "use deadpool::managed::Object;\npub fn theirs(o: Object) { let b = o; }\npub fn json(v: serde_json::Value) { let c = v; }\n",
            ),
        ],
        &[("deadpool", "deadpool"), ("serde_json", "serde_json")],
    );
    let semantics = fixture.semantics();
    let mine = fixture.local_type(&semantics, "mine", "a");
    assert_eq!(adt_name(&semantics, &mine).as_deref(), Some("Object"));
    let theirs = fixture.local_type(&semantics, "theirs", "b");
    assert_eq!(external(&theirs), "deadpool::managed::Object");
    let json = fixture.local_type(&semantics, "json", "c");
    assert_eq!(external(&json), "serde_json::Value");
}

#[test]
fn renamed_dependencies_resolve_to_the_real_crate() {
    let fixture = fixture(
        &[("src/lib.rs", "pub fn f(p: &db::PgPool) { let a = p; }\n")],
        &[("db", "sqlx")],
    );
    let semantics = fixture.semantics();
    assert_eq!(
        external(&fixture.local_type(&semantics, "f", "a")),
        "sqlx::PgPool"
    );
}

#[test]
fn a_generic_alias_applies_where_it_is_in_scope_with_its_parameter() {
    let fixture = fixture(
        &[
            (
                "src/lib.rs",
                "mod errors;\nmod db;\nuse sqlx::pool::PoolConnection;\nuse sqlx::Postgres;\npub fn plain() -> Result<PoolConnection<Postgres>, String> { todo!() }\npub fn caller() { let a = plain().unwrap(); }\n",
            ),
            (
                "src/errors.rs",
                "pub struct Error;\npub type Result<T> = std::result::Result<T, Error>;\n",
            ),
            (
                "src/db.rs",
                "use crate::errors::Result;\nuse sqlx::PgConnection;\npub fn get() -> Result<PgConnection> { todo!() }\npub fn user() -> Result<()> { let c = get()?; Ok(()) }\n",
            ),
        ],
        &[("sqlx", "sqlx")],
    );
    let semantics = fixture.semantics();
    assert_eq!(
        external(&fixture.local_type(&semantics, "caller", "a")),
        "sqlx::pool::PoolConnection"
    );
    assert_eq!(
        external(&fixture.local_type(&semantics, "user", "c")),
        "sqlx::PgConnection"
    );
}

#[test]
fn fields_and_methods_are_found_through_deref() {
    let fixture = fixture(
        &[(
            "src/lib.rs",
            "use std::ops::Deref;\nuse std::sync::Arc;\nuse sqlx::PgPool;\n\
             pub struct Inner { pub pool: PgPool }\n\
             pub struct Store(Arc<Inner>);\n\
             impl Deref for Store { type Target = Inner; fn deref(&self) -> &Inner { &self.0 } }\n\
             impl Inner { pub fn size(&self) -> u32 { 0 } }\n\
             impl Store { pub fn run(&self) { let p = &self.pool; let n = self.size(); } }\n",
        )],
        &[("sqlx", "sqlx")],
    );
    let semantics = fixture.semantics();
    assert_eq!(
        external(&fixture.local_type(&semantics, "Store::run", "p")),
        "sqlx::PgPool"
    );
    let store = fixture.local_type(&semantics, "Store::run", "self");
    let (pool, via) = semantics.field_type(&store, "pool").expect("pool field");
    assert_eq!(external(&pool), "sqlx::PgPool");
    assert_eq!(via, vec![String::from("0")]);
    let found = semantics
        .method(&store, "size")
        .expect("size through deref");
    assert_eq!(found.via, vec![String::from("0")]);
}

#[test]
fn methods_resolve_by_receiver_type_traits_and_defaults_included() {
    let fixture = fixture(
        &[(
            "src/lib.rs",
            "use sqlx::{PgPool, Postgres, Transaction};\n\
             pub trait Vending { fn txn_begin(&self) -> Transaction<'static, Postgres>; fn twice(&self) -> u8 { 2 } }\n\
             impl Vending for PgPool { fn txn_begin(&self) -> Transaction<'static, Postgres> { todo!() } }\n\
             pub struct Repo;\n\
             impl Vending for Repo { fn txn_begin(&self) -> Transaction<'static, Postgres> { todo!() } }\n\
             pub fn f(pool: &PgPool, repo: Repo) { let t = pool.txn_begin(); let n = repo.twice(); }\n",
        )],
        &[("sqlx", "sqlx")],
    );
    let semantics = fixture.semantics();
    assert_eq!(
        external(&fixture.local_type(&semantics, "f", "t")),
        "sqlx::Transaction"
    );
    let (file, types) = fixture.body(&semantics, "f");
    let ir = fixture.files[file]
        .functions
        .iter()
        .find(|f| f.name == "f")
        .expect("f");
    let calls: Vec<String> = ir
        .blocks
        .iter()
        .flat_map(|b| &b.ops)
        .filter_map(|op| match &op.kind {
            OpKind::Call { dest, .. } => types.calls[*dest as usize].as_ref(),
            _ => None,
        })
        .map(|target| match target {
            CallTarget::Func(func, _) => semantics
                .function(*func)
                .map(|f| f.name.to_string())
                .unwrap_or_default(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(calls, vec!["PgPool::txn_begin", "Vending::twice"]);
}

#[test]
fn locals_get_types_from_signatures_tuples_clones_awaits_and_captures() {
    let fixture = fixture(
        &[(
            "src/lib.rs",
            "use sqlx::PgPool;\nuse std::future::Future;\n\
             pub struct Ctx { pool: PgPool }\n\
             pub struct Shard;\n\
             impl Ctx {\n\
               pub fn pool(&self) -> &PgPool { &self.pool }\n\
               pub fn store(&self) -> Result<(Shard, u8), ()> { todo!() }\n\
               pub async fn conn(&self) -> Result<PgPool, ()> { todo!() }\n\
               pub fn later(&self) -> impl Future<Output = Result<Shard, ()>> + '_ { async { todo!() } }\n\
               pub async fn run(&self) -> Result<(), ()> {\n\
                 let p = self.pool().clone();\n\
                 let (shard, _) = self.store()?;\n\
                 let c = self.conn().await?;\n\
                 let l = self.later().await?;\n\
                 let task = async move { let inner = p; };\n\
                 Ok(())\n\
               }\n\
             }\n",
        )],
        &[("sqlx", "sqlx")],
    );
    let semantics = fixture.semantics();
    assert_eq!(
        external(&fixture.local_type(&semantics, "Ctx::run", "p")),
        "sqlx::PgPool"
    );
    let shard = fixture.local_type(&semantics, "Ctx::run", "shard");
    assert_eq!(adt_name(&semantics, &shard).as_deref(), Some("Shard"));
    assert_eq!(
        external(&fixture.local_type(&semantics, "Ctx::run", "c")),
        "sqlx::PgPool"
    );
    let later = fixture.local_type(&semantics, "Ctx::run", "l");
    assert_eq!(adt_name(&semantics, &later).as_deref(), Some("Shard"));
    // The async block captures `p`.
    let file = &fixture.files[0];
    let run = file
        .functions
        .iter()
        .position(|f| f.name == "Ctx::run")
        .expect("run") as u32;
    let outer = semantics.infer(file, run, None);
    let block = file
        .functions
        .iter()
        .position(|f| f.parent == Some(run))
        .expect("async block") as u32;
    let inner = semantics.infer(file, block, Some(&outer));
    let ir = &file.functions[block as usize];
    let index = ir
        .locals
        .iter()
        .position(|l| l.name == "inner")
        .expect("inner");
    assert_eq!(external(&inner.locals[index]), "sqlx::PgPool");
}

#[test]
fn glob_imports_and_local_items_shadow_in_order() {
    let fixture = fixture(
        &[
            (
                "src/lib.rs",
                "mod models;\nuse models::*;\nuse sqlx::*;\npub fn f(a: Value, b: PgPool) { let x = a; let y = b; }\n",
            ),
            ("src/models.rs", "pub enum Value { Null }\n"),
        ],
        &[("sqlx", "sqlx")],
    );
    let semantics = fixture.semantics();
    let x = fixture.local_type(&semantics, "f", "x");
    assert_eq!(adt_name(&semantics, &x).as_deref(), Some("Value"));
    assert_eq!(
        external(&fixture.local_type(&semantics, "f", "y")),
        "sqlx::PgPool"
    );
}

#[test]
fn associated_types_resolve_through_the_impl_for_the_bound_parameter() {
    let fixture = fixture(
        &[(
            "src/lib.rs",
            "use sqlx::PgPool;\n\
             pub trait Objects { type Services; }\n\
             pub trait Other { type Services; }\n\
             pub struct Db { pub pool: PgPool }\n\
             pub struct Clock { pub ticks: u64 }\n\
             pub struct Fleet;\n\
             pub struct Split;\n\
             impl Objects for Fleet { type Services = Db; }\n\
             impl Objects for Split { type Services = Db; }\n\
             impl Other for Split { type Services = Clock; }\n\
             pub struct Ctx<'a, T: Objects> { pub services: &'a mut T::Services }\n\
             pub fn fleet(ctx: Ctx<'_, Fleet>) { let p = &ctx.services.pool; }\n\
             pub fn split(ctx: Ctx<'_, Split>) { let s = &ctx.services; }\n",
        )],
        &[("sqlx", "sqlx")],
    );
    let semantics = fixture.semantics();
    assert_eq!(
        external(&fixture.local_type(&semantics, "fleet", "p")),
        "sqlx::PgPool"
    );
    // Two impls of `Split` give `Services` two ways: unknown, not a guess.
    assert!(fixture
        .local_type(&semantics, "split", "s")
        .strip_refs()
        .is_unknown());
}

#[test]
fn loose_files_reach_each_other_through_one_shared_table() {
    let mut fixture = fixture(
        &[
            (
                "scripts/a.rs",
                "pub fn open() { let store = b::Store::new(); }",
            ),
            (
                "scripts/b.rs",
                "pub struct Store; impl Store { pub fn new() -> Store { Store } }",
            ),
            (
                "scripts/one/lib.rs",
                "pub fn peer() { let other = lib::Other; }",
            ),
            ("scripts/two/lib.rs", "pub struct Other;"),
        ],
        &[],
    );
    // Outside every package: each file is a crate of its own.
    fixture.packages = vec![None; fixture.files.len()];
    let semantics = fixture.semantics();
    let store = fixture.local_type(&semantics, "open", "store");
    assert_eq!(adt_name(&semantics, &store).as_deref(), Some("Store"));
    // Two files of the same name: each reaches the other, not itself.
    let other = fixture.local_type(&semantics, "peer", "other");
    assert_eq!(adt_name(&semantics, &other).as_deref(), Some("Other"));
    // No crate keeps a copy of the others' names: a folder of many loose
    // files costs one table, not one per file.
    let loose: Vec<_> = semantics.crates.iter().filter(|k| k.loose).collect();
    assert_eq!(loose.len(), 4);
    assert!(loose.iter().all(|krate| krate.deps.is_empty()));
}
