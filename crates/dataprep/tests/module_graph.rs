//! No module cycles in any crate of the workspace (docs/architecture.md, "How a crate looks").
//!
//! Reads every crate's sources and builds the graph of its top-level modules: an edge `a → b`
//! for each `crate::b` path (in `use` trees too) in code of module `a` (comments and
//! `#[cfg(test)] mod … { … }` unit-test modules are skipped: tests may use any module), and
//! for each `crate::Name` whose `Name` the crate root re-exports from module `b`. The graph must
//! be acyclic.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Code without comments: line comments (`//`, `///`, `//!`) and block comments removed, string
/// literals kept (a `crate::` inside a string is rare enough to be worth an edge).
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('/') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        if tail.starts_with("//") {
            rest = tail.find('\n').map_or("", |n| &tail[n..]);
        } else if tail.starts_with("/*") {
            rest = tail.find("*/").map_or("", |n| &tail[n + 2..]);
        } else {
            out.push('/');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// `code` without its `#[cfg(test)] mod name { … }` modules (braces matched; `code` has no
/// comments). Unit tests are not part of a crate's layering.
fn without_test_modules(code: &str) -> String {
    const ATTR: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find(ATTR) {
        out.push_str(&rest[..i]);
        let after = &rest[i + ATTR.len()..];
        let item = after.trim_start();
        let open = item.find('{');
        let is_mod = item.starts_with("mod ") && open.is_some_and(|o| !item[..o].contains(';'));
        if !is_mod {
            out.push_str(ATTR);
            rest = after;
            continue;
        }
        let body = &item[open.unwrap_or(0)..];
        let mut depth = 0usize;
        let mut end = body.len();
        for (j, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &body[end..];
    }
    out.push_str(rest);
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first path segments after every `crate::` in `code`, including each item of a
/// `crate::{a, b::c}` group (nested groups are read for their first segments only).
fn crate_refs(code: &str) -> Vec<String> {
    let mut refs = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue; // `dataprep_crate::`, `$crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if item_start && depth == 0 => {
                        refs.push(ident_at(&group[k..]).to_owned());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            refs.push(ident_at(rest).to_owned());
        }
    }
    refs
}

/// Names the crate root re-exports, mapped to the module they come from (`pub use m::{A, B}`).
fn root_reexports(lib: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for stmt in lib.split(';') {
        let Some(i) = stmt.find("pub use ") else {
            continue;
        };
        let path = stmt[i + "pub use ".len()..].trim();
        let module = ident_at(path);
        if !modules.contains(module) {
            continue;
        }
        let names = path[module.len()..].trim_start_matches("::");
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = name.trim().rsplit("::").next().unwrap_or("");
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() {
                map.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    map
}

/// A cycle in `graph`, if there is one (as the list of its modules).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == m).unwrap_or(0);
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

/// The module graph of the crate whose sources are in `src`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeSet::new();
    for e in fs::read_dir(src).expect("src dir").flatten() {
        let p = e.path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir()
            || (p.extension().is_some_and(|x| x == "rs") && name != "lib" && name != "main")
        {
            modules.insert(name);
        }
    }
    let lib = fs::read_to_string(src.join("lib.rs")).map(|t| code_of(&t));
    let reexports = lib
        .map(|l| root_reexports(&l, &modules))
        .unwrap_or_default();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in &modules {
        let mut files = Vec::new();
        let dir = src.join(m);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
        let file = src.join(format!("{m}.rs"));
        if file.is_file() {
            files.push(file);
        }
        let edges = graph.entry(m.clone()).or_default();
        for f in files {
            let code =
                without_test_modules(&code_of(&fs::read_to_string(&f).expect("source file")));
            for r in crate_refs(&code) {
                let target = if modules.contains(&r) {
                    Some(r)
                } else {
                    reexports.get(&r).cloned()
                };
                if let Some(t) = target.filter(|t| t != m) {
                    edges.insert(t);
                }
            }
        }
    }
    graph
}

#[test]
fn the_checker_finds_cycles_and_group_imports() {
    assert_eq!(
        crate_refs("use crate::{a::X, b, c::{d, e}};\nlet x = crate::f::g();"),
        ["a", "b", "c", "f"]
    );
    assert!(crate_refs("$crate::x; dataprep_crate::y").is_empty());
    assert_eq!(
        code_of("a // crate::x\nb /* crate::y */ c / d"),
        "a \nb  c / d"
    );
    assert_eq!(
        without_test_modules(
            "use crate::a;\n#[cfg(test)]\nmod tests { fn f() { crate::b::g(); } }\nuse crate::c;"
        ),
        "use crate::a;\n\nuse crate::c;"
    );
    assert_eq!(
        without_test_modules("#[cfg(test)]\nuse crate::x;"),
        "#[cfg(test)]\nuse crate::x;"
    );
    let g = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry((*a).into()).or_default().insert((*b).into());
            g.entry((*b).into()).or_default();
        }
        g
    };
    assert_eq!(find_cycle(&g(&[("a", "b"), ("b", "c")])), None);
    assert_eq!(
        find_cycle(&g(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

/// Crates that still have a module cycle (issue 20, open), with the cycle found today. The test
/// fails when any other crate has one, and when one of these no longer does (remove it here).
const KNOWN_CYCLES: &[&str] = &["split"];

#[test]
fn no_crate_has_a_module_cycle() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cycles = Vec::new();
    let mut checked = 0;
    let mut dirs: Vec<_> = fs::read_dir(&crates)
        .expect("crates dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let src = dir.join("src");
        if !src.join("lib.rs").is_file() {
            continue;
        }
        checked += 1;
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let known = KNOWN_CYCLES.contains(&name.as_str());
        match find_cycle(&module_graph(&src)) {
            Some(cycle) if !known => cycles.push(format!("{name}: {}", cycle.join(" → "))),
            None if known => cycles.push(format!(
                "{name}: no cycle left; remove it from KNOWN_CYCLES"
            )),
            _ => {}
        }
    }
    assert!(
        checked >= 9,
        "found only {checked} crates under {}",
        crates.display()
    );
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}
