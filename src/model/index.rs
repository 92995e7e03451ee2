//! The workspace index: the items of every file (structs and their field
//! types, type aliases, statics) by name, so that a receiver such as
//! `state.pool` can be followed to its declared type across files. Built once
//! from the lowered files; holds no syntax.

use std::collections::HashMap;

use super::{FileIr, StaticDef, TypeRef};
use crate::source::FileId;

/// Items by their (last-segment) name. Names are not module-qualified: two
/// structs with the same name in different modules are both kept, and a
/// lookup that finds several answers with the first that has the field.
#[derive(Debug, Default)]
pub struct Index {
    structs: HashMap<String, Vec<(FileId, usize)>>,
    aliases: HashMap<String, TypeRef>,
    statics: HashMap<String, StaticDef>,
    fields: Vec<Vec<(String, TypeRef)>>,
}

/// Wrappers that stand for what they hold when following a receiver to its
/// type: `Arc<AppState>`, `State<AppState>`, `web::Data<PgPool>`.
const TRANSPARENT_WRAPPERS: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "State",
    "Data",
    "Extension",
    "Cow",
    "Option",
    "Mutex",
    "RwLock",
    "RefCell",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "Pin",
    "ManuallyDrop",
];

impl Index {
    pub fn build(files: &[FileIr]) -> Index {
        let mut index = Index::default();
        for file in files {
            // Field and alias types are read in other files: resolve them
            // through the `use` items of the file that declares them.
            let uses: HashMap<&str, &[String]> = file
                .uses
                .iter()
                .filter(|u| !u.glob)
                .map(|u| (u.alias.as_str(), u.path.as_slice()))
                .collect();
            for def in &file.structs {
                let slot = index.fields.len();
                index.fields.push(
                    def.fields
                        .iter()
                        .map(|f| (f.name.clone(), resolve_type(&f.ty, &uses)))
                        .collect(),
                );
                index
                    .structs
                    .entry(def.name.clone())
                    .or_default()
                    .push((file.file, slot));
            }
            for alias in &file.aliases {
                index
                    .aliases
                    .entry(alias.name.clone())
                    .or_insert_with(|| resolve_type(&alias.ty, &uses));
            }
            for def in &file.statics {
                index
                    .statics
                    .entry(def.name.clone())
                    .or_insert_with(|| def.clone());
            }
        }
        index
    }

    pub fn is_static(&self, name: &str) -> bool {
        self.statics.contains_key(name)
    }

    pub fn static_def(&self, name: &str) -> Option<&StaticDef> {
        self.statics.get(name)
    }

    /// Expands type aliases (a bounded number of times: aliases can be cyclic
    /// in broken code).
    pub fn expand_alias<'a>(&'a self, mut ty: &'a TypeRef) -> &'a TypeRef {
        for _ in 0..8 {
            let TypeRef::Path { segments, args } = ty else {
                return ty;
            };
            if !args.is_empty() && segments.len() > 1 {
                return ty;
            }
            match segments.last().and_then(|name| self.aliases.get(name)) {
                Some(target) if target != ty => ty = target,
                _ => return ty,
            }
        }
        ty
    }

    /// Strips references, aliases and transparent wrappers.
    pub fn peel<'a>(&'a self, mut ty: &'a TypeRef) -> &'a TypeRef {
        for _ in 0..16 {
            ty = self.expand_alias(ty);
            match ty {
                TypeRef::Ref { inner, .. } => ty = inner,
                TypeRef::Path { segments, args }
                    if args.len() == 1
                        && segments
                            .last()
                            .is_some_and(|s| TRANSPARENT_WRAPPERS.contains(&s.as_str())) =>
                {
                    ty = &args[0];
                }
                _ => return ty,
            }
        }
        ty
    }

    /// The declared type of `field` in the struct named by `ty` (after peeling).
    pub fn field_type<'s>(&'s self, ty: &'s TypeRef, field: &str) -> Option<&'s TypeRef> {
        let peeled = self.peel(ty);
        let name = peeled.last_segment()?;
        if let TypeRef::Tuple(elements) = peeled {
            return field.parse::<usize>().ok().and_then(|i| elements.get(i));
        }
        self.structs.get(name)?.iter().find_map(|(_, slot)| {
            self.fields[*slot]
                .iter()
                .find(|(field_name, _)| field_name == field)
                .map(|(_, ty)| ty)
        })
    }

    /// Every field type of the struct named by `ty`, for "does this struct
    /// hold a connection" questions.
    pub fn struct_fields(&self, name: &str) -> impl Iterator<Item = &TypeRef> {
        self.structs
            .get(name)
            .into_iter()
            .flatten()
            .flat_map(|(_, slot)| self.fields[*slot].iter().map(|(_, ty)| ty))
    }
}

/// A type with the first segment of each path mapped through `use` items
/// (`PooledConnection` imported as `deadpool::Object as PooledConnection`
/// becomes the full path). Paths no `use` names are kept as written.
fn resolve_type(ty: &TypeRef, uses: &HashMap<&str, &[String]>) -> TypeRef {
    ty.map_paths(&|segments, args| {
        let segments = match segments.first().and_then(|first| uses.get(first.as_str())) {
            Some(target) if !target.is_empty() => {
                let mut resolved: Vec<String> = target
                    .iter()
                    .skip_while(|s| matches!(s.as_str(), "crate" | "self" | "super"))
                    .cloned()
                    .collect();
                if resolved.is_empty() {
                    resolved = target.to_vec();
                }
                resolved.extend(segments[1..].iter().cloned());
                resolved
            }
            _ => segments.to_vec(),
        };
        TypeRef::Path { segments, args }
    })
}
