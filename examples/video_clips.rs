//! Video clips: probe videos, detect shots as PySceneDetect does, write cuts, clips and sampled
//! frames.
//!
//! ```text
//! cargo run --release -p dataprep --example video_clips            # generated sample video
//! cargo run --release -p dataprep --example video_clips -- \
//!     --input FILE|DIR --output DIR [--detector content|adaptive]
//!     [--precision low|keyframe_adjusted|exact] [--min-length S] [--max-length S] [--subtitles]
//! ```
//!
//! `--help` lists the flags and their defaults; `RUST_LOG` sets the log level (default `info`,
//! on stderr).
//!
//! For every video under `--input` (recursively; recognised by content with FFmpeg's probe,
//! whatever the extension: MP4, MOV, MKV, WebM, AVI, MPEG-PS `.mpg`, MPEG-TS `.ts`/`.m2ts`, FLV,
//! WMV, 3GP, OGV …), in `--output` (default `target/video-clips-example/out`), `<file name>`
//! being the path relative to `--input`:
//! - `<file name>/cuts.json`: `{"fps", "frames", "cuts_frames": [...], "cuts_seconds": [...]}`,
//!   a cut being the first frame of a new scene (content detector with PySceneDetect's defaults:
//!   threshold 27, min scene length 15 frames; or the adaptive one);
//! - `<file name>/clips/clip-NNNN.<ext>`: one clip per scene, stream-copied (no re-encoding;
//!   each starts at the keyframe at or before the scene start, video2dataset's "low" precision);
//!   `--precision keyframe_adjusted` moves the boundaries to keyframes so the copy is exact,
//!   `--precision exact` re-encodes with H.264; `--min-length` / `--max-length` drop scenes not
//!   longer than S seconds and split longer ones, as video2dataset does;
//! - `<file name>/clips.json`: per clip the planned and actual times, first frame and frame count;
//! - with `--subtitles`, `<file name>/subtitles.json`: the cues of the first subtitle stream (or
//!   sidecar `.srt` / `.vtt`), each with its first and last frame, and the cues of each clip
//!   re-based to the clip start;
//! - `<file name>/frames-000000.tar`: frames sampled at 1 fps as a WebDataset shard, one sample
//!   per frame: `KEY.jpg` and `KEY.json` (`source`, `frame`, `time_s`, `scene`, `width`,
//!   `height`);
//! - `<file name>/probe.json`: the probed metadata;
//! - `metadata.jsonl`: one line per file under `--input`, in path order: `path`, `container`,
//!   `frames`, `fps`, `cuts`, `clips` for a video processed; `path` and `error` for one that
//!   failed; `path`, `"skipped": true` and `reason` (`not_video: detected png image`,
//!   `probe_failed: …`, `empty: empty file`) for a file that is not a video.
//!
//! The summary counts processed + skipped + failed = files under `--input`. With no arguments it
//! generates a 6-second video with four cuts via the `ffmpeg` CLI under `target/` first.

#[path = "common/cli.rs"]
pub(crate) mod cli;

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory, Parser};
use dataprep::prelude::*;
use dataprep::storage::sniff::MediaKind;
use dataprep::storage::{MediaFolder, WdsMapping, WebDatasetWriter};
use dataprep::video::clips::{ClipConfig, ClipPrecision, write_clips};
use dataprep::video::subtitles::{
    SubtitleTrack, align_to_frames, cues_for_clips, read_sidecar, read_subtitle_stream,
    sidecar_files,
};
use dataprep::video::{
    ExtractConfig, FrameReader, FrameTimes, Sampling, ShotConfig, detect_shots, probe, probe_video,
};

/// Containers a clip keeps from its source; clips of any other video are written as Matroska.
const EXTS: &[&str] = &["mp4", "mkv", "mov", "webm", "avi", "m4v", "3gp", "3g2"];

fn sample_video(dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let p = dir.join("sample.mp4");
    let parts = [
        "testsrc",
        "smptebars",
        "testsrc2",
        "rgbtestsrc",
        "mandelbrot",
    ];
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]);
    for s in parts {
        cmd.args([
            "-f",
            "lavfi",
            "-t",
            "1.2",
            "-i",
            &format!("{s}=size=320x180:rate=25"),
        ]);
    }
    let mut graph = String::new();
    for i in 0..parts.len() {
        graph += &format!("[{i}:v]scale=320:180,setsar=1,format=yuv420p,fps=25[v{i}];");
    }
    for i in 0..parts.len() {
        graph += &format!("[v{i}]");
    }
    graph += &format!("concat=n={}:v=1:a=0[out]", parts.len());
    cmd.args([
        "-filter_complex",
        &graph,
        "-map",
        "[out]",
        "-c:v",
        "libx264",
        "-preset",
    ]);
    cmd.args(["veryfast", "-g", "25", "-pix_fmt", "yuv420p"])
        .arg(&p);
    let st = cmd.status()?;
    if !st.success() {
        return Err("ffmpeg failed to generate the sample video".into());
    }
    Ok(p)
}

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "video_clips",
    version,
    about = "Probe videos, detect shots as PySceneDetect does, and write cuts, one clip per scene \
             (stream-copied or re-encoded), 1 fps frames as WebDataset shards and subtitle cues.",
    after_help = "Without --input it generates a 6-second video with four cuts via the ffmpeg CLI \
                  under target/. Log level: RUST_LOG (default info), on stderr."
)]
pub(crate) struct Args {
    /// A video, or a folder of videos (mp4, mkv, mov, webm, avi, m4v) [default: a generated
    /// sample]
    #[arg(long, value_name = "FILE|DIR")]
    pub(crate) input: Option<PathBuf>,
    /// Output folder
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/video-clips-example/out"
    )]
    pub(crate) output: PathBuf,
    /// Shot detector (content: threshold 27, min scene 15 frames, PySceneDetect's defaults)
    #[arg(
        long,
        value_name = "DETECTOR",
        default_value = "content",
        value_parser = PossibleValuesParser::new(["content", "adaptive"]).map(|s| {
            if s == "adaptive" {
                ShotConfig::adaptive()
            } else {
                ShotConfig::default()
            }
        })
    )]
    pub(crate) detector: ShotConfig,
    /// Clip boundaries: low (stream copy from the keyframe before), keyframe_adjusted (moved to
    /// keyframes) or exact (re-encoded with H.264)
    #[arg(
        long,
        value_name = "PRECISION",
        default_value = "low",
        value_parser = PossibleValuesParser::new(["low", "keyframe_adjusted", "exact"]).map(|s| {
            match s.as_str() {
                "keyframe_adjusted" => ClipPrecision::KeyframeAdjusted,
                "exact" => ClipPrecision::Exact,
                _ => ClipPrecision::Low,
            }
        })
    )]
    pub(crate) precision: ClipPrecision,
    /// Drop scenes not longer than S seconds
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub(crate) min_length: f64,
    /// Split scenes longer than S seconds [default: no limit]
    #[arg(long, value_name = "S")]
    pub(crate) max_length: Option<f64>,
    /// Also write the subtitle cues (stream or sidecar .srt / .vtt) per clip
    #[arg(long)]
    pub(crate) subtitles: bool,
}

impl Args {
    /// The clip settings of `--precision`, `--min-length` and `--max-length`, checked.
    pub(crate) fn clip_config(&self) -> Result<ClipConfig, clap::Error> {
        let clips = ClipConfig::default()
            .with_precision(self.precision)
            .with_lengths(self.min_length, self.max_length);
        clips.validate().map_err(|e| {
            Args::command().error(
                clap::error::ErrorKind::ValueValidation,
                format!("--min-length / --max-length: {e}"),
            )
        })?;
        Ok(clips)
    }
}

/// Options beyond the shot detector.
struct Opts {
    clips: ClipConfig,
    subtitles: bool,
}

/// The first subtitle stream, else the first sidecar file, if any.
fn subtitles_of(video: &Path) -> Result<Option<SubtitleTrack>, Box<dyn Error>> {
    if probe(video)?.has_subtitles() {
        return Ok(Some(read_subtitle_stream(video, None)?));
    }
    Ok(match sidecar_files(video)?.first() {
        Some((p, _)) => Some(read_sidecar(p, 16 << 20)?),
        None => None,
    })
}

/// The clip container for a source whose extension is not one of [`EXTS`], from the container
/// FFmpeg probed: MPEG-TS and MPEG-PS stay as they are (stream copies of their codecs into
/// Matroska fail on the codec tags), ISO media become MP4, the rest Matroska.
fn clip_container(probed: &str) -> &'static str {
    match probed {
        "mpegts" => "ts",
        "mpeg" => "mpg",
        c if c.starts_with("mov,mp4") => "mp4",
        _ => "mkv",
    }
}

/// One file under the input: a video to process (relative name, path), or one skipped with the
/// reason. In path order.
pub(crate) enum Entry {
    Video(String, PathBuf),
    Skipped(String, String),
}

/// The videos under `input` (a folder, walked by content with FFmpeg's probe; or one file).
pub(crate) fn walk(input: &Path) -> Result<Vec<Entry>, Box<dyn Error>> {
    if !input.is_dir() {
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "video".into());
        return Ok(vec![Entry::Video(name, input.to_path_buf())]);
    }
    let folder = MediaFolder::new(input)
        .with_kind(MediaKind::Video)
        .with_probe(|p, _| {
            probe_video(p)
                .map(|i| i.container)
                .map_err(|e| e.to_string())
        })
        .build()?;
    let mut entries: Vec<Entry> = (0..folder.files().len())
        .map(|i| Entry::Video(folder.files()[i].clone(), folder.path(i)))
        .chain(
            folder
                .skipped()
                .iter()
                .map(|s| Entry::Skipped(s.path.clone(), s.reason.to_string())),
        )
        .collect();
    entries.sort_by(|a, b| {
        let key = |e: &Entry| match e {
            Entry::Video(n, _) | Entry::Skipped(n, _) => n.clone(),
        };
        key(a).cmp(&key(b))
    });
    Ok(entries)
}

fn process(
    video: &Path,
    name: &str,
    out: &Path,
    cfg: &ShotConfig,
    opts: &Opts,
) -> Result<serde_json::Value, Box<dyn Error>> {
    let dir = out.join(name);
    std::fs::create_dir_all(dir.join("clips"))?;
    let info = probe(video)?;
    std::fs::write(dir.join("probe.json"), serde_json::to_string_pretty(&info)?)?;
    let shots = detect_shots(video, cfg)?;
    let cuts = serde_json::json!({
        "fps": shots.fps,
        "frames": shots.frames,
        "cuts_frames": shots.cuts_frames,
        "cuts_seconds": shots.cuts_seconds,
    });
    std::fs::write(
        dir.join("cuts.json"),
        serde_json::to_string_pretty(&cuts)? + "\n",
    )?;
    let ext = video
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .filter(|e| EXTS.contains(&e.as_str()))
        .unwrap_or_else(|| clip_container(&info.container).into());
    let scenes = shots.scenes_seconds();
    let clip_cfg = opts.clips.clone().with_container(ext);
    let clips = write_clips(video, &scenes, dir.join("clips"), &clip_cfg)?;
    std::fs::write(
        dir.join("clips.json"),
        serde_json::to_string_pretty(&clips)? + "\n",
    )?;
    if opts.subtitles {
        let track = subtitles_of(video)?;
        let cues = track.as_ref().map(|t| t.cues.clone()).unwrap_or_default();
        let frames = align_to_frames(&cues, &FrameTimes::scan(video)?);
        let spans: Vec<(f64, f64)> = clips.iter().map(|c| (c.start_s, c.end_s)).collect();
        let per_clip = cues_for_clips(&cues, &spans);
        let json = serde_json::json!({
            "source": track.as_ref().map(|t| &t.source),
            "codec": track.as_ref().map(|t| &t.codec),
            "cues": cues.iter().zip(&frames).map(|(c, f)| serde_json::json!({
                "start_s": c.start_s,
                "end_s": c.end_s,
                "text": c.text,
                "first_frame": f.map(|f| f.first),
                "last_frame": f.map(|f| f.last),
            })).collect::<Vec<_>>(),
            "clips": per_clip,
        });
        std::fs::write(
            dir.join("subtitles.json"),
            serde_json::to_string_pretty(&json)? + "\n",
        )?;
    }
    let row = serde_json::json!({
        "path": name, "container": info.container, "frames": shots.frames, "fps": shots.fps,
        "cuts": shots.cuts_frames.len(), "clips": clips.len(),
    });
    let mut wds = WebDatasetWriter::new(dir.join("frames-000000.tar"))
        .with_mapping(WdsMapping::default().with_member("jpg", "jpg"))
        .build()?;
    for f in FrameReader::open(video, &ExtractConfig::new(Sampling::Fps(1.0)))? {
        let f = f?;
        let scene = shots.cuts_frames.iter().filter(|&&c| c <= f.index).count();
        let mut jpg = std::io::Cursor::new(Vec::new());
        f.image
            .write_to(&mut jpg, dataprep::video::image::ImageFormat::Jpeg)?;
        let rec = Record::new()
            .with_key(format!("{}_{:06}", name.replace(['.', '/'], "_"), f.index))
            .with("jpg", Value::Bytes(jpg.into_inner()))
            .with("source", video.display().to_string())
            .with("frame", f.index)
            .with("time_s", f.time_s)
            .with("scene", scene as u64)
            .with("width", u64::from(f.image.width()))
            .with("height", u64::from(f.image.height()));
        wds.write_record(&rec)?;
    }
    wds.finish()?;
    println!(
        "{}: {} frames at {} fps, cuts at frames {:?}, {} clips",
        video.display(),
        shots.frames,
        shots.fps,
        shots.cuts_frames,
        clips.len()
    );
    Ok(row)
}

fn main() -> std::process::ExitCode {
    cli::exit_code(try_main())
}

fn try_main() -> Result<(), Box<dyn Error>> {
    cli::init_tracing();
    let args = Args::parse();
    cli::require_input(args.input.as_deref())?;
    let opts = Opts {
        clips: args.clip_config().unwrap_or_else(|e| e.exit()),
        subtitles: args.subtitles,
    };
    let (input, output, cfg) = (args.input, args.output, args.detector);
    let input = match input {
        Some(p) => p,
        None => sample_video(Path::new("target/video-clips-example/in"))?,
    };
    std::fs::create_dir_all(&output)?;
    let mut meta = std::io::BufWriter::new(std::fs::File::create(output.join("metadata.jsonl"))?);
    let (mut ok, mut skipped, mut failed) = (0, 0, 0);
    for entry in walk(&input)? {
        let row = match entry {
            Entry::Video(name, v) => match process(&v, &name, &output, &cfg, &opts) {
                Ok(row) => {
                    ok += 1;
                    row
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("{}: {e}", v.display());
                    serde_json::json!({"path": name, "error": e.to_string()})
                }
            },
            Entry::Skipped(name, reason) => {
                skipped += 1;
                eprintln!("{name}: skipped ({reason})");
                serde_json::json!({"path": name, "skipped": true, "reason": reason})
            }
        };
        writeln!(meta, "{row}")?;
    }
    meta.flush()?;
    println!(
        "{ok} videos processed, {skipped} skipped, {failed} failed; output in {}",
        output.display()
    );
    Ok(())
}
