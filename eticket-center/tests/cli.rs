//! The `eticket` command line on a SQLite file (and `eticket serve` once on PostgreSQL).

use std::path::Path;
use std::process::Command;

use eticket_core::fixtures;
use eticket_core::ids::KeyId;

fn eticket(db: &Path, args: &[&str]) -> (bool, String, String) {
    eticket_env(db, args, &[])
}

/// Run `eticket` with only the key settings given in `env`.
fn eticket_env(db: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eticket"));
    for var in ["ETICKET_KEK", "ETICKET_KEK_FILE", "ETICKET_ROOT_KEY_FILE"] {
        cmd.env_remove(var);
    }
    let out = cmd
        .envs(env.iter().copied())
        .arg("--database")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ok(db: &Path, args: &[&str]) -> String {
    let (success, out, err) = eticket(db, args);
    assert!(success, "eticket {args:?}: {err}");
    out
}

/// The hold time is the operator's to set, from a second to a day, and
/// `serve --help` says so.
#[test]
fn hold_time_is_an_option() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    for bad in ["0", "86401", "ten"] {
        let (done, _, err) = eticket(&db, &["--hold-secs", bad, "init"]);
        assert!(!done && err.contains("--hold-secs"), "{bad}: {err}");
    }
    let help = ok(&db, &["serve", "--help"]);
    assert!(help.contains("--hold-secs"), "{help}");
}

/// Help never shows a database URL taken from the environment: it carries
/// the password.
#[test]
fn help_does_not_show_the_database_password() {
    let out = Command::new(env!("CARGO_BIN_EXE_eticket"))
        .env("ETICKET_DATABASE_URL", "postgres://u:hunter2@db.example/x")
        .args(["stats", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("ETICKET_DATABASE_URL"), "{help}");
    assert!(!help.contains("hunter2"), "{help}");
}

#[test]
fn operator_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let init = ok(&db, &["init"]);
    assert!(init.contains("root key K100"), "{init}");
    // Commands that change the ledger without an answer to print say what
    // they did on stderr, so stdout stays for what scripts read.
    let (success, out, err) = eticket(&db, &["add-distributor", "--id", "1", "--name", "Shop"]);
    assert!(success, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("distributor 1 (\"Shop\") registered"), "{err}");
    let token = ok(&db, &["credential", "--role", "gate", "--id", "2026"]);
    assert!(token.trim().starts_with("gate_"));
    let file = dir.path().join("event.json");
    std::fs::write(
        &file,
        serde_json::to_vec(
            &serde_json::json!({"info": fixtures::small_event(), "prices": fixtures::prices()}),
        )
        .unwrap(),
    )
    .unwrap();
    // An event file given where the JSON registration goes: the error names
    // the flag it belongs to.
    let toml = dir.path().join("event.toml");
    std::fs::write(&toml, "name = \"Gala\"\n").unwrap();
    let (success, _, err) = eticket(&db, &["register-event", "--file", toml.to_str().unwrap()]);
    assert!(!success);
    assert!(err.contains("--event"), "{err}");
    let reg = ok(&db, &["register-event", "--file", file.to_str().unwrap()]);
    assert!(reg.contains("\"tickets\": 130"), "{reg}");
    ok(
        &db,
        &[
            "select-distributor",
            "--event",
            "2026",
            "--distributor",
            "1",
            "--policy",
            r#"{"kind":"lottery"}"#,
        ],
    );
    let sel = dir.path().join("sel.json");
    std::fs::write(&sel, r#"{"distributor": 1, "seats": [{"block": 2}]}"#).unwrap();
    let allot = ok(
        &db,
        &[
            "allot-seats",
            "--event",
            "2026",
            "--file",
            sel.to_str().unwrap(),
        ],
    );
    assert!(allot.contains("40"), "{allot}");
    let stats = ok(&db, &["stats", "--event", "2026"]);
    assert!(stats.contains("available"));
    let keys = ok(&db, &["export-key-set"]);
    assert!(keys.contains("root_public_key"));
    let list = ok(&db, &["export-revocations", "--event", "2026"]);
    assert!(list.contains("\"version\": 0"));
    // Errors say what and carry the stable code; a ticket nobody bought cannot be issued.
    let (success, _, err) = eticket(&db, &["issue", "--event", "2026", "--serial", "1"]);
    assert!(!success);
    assert!(err.contains("[not_issued]"), "{err}");
    let (success, _, err) = eticket(&db, &["register-event", "--file", "/nonexistent.json"]);
    assert!(!success && err.contains("/nonexistent.json"), "{err}");
}

#[test]
fn key_rotation_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    ok(&db, &["init"]);
    let keys = ok(&db, &["keys"]);
    assert!(keys.starts_with("key set version 1"), "{keys}");
    assert!(
        !keys.contains("tickets"),
        "a center with no event has no ticket key: {keys}"
    );
    // Registering an event makes its own ticket key, scoped to it.
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/data/spring_concert.toml");
    let reg: serde_json::Value =
        serde_json::from_str(&ok(&db, &["register-event", "--event", example])).unwrap();
    let first = reg["ticket_key"].as_u64().unwrap();
    let keys = ok(&db, &["keys"]);
    assert!(keys.starts_with("key set version 2"), "{keys}");
    assert!(
        keys.contains(&format!("{first:>5}  tickets   signing")) && keys.contains("event E2027"),
        "{keys}"
    );
    // Ticket keys rotate per event; the command says so when --event is missing.
    let (success, _, err) = eticket(&db, &["rotate-key", "--purpose", "tickets"]);
    assert!(!success && err.contains("--event N"), "{err}");
    let (success, _, err) = eticket(
        &db,
        &["rotate-key", "--purpose", "lists", "--event", "2027"],
    );
    assert!(!success && err.contains("--purpose tickets"), "{err}");
    let rotated = ok(
        &db,
        &["rotate-key", "--purpose", "tickets", "--event", "2027"],
    );
    let change: serde_json::Value = serde_json::from_str(&rotated).unwrap();
    assert_eq!(change["previous"], first);
    assert_eq!(change["event"], 2027);
    assert_eq!(change["key_set_version"], 3);
    let new_id = change["key"].as_u64().unwrap();
    let keys = ok(&db, &["keys"]);
    assert!(
        keys.contains(&format!("{first:>5}  tickets   verifying")),
        "{keys}"
    );
    assert!(
        keys.contains(&format!("{new_id:>5}  tickets   signing")),
        "{keys}"
    );
    let (success, _, err) = eticket(&db, &["retire-key", "--id", &new_id.to_string()]);
    assert!(
        !success && err.contains("signs tickets for event E2027 now; rotate it first"),
        "{err}"
    );
    ok(&db, &["retire-key", "--id", &first.to_string()]);
    let keys = ok(&db, &["keys"]);
    assert!(keys.starts_with("key set version 4"), "{keys}");
    assert!(
        keys.contains(&format!("{first:>5}  tickets   retired")),
        "{keys}"
    );
    let exported: serde_json::Value = serde_json::from_str(&ok(&db, &["export-key-set"])).unwrap();
    assert_eq!(exported["version"], 4);
    // A grant key prepared ahead, then rotated to.
    let prepared: serde_json::Value =
        serde_json::from_str(&ok(&db, &["prepare-grant-key"])).unwrap();
    let prepared_id = prepared["key"].as_u64().unwrap();
    let keys = ok(&db, &["keys"]);
    assert!(
        keys.contains(&format!("{prepared_id:>5}  grants    prepared")),
        "{keys}"
    );
    let (success, _, err) = eticket(&db, &["prepare-grant-key"]);
    assert!(!success && err.contains("prepared already"), "{err}");
    let rotated: serde_json::Value =
        serde_json::from_str(&ok(&db, &["rotate-key", "--purpose", "grants"])).unwrap();
    assert_eq!(rotated["key"], prepared_id);
    let keys = ok(&db, &["keys"]);
    assert!(
        keys.contains(&format!("{prepared_id:>5}  grants    signing")),
        "{keys}"
    );
}

#[test]
fn events_from_a_venue_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/data/spring_concert.toml");
    let summary = ok(&db, &["register-event", "--event", example, "--dry-run"]);
    assert!(
        summary.contains("event E2027 \"Spring Concert 2027\" at Small Hall")
            && summary.contains("doors 2027-05-01T17:30:00Z")
            // Counts in words that fit them: "1 standing area", not "1 areas".
            && !summary.contains(" 1 areas")
            && summary.contains(" standing area"),
        "{summary}"
    );
    // A dry run reads the files only: it opens and makes no ledger.
    assert!(!db.exists(), "a dry run made {}", db.display());
    let json = ok(
        &db,
        &["register-event", "--event", example, "--dry-run", "--json"],
    );
    let body: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(body["info"]["id"], 2027, "{json}");
    assert_eq!(body["prices"]["1"], 8900, "{json}");
    assert!(!db.exists());
    // Only `init` makes a ledger: a mistyped path is named, not made.
    let (success, _, err) = eticket(&db, &["register-event", "--event", example]);
    assert!(!success && err.contains("there is no ledger at"), "{err}");
    assert!(!db.exists());
    ok(&db, &["init"]);
    let reg = ok(&db, &["register-event", "--event", example]);
    let reg: serde_json::Value = serde_json::from_str(&reg).unwrap();
    let (_, out, _) = eticket(&db, &["stats", "--event", "2027"]);
    assert!(out.contains("available"), "{out}");
    assert!(reg["tickets"].as_u64().unwrap() > 100, "{reg}");

    // A block no gate leads to, a local time, a bad seat map: clear errors.
    let venue = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../eticket-alloc/data/small_hall.toml"
    );
    let text = std::fs::read_to_string(example)
        .unwrap()
        .replace("../../eticket-alloc/data/small_hall.toml", venue);
    let write = |name: &str, body: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    let no_gate = write("no_gate.toml", text.replace("blocks = [2]", "blocks = []"));
    let (success, _, err) = eticket(
        &db,
        &["register-event", "--event", no_gate.to_str().unwrap()],
    );
    assert!(
        !success && err.contains("block 2 (Balcony) of the seat map is in no gate"),
        "{err}"
    );
    let local = write("local.toml", text.replace("21:00:00+02:00", "21:00:00"));
    let (success, _, err) = eticket(&db, &["register-event", "--event", local.to_str().unwrap()]);
    assert!(!success && err.contains("offset"), "{err}");
    // A time zone the database does not know: screens could not show it.
    let zone = write(
        "zone.toml",
        text.replace(
            "time_zone = \"Europe/Berlin\"",
            "time_zone = \"Europe/Atlantis\"",
        ),
    );
    let (success, _, err) = eticket(&db, &["register-event", "--event", zone.to_str().unwrap()]);
    assert!(!success && err.contains("time_zone"), "{err}");
    let bad_map = write("hall.toml", "name = \"Hall\"\nfocus = { x = 0, y = 0 }\n[[blocks]]\nid = 1\nname = \"A\"\nlegend = { a = 1 }\nrows = [\"ax\"]\n".into());
    let with_bad_map = write(
        "bad_map.toml",
        text.replace(venue, bad_map.to_str().unwrap()),
    );
    let (success, _, err) = eticket(
        &db,
        &["register-event", "--event", with_bad_map.to_str().unwrap()],
    );
    assert!(
        !success && err.contains("hall.toml") && err.contains("line"),
        "{err}"
    );
}

/// Keys at rest from the command line: the default KEK and root key file
/// beside the ledger (0600, the KEK announced once), a wrong KEK refused,
/// a KEK from the environment, the root rolled over, and an offline-root
/// center publishing the key set signed with the root key file.
#[test]
fn keys_at_rest_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let (success, out, err) = eticket(&db, &["init"]);
    assert!(success, "{err}");
    assert!(out.contains("root key K100"), "{out}");
    assert!(err.contains("c.sqlite.kek"), "{err}");
    let (kek, root) = (
        dir.path().join("c.sqlite.kek"),
        dir.path().join("c.sqlite.root"),
    );
    #[cfg(unix)]
    for f in [&db, &kek, &root] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    // Said once: the second run finds the file.
    let (_, _, err) = eticket(&db, &["keys"]);
    assert!(!err.contains("key-encryption key"), "{err}");

    // Another KEK: refused with a clear error.
    let wrong = "11".repeat(32);
    let (success, _, err) = eticket_env(&db, &["keys"], &[("ETICKET_KEK", &wrong)]);
    assert!(!success);
    assert!(err.contains("[wrong_kek]"), "{err}");
    assert!(
        err.contains("the key-encryption key does not open the center keys"),
        "{err}"
    );
    // The same KEK from the environment (its text) opens them; both at once is refused.
    let text = std::fs::read_to_string(&kek).unwrap();
    let (success, _, err) = eticket_env(&db, &["keys"], &[("ETICKET_KEK", text.trim())]);
    assert!(success, "{err}");
    let (success, _, err) = eticket_env(
        &db,
        &["keys"],
        &[
            ("ETICKET_KEK", text.trim()),
            ("ETICKET_KEK_FILE", kek.to_str().unwrap()),
        ],
    );
    assert!(!success && err.contains("not both"), "{err}");

    // Rollover: the new root signs key sets; the statement is published.
    let change: serde_json::Value = serde_json::from_str(&ok(&db, &["rollover-root"])).unwrap();
    assert_eq!(
        (change["previous_root"].as_u64(), change["root"].as_u64()),
        (Some(100), Some(101))
    );
    let chain: serde_json::Value = serde_json::from_str(&ok(&db, &["export-rollovers"])).unwrap();
    assert_eq!(chain["current_root"], 101);
    assert_eq!(chain["rollovers"][0]["signed"], change["rollover"]);
    let ks: serde_json::Value = serde_json::from_str(&ok(&db, &["export-key-set"])).unwrap();
    assert_eq!(ks["root_key_id"], 101);
    assert!(ok(&db, &["keys"]).contains("  101  root      signs key sets"));

    // Offline root: the rollover stored the new root's first set signed, so
    // an offline center publishes it at once.
    let first: serde_json::Value =
        serde_json::from_str(&ok(&db, &["--offline-root", "export-key-set"])).unwrap();
    assert_eq!(
        (first["root_key_id"].as_u64(), first["version"].as_u64()),
        (Some(101), change["key_set_version"].as_u64())
    );
    // A key change after it: the offline center keeps publishing the signed
    // set and every command warns until the operator signs again.
    ok(&db, &["rotate-key", "--purpose", "lists"]);
    let (success, out, err) = eticket(&db, &["--offline-root", "export-key-set"]);
    assert!(success, "{err}");
    let stale: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stale["version"], first["version"]);
    assert!(
        err.contains("warning: key set version")
            && err.contains("is not signed yet")
            && err.contains("eticket sign-key-set"),
        "{err}"
    );
    // The root key file moves away from the serving center.
    let away = dir.path().join("root.away");
    std::fs::rename(&root, &away).unwrap();
    let signed: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &["--root-key-file", away.to_str().unwrap(), "sign-key-set"],
    ))
    .unwrap();
    let published: serde_json::Value =
        serde_json::from_str(&ok(&db, &["--offline-root", "export-key-set"])).unwrap();
    assert_eq!(published, signed);
    let (success, out, err) = eticket(&db, &["--offline-root", "keys"]);
    assert!(success && out.contains("offline"), "{err}");
    assert!(!err.contains("warning"), "signed: no warning: {err}");
    // Without it and not offline: a clear error naming the file.
    let (success, _, err) = eticket(&db, &["keys"]);
    assert!(
        !success && err.contains("[key_storage]") && err.contains("c.sqlite.root"),
        "{err}"
    );
}

/// `eticket keys | head -1`: the reader closes the pipe after the first
/// line; the command ends quietly instead of panicking on the broken pipe.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("center.sqlite");
    ok(&db, &["init"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_eticket"))
        .arg("--database")
        .arg(&db)
        .arg("keys")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the command writes.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?} {stderr}", out.status);
}

/// The air-gapped signing step: the serving ledger makes a request, a
/// machine with only the root key file and its KEK signs it (no ledger is
/// opened or made there), the ledger imports it and publishes it; a stale
/// request or a foreign signature is refused.
#[test]
fn key_sets_are_signed_where_only_the_root_is() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    ok(&db, &["init"]);
    // The root key file (and a copy of the KEK it is sealed under) go to the
    // signing machine; the serving center runs with the root offline.
    let airgap = dir.path().join("airgap");
    std::fs::create_dir(&airgap).unwrap();
    let (root, kek) = (airgap.join("root"), airgap.join("kek"));
    std::fs::rename(dir.path().join("c.sqlite.root"), &root).unwrap();
    std::fs::copy(dir.path().join("c.sqlite.kek"), &kek).unwrap();
    let offline = |args: &[&str]| {
        let mut all = vec!["--offline-root"];
        all.extend_from_slice(args);
        ok(&db, &all)
    };
    offline(&["rotate-key", "--purpose", "lists"]);
    let request = dir.path().join("request.json");
    std::fs::write(&request, offline(&["key-set-request"])).unwrap();

    let nowhere = airgap.join("no-ledger.sqlite");
    let sign = |extra: &[&str]| {
        let mut args = vec!["--root-key-file", root.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["sign-key-set", "--request", request.to_str().unwrap()]);
        eticket(&nowhere, &args)
    };
    // The sealed root needs its KEK, given explicitly.
    let (success, _, err) = sign(&[]);
    assert!(!success && err.contains("--kek-file"), "{err}");
    let (success, signed, err) = sign(&["--kek-file", kek.to_str().unwrap()]);
    assert!(success, "{err}");
    assert!(err.contains("import-key-set"), "{err}");
    // The signer lists what it signed, with each key's fingerprint as
    // `eticket keys` shows it on the serving side, for the operator to
    // compare.
    let listed = offline(&["keys"]);
    let fingerprints: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split("  key ").nth(1))
        .collect();
    assert!(!fingerprints.is_empty(), "{listed}");
    for fp in fingerprints {
        assert!(err.contains(fp), "{fp} not in: {err}");
    }
    assert!(!nowhere.exists(), "the signing step opened no ledger");
    let signed_file = dir.path().join("signed.json");
    std::fs::write(&signed_file, &signed).unwrap();

    let (success, _, err) = eticket(&db, &["--offline-root", "export-key-set"]);
    assert!(
        !success && err.contains("[root_offline]"),
        "none signed yet: {err}"
    );
    let (success, _, err) = eticket(
        &db,
        &[
            "--offline-root",
            "import-key-set",
            signed_file.to_str().unwrap(),
        ],
    );
    assert!(success, "{err}");
    let published: serde_json::Value = serde_json::from_str(&offline(&["export-key-set"])).unwrap();
    let signed: serde_json::Value = serde_json::from_str(&signed).unwrap();
    assert_eq!(published, signed);
    let asked: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&request).unwrap()).unwrap();
    assert_eq!(published["version"], asked["version"]);

    // Signed again later (a renewal of the same version): taken. The older
    // signature imported again afterwards is refused, so a replayed file
    // cannot wind back the next_update gates hold.
    let first = dir.path().join("signed-first.json");
    std::fs::copy(&signed_file, &first).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (success, renewal, err) = sign(&["--kek-file", kek.to_str().unwrap()]);
    assert!(success, "{err}");
    std::fs::write(&signed_file, &renewal).unwrap();
    let import = |file: &std::path::Path| {
        eticket(
            &db,
            &["--offline-root", "import-key-set", file.to_str().unwrap()],
        )
    };
    let (success, _, err) = import(&signed_file);
    assert!(success, "{err}");
    let (success, _, err) = import(&first);
    assert!(!success && err.contains("is not later"), "{err}");
    // The same file again changes nothing and is not an error.
    let (success, _, err) = import(&signed_file);
    assert!(success, "{err}");

    // A key change after the request: the signed set no longer matches.
    offline(&["rotate-key", "--purpose", "lists"]);
    let (success, _, err) = eticket(
        &db,
        &[
            "--offline-root",
            "import-key-set",
            signed_file.to_str().unwrap(),
        ],
    );
    assert!(!success && err.contains("make a new request"), "{err}");
    // Signed by another root: refused.
    let other = dir.path().join("other.sqlite");
    ok(&other, &["init"]);
    std::fs::write(&request, ok(&other, &["key-set-request"])).unwrap();
    let (success, _, err) = sign(&["--kek-file", kek.to_str().unwrap()]);
    assert!(!success, "another ledger's root is not in this file: {err}");
    let foreign = ok(&other, &["sign-key-set"]);
    std::fs::write(&signed_file, foreign).unwrap();
    let (success, _, err) = eticket(
        &db,
        &[
            "--offline-root",
            "import-key-set",
            signed_file.to_str().unwrap(),
        ],
    );
    assert!(!success && err.contains("does not verify"), "{err}");
}

/// Splitting seats by weight and seat holds from the command line: a box
/// office holds best-available seats for a buyer, buys one hold, releases
/// another; the hold's token drives both.
#[test]
fn split_and_hold_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    ok(&db, &["init"]);
    for d in ["1", "2"] {
        ok(&db, &["add-distributor", "--id", d, "--name", "Shop"]);
    }
    let file = dir.path().join("event.json");
    std::fs::write(
        &file,
        serde_json::to_vec(
            &serde_json::json!({"info": fixtures::small_event(), "prices": fixtures::prices()}),
        )
        .unwrap(),
    )
    .unwrap();
    ok(&db, &["register-event", "--file", file.to_str().unwrap()]);
    for d in ["1", "2"] {
        let (success, _, err) = eticket(
            &db,
            &["select-distributor", "--event", "2026", "--distributor", d],
        );
        assert!(success, "{err}");
        assert!(
            err.contains(&format!("distributor {d} selected for event 2026")),
            "{err}"
        );
    }
    let split = dir.path().join("split.json");
    std::fs::write(
        &split,
        r#"{"seats": ["all"], "shares": [{"distributor": 1, "weight": 1}, {"distributor": 2, "weight": 1}]}"#,
    )
    .unwrap();
    let done: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "split-seats",
            "--event",
            "2026",
            "--file",
            split.to_str().unwrap(),
        ],
    ))
    .unwrap();
    assert_eq!(done["split"], 130, "{done}");
    assert_eq!(done["summary"]["unallotted"], 0, "{done}");

    let hold = |buyer: &str| -> serde_json::Value {
        let (success, out, err) = eticket(
            &db,
            &[
                "hold",
                "--event",
                "2026",
                "--distributor",
                "1",
                "--quantity",
                "2",
                "--seat-type",
                "1",
                "--buyer",
                buyer,
            ],
        );
        assert!(success, "{err}");
        // The line says every option confirm-hold needs, and when as a date.
        assert!(
            err.contains("confirm-hold --event 2026 --distributor 1 --token"),
            "{err}"
        );
        assert!(err.contains("held until 20"), "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let first = hold("alice");
    assert_eq!(first["serials"].as_array().unwrap().len(), 2, "{first}");
    let stats = ok(&db, &["stats", "--event", "2026"]);
    assert!(stats.contains("\"held\""), "{stats}");
    let sale: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "confirm-hold",
            "--event",
            "2026",
            "--distributor",
            "1",
            "--token",
            first["token"].as_str().unwrap(),
            "--holder",
            "paper",
        ],
    ))
    .unwrap();
    assert_eq!(sale["records"].as_array().unwrap().len(), 2, "{sale}");
    let second = hold("bob");
    let token = second["token"].as_str().unwrap();
    let release = [
        "release-hold",
        "--event",
        "2026",
        "--distributor",
        "1",
        "--token",
        token,
    ];
    ok(&db, &release);
    // Gone: a second release says so; another distributor's token is not its own.
    let (success, _, err) = eticket(&db, &release);
    assert!(!success, "{err}");
    let (success, _, err) = eticket(
        &db,
        &[
            "confirm-hold",
            "--event",
            "2026",
            "--distributor",
            "2",
            "--token",
            token,
            "--holder",
            "paper",
        ],
    );
    assert!(!success, "{err}");
    let (success, _, err) = eticket(&db, &["expire-holds"]);
    assert!(success && err.contains("back on sale"), "{err}");
    // Neither --quantity nor --serials: clap says what is missing.
    let (success, _, err) = eticket(
        &db,
        &[
            "hold",
            "--event",
            "2026",
            "--distributor",
            "1",
            "--buyer",
            "x",
        ],
    );
    assert!(!success && err.contains("--quantity"), "{err}");
}

#[test]
fn credential_life_cycle_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    ok(&db, &["init"]);
    ok(&db, &["add-distributor", "--id", "1", "--name", "Shop"]);
    // A terminal serves named distributors: without one it is refused.
    let (success, _, err) = eticket(&db, &["credential", "--role", "terminal", "--id", "3"]);
    assert!(!success);
    assert!(err.contains("--distributor"), "{err}");
    let terminal = ok(
        &db,
        &[
            "credential",
            "--role",
            "terminal",
            "--id",
            "3",
            "--distributor",
            "1",
            "--label",
            "till 3",
        ],
    );
    assert!(terminal.trim().starts_with("terminal_"));
    // Listing shows ids and distributors, never the token.
    let list = ok(&db, &["credentials"]);
    let listed: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(listed[0]["label"], "till 3");
    assert_eq!(listed[0]["distributors"], serde_json::json!([1]));
    assert_eq!(listed[0]["state"], "active");
    assert!(!list.contains(terminal.trim().split_once('_').unwrap().1));
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    // Rotation prints the new token; revocation ends the new one.
    let (success, fresh, err) = eticket(&db, &["rotate-credential", &id, "--grace-secs", "0"]);
    assert!(success, "{err}");
    assert!(fresh.trim().starts_with("terminal_") && fresh != terminal);
    assert!(err.contains("replaces"), "{err}");
    let listed: serde_json::Value = serde_json::from_str(&ok(&db, &["credentials"])).unwrap();
    let new_id = listed[1]["id"].as_str().unwrap().to_owned();
    let (success, _, err) = eticket(&db, &["revoke-credential", &new_id]);
    assert!(success && err.contains("revoked"), "{err}");
    let listed: serde_json::Value = serde_json::from_str(&ok(&db, &["credentials"])).unwrap();
    assert_eq!(listed[1]["state"], "revoked");
    // A terminal may serve more distributors without a new token.
    ok(&db, &["add-distributor", "--id", "2", "--name", "Club"]);
    let served = ok(
        &db,
        &[
            "terminal-distributors",
            "--terminal",
            "3",
            "--distributor",
            "2",
        ],
    );
    let served: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert_eq!(served, serde_json::json!([1, 2]));
    // An unknown id is a clear error.
    let (success, _, err) = eticket(&db, &["revoke-credential", "00000000000000zz"]);
    assert!(!success && err.contains("no credential"), "{err}");
}

/// A ledger whose keys are sealed, opened without its key-encryption key
/// file: a clear error naming the missing file, and no new, useless key file
/// made in its place.
#[test]
fn a_missing_kek_file_is_named_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    ok(&db, &["init"]);
    let kek = dir.path().join("c.sqlite.kek");
    std::fs::rename(&kek, dir.path().join("kek.bak")).unwrap();
    let (success, _, err) = eticket(&db, &["keys"]);
    assert!(!success, "{err}");
    assert!(err.contains("c.sqlite.kek is missing"), "{err}");
    assert!(!kek.exists(), "a new key file was made");
    // Restored, it works again.
    std::fs::rename(dir.path().join("kek.bak"), &kek).unwrap();
    ok(&db, &["keys"]);
}

/// `cancel-event` killed with SIGKILL after its first batch leaves the event
/// cancelled and part done; run again, it finishes with one refund record
/// per sold ticket, and again it changes nothing.
#[test]
fn a_killed_cancel_event_finishes_when_run_again() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    ok(&db, &["init"]);
    ok(&db, &["add-distributor", "--id", "1", "--name", "Shop"]);
    let file = dir.path().join("event.json");
    std::fs::write(&file, {
        // 20,000 standing places: with a batch of one ticket the
        // cancellation cannot finish before the kill arrives.
        let mut event =
            serde_json::json!({"info": fixtures::small_event(), "prices": fixtures::prices()});
        event["info"]["seats"]["areas"][0]["capacity"] = 20_000.into();
        serde_json::to_vec(&event).unwrap()
    })
    .unwrap();
    ok(&db, &["register-event", "--file", file.to_str().unwrap()]);
    ok(
        &db,
        &[
            "select-distributor",
            "--event",
            "2026",
            "--distributor",
            "1",
        ],
    );
    let split = dir.path().join("split.json");
    std::fs::write(
        &split,
        r#"{"seats": ["all"], "shares": [{"distributor": 1, "weight": 1}]}"#,
    )
    .unwrap();
    ok(
        &db,
        &[
            "split-seats",
            "--event",
            "2026",
            "--file",
            split.to_str().unwrap(),
        ],
    );
    let mut sold = 0;
    for buyer in ["a", "b", "c"] {
        let hold: serde_json::Value = serde_json::from_str(&ok(
            &db,
            &[
                "hold",
                "--event",
                "2026",
                "--distributor",
                "1",
                "--quantity",
                "2",
                "--buyer",
                buyer,
            ],
        ))
        .unwrap();
        ok(
            &db,
            &[
                "confirm-hold",
                "--event",
                "2026",
                "--distributor",
                "1",
                "--token",
                hold["token"].as_str().unwrap(),
                "--holder",
                "paper",
            ],
        );
        sold += 2;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_eticket"))
        .env_remove("ETICKET_KEK")
        .env_remove("ETICKET_KEK_FILE")
        .env_remove("ETICKET_ROOT_KEY_FILE")
        .arg("--database")
        .arg(&db)
        .args(["cancel-event", "--event", "2026", "--batch", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("cancel-event E2026: "), "{first}");
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    let stats = ok(&db, &["stats", "--event", "2026"]);
    assert!(
        stats.contains("\"revoked\"") && stats.contains("\"available\""),
        "killed part way: {stats}"
    );
    // Cancelled from the first batch on: nothing more is sold.
    let (success, _, err) = eticket(
        &db,
        &[
            "hold",
            "--event",
            "2026",
            "--distributor",
            "1",
            "--quantity",
            "1",
            "--buyer",
            "z",
        ],
    );
    assert!(!success && err.contains("was cancelled"), "{err}");
    let (success, out, err) = eticket(&db, &["cancel-event", "--event", "2026"]);
    assert!(success, "{err}");
    let done: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(done["refunds"], sold, "{done}");
    let stats = ok(&db, &["stats", "--event", "2026"]);
    assert!(
        stats.contains("\"revoked\"") && !stats.contains("\"available\""),
        "{stats}"
    );
    let refunds: serde_json::Value =
        serde_json::from_str(&ok(&db, &["refunds", "--event", "2026"])).unwrap();
    assert_eq!(refunds["refunds"].as_array().unwrap().len(), sold);
    let again: serde_json::Value =
        serde_json::from_str(&ok(&db, &["cancel-event", "--event", "2026"])).unwrap();
    assert_eq!(again, done, "the same answer once complete");
    assert_eq!(done["complete"], true);
}

/// A ledger whose root is offline, with the root key file and its KEK on
/// an air-gapped machine (`airgap/root`, `airgap/kek`), and a closure that
/// runs `eticket --offline-root …` on the serving side.
struct OfflineRoot {
    dir: tempfile::TempDir,
    db: std::path::PathBuf,
    root: std::path::PathBuf,
    kek: std::path::PathBuf,
}

impl OfflineRoot {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.sqlite");
        ok(&db, &["init"]);
        let airgap = dir.path().join("airgap");
        std::fs::create_dir(&airgap).unwrap();
        let (root, kek) = (airgap.join("root"), airgap.join("kek"));
        std::fs::rename(dir.path().join("c.sqlite.root"), &root).unwrap();
        std::fs::copy(dir.path().join("c.sqlite.kek"), &kek).unwrap();
        Self { dir, db, root, kek }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// `eticket --offline-root ARGS` on the serving side.
    fn serving(&self, args: &[&str]) -> (bool, String, String) {
        let mut all = vec!["--offline-root"];
        all.extend_from_slice(args);
        eticket(&self.db, &all)
    }

    fn serving_ok(&self, args: &[&str]) -> String {
        let (success, out, err) = self.serving(args);
        assert!(success, "eticket --offline-root {args:?}: {err}");
        out
    }

    /// The current key set request, written to `name`.
    fn request(&self, name: &str) -> std::path::PathBuf {
        let path = self.path(name);
        std::fs::write(&path, self.serving_ok(&["key-set-request"])).unwrap();
        path
    }

    /// `eticket --root-key-file ROOT --kek-file KEK ARGS` on the air-gapped
    /// machine, with no ledger (the one named does not exist).
    fn airgapped(&self, root: &Path, args: &[&str]) -> (bool, String, String) {
        let nowhere = self.path("airgap/no-ledger.sqlite");
        let mut all = vec![
            "--root-key-file",
            root.to_str().unwrap(),
            "--kek-file",
            self.kek.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        let answer = eticket(&nowhere, &all);
        assert!(!nowhere.exists(), "the air-gapped step opened no ledger");
        answer
    }

    /// The offline rollover of `request` with the root key file `root`,
    /// making `new_root`; its output written to `out`.
    fn sign_rollover(
        &self,
        root: &Path,
        request: &Path,
        new_root: &Path,
        out: &str,
    ) -> (std::path::PathBuf, String) {
        let (success, signed, err) = self.airgapped(
            root,
            &[
                "rollover-root",
                "--request",
                request.to_str().unwrap(),
                "--new-root-key-file",
                new_root.to_str().unwrap(),
            ],
        );
        assert!(success, "{err}");
        let file = self.path(out);
        std::fs::write(&file, signed).unwrap();
        (file, err)
    }

    fn import_rollover(&self, file: &Path) -> (bool, String, String) {
        self.serving(&["import-rollover", file.to_str().unwrap()])
    }

    /// Sign `request` with `root` where the root is and import it.
    fn sign_and_import(&self, root: &Path, request: &Path) -> (bool, String, String) {
        let (success, signed, err) = self.airgapped(
            root,
            &["sign-key-set", "--request", request.to_str().unwrap()],
        );
        assert!(success, "{err}");
        let file = self.path("signed.json");
        std::fs::write(&file, signed).unwrap();
        self.serving(&["import-key-set", file.to_str().unwrap()])
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn hex_field(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn unix_now() -> eticket_core::time::Timestamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    eticket_core::time::Timestamp(since.as_secs())
}

/// The root rollover with the root offline, end to end: the serving side
/// exports a request, the air-gapped machine makes the new root key file
/// (0600) and signs the rollover with the old root and the key set with the
/// new one, printing what it signs with fingerprints; the serving side
/// imports it (twice: the second changes nothing), publishes the statement
/// and the new root's set, and a gate configured with the old root takes
/// both. From then on key sets are signed with the new root key file, and a
/// set the old root signed is refused, at the import and at the gate.
#[test]
fn an_offline_root_is_rolled_over_where_only_the_root_is() {
    let center = OfflineRoot::new();
    center.serving_ok(&["rotate-key", "--purpose", "lists"]);
    let request = center.request("request.json");
    let (success, _, err) = center.sign_and_import(&center.root, &request);
    assert!(success, "{err}");
    let before = json(&center.serving_ok(&["export-key-set"]));
    assert_eq!(
        (before["root_key_id"].as_u64(), before["version"].as_u64()),
        (Some(100), Some(2))
    );
    let old_signed = center.path("signed-by-old-root.json");
    std::fs::copy(center.path("signed.json"), &old_signed).unwrap();

    // A venue unit configured with the old root, holding the set it signed.
    let now = unix_now();
    let old_public =
        eticket_core::crypto::PublicKey::from_sec1(&hex_field(&before["root_public_key"])).unwrap();
    let gate_dir = tempfile::tempdir().unwrap();
    let open_gate = || {
        eticket_gate::VenueUnit::open(
            gate_dir.path().join("entries.db"),
            fixtures::small_event(),
            eticket_gate::TrustStore::new(KeyId(100), old_public.clone(), fixtures::EVENT),
            eticket_gate::PassbackPolicy::SingleEntry,
        )
        .unwrap()
    };
    let gate = open_gate();
    assert_eq!(
        gate.accept_key_set(&hex_field(&before["key_set"]), now)
            .unwrap(),
        2
    );

    // The air-gapped step: the old root key file stays as it was.
    let old_root_bytes = std::fs::read(&center.root).unwrap();
    let new_root = center.path("airgap/root.new");
    let request = center.request("request.json");
    let (file, err) = center.sign_rollover(&center.root, &request, &new_root, "rollover.json");
    assert_eq!(std::fs::read(&center.root).unwrap(), old_root_bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&new_root).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // It shows what it signs: the old and new roots' fingerprints and each
    // key of the set, as `eticket keys` lists them on the serving side.
    let fingerprint = |public: &[u8]| {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest(public)[..8])
    };
    let signed = json(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(
        (signed["previous_root"].as_u64(), signed["root"].as_u64()),
        (Some(100), Some(102))
    );
    for root in [&before["root_public_key"], &signed["root_public_key"]] {
        let fp = fingerprint(&hex_field(root));
        assert!(err.contains(&format!("(key {fp})")), "{fp} not in: {err}");
    }
    let listed = center.serving_ok(&["keys"]);
    let keys: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split("  key ").nth(1))
        .collect();
    assert_eq!(keys.len(), 4, "grants, lists, lists, root: {listed}");
    for fp in keys {
        assert!(err.contains(fp), "{fp} not in: {err}");
    }
    assert!(err.contains("import-rollover"), "{err}");
    // The new root key file is never overwritten.
    let new_root_bytes = std::fs::read(&new_root).unwrap();
    let (success, _, err) = center.airgapped(
        &center.root,
        &[
            "rollover-root",
            "--request",
            request.to_str().unwrap(),
            "--new-root-key-file",
            new_root.to_str().unwrap(),
        ],
    );
    assert!(!success && err.contains("exists already"), "{err}");
    assert_eq!(std::fs::read(&new_root).unwrap(), new_root_bytes);

    // The serving side imports it: the new root is current, the statement
    // published, the new root's set served at once, without a warning.
    let (success, out, err) = center.import_rollover(&file);
    assert!(success, "{err}");
    assert!(err.contains("replaced by root K102"), "{err}");
    assert_eq!(json(&out)["already_imported"], false);
    let chain = json(&center.serving_ok(&["export-rollovers"]));
    assert_eq!(chain["current_root"], 102);
    assert_eq!(chain["rollovers"][0]["signed"], signed["rollover"]);
    let (success, published, err) = center.serving(&["export-key-set"]);
    assert!(success && !err.contains("warning"), "{err}");
    let published = json(&published);
    assert_eq!(published, signed["key_set"]);
    assert_eq!(published["version"], 3);
    assert!(
        center
            .serving_ok(&["keys"])
            .contains("  102  root      offline")
    );
    // Imported again: nothing changes.
    let (success, out, err) = center.import_rollover(&file);
    assert!(success && err.contains("imported already"), "{err}");
    assert_eq!(json(&out)["already_imported"], true);
    assert_eq!(json(&center.serving_ok(&["export-rollovers"])), chain);

    // A gate configured with the old root takes the rollover, then the new
    // root's set; a set the old root signed it refuses from then on.
    for r in chain["rollovers"].as_array().unwrap() {
        gate.accept_root_rollover(&hex_field(&r["signed"]), now)
            .unwrap();
    }
    assert_eq!(gate.freshness(now).root_key_id, KeyId(102));
    assert_eq!(
        gate.accept_key_set(&hex_field(&published["key_set"]), now)
            .unwrap(),
        3
    );
    let by_old = json(&std::fs::read_to_string(&old_signed).unwrap());
    assert!(
        gate.accept_key_set(&hex_field(&by_old["key_set"]), now)
            .is_err()
    );
    // Restarted with the configuration that names the old root: it keeps
    // the new root and its set.
    drop(gate);
    let gate = open_gate();
    let trust = gate.freshness(now);
    assert_eq!((trust.root_key_id, trust.key_set_version), (KeyId(102), 3));

    // After it: key sets are signed with the new root key file. The old one
    // is refused on the air-gapped machine, and a set it signed at import.
    center.serving_ok(&["rotate-key", "--purpose", "lists"]);
    let request = center.request("request.json");
    let (success, _, err) = center.airgapped(
        &center.root,
        &["sign-key-set", "--request", request.to_str().unwrap()],
    );
    assert!(!success && err.contains("not root key K102"), "{err}");
    let (success, _, err) = center.serving(&["import-key-set", old_signed.to_str().unwrap()]);
    assert!(
        !success && err.contains("does not verify with the current root K102"),
        "{err}"
    );
    let (success, _, err) = center.sign_and_import(&new_root, &request);
    assert!(success, "{err}");
    let latest = json(&center.serving_ok(&["export-key-set"]));
    assert_eq!(
        (latest["root_key_id"].as_u64(), latest["version"].as_u64()),
        (Some(102), Some(4))
    );
    assert_eq!(
        gate.accept_key_set(&hex_field(&latest["key_set"]), now)
            .unwrap(),
        4
    );
}

/// What the import of an offline rollover refuses, changing nothing: a
/// statement or file altered, a rollover signed with another ledger's root,
/// one made from a request the ledger has moved past, and, after a second
/// rollover, the first one replayed. The signer refuses a root key file that
/// does not hold the request's root.
#[test]
fn an_offline_rollover_refuses_tampering_a_wrong_root_and_replays() {
    let center = OfflineRoot::new();
    let request = center.request("request.json");
    let new_root = center.path("airgap/root.new");
    let (file, _) = center.sign_rollover(&center.root, &request, &new_root, "rollover.json");
    let genuine = std::fs::read_to_string(&file).unwrap();
    let no_rollover = json(&center.serving_ok(&["export-rollovers"]));
    let refused = |text: &str, needle: &str| {
        let path = center.path("altered.json");
        std::fs::write(&path, text).unwrap();
        let (success, _, err) = center.import_rollover(&path);
        assert!(!success && err.contains(needle), "{needle:?} not in: {err}");
        assert_eq!(json(&center.serving_ok(&["export-rollovers"])), no_rollover);
    };

    // A byte of the statement flipped: its signature fails.
    let mut altered = json(&genuine);
    let mut statement = hex_field(&altered["rollover"]);
    let at = statement.len() - 1;
    statement[at] ^= 1;
    altered["rollover"] = hex::encode(statement).into();
    refused(
        &altered.to_string(),
        "does not verify with the current root K100",
    );
    // The statement swapped for one naming another new root: the key set
    // and the file no longer match it.
    let mut altered = json(&genuine);
    altered["root"] = 102.into();
    refused(&altered.to_string(), "the file was altered");
    // The key set swapped for one the new root did not sign. (Another
    // ledger, its root sealed under the same KEK.)
    let other = center.path("other.sqlite");
    let other_ok = |args: &[&str]| {
        let mut all = vec!["--kek-file", center.kek.to_str().unwrap()];
        all.extend_from_slice(args);
        ok(&other, &all)
    };
    other_ok(&["init"]);
    let mut altered = json(&genuine);
    altered["key_set"]["key_set"] = json(&other_ok(&["export-key-set"]))["key_set"].clone();
    refused(
        &altered.to_string(),
        "does not verify with the new root K101",
    );

    // Signed with another ledger's root: the signer refuses this request
    // with that root key file, and the import a rollover it made.
    let (success, _, err) = center.airgapped(
        &center.path("other.sqlite.root"),
        &[
            "rollover-root",
            "--request",
            request.to_str().unwrap(),
            "--new-root-key-file",
            center.path("airgap/never").to_str().unwrap(),
        ],
    );
    assert!(!success, "{err}");
    assert!(!center.path("airgap/never").exists());
    let foreign_request = center.path("foreign-request.json");
    std::fs::write(&foreign_request, other_ok(&["key-set-request"])).unwrap();
    let (foreign, _) = center.sign_rollover(
        &center.path("other.sqlite.root"),
        &foreign_request,
        &center.path("airgap/foreign.root"),
        "foreign.json",
    );
    refused(
        &std::fs::read_to_string(&foreign).unwrap(),
        "does not verify with the current root K100",
    );

    // A key change since the request: the rollover's set is not the
    // ledger's; make a new request and roll over again.
    center.serving_ok(&["rotate-key", "--purpose", "lists"]);
    refused(&genuine, "make a new request");
    let request = center.request("request.json");
    let (first, _) = center.sign_rollover(
        &center.root,
        &request,
        &center.path("airgap/root.2"),
        "first.json",
    );
    let (success, _, err) = center.import_rollover(&first);
    assert!(success, "{err}");

    // A second rollover, from the new root; then the first one replayed.
    let request = center.request("request.json");
    let (second, _) = center.sign_rollover(
        &center.path("airgap/root.2"),
        &request,
        &center.path("airgap/root.3"),
        "second.json",
    );
    let (success, _, err) = center.import_rollover(&second);
    assert!(success, "{err}");
    let chain = json(&center.serving_ok(&["export-rollovers"]));
    assert_eq!(chain["rollovers"].as_array().unwrap().len(), 2);
    for stale in [&first, &file] {
        let (success, _, err) = center.import_rollover(stale);
        assert!(!success && err.contains("replaced already"), "{err}");
        assert_eq!(json(&center.serving_ok(&["export-rollovers"])), chain);
    }
    // The latest one imported again is still fine.
    let (success, _, err) = center.import_rollover(&second);
    assert!(success && err.contains("imported already"), "{err}");

    // A center that holds the root key file rolls over with the root at
    // hand, not by import.
    let (success, _, err) = eticket(
        &center.db,
        &[
            "--root-key-file",
            center.path("airgap/root.3").to_str().unwrap(),
            "--kek-file",
            center.kek.to_str().unwrap(),
            "import-rollover",
            second.to_str().unwrap(),
        ],
    );
    assert!(!success && err.contains("--offline-root"), "{err}");
}

/// From an outside check: a request altered on the serving machine must
/// not get a dangerous set or rollover signed. A new root id past the
/// center's next id (which would leave the center no key ids) is refused by
/// the signer when absurd and by the import whenever it is not the next
/// id; an empty set, a key under the root's id or valid for centuries are
/// refused by the signer; a root key file readable by others is named.
#[test]
fn the_offline_signer_refuses_altered_requests() {
    let center = OfflineRoot::new();
    let request = center.request("request.json");
    let genuine = json(&std::fs::read_to_string(&request).unwrap());
    let next = genuine["next_key_id"].as_u64().unwrap();
    let altered = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = genuine.clone();
        edit(&mut v);
        let path = center.path(name);
        std::fs::write(&path, v.to_string()).unwrap();
        path
    };
    // The new root's id at the end of the id space: the signer refuses.
    let far = altered("far.json", &|v| v["next_key_id"] = 65535.into());
    let new_root = center.path("airgap/root.far");
    let (success, _, err) = center.airgapped(
        &center.root,
        &[
            "rollover-root",
            "--request",
            far.to_str().unwrap(),
            "--new-root-key-file",
            new_root.to_str().unwrap(),
        ],
    );
    assert!(!success && err.contains("the request was altered"), "{err}");
    assert!(!new_root.exists());
    // An id past the next one but within reach: signed, refused at import.
    let skip = altered("skip.json", &|v| v["next_key_id"] = (next + 5).into());
    let (file, _) = center.sign_rollover(
        &center.root,
        &skip,
        &center.path("airgap/root.skip"),
        "skip-rollover.json",
    );
    let (success, _, err) = center.import_rollover(&file);
    assert!(
        !success && err.contains(&format!("this center's next key id is K{next}")),
        "{err}"
    );
    // The genuine request still rolls over.
    let (file, _) = center.sign_rollover(
        &center.root,
        &request,
        &center.path("airgap/root.new"),
        "rollover.json",
    );
    let (success, _, err) = center.import_rollover(&file);
    assert!(success, "{err}");
    assert!(
        err.contains("compare it with what the signer printed"),
        "{err}"
    );
    let keys = center.serving_ok(&["keys"]);
    assert!(keys.contains(&format!("{next:>5}  root")), "{keys}");

    // Key sets the signer will not sign, whatever the request says.
    let request = center.request("request-2.json");
    let genuine = json(&std::fs::read_to_string(&request).unwrap());
    let set = hex_field(&genuine["key_set"]);
    let unsigned = eticket_core::keys::KeySet::from_unsigned_bytes(&set).unwrap();
    let root_id = genuine["root_key_id"].as_u64().unwrap();
    let new_root = center.path("airgap/root.new");
    let with = |keys: Vec<eticket_core::keys::KeyEntry>| {
        eticket_core::keys::KeySet::new(unsigned.version, keys).unwrap()
    };
    let sign = |set: &eticket_core::keys::KeySet, needle: &str| {
        let mut v = genuine.clone();
        v["key_set"] = hex::encode(set.to_unsigned_bytes().unwrap()).into();
        let path = center.path("bad-set.json");
        std::fs::write(&path, v.to_string()).unwrap();
        let (success, _, err) = center.airgapped(
            &new_root,
            &["sign-key-set", "--request", path.to_str().unwrap()],
        );
        assert!(!success && err.contains(needle), "{needle:?} not in: {err}");
    };
    sign(&with(vec![]), "lists no key");
    let mut keys = unsigned.entries().to_vec();
    keys[0].not_after = eticket_core::time::Timestamp(u64::MAX / 2);
    sign(&with(keys), "more than 20 years ahead");
    let mut keys = unsigned.entries().to_vec();
    keys[0].id = eticket_core::ids::KeyId(u16::try_from(root_id).unwrap());
    sign(&with(keys), "the root's own id");

    // A root key file others can read is named.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&new_root, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (success, _, err) = center.airgapped(
        &new_root,
        &["sign-key-set", "--request", request.to_str().unwrap()],
    );
    assert!(success, "{err}");
    assert!(err.contains("has mode 0644"), "{err}");
}

/// `postpone-event` killed with SIGKILL in the middle of re-issuing the
/// tickets of a 100,000-ticket event leaves every ticket with one valid
/// generation (the old or the new one); run again, it finishes, and every
/// ticket ends re-issued exactly once, for the new dates. (About a minute
/// in a debug build: `scripts/test` runs it in its default-features pass
/// only, not again with `--no-default-features` or `--all-features`.)
#[test]
#[cfg(all(feature = "fast-sign", not(feature = "fast")))]
fn a_killed_postpone_event_finishes_when_run_again() {
    use std::io::BufRead;

    use eticket_center::distributor::{SaleRequest, SeatChoice};
    use eticket_center::organizer::EventRegistration;
    use eticket_center::policy::DistributionPolicy;
    use eticket_center::{Center, Principal};
    use eticket_core::allotment::{AllotmentRatios, RatioShare};
    use eticket_core::ids::{DistributorId, EventId, TicketSerial};
    use eticket_core::ticket::Holder;

    const TICKETS: u32 = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let event = EventId(2026);
    let shop = DistributorId(1);
    {
        // Set up through the library on the same file and keys the command
        // line opens: 100,000 standing places, all sold and issued on paper.
        let center = Center::open_sqlite(&db).unwrap();
        let mut info = fixtures::small_event();
        info.seats.areas[0].capacity = TICKETS - 80;
        center
            .register_distributor(&Principal::Operator, "d1", shop, "Shop")
            .unwrap();
        let reg = EventRegistration {
            info,
            prices: fixtures::prices(),
            seat_map: None,
        };
        assert_eq!(
            center
                .register_event(&Principal::Organizer(1), "reg", &reg)
                .unwrap()
                .tickets,
            TICKETS
        );
        center
            .select_distributor(
                &Principal::Organizer(1),
                "sel",
                event,
                shop,
                DistributionPolicy::default(),
            )
            .unwrap();
        let shares = vec![RatioShare {
            distributor: shop,
            weight: 1,
            seat_type: None,
        }];
        center
            .set_allotment_ratios(
                &Principal::Organizer(1),
                "r",
                event,
                &AllotmentRatios { shares },
            )
            .unwrap();
        let seller = Principal::Distributor(shop);
        let per_sale = eticket_center::distributor::MAX_TICKETS_PER_SALE;
        let mut sold: Vec<TicketSerial> = Vec::new();
        while sold.len() < TICKETS as usize {
            let quantity = per_sale.min(TICKETS - sold.len() as u32);
            let sale = center
                .sell(
                    &seller,
                    &format!("sale-{}", sold.len()),
                    event,
                    &SaleRequest {
                        seats: SeatChoice::BestAvailable {
                            seat_type: None,
                            quantity,
                        },
                        holder: Holder::Paper,
                        member: None,
                    },
                )
                .unwrap();
            sold.extend(sale.records.iter().map(|r| r.serial));
        }
        for (i, chunk) in sold.chunks(eticket_center::issuance::MAX_BATCH).enumerate() {
            center
                .issue_batch(&seller, &format!("issue-{i}"), event, chunk)
                .unwrap();
        }
    }
    // The new date: a month from now (the fixture's show is in the past).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let doors = now + 30 * 86_400;
    let file = dir.path().join("postponement.json");
    std::fs::write(
        &file,
        serde_json::json!({
            "schedule": {"doors_open": doors, "start": doors + 3600, "end": doors + 10_800},
            "refund_until": doors - 86_400,
        })
        .to_string(),
    )
    .unwrap();
    let postpone = |batch: &str| {
        Command::new(env!("CARGO_BIN_EXE_eticket"))
            .env_remove("ETICKET_KEK")
            .env_remove("ETICKET_KEK_FILE")
            .env_remove("ETICKET_ROOT_KEY_FILE")
            .arg("--database")
            .arg(&db)
            .args([
                "postpone-event",
                "--event",
                "2026",
                "--batch",
                batch,
                "--file",
            ])
            .arg(&file)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut child = postpone("200");
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    // Kill it a few batches in.
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        assert!(line.starts_with("postpone-event E2026: "), "{line}");
    }
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    let out = postpone("1000").wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&done["issued"], &done["on_new_dates"]),
        (&TICKETS.into(), &TICKETS.into()),
        "{done}"
    );
    // The second run re-issued only what the first had not.
    let progress = String::from_utf8_lossy(&out.stderr);
    let last: u64 = progress
        .lines()
        .filter_map(|l| l.rsplit(": ").next()?.split(' ').next()?.parse().ok())
        .last()
        .unwrap();
    assert!(
        last > 0 && last < u64::from(TICKETS),
        "the first run was killed part way: {progress}"
    );
    // Every ticket: exactly one valid generation, the first re-issue, for
    // the new dates; nothing re-issued twice.
    let center = Center::open_sqlite(&db).unwrap();
    let stats = center.event_stats(&Principal::Organizer(1), event).unwrap();
    assert_eq!(stats.valid_issued, TICKETS);
    let again: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "postpone-event",
            "--event",
            "2026",
            "--file",
            file.to_str().unwrap(),
        ],
    ))
    .unwrap();
    assert_eq!(again["on_new_dates"], TICKETS, "{again}");
    let revocations = center.revocation_list(&Principal::Operator, event).unwrap();
    let list = eticket_core::revocation::RevocationList::from_signed_bytes(
        &revocations.signed,
        &key_set_of(&center),
        center.now(),
    )
    .unwrap();
    assert_eq!(list.len(), TICKETS as usize, "each old generation once");
    assert!(
        list.entries().iter().all(|e| e.generation.0 == 0
            && e.reason == eticket_core::revocation::RevocationReason::Replaced)
    );
}

#[cfg(all(feature = "fast-sign", not(feature = "fast")))]
fn key_set_of(center: &eticket_center::Center) -> eticket_core::keys::KeySet {
    let signed = center
        .key_set_signed(&eticket_center::Principal::Operator)
        .unwrap();
    let root = eticket_core::crypto::PublicKey::from_sec1(&signed.root_public_key).unwrap();
    eticket_core::keys::KeySet::from_signed_bytes(&signed.key_set, signed.root_key_id, &root)
        .unwrap()
}

/// `eticket serve` on PostgreSQL starts and answers from the ledger (it
/// once aborted at start: a ledger read ran on a thread of its runtime,
/// where the blocking PostgreSQL client must not run). The ledger is a
/// fresh schema of the PostgreSQL test database (scripts/setup/40-postgres.sh).
#[test]
fn serve_on_postgres_answers() {
    use std::io::{BufRead, BufReader, Read, Write};

    let base = std::env::var("ETICKET_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://eticket:eticket@127.0.0.1:5432/eticket_test".to_owned());
    let mut raw = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    let schema = format!("t_{}", hex::encode(raw));
    let store = eticket_center::store::PostgresStore::connect(&base, Some(&schema))
        .unwrap_or_else(|e| panic!("PostgreSQL at {base} (scripts/setup/40-postgres.sh): {e}"));
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let kek = dir.path().join("kek");
    std::fs::write(&kek, hex::encode([7u8; 32])).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_eticket"));
        for var in ["ETICKET_KEK", "ETICKET_KEK_FILE", "ETICKET_ROOT_KEY_FILE"] {
            cmd.env_remove(var);
        }
        cmd.arg("--database-url")
            .arg(&url)
            .arg("--kek-file")
            .arg(&kek)
            .arg("--root-key-file")
            .arg(dir.path().join("root"))
            .args(args);
        cmd
    };
    let out = run(&["init"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["credential", "--role", "gate", "--id", "2026"])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let mut child = run(&["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .map(str::to_owned);
    let answer = addr.map(|addr| {
        let mut conn = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            conn,
            "GET /v1/keyset HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        answer
    });
    let _ = child.kill();
    let _ = child.wait();
    store.drop_schema().unwrap();
    let answer = answer.unwrap_or_else(|| panic!("eticket serve said {line:?}"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
