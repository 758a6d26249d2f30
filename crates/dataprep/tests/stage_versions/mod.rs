//! Every crate's stages fingerprint with the crate that defines them: `Stage::version` has no
//! default (a default in dataprep-core named core's version for the stages of every other
//! crate, so a change of dataprep-text kept the fingerprints, and the cached outputs, of its
//! stages).

use dataprep::core::{Stage, StatefulStage};

fn crate_of(version: &str) -> &str {
    version.split('/').next().unwrap_or_default()
}

#[test]
fn each_stage_names_its_own_crate_in_its_fingerprint() {
    let stages: Vec<(&str, Box<dyn Stage>)> = vec![
        (
            "dataprep-text",
            Box::new(dataprep::text::langid::LanguageIdStage::default()),
        ),
        (
            "dataprep-quality",
            Box::new(dataprep::quality::pii::PiiStage::new(Default::default())),
        ),
        (
            "dataprep-split",
            Box::new(dataprep::split::hash::HashSplitStage::new(
                dataprep::split::hash::HashSplit::new([("train", 0.9), ("test", 0.1)]).unwrap(),
            )),
        ),
        (
            "dataprep-audio",
            Box::new(dataprep::audio::stages::DecodeAudioStage::default()),
        ),
        (
            "dataprep-image",
            Box::new(dataprep::image::stages::PrepareImageStage::default()),
        ),
        (
            "dataprep-video",
            Box::new(dataprep::video::stages::ProbeVideoStage::new(
                Default::default(),
            )),
        ),
    ];
    for (want, stage) in &stages {
        assert_eq!(crate_of(stage.version()), *want, "{}", stage.name());
        assert!(stage.version().ends_with(env!("CARGO_PKG_VERSION")));
    }
    let distinct = dataprep::core::stages::DistinctStage::new("text");
    assert_eq!(crate_of(StatefulStage::version(&distinct)), "dataprep-core");
    // Closure stages carry the version their author gives them.
    let map =
        dataprep::core::MapStage::new("m", (), |_: &mut dataprep::core::Record, _: &_| Ok(()));
    assert_eq!(crate_of(map.version()), "dataprep-core");
    let mine = map.with_version("my-crate/2.0.0");
    assert_eq!(mine.version(), "my-crate/2.0.0");
    assert_ne!(
        mine.fingerprint(),
        dataprep::core::MapStage::new("m", (), |_: &mut dataprep::core::Record, _: &_| Ok(()))
            .fingerprint()
    );
}
