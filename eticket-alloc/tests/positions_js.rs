//! The JavaScript of docs/alloc/seatmap-format.md ("Seat positions"), run
//! with node over the JSON form of the sample venues, computes the positions
//! `seat_positions` computes: what the browser page needs to draw the
//! venue from the parameters. Fails (never skips) when node is missing
//! (scripts/setup/60-browser.sh installs it).

use std::io::Write as _;
use std::process::{Command, Stdio};

use eticket_alloc::SeatMap;
use eticket_alloc::venues::{arena, small_hall, stadium_bowl};

fn doc_js() -> String {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/alloc/seatmap-format.md"),
    )
    .unwrap();
    let start = doc
        .find("```js\n")
        .expect("a js block in seatmap-format.md")
        + 6;
    let end = start + doc[start..].find("```").unwrap();
    doc[start..end].to_string()
}

fn node_positions(map: &SeatMap) -> Vec<[f64; 3]> {
    let script = format!(
        "{}\nconst map = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n\
         process.stdout.write(JSON.stringify(seatPositions(map).map((p) => [p.x, p.y, p.angle])));\n",
        doc_js()
    );
    let mut child = Command::new("node")
        .arg("-e")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node (scripts/setup/60-browser.sh installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(map.to_json().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn javascript_of_the_docs_computes_the_same_positions() {
    let maps = [
        small_hall().unwrap(),
        eticket_alloc::stadium::small_hall().unwrap(),
        SeatMap::from_toml(&arena().unwrap().seat_map).unwrap(),
        SeatMap::from_toml(&stadium_bowl().unwrap().seat_map).unwrap(),
    ];
    for map in &maps {
        let js = node_positions(map);
        assert_eq!(js.len(), map.len());
        let mut worst = 0f64;
        for (p, q) in map.positions().iter().zip(&js) {
            worst = worst
                .max((p.x - q[0]).abs())
                .max((p.y - q[1]).abs())
                .max((p.angle - q[2]).abs());
        }
        assert!(worst < 1e-9, "{}: differs by {worst}", map.name());
    }
}
