use dataprep_audio::features::{FeatureConfig, Preset};
use dataprep_audio::stages::*;
use dataprep_audio::wav;
use dataprep_core::*;

use super::common::*;

fn records() -> Vec<Record> {
    let good = std::fs::read(data("fixture_44k_stereo.flac")).unwrap();
    let wav16 = wav::encode_pcm16(&[tone(300.0, 16000, 0.5, 0.3)], 16000).unwrap();
    vec![
        Record::new().with_key("a").with("audio", good),
        Record::new()
            .with_key("b")
            .with("audio", b"RIFF\x00\x00garbage".to_vec()),
        Record::new().with_key("c").with("audio", wav16),
        Record::new().with_key("d").with("audio", Vec::<u8>::new()),
    ]
}

#[test]
fn decode_and_features_in_a_pipeline_set_bad_records_aside() {
    let ds = VecDataset::new(records());
    let mut out = VecSink::default();
    let summary = Pipeline::new(&ds)
        .stage(DecodeAudioStage::default().with_target_sr(16000))
        .stage(
            AudioFeaturesStage::new(
                FeatureConfig::preset(Preset::Kaldi, 16000),
                FeatureKind::LogMel,
                "fbank",
            )
            .unwrap(),
        )
        .with_error_policy(ErrorPolicy::Skip(ErrorBudget::unlimited()))
        .sink(&mut out)
        .run()
        .unwrap();
    assert_eq!(summary.written, 2);
    let recs = out.records();
    assert_eq!(recs[0].key(), "a");
    assert_eq!(recs[0].u64("sample_rate").unwrap(), 16000);
    assert_eq!(recs[0].u64("channels").unwrap(), 2);
    assert_eq!(recs[0].str("codec").unwrap(), "flac");
    let fb = recs[0].tensor("fbank").unwrap();
    assert_eq!(fb.shape(), &[48, 80]);
    assert!(!recs[0].contains("audio"));
}

#[test]
fn stage_errors_are_record_errors() {
    let cx = Context::new("decode_audio", 0);
    let mut r = Record::new().with_key("x").with("audio", vec![1u8, 2, 3]);
    let e = DecodeAudioStage::default()
        .process(&mut r, &cx)
        .unwrap_err();
    assert_eq!(e.kind, RecordErrorKind::Parse);
    let mut r = Record::new().with_key("x").with("other", 1i64);
    assert!(DecodeAudioStage::default().process(&mut r, &cx).is_err());
}

#[test]
fn vad_segments_and_augment_are_deterministic() {
    let (x, _) = speech();
    let mut sig = vec![0.0f32; 16000];
    sig.extend_from_slice(&x);
    sig.extend(vec![0.0f32; 16000]);
    let bytes = wav::encode_pcm16(&[sig], 16000).unwrap();
    let rec = Record::new().with_key("s").with("audio", bytes);
    let cx = Context::new("decode_audio", 0);
    let mut r = rec.clone();
    DecodeAudioStage::default().process(&mut r, &cx).unwrap();
    let seg = VadSegmentsStage {
        vad: Default::default(),
    };
    let Action::Replace(segs) = seg
        .process(&mut r.clone(), &Context::new("vad", 0))
        .unwrap()
    else {
        panic!()
    };
    assert!(!segs.is_empty());
    assert_eq!(segs[0].key(), "s_0000");
    assert!(segs[0].f64("start_s").unwrap() >= 0.9 && segs[0].f64("start_s").unwrap() < 1.2);
    let aug = AugmentAudioStage::default();
    let (mut a, mut b) = (r.clone(), r.clone());
    aug.process(&mut a, &Context::new("aug", 42)).unwrap();
    aug.process(&mut b, &Context::new("aug", 42)).unwrap();
    assert_eq!(a, b);
    let mut c = r.clone();
    aug.process(&mut c, &Context::new("aug", 43)).unwrap();
    assert_ne!(a.tensor("samples").unwrap(), c.tensor("samples").unwrap());
    let mut d = r.clone();
    DenoiseStage {
        config: Default::default(),
    }
    .process(&mut d, &cx)
    .unwrap();
    assert_eq!(
        d.tensor("samples").unwrap().shape(),
        r.tensor("samples").unwrap().shape()
    );
}

#[test]
fn subtitle_segments_cut_by_cues() {
    let x: Vec<f32> = (0..16000).map(|i| i as f32 / 16000.0).collect();
    let r = Record::new()
        .with_key("ep1")
        .with("samples", Tensor::f32(vec![16000], x).unwrap())
        .with("sample_rate", Value::UInt(16000))
        .with(
            "subtitles",
            "WEBVTT\n\n00:00.250 --> 00:00.500\nhello\n\nbroken --> cue\nx\n\n00:00.750 --> 00:02.000\n<v A>world</v>\n",
        );
    let st = SubtitleSegmentsStage::default();
    let Action::Replace(out) = st
        .process(&mut r.clone(), &Context::new("subs", 0))
        .unwrap()
    else {
        panic!("expected segments")
    };
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].str("text").unwrap(), "hello");
    assert_eq!(out[0].tensor("samples").unwrap().shape(), &[4000]);
    assert_eq!(out[1].str("text").unwrap(), "world");
    assert_eq!(out[1].tensor("samples").unwrap().shape(), &[4000]); // clamped at the end
    assert_eq!(out[1].score("subs", "skipped_cues"), Some(1.0));
    let mut empty = r.clone();
    empty.set("subtitles", "nothing here");
    assert_eq!(
        st.process(&mut empty, &Context::new("subs", 0)).unwrap(),
        Action::drop("no_cues")
    );
}
