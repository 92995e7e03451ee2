//! The plain-data model every later stage reads: one [`FileIr`] per source
//! file, holding the items the workspace index needs (uses, structs, type
//! aliases, statics) and one [`FnIr`] control-flow graph per body (functions,
//! methods, closures, async blocks).
//!
//! The model is deliberately *pack-agnostic*: lowering records calls, places,
//! string literals and types as written, and never decides what acquires or
//! releases a connection. Classification happens in `flow` with the packs and
//! the workspace index, so cross-function summaries can be added there
//! without touching lowering. Nothing here holds a syn value: this is what
//! crosses threads after a file's syntax tree is dropped.

pub mod lower;
pub mod name;
pub mod relevance;
pub mod spans;

use crate::source::{FileId, Span};

pub use name::{Name, Slice};
pub use thin_vec::ThinVec;

pub type LocalId = u32;
pub type TempId = u32;
pub type BlockId = u32;
pub type FnId = u32;
pub type LoopId = u32;
/// A module of one file: 0 is the file itself, then its inline `mod x { .. }`.
pub type ModuleIndex = u32;
pub type ImplIndex = u32;
pub type TraitIndex = u32;

/// Everything the analysis keeps of one source file.
#[derive(Debug, Clone, Default)]
pub struct FileIr {
    pub file: FileId,
    /// `use` items of the whole file (nested modules included), flattened.
    pub uses: Vec<UseItem>,
    pub functions: Vec<FnIr>,
    pub structs: Vec<StructDef>,
    pub aliases: Vec<TypeAlias>,
    pub statics: Vec<StaticDef>,
    /// The file itself (index 0) and its inline modules.
    pub modules: Vec<ModuleDef>,
    pub impls: Vec<ImplDef>,
    pub traits: Vec<TraitDef>,
    /// First path segments named anywhere in `use` items or paths
    /// (`sqlx`, `deadpool_postgres`...): used to gate rule packs per file.
    pub crate_roots: Vec<Name>,
    /// Every item (fn, impl, mod, struct, trait...) with its whole extent,
    /// attributes and doc comments included: an item-level suppression
    /// written above an item covers this extent.
    pub items: Vec<ItemExtent>,
    /// Line count of the source, for statistics.
    pub lines: usize,
}

/// An item's name and its extent from the first attribute to the closing brace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemExtent {
    pub name: Name,
    pub span: Span,
}

/// `use a::b::C as D;` is `UseItem { alias: "D", path: ["a","b","C"], glob: false }`;
/// `use a::b::*;` is `UseItem { alias: "*", path: ["a","b"], glob: true }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseItem {
    pub alias: Name,
    pub path: Vec<Name>,
    pub glob: bool,
    /// The module it is written in (a `use` inside a function counts as its
    /// module's).
    pub module: ModuleIndex,
}

/// A module of a file: the file itself or an inline `mod name { .. }`.
#[derive(Debug, Clone, Default)]
pub struct ModuleDef {
    /// Empty for the file itself.
    pub name: Name,
    pub parent: Option<ModuleIndex>,
    /// Under `#[cfg(test)]`, itself or through an enclosing module.
    pub is_test: bool,
    /// Its `#[path = "..."]`, for an inline module.
    pub path: Option<Name>,
    /// `mod name;` items written here: their contents live in another file.
    pub declared: Vec<ModDecl>,
}

/// An out-of-line `mod name;`: which file holds it is decided with the
/// crate's layout (see [`crate::workspace::module_file_candidates`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModDecl {
    pub name: Name,
    /// `#[path = "..."]`, as written.
    pub path: Option<Name>,
    /// Under `#[cfg(test)]` (or a test attribute), on it or on a module
    /// around it.
    pub is_test: bool,
    pub span: Span,
}

/// An out-of-line `mod name;` with the inline modules around it, outermost
/// first, each with its own `#[path]`: what decides its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfLineMod<'a> {
    /// The module of the file it is written in.
    pub module: ModuleIndex,
    pub declaration: &'a ModDecl,
    pub inline_modules: Vec<(Name, Option<Name>)>,
}

/// An `impl` block.
#[derive(Debug, Clone)]
pub struct ImplDef {
    pub module: ModuleIndex,
    /// Names of its type parameters.
    pub generics: Vec<Name>,
    pub self_ty: TypeRef,
    /// `impl Trait<..> for ..`: the trait as a path type.
    pub trait_ref: Option<TypeRef>,
    /// `type Name = ..;` items (`type Target = Inner;` of a `Deref`).
    pub assoc_types: Vec<(Name, TypeRef)>,
    pub methods: Vec<FnId>,
}

/// A `trait` definition.
#[derive(Debug, Clone)]
pub struct TraitDef {
    pub name: Name,
    pub module: ModuleIndex,
    pub generics: Vec<Name>,
    /// Every method, with a body (default) or without.
    pub methods: Vec<FnId>,
    /// `trait A: B + C`: the supertraits as written.
    pub supertraits: Vec<Vec<Name>>,
}

/// An `.await` of a body that was not lowered, as written: where the
/// awaited chain of calls starts and the methods called along it
/// (`self.sender.send(x).await` starts at `self.sender`, with `send`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitSketch {
    pub start: SketchStart,
    /// Methods of the chain, first to last.
    pub methods: Vec<Name>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SketchStart {
    /// A path call: `tokio::time::sleep(..)`, `Client::new()`.
    Call(Vec<Name>),
    /// A binding or `self`, with fields: `["self", "sender"]`.
    Place(Vec<Name>),
    /// Anything else.
    Other,
}

/// Which item a function belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FnOwner {
    /// A free function (or a closure, async block).
    #[default]
    Free,
    Impl(ImplIndex),
    Trait(TraitIndex),
}

#[derive(Debug, Clone)]
pub struct StructDef {
    pub name: Name,
    pub module: ModuleIndex,
    /// Names of its type parameters.
    pub generics: Vec<Name>,
    /// An enum: its variants' names, in order.
    pub variants: Option<Vec<Name>>,
    /// Named fields by name, tuple fields by index ("0", "1", ...). Enum
    /// variants' fields are recorded under the enum's name as well, so an enum
    /// with a connection in a variant is a connection holder.
    pub fields: Vec<FieldDef>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: Name,
    pub ty: TypeRef,
}

#[derive(Debug, Clone)]
pub struct TypeAlias {
    pub name: Name,
    pub module: ModuleIndex,
    /// `type Result<T> = ..`: the names of its type parameters.
    pub generics: Vec<Name>,
    pub ty: TypeRef,
}

/// `static`, `lazy_static! { static ref .. }`, `thread_local! { static .. }`.
#[derive(Debug, Clone)]
pub struct StaticDef {
    pub name: Name,
    pub module: ModuleIndex,
    pub ty: Option<TypeRef>,
    pub thread_local: bool,
    pub span: Span,
    /// The text a string `static`, `const` or `lazy_static!` is made of: a
    /// literal, or a `format!` template (its `{}` stand for what is put in).
    pub text: Option<Name>,
    /// For a `format!` template: what each argument names, in order, when
    /// it is a path (`BASE`, `queries::BASE.as_str()`: `BASE`).
    pub arguments: Vec<Option<Name>>,
}

/// A type as written, with generic arguments kept so that wrappers such as
/// `Arc<Mutex<PoolConnection<Postgres>>>` can be peeled.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// `a::b::C<T, U>`: segments `["a","b","C"]`, args of the last segment
    /// (types only; lifetimes and consts dropped). `Self` is a one-segment path.
    Path {
        segments: Slice<Name>,
        args: Slice<TypeRef>,
    },
    /// `&T`, `&mut T`
    Ref {
        mutable: bool,
        inner: Box<TypeRef>,
    },
    Tuple(Slice<TypeRef>),
    /// `[T]`, `[T; N]`
    Slice(Box<TypeRef>),
    /// `impl Trait` / `dyn Trait`: the traits.
    Bounds(Slice<TypeBound>),
    Other,
}

/// One trait of an `impl Trait` / `dyn Trait` type: `Future<Output = T>`
/// is path `["Future"]` with binding `("Output", T)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeBound {
    pub path: Slice<Name>,
    pub args: Slice<TypeRef>,
    pub bindings: Slice<(Name, TypeRef)>,
}

/// Which kind of body this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// A free function, method or associated function.
    Fn,
    Closure {
        is_move: bool,
    },
    AsyncBlock {
        is_move: bool,
    },
}

/// What the attributes and name say about a function's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FnRole {
    /// `fn main`, or `#[tokio::main]`-style attributes.
    pub is_main: bool,
    /// `#[test]`, `#[tokio::test]`, `#[sqlx::test]`..., or inside `#[cfg(test)]`.
    pub is_test: bool,
}

/// One body as a control-flow graph. Block 0 is the entry.
#[derive(Debug, Clone)]
pub struct FnIr {
    /// `handler`, `Repo::save`, `handler::{closure}`, `handler::{async block}`.
    pub name: Name,
    /// The `Self` type of the enclosing impl, as its last path segment.
    pub self_type: Option<Name>,
    /// The module it is written in.
    pub module: ModuleIndex,
    /// The impl or trait it belongs to; closures and async blocks have
    /// their parent's.
    pub owner: FnOwner,
    /// Names of its own type parameters (the impl's or trait's are theirs).
    pub generics: ThinVec<Name>,
    /// A trait method without a default body: a signature only.
    pub has_body: bool,
    /// The body is `&self.a.b` (or `self.a.b.clone()`, `&*self.a`,
    /// `self.a.as_ref()`...): the field path it hands out, for accessors
    /// and `Deref` impls.
    pub returns_field: Option<Vec<Name>>,
    /// For a body left unlowered: its `.await`s, sketched, so that what it
    /// waits on can still be told.
    pub await_sketches: ThinVec<AwaitSketch>,
    pub kind: BodyKind,
    pub is_async: bool,
    pub role: FnRole,
    /// The function name (or closure / async block head), for messages.
    pub span: Span,
    /// For closures and async blocks: the body they were written in.
    pub parent: Option<FnId>,
    pub locals: ThinVec<Local>,
    /// Parameter locals in order (`self` first for methods).
    pub params: ThinVec<LocalId>,
    pub ret: Option<TypeRef>,
    /// Number of temporaries; temps are numbered 0.. in creation order, so a
    /// statement's temporaries are all `>= StmtEnd::first_temp`.
    pub temps: u32,
    pub blocks: ThinVec<Block>,
    pub loops: ThinVec<LoopInfo>,
    /// For closures and async blocks: outer locals they use. `by_move` is true
    /// for `move` closures / `async move` blocks.
    pub captures: ThinVec<Capture>,
    /// The closing brace of the body: where fall-through drops happen.
    pub end_span: Span,
    /// The arms of its `if`s and `match`es, sorted by entry block.
    pub arms: ThinVec<ArmExtent>,
}

/// The blocks of one arm of an `if` or a `match`: its entry block (an edge's
/// target) and the blocks made while lowering it, `inner.0..inner.1`. What
/// an arm does, a commit say, is in those blocks and in no others; `join`
/// is where the arms meet again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmExtent {
    pub entry: BlockId,
    pub inner: (BlockId, BlockId),
    pub join: BlockId,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: Name,
    /// The declared type, if written (`let x: T`, parameters).
    pub ty: Option<TypeRef>,
    pub span: Span,
    /// Innermost loop the binding is declared in (`None`: not in a loop).
    pub loop_id: Option<LoopId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capture {
    /// The local in the enclosing body.
    pub outer: LocalId,
    /// The local standing for it inside this body.
    pub inner: LocalId,
    pub by_move: bool,
}

#[derive(Debug, Clone)]
pub struct LoopInfo {
    pub parent: Option<LoopId>,
    pub span: Span,
    /// A `for` loop: one turn per item of what it iterates, where `loop`
    /// and `while` go on until something happens.
    pub over_items: bool,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub ops: ThinVec<Op>,
    pub term: Terminator,
    /// Where the terminator is written: the `?`, the `return`, the `break`,
    /// the closing brace of a fall-through.
    pub term_span: Span,
    /// Innermost loop this block belongs to.
    pub loop_id: Option<LoopId>,
}

#[derive(Debug, Clone)]
pub struct Op {
    pub kind: OpKind,
    pub span: Span,
}

/// A place as written: a root and field projections. Derefs are dropped
/// (`*x`, `&mut *tx`, `&**pool` all name the same place as `x`, `tx`, `pool`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Place {
    pub root: PlaceRoot,
    /// Field names or tuple indices: `self.db.pool` is root `self`, `["db","pool"]`.
    pub fields: Slice<Name>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PlaceRoot {
    Local(LocalId),
    /// A path that is not a local: a static, a const, a unit struct, an
    /// unresolved name. Kept as written.
    Path(Slice<Name>),
}

/// How an operand is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// By value: moves (or copies) the place.
    Value,
    /// `&place`
    Ref,
    /// `&mut place`
    RefMut,
    /// A method receiver: auto-ref or by value depending on the method, which
    /// only the analysis (with the packs) can tell.
    Receiver,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operand {
    Place {
        place: Place,
        mode: Mode,
    },
    Temp(TempId),
    /// A string literal (kept for raw `BEGIN` / `COMMIT` detection).
    Str(Name),
    /// Any other literal or an expression with no value of interest.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// `a::b::f(..)`, `Type::method(..)`, `f(..)` as written (generics dropped).
    Path(Slice<Name>),
    /// `receiver.name(..)`
    Method { receiver: Operand, name: Name },
    /// `m!(..)` whose tokens parsed as comma-separated expressions.
    Macro(Slice<Name>),
    /// Calling a value: `(self.f)(..)`, `callback(..)` where `callback` is a local.
    Value(Operand),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregateKind {
    Tuple,
    Array,
    /// `S { .. }` and `E::V { .. }` as written.
    Struct(Slice<Name>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpKind {
    /// `dest = callee(args)`. Temporaries used as arguments are consumed.
    Call {
        dest: TempId,
        callee: Callee,
        args: Slice<Operand>,
    },
    /// `dest = (a, b)`, `[a, b]`, `S { f: a }`; tuple-struct and variant
    /// constructors (`Some(x)`, `Ok(x)`, `Wrapper(x)`) are `Call`s with a
    /// `Callee::Path`.
    Aggregate {
        dest: TempId,
        kind: AggregateKind,
        fields: Slice<Operand>,
    },
    /// `dest = base.field` for a temporary base (pattern destructuring of a
    /// temporary, `expr.0`). Field access on places is an `Operand::Place`.
    Field {
        dest: TempId,
        base: TempId,
        field: Name,
    },
    /// `dest = value`: moves a value into a temporary (arms of `if` / `match`
    /// and block tails join into one temporary this way).
    Move { dest: TempId, value: Operand },
    /// `dest = future.await`. `mentions` are all locals named anywhere in the
    /// awaited expression (closures inside it included).
    Await {
        dest: TempId,
        future: Operand,
        mentions: Slice<LocalId>,
    },
    /// `let` binding (or pattern binding in a `match` arm / `if let` /
    /// `for` / closure parameter) of `local` from `value`. For a binding by
    /// reference (`ref x`, or matching on a reference) `value` has mode `Ref`.
    Let { local: LocalId, value: Operand },
    /// `place = value` (and compound assignment with `value` = `Other`).
    /// The old value of `place` is dropped.
    Assign { place: Box<Place>, value: Operand },
    /// `*target = value` where the target is a value, not a place (a guard
    /// or a reference a call returned: `*slot.lock().unwrap() = value`,
    /// `*cell.borrow_mut() = value`): the value moves into what `target`
    /// points at. The old value there is dropped, which the model does not follow.
    StoreThrough { target: TempId, value: Operand },
    /// `dest = |..| body` / `dest = async { body }`.
    Closure { dest: TempId, body: FnId },
    /// `dest` is an item of `of`: what a `for` loop binds on each turn. It
    /// gives a type, nothing else: the loop's use of `of` is its own `Use`.
    Element { dest: TempId, of: Operand },
    /// Operands evaluated for their uses only (macro arguments that did not
    /// parse, binary operators, conditions...).
    Use { operands: Slice<Operand> },
    /// A pattern proved that the temporary holds nothing of interest on this
    /// path (`Err(_)` / `None` arm, the `else` of `let .. else`).
    Vanish(TempId),
    /// A test proved that the binding holds nothing of interest on this path
    /// (the `false` branch of `if result.is_ok()`, the `true` branch of
    /// `if conn.is_none()`).
    VanishLocal(LocalId),
    /// The path goes on as the failure of a value: an `Err(..)` match arm,
    /// the body of `if let Err(..) = value`, the `else` of `if let Ok(..)`.
    /// A statement that failed on a transaction aborted it: there is
    /// nothing left to commit.
    Failed(Operand),
    /// End of a binding's scope: it is dropped here unless moved before.
    /// The op's span is the scope's closing brace.
    StorageDead(LocalId),
    /// End of a statement: every temporary numbered `>= first_temp` that
    /// still holds a value is dropped.
    StmtEnd { first_temp: TempId },
}

/// How a body is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitKind {
    /// Fall-through, `return value`, `return Ok(..)`.
    Normal,
    /// `return Err(..)`, and the error edge of `?`.
    Error,
    /// `panic!`, `unreachable!`, `todo!`, `unimplemented!`.
    Panic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeKind {
    Normal,
    /// A conditional branch (`if`, `match` arm, `while` condition...).
    Branch,
    /// Back to a loop head.
    LoopBack,
    Break,
    Continue,
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub target: BlockId,
    pub kind: EdgeKind,
    /// What taking this edge means, for witness paths ("the `else` branch is
    /// taken", "match arm `None`"), with the span it points at.
    pub step: Option<(Span, Name)>,
}

#[derive(Debug, Clone)]
pub enum Terminator {
    /// Continue to one of the edges (one edge: plain fall-through).
    Jump(ThinVec<Edge>),
    /// `operand?`: on success `dest = unwrapped operand` and go to `ok`; on
    /// failure leave the body with `ExitKind::Error`.
    Try {
        operand: TempId,
        dest: TempId,
        ok: BlockId,
    },
    /// Leave the body. `value` is what is returned (moved to the caller).
    Exit {
        kind: ExitKind,
        value: Option<Operand>,
    },
    /// A block nothing reaches (after `return` and such).
    Unreachable,
}

impl FileIr {
    /// Every out-of-line `mod name;` of the file, with the inline modules
    /// it is written in.
    pub fn out_of_line_mods(&self) -> Vec<OutOfLineMod<'_>> {
        let mut found = Vec::new();
        for (index, module) in self.modules.iter().enumerate() {
            let mut inline_modules = Vec::new();
            let mut cursor = Some(index);
            while let Some(at) = cursor {
                let Some(around) = self.modules.get(at) else {
                    break;
                };
                if around.parent.is_none() || inline_modules.len() > self.modules.len() {
                    break;
                }
                inline_modules.push((around.name, around.path));
                cursor = around.parent.map(|parent| parent as usize);
            }
            inline_modules.reverse();
            for declaration in &module.declared {
                found.push(OutOfLineMod {
                    module: index as ModuleIndex,
                    declaration,
                    inline_modules: inline_modules.clone(),
                });
            }
        }
        found
    }
}

impl FnIr {
    /// The locals that the value made into `start` is assigned back to
    /// (`place = value`, not `let`): followed through moves, `.await`, `?`,
    /// method calls on it (`.map_err(..)`), fields and pattern bindings
    /// (`db = match pool.acquire().await { Ok(c) => c, .. }`). Order of
    /// the code is not looked at.
    pub fn locals_assigned_from(&self, start: TempId) -> Vec<LocalId> {
        let mut temps: Vec<TempId> = vec![start];
        let mut locals: Vec<LocalId> = Vec::new();
        let mut assigned: Vec<LocalId> = Vec::new();
        let holds = |operand: &Operand, temps: &[TempId], locals: &[LocalId]| match operand {
            Operand::Temp(temp) => temps.contains(temp),
            Operand::Place {
                place:
                    Place {
                        root: PlaceRoot::Local(local),
                        fields,
                    },
                mode: Mode::Value,
            } => fields.is_empty() && locals.contains(local),
            _ => false,
        };
        // Each round adds at least one value or stops; values are bounded
        // by the body's temporaries and locals.
        loop {
            let before = temps.len() + locals.len() + assigned.len();
            for block in &self.blocks {
                for op in &block.ops {
                    match &op.kind {
                        OpKind::Move { dest, value } if holds(value, &temps, &locals) => {
                            push_new(&mut temps, *dest)
                        }
                        OpKind::Await { dest, future, .. } if holds(future, &temps, &locals) => {
                            push_new(&mut temps, *dest)
                        }
                        OpKind::Field { dest, base, .. } if temps.contains(base) => {
                            push_new(&mut temps, *dest)
                        }
                        OpKind::Call {
                            dest,
                            callee: Callee::Method { receiver, .. },
                            ..
                        } if holds(receiver, &temps, &locals) => push_new(&mut temps, *dest),
                        OpKind::Let { local, value } if holds(value, &temps, &locals) => {
                            push_new(&mut locals, *local)
                        }
                        OpKind::Assign { place, value }
                            if place.fields.is_empty() && holds(value, &temps, &locals) =>
                        {
                            if let PlaceRoot::Local(local) = place.root {
                                push_new(&mut assigned, local)
                            }
                        }
                        _ => {}
                    }
                }
                if let Terminator::Try { operand, dest, .. } = &block.term {
                    if temps.contains(operand) {
                        push_new(&mut temps, *dest);
                    }
                }
            }
            if temps.len() + locals.len() + assigned.len() == before {
                return assigned;
            }
        }
    }

    /// The arm entered at `entry`, if it is an arm's entry.
    pub fn arm(&self, entry: BlockId) -> Option<&ArmExtent> {
        let at = self
            .arms
            .binary_search_by_key(&entry, |arm| arm.entry)
            .ok()?;
        self.arms.get(at)
    }

    /// A readable name for a local, for messages.
    pub fn local_name(&self, local: LocalId) -> &str {
        self.locals
            .get(local as usize)
            .map(|l| l.name.as_str())
            .unwrap_or("_")
    }

    /// Whether `inner` is `outer` or nested in it.
    pub fn loop_within(&self, inner: Option<LoopId>, outer: LoopId) -> bool {
        let mut cursor = inner;
        while let Some(id) = cursor {
            if id == outer {
                return true;
            }
            cursor = self.loops.get(id as usize).and_then(|l| l.parent);
        }
        false
    }
}

impl Place {
    /// Goes one field further in (`self.db`, then `pool`).
    pub fn push_field(&mut self, field: Name) {
        self.fields = self
            .fields
            .iter()
            .copied()
            .chain(std::iter::once(field))
            .collect();
    }
}

impl TypeRef {
    /// Whether `test` holds for any path in the type: the type's own, its
    /// generic arguments', and the trait paths of `impl`/`dyn` bounds.
    pub fn any_path(&self, test: &impl Fn(&[Name]) -> bool) -> bool {
        match self {
            TypeRef::Path { segments, args } => {
                test(segments) || args.iter().any(|arg| arg.any_path(test))
            }
            TypeRef::Ref { inner, .. } | TypeRef::Slice(inner) => inner.any_path(test),
            TypeRef::Tuple(elements) => elements.iter().any(|e| e.any_path(test)),
            TypeRef::Bounds(bounds) => bounds.iter().any(|bound| {
                test(&bound.path)
                    || bound.args.iter().any(|arg| arg.any_path(test))
                    || bound.bindings.iter().any(|(_, ty)| ty.any_path(test))
            }),
            TypeRef::Other => false,
        }
    }

    /// The same type with every path rebuilt by `rewrite`, given the path's
    /// segments and its generic arguments (already rewritten).
    pub fn map_paths(&self, rewrite: &impl Fn(&[Name], Vec<TypeRef>) -> TypeRef) -> TypeRef {
        match self {
            TypeRef::Path { segments, args } => {
                let args = args.iter().map(|arg| arg.map_paths(rewrite)).collect();
                rewrite(segments, args)
            }
            TypeRef::Ref { mutable, inner } => TypeRef::Ref {
                mutable: *mutable,
                inner: Box::new(inner.map_paths(rewrite)),
            },
            TypeRef::Tuple(elements) => {
                TypeRef::Tuple(elements.iter().map(|e| e.map_paths(rewrite)).collect())
            }
            TypeRef::Slice(inner) => TypeRef::Slice(Box::new(inner.map_paths(rewrite))),
            other => other.clone(),
        }
    }

    /// The last path segment, if this is a path type.
    pub fn last_segment(&self) -> Option<&str> {
        match self {
            TypeRef::Path { segments, .. } => segments.last().map(Name::as_str),
            _ => None,
        }
    }
}

fn push_new<T: PartialEq>(values: &mut Vec<T>, value: T) {
    if !values.contains(&value) {
        values.push(value);
    }
}
