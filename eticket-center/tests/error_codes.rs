//! Every error code the center can answer is listed in the operator's
//! guide (docs/center/README.md, "Error codes"), so a shop can handle each:
//! the codes of the center's errors (`Error::code`), of the HTTP layer's own
//! refusals (`ApiError::new(StatusCode::…, "code", …)`) and of the
//! connection-level answers (`"code":"…"`) are read from the sources.

use std::collections::BTreeSet;
use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).expect("a source file"));
        }
    }
}

/// The quoted lowercase word that starts `text` after blanks, if any.
fn quoted_code(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    let code = &rest[..end];
    (!code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')).then_some(code)
}

#[test]
fn every_error_code_is_in_the_guide() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let mut codes = BTreeSet::new();
    for text in &files {
        // `ApiError::new(StatusCode::X, "code", …)`, over any line breaks.
        for (at, _) in text.match_indices("ApiError::new(") {
            let args = &text[at + "ApiError::new(".len()..];
            if let Some(comma) = args.find(',') {
                if let Some(code) = quoted_code(&args[comma + 1..]) {
                    codes.insert(code.to_owned());
                }
            }
        }
        // Answers written out whole: `"code":"…"`.
        for (at, _) in text.match_indices(r#""code":""#) {
            if let Some(code) = quoted_code(&text[at + r#""code":"#.len()..]) {
                codes.insert(code.to_owned());
            }
        }
    }
    // `Error::code`: one `=> "code"` arm per variant.
    let error = std::fs::read_to_string(root.join("src/error.rs")).expect("error.rs");
    let body = &error[error.find("pub fn code(&self)").expect("Error::code")..];
    let body = &body[..body.find("\n    }\n").expect("the end of Error::code")];
    for (at, _) in body.match_indices("=> ") {
        if let Some(code) = quoted_code(&body[at + 3..]) {
            codes.insert(code.to_owned());
        }
    }
    assert!(codes.len() > 50, "found only {codes:?}");
    let guide = std::fs::read_to_string(root.join("../docs/center/README.md")).expect("the guide");
    let table = &guide[guide
        .find("### Error codes")
        .expect("the Error codes section")..];
    let table = &table[..table.find("\n## ").unwrap_or(table.len())];
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !table.contains(&format!("`{code}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes not in the guide's table: {missing:?}"
    );
    let openapi: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("openapi.json")).expect("openapi.json"),
    )
    .expect("openapi.json is JSON");
    let listed = openapi["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
        ["code"]["description"]
        .as_str()
        .expect("the code's description")
        .to_owned();
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !listed.contains(code.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "codes not in openapi.json's Error: {missing:?}"
    );
}
