//! dataprep-text throughput (plain timing, `harness = false`; see docs/performance.md).
//!
//! `cargo bench -p dataprep-text --bench text`

use std::hint::black_box;
use std::time::Instant;

use dataprep_core::{Context, Pipeline, Record, Stage, VecDataset};
use dataprep_text::html::{HtmlConfig, extract};
use dataprep_text::langid;
use dataprep_text::normalize::{self, NormalizeConfig, UnicodeForm};
use dataprep_text::tokenize::{EncodeConfig, EncodeStage, ModelKind, TextTokenizer, TrainConfig};

const LABELLED: &str = include_str!("../tests/data/langid_labelled.tsv");

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let rows: Vec<(&str, &str)> = LABELLED
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let lines: Vec<String> = (0..100_000)
        .map(|i| {
            format!(
                "{} ｆｕｌｌｗｉｄｔｈ ﬁ ① café {i}\n",
                rows[i % rows.len()].1
            )
        })
        .collect();
    let corpus: String = lines.concat();
    let mb = corpus.len() as f64 / 1e6;

    let s = best_of(5, || normalize::unicode(&corpus, UnicodeForm::Nfkc).len());
    println!(
        "NFKC whole text: {mb:.1} MB in {:.1} ms = {:.0} MB/s",
        s * 1e3,
        mb / s
    );
    let s = best_of(3, || {
        lines
            .iter()
            .map(|l| normalize::unicode(l, UnicodeForm::Nfkc).len())
            .sum::<usize>()
    });
    println!("NFKC per line: {:.0} MB/s", mb / s);
    let clean: String = rows
        .iter()
        .map(|r| r.1)
        .collect::<Vec<_>>()
        .join("\n")
        .repeat(2000);
    let cmb = clean.len() as f64 / 1e6;
    let s = best_of(3, || {
        normalize::normalize(&clean, &NormalizeConfig::default()).len()
    });
    println!("normalize(default) on clean text: {:.0} MB/s", cmb / s);
    let s = best_of(3, || {
        normalize::normalize(&corpus, &NormalizeConfig::ftfy()).len()
    });
    println!(
        "normalize(ftfy preset) on the NFKC corpus: {:.0} MB/s",
        mb / s
    );

    let reps = 200;
    let mut ok = 0;
    let s = best_of(1, || {
        for _ in 0..reps {
            ok = rows
                .iter()
                .filter(|(lab, text)| langid::detect(text).is_some_and(|d| d.language == *lab))
                .count();
        }
    });
    println!(
        "langid (whatlang): accuracy {ok}/{}, {:.0} docs/s",
        rows.len(),
        (reps * rows.len()) as f64 / s
    );

    // `cargo bench -p dataprep-text --bench text --features lingua`
    #[cfg(feature = "lingua")]
    {
        // Load the models outside the timing, as the Python side does with preloading.
        let _ = langid::detect_lingua("warm-up");
        let reps = 20;
        let mut ok = 0;
        let s = best_of(3, || {
            for _ in 0..reps {
                ok = rows
                    .iter()
                    .filter(|(lab, text)| {
                        langid::detect_lingua(text).is_some_and(|d| d.language == *lab)
                    })
                    .count();
            }
        });
        println!(
            "langid (lingua, 12 languages): accuracy {ok}/{}, {:.0} docs/s",
            rows.len(),
            (reps * rows.len()) as f64 / s
        );
    }

    let docs: Vec<&str> = lines.iter().map(String::as_str).take(20_000).collect();
    let tok = TextTokenizer::train(
        &TrainConfig::new(ModelKind::Bpe, 2000),
        docs.iter().copied(),
    )
    .unwrap();
    assert!(tok.is_fast_path());
    let general = tok.clone().with_fast_path(false);
    let direct = || {
        tok.inner()
            .encode_batch_fast(docs.clone(), false)
            .unwrap()
            .len()
    };
    // Interleaved so that both see the same machine load.
    let mut fast = f64::INFINITY;
    let mut wrapped = f64::INFINITY;
    let mut direct_s = f64::INFINITY;
    for _ in 0..3 {
        fast = fast.min(best_of(1, || tok.encode_batch(&docs).unwrap().len()));
        direct_s = direct_s.min(best_of(1, direct));
        wrapped = wrapped.min(best_of(1, || general.encode_batch(&docs).unwrap().len()));
    }
    println!(
        "batch encoding 20k docs: fast path {:.1} ms, tokenizers direct {:.1} ms ({:.2}x); \
         general path (fast path off) {:.1} ms, overhead {:+.1}% vs direct",
        fast * 1e3,
        direct_s * 1e3,
        direct_s / fast,
        wrapped * 1e3,
        (wrapped / direct_s - 1.0) * 100.0
    );
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (f1, d1) = one_thread.install(|| {
        (
            best_of(3, || tok.encode_batch(&docs).unwrap().len()),
            best_of(3, || {
                docs.iter()
                    .map(|d| tok.inner().encode_fast(*d, false).unwrap().len())
                    .sum::<usize>()
            }),
        )
    });
    println!(
        "one thread, 20k docs: fast path {:.1} ms, tokenizers encode_fast {:.1} ms ({:.2}x)",
        f1 * 1e3,
        d1 * 1e3,
        d1 / f1
    );

    // The same job as HF `datasets.map(batched=True)` with a fast tokenizer: records in, a
    // `tokens` list field out (tools/text_bench_hf.py runs the Python side on the same lines).
    // Written to the workspace's `target/`, where tools/text_bench_hf.py (run from the
    // workspace root) reads them.
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    std::fs::create_dir_all(&out).unwrap();
    tok.save(out.join("text_bench_tokenizer.json")).unwrap();
    std::fs::write(out.join("text_bench_lines.txt"), docs.concat()).unwrap();
    let ds = VecDataset::new(
        docs.iter()
            .map(|d| Record::new().with("text", *d))
            .collect(),
    );
    let records: Vec<Record> = docs
        .iter()
        .map(|d| Record::new().with("text", *d))
        .collect();
    let stage = EncodeStage::new(EncodeConfig::default(), tok.clone());
    let cx = Context::new("tokenize", 0);
    let s = best_of(3, || {
        records
            .iter()
            .map(|r| {
                let mut r = r.clone();
                stage.process(&mut r, &cx).unwrap();
                r.len()
            })
            .sum::<usize>()
    });
    println!(
        "EncodeStage::process (fast path) one thread, 20k records: {:.1} ms",
        s * 1e3
    );
    let s = best_of(3, || Pipeline::new(&ds).run().unwrap().written);
    println!(
        "pipeline VecDataset without stages, 20k records: {:.1} ms",
        s * 1e3
    );
    for (name, t) in [("fast path", &tok), ("general path", &general)] {
        let s = best_of(3, || {
            Pipeline::new(&ds)
                .stage(EncodeStage::new(EncodeConfig::default(), t.clone()))
                .run()
                .unwrap()
                .written
        });
        println!(
            "pipeline VecDataset -> EncodeStage ({name}), 20k records: {:.1} ms, {:.0} records/s",
            s * 1e3,
            20_000.0 / s
        );
    }

    // HTML extraction quality set (tools/html_quality_gen.py): write our text of every page for
    // tools/html_quality_score.py and time the extraction.
    let qdir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/html_quality");
    if let Ok(manifest) = std::fs::read_to_string(qdir.join("manifest.json")) {
        let names: Vec<String> = serde_json::from_str::<serde_json::Value>(&manifest)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .collect();
        let pages: Vec<String> = names
            .iter()
            .map(|n| std::fs::read_to_string(qdir.join(format!("pages/{n}.html"))).unwrap())
            .collect();
        let s = best_of(3, || {
            pages
                .iter()
                .map(|h| extract(h, &HtmlConfig::default()).text.len())
                .sum::<usize>()
        });
        std::fs::create_dir_all(qdir.join("ours")).unwrap();
        for (n, h) in names.iter().zip(&pages) {
            let text = extract(h, &HtmlConfig::default()).text;
            std::fs::write(qdir.join(format!("ours/{n}.txt")), text).unwrap();
        }
        println!(
            "html quality set: {} pages, {:.1} MB, {:.0} docs/s (texts in {})",
            pages.len(),
            pages.iter().map(String::len).sum::<usize>() as f64 / 1e6,
            pages.len() as f64 / s,
            qdir.join("ours").display()
        );
    }

    // HTML extraction over real pages: the first 300 `*.html` files over 4 KiB under
    // /usr/share (Debian package documentation), sorted by path.
    let mut pages = Vec::new();
    let mut stack = vec![std::path::PathBuf::from("/usr/share")];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html")
                && e.metadata().is_ok_and(|m| m.len() > 4096)
            {
                pages.push(p);
            }
        }
    }
    pages.sort();
    pages.truncate(300);
    let html: Vec<String> = pages
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    if !html.is_empty() {
        let hmb = html.iter().map(String::len).sum::<usize>() as f64 / 1e6;
        let s = best_of(3, || {
            html.iter()
                .map(|h| extract(h, &HtmlConfig::default()).text.len())
                .sum::<usize>()
        });
        let chars: usize = html
            .iter()
            .map(|h| extract(h, &HtmlConfig::default()).text.chars().count())
            .sum();
        println!(
            "html extract: {} pages, {hmb:.1} MB, {:.0} docs/s, {:.1} MB/s, {chars} text chars",
            html.len(),
            html.len() as f64 / s,
            hmb / s
        );

        // Byte-level BPE on real, little-repeated text: the paragraphs extracted from those
        // pages, a 16k vocabulary trained on them. The ids are checked equal on the way.
        let paras: Vec<String> = html
            .iter()
            .flat_map(|h| {
                extract(h, &HtmlConfig::default())
                    .text
                    .split("\n\n")
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|p| !p.trim().is_empty())
            .collect();
        let paras: Vec<&str> = paras.iter().map(String::as_str).collect();
        let pmb = paras.iter().map(|p| p.len()).sum::<usize>() as f64 / 1e6;
        let big = TextTokenizer::train(
            &TrainConfig::new(ModelKind::Bpe, 16_384),
            paras.iter().copied(),
        )
        .unwrap();
        assert!(big.is_fast_path());
        let want: Vec<Vec<u32>> = big
            .inner()
            .encode_batch_fast(paras.clone(), false)
            .unwrap()
            .iter()
            .map(|e| e.get_ids().to_vec())
            .collect();
        assert_eq!(big.encode_batch(&paras).unwrap(), want);
        let (mut fast, mut direct) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..3 {
            fast = fast.min(best_of(1, || big.encode_batch(&paras).unwrap().len()));
            direct = direct.min(best_of(1, || {
                big.inner()
                    .encode_batch_fast(paras.clone(), false)
                    .unwrap()
                    .len()
            }));
        }
        println!(
            "batch encoding {} paragraphs of Debian docs ({pmb:.1} MB), BPE 16k: fast path {:.1} ms \
             ({:.1} MB/s), tokenizers direct {:.1} ms ({:.2}x), ids equal",
            paras.len(),
            fast * 1e3,
            pmb / fast,
            direct * 1e3,
            direct / fast
        );
    }
}
